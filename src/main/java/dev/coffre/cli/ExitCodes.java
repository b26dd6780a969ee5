package dev.coffre.cli;

/** Process exit codes, documented in README and in every command's --help. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int ERROR = 1;
    public static final int USAGE = 2;
    public static final int WRONG_PASSWORD = 3;
    public static final int NO_VAULT = 4;
    public static final int MOUNT_FAILED = 5;
    public static final int INTEGRITY = 6;
    public static final int STORAGE = 7;

    /** Shown at the end of every command's --help. */
    public static final String HELP = "%nExit codes: 0 ok, 1 error, 2 usage error, 3 wrong password,"
            + " 4 vault not found or not a vault, 5 mount failed, 6 integrity failures found,"
            + " 7 storage refused or unreachable (credentials, permissions, bucket, network).";

    private ExitCodes() {
    }
}
