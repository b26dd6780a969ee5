package dev.coffre.cli;

/** A failure to report to the user as one line, with the process exit code to use. */
public class CliException extends Exception {
    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
