package dev.coffre.remote;

import java.io.IOException;

/** A vault cannot be opened; {@link #reason} tells the command line which exit code to use. */
public class VaultException extends IOException {
    public enum Reason { NOT_FOUND, NOT_A_VAULT, WRONG_PASSWORD, ALREADY_EXISTS, CONFLICT }

    private final Reason reason;

    public VaultException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
