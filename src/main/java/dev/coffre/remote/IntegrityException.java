package dev.coffre.remote;

import java.io.IOException;

/** Stored data failed authentication or is missing: never returned as data (EIO at the filesystem). */
public class IntegrityException extends IOException {
    public IntegrityException(String message) {
        super(message);
    }
}
