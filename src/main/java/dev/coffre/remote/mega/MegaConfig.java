package dev.coffre.remote.mega;

import java.time.Duration;

/**
 * How to reach MEGA. {@code apiUrl} is the API base (the real service by default; a test server's
 * address in tests). {@code transferTls} asks for https transfer URLs ({@code ssl:2}); content is
 * encrypted and MAC-checked either way, but TLS also hides which files are fetched. {@code requireSidHandle}
 * keeps the SDK's session-id check on; only test servers that predate it (mega-mock) need it off.
 * An upload sends pieces of up to {@code maxPostBytes}, {@code uploadConnections} at a time.
 */
public record MegaConfig(String apiUrl, boolean transferTls, boolean requireSidHandle, Backoff backoff,
                         int maxPostBytes, int uploadConnections, Duration requestTimeout, Duration waitTimeout) {
    public static final String DEFAULT_API_URL = "https://g.api.mega.co.nz/";

    public static MegaConfig defaults() {
        return new MegaConfig(DEFAULT_API_URL, true, true, Backoff.standard(), 8 * 1024 * 1024, 4,
                Duration.ofSeconds(60), Duration.ofMinutes(5));
    }

    public MegaConfig withApiUrl(String url) {
        return new MegaConfig(url, transferTls, requireSidHandle, backoff, maxPostBytes, uploadConnections, requestTimeout, waitTimeout);
    }

    public MegaConfig withTransferTls(boolean tls) {
        return new MegaConfig(apiUrl, tls, requireSidHandle, backoff, maxPostBytes, uploadConnections, requestTimeout, waitTimeout);
    }

    public MegaConfig withRequireSidHandle(boolean require) {
        return new MegaConfig(apiUrl, transferTls, require, backoff, maxPostBytes, uploadConnections, requestTimeout, waitTimeout);
    }

    public MegaConfig withBackoff(Backoff newBackoff) {
        return new MegaConfig(apiUrl, transferTls, requireSidHandle, newBackoff, maxPostBytes, uploadConnections, requestTimeout, waitTimeout);
    }

    public MegaConfig withMaxPostBytes(int bytes) {
        return new MegaConfig(apiUrl, transferTls, requireSidHandle, backoff, bytes, uploadConnections, requestTimeout, waitTimeout);
    }

    public MegaConfig withUploadConnections(int connections) {
        return new MegaConfig(apiUrl, transferTls, requireSidHandle, backoff, maxPostBytes, connections, requestTimeout, waitTimeout);
    }

    public MegaConfig withWaitTimeout(Duration timeout) {
        return new MegaConfig(apiUrl, transferTls, requireSidHandle, backoff, maxPostBytes, uploadConnections, requestTimeout, timeout);
    }
}
