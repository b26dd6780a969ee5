package dev.coffre.remote.mega;

import java.io.IOException;

/**
 * An error the MEGA API (or a MEGA transfer server) answered, with its numeric code. The message names
 * the code, its meaning and the command, never a session id, key, password or URL.
 */
public class MegaException extends IOException {
    private final int code;
    private final String command;

    public MegaException(int code, String command) {
        this(code, command, null);
    }

    public MegaException(int code, String command, String detail) {
        super(message(code, command, detail));
        this.code = code;
        this.command = command;
    }

    private static String message(int code, String command, String detail) {
        MegaError error = MegaError.of(code);
        String name = error == MegaError.UNKNOWN ? "unknown error" : error.name() + " (" + error.description + ")";
        return "MEGA error " + code + " " + name + " in '" + command + "'" + (detail == null ? "" : ": " + detail);
    }

    public int code() {
        return code;
    }

    public MegaError error() {
        return MegaError.of(code);
    }

    public String command() {
        return command;
    }

    /** A retry after a delay may succeed (congestion, rate limit). */
    public boolean isTransient() {
        return error().transientError;
    }
}
