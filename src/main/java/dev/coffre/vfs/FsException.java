package dev.coffre.vfs;

import java.io.IOException;

/** A POSIX-level failure of one operation, such as "no such file". Carries no secret and no content. */
public class FsException extends IOException {
    private final FsError error;

    public FsException(FsError error, String message) {
        super(message);
        this.error = error;
    }

    public FsError error() {
        return error;
    }
}
