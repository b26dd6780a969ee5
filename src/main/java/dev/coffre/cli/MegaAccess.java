package dev.coffre.cli;

import dev.coffre.remote.IntegrityException;
import dev.coffre.remote.mega.MegaClient;
import dev.coffre.remote.mega.MegaConfig;
import dev.coffre.remote.mega.MegaCredentials;
import dev.coffre.remote.mega.MegaError;
import dev.coffre.remote.mega.MegaException;

import java.io.Console;
import java.io.IOException;
import java.util.Optional;

/**
 * Reaching a MEGA account from the command line: credentials ({@code MEGA_EMAIL}, {@code MEGA_PASSWORD},
 * else prompts on a terminal, the password without echo), the two-factor code, the saved session, and MEGA's
 * failures turned into exit codes and one-line messages. Passwords, keys and session ids never reach argv,
 * a log line or a message.
 */
final class MegaAccess {
    static final String EMAIL_VARIABLE = "MEGA_EMAIL";
    static final String PASSWORD_VARIABLE = "MEGA_PASSWORD";

    private MegaAccess() {
    }

    /** The folder a MEGA remote names ({@code mega:} is the Cloud Drive, {@code mega:/A/B} a folder in it), or a usage error. */
    static String folderOf(String remote, String command) throws CliException {
        if (remote == null || !remote.startsWith("mega:")) {
            throw new CliException(ExitCodes.USAGE, "coffre " + command + " works on MEGA accounts: write mega:"
                    + (remote == null ? "" : " (not " + remote + ")"));
        }
        String path = remote.substring("mega:".length());
        return path.isEmpty() ? "/" : (path.startsWith("/") ? path : "/" + path);
    }

    /** E-mail and password from the environment, else asked on the terminal; a usage error when neither can be. */
    static MegaCredentials credentials(String knownEmail, String twoFactorCode) throws CliException {
        String email = System.getenv(EMAIL_VARIABLE);
        if (email == null || email.isBlank()) {
            email = knownEmail;
        }
        Console console = System.console();
        if (email == null || email.isBlank()) {
            if (console == null) {
                throw noCredentials();
            }
            email = console.readLine("MEGA e-mail: ");
            if (email == null || email.isBlank()) {
                throw new CliException(ExitCodes.USAGE, "no MEGA e-mail given");
            }
        }
        char[] password;
        String fromEnvironment = System.getenv(PASSWORD_VARIABLE);
        if (fromEnvironment != null) {
            password = fromEnvironment.toCharArray();
        } else if (console != null) {
            password = console.readPassword("MEGA password for %s: ", email.strip());
            if (password == null) {
                throw new CliException(ExitCodes.USAGE, "no MEGA password given");
            }
        } else {
            throw noCredentials();
        }
        if (password.length == 0) {
            throw new CliException(ExitCodes.USAGE, "the MEGA password is empty");
        }
        return new MegaCredentials(email.strip(), password, blankToNull(twoFactorCode));
    }

    /** True when a password can be had without failing: in the environment, or on a terminal. */
    static boolean credentialsAvailable() {
        return System.getenv(PASSWORD_VARIABLE) != null || System.console() != null;
    }

    private static CliException noCredentials() {
        return new CliException(ExitCodes.USAGE, "no MEGA credentials: set " + EMAIL_VARIABLE + " and " + PASSWORD_VARIABLE
                + ", or run on a terminal to be asked");
    }

    /** Logs in; when MEGA asks for a two-factor code that was not given, asks for it on the terminal. */
    static MegaClient login(MegaConfig config, MegaCredentials credentials) throws CliException {
        try {
            return MegaClient.login(config, credentials);
        } catch (MegaException e) {
            Console console = System.console();
            if (e.code() == MegaError.EMFAREQUIRED.code && credentials.twoFactorCode() == null && console != null) {
                String code = console.readLine("MEGA two-factor code: ");
                if (code == null || code.isBlank()) {
                    throw new CliException(ExitCodes.USAGE, "no two-factor code given");
                }
                return login(config, new MegaCredentials(credentials.email(), credentials.password(), code.strip()));
            }
            throw translate(e);
        } catch (IOException e) {
            throw translate(e);
        }
    }

    /**
     * The account, through the saved session when there is one (logging in again when it has expired and a
     * password can be had, saving the new session), else by logging in with the credentials.
     */
    static MegaClient open(MegaOptions options) throws CliException {
        MegaConfig config = options.config();
        Optional<MegaSessions.Saved> saved = MegaSessions.load(config.apiUrl());
        if (saved.isEmpty()) {
            if (!credentialsAvailable()) {
                throw new CliException(ExitCodes.USAGE, "not logged in to MEGA: run coffre login mega: first (or set "
                        + EMAIL_VARIABLE + " and " + PASSWORD_VARIABLE + ")");
            }
            return login(config, credentials(null, options.twoFactorCode));
        }
        String email = saved.get().email();
        MegaClient client;
        try {
            client = MegaClient.resume(config, saved.get().session(), () -> {
                if (!credentialsAvailable()) {
                    throw new MegaException(MegaError.ESID.code, "session", "the saved session has expired: run"
                            + " coffre login mega: again (or set " + PASSWORD_VARIABLE + ")");
                }
                try {
                    return credentials(email, options.twoFactorCode);
                } catch (CliException e) {
                    throw new IOException(e.getMessage());
                }
            });
        } catch (IOException e) {
            throw translate(e);
        }
        if (!client.session().sid().equals(saved.get().session().sid())) {
            MegaSessions.save(config.apiUrl(), email, client.session()); // logged in again: keep the new session
        }
        return client;
    }

    /** MEGA's failures as exit codes: 3 wrong password, 6 integrity, 2 missing 2FA code, 7 refused or unreachable. */
    static CliException translate(IOException e) {
        if (e instanceof IntegrityException) {
            return new CliException(ExitCodes.INTEGRITY, e.getMessage());
        }
        if (e instanceof MegaException mega) {
            if (mega.command().equals("us") && mega.code() == MegaError.ENOENT.code) {
                return new CliException(ExitCodes.WRONG_PASSWORD, "MEGA refused the login: wrong e-mail or password");
            }
            if (mega.code() == MegaError.EMFAREQUIRED.code) {
                return new CliException(ExitCodes.USAGE, e.getMessage() + " (pass --mega-2fa CODE, or run on a terminal)");
            }
            return new CliException(ExitCodes.STORAGE, e.getMessage());
        }
        return new CliException(ExitCodes.STORAGE, "MEGA could not be reached: " + e.getMessage());
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.strip();
    }
}
