package dev.coffre.vfs;

import java.io.IOException;

/**
 * A POSIX-level failure of one operation, such as "no such file". Carries no secret and no content.
 *
 * <p>These are answers, not faults (a missing name or attribute is asked about all the time: {@code ls -l}
 * asks every file for its SELinux label), so they carry no stack trace: filling one in cost more than the
 * rest of the request.
 */
public class FsException extends IOException {
    private final FsError error;

    public FsException(FsError error, String message) {
        super(message);
        this.error = error;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    public FsError error() {
        return error;
    }
}
