package dev.coffre.cli;

import dev.coffre.remote.mega.MegaConfig;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/** Options of every command that talks to MEGA: where its API is, and a two-factor code. */
final class MegaOptions {
    static final String API_VARIABLE = "MEGA_API_URL";

    @Option(names = "--mega-api", paramLabel = "URL",
            description = "MEGA API base URL (default: $MEGA_API_URL, else " + MegaConfig.DEFAULT_API_URL
                    + "). https, or http to a loopback address (a test server).")
    String api;

    @Option(names = "--mega-2fa", paramLabel = "CODE",
            description = "The current six-digit two-factor code, for accounts that have one (else asked on a terminal"
                    + " when MEGA wants it).")
    String twoFactorCode;

    /** The API base URL the options and the environment name, checked. */
    String apiUrl() throws CliException {
        String url = firstOf(api, System.getenv(API_VARIABLE), MegaConfig.DEFAULT_API_URL);
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "the MEGA API URL is not a URL: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new CliException(ExitCodes.USAGE, "the MEGA API URL must be https://HOST/...: " + url);
        }
        if (scheme.equals("http") && !isLoopback(uri.getHost())) {
            throw new CliException(ExitCodes.USAGE, "the MEGA API URL " + url + " is plain http to another machine;"
                    + " use https (plain http is accepted only to a loopback address)");
        }
        return url.endsWith("/") ? url : url + "/";
    }

    /**
     * Test only: set to 1 to accept session ids without the user's handle (mega-mock's), the way the library
     * tests do. Honoured only with a plain-http loopback API URL, so it can never weaken a real login.
     */
    static final String RELAX_SID_VARIABLE = "COFFRE_TEST_MEGA_SID_WITHOUT_HANDLE";

    /** The client settings: transfers over https, except from a plain-http (loopback) test server. */
    MegaConfig config() throws CliException {
        String url = apiUrl();
        MegaConfig config = MegaConfig.defaults().withApiUrl(url).withTransferTls(url.startsWith("https:"));
        if ("1".equals(System.getenv(RELAX_SID_VARIABLE)) && url.startsWith("http:")) {
            config = config.withRequireSidHandle(false);
        }
        return config;
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String firstOf(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        return null;
    }
}
