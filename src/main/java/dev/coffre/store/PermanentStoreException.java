package dev.coffre.store;

import java.io.IOException;

/** A store failure that retrying will not fix (access denied, quota exceeded, object too large). */
public class PermanentStoreException extends IOException {
    public PermanentStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
