package dev.coffre.fuse;

import dev.coffre.remote.IntegrityException;
import dev.coffre.vfs.FsException;
import ru.serce.jnrfuse.ErrorCodes;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The one place where coffre's errors become errno values. */
final class Errnos {
    private static final Logger LOG = Logger.getLogger(Errnos.class.getName());
    /** Integrity failures seen while mounted (for status). */
    static final AtomicLong INTEGRITY_FAILURES = new AtomicLong();

    private Errnos() {
    }

    /** The negated errno for a failed callback; logs what the user must know about. */
    static int of(Throwable error, String operation, String path) {
        if (error instanceof FsException fs) {
            return -errno(fs);
        }
        if (error instanceof IntegrityException) {
            INTEGRITY_FAILURES.incrementAndGet();
            LOG.severe(() -> "INTEGRITY: " + operation + " " + path + ": " + error.getMessage());
            return -ErrorCodes.EIO();
        }
        if (error instanceof IOException && String.valueOf(error.getMessage()).contains("No space left on device")) {
            LOG.warning(() -> operation + " " + path + ": local disk full");
            return -ErrorCodes.ENOSPC();
        }
        LOG.log(Level.WARNING, operation + " " + path + " failed", error);
        return -ErrorCodes.EIO();
    }

    private static int errno(FsException e) {
        return switch (e.error()) {
            case NOT_FOUND -> ErrorCodes.ENOENT();
            case EXISTS -> ErrorCodes.EEXIST();
            case NOT_DIRECTORY -> ErrorCodes.ENOTDIR();
            case IS_DIRECTORY -> ErrorCodes.EISDIR();
            case NOT_EMPTY -> ErrorCodes.ENOTEMPTY();
            case INVALID -> ErrorCodes.EINVAL();
            case NAME_TOO_LONG -> ErrorCodes.ENAMETOOLONG();
            case NOT_PERMITTED -> ErrorCodes.EPERM();
            case BAD_HANDLE -> ErrorCodes.EBADF();
            case NO_ATTRIBUTE -> ErrorCodes.ENODATA();
            case RANGE -> ErrorCodes.ERANGE();
            case TOO_BIG -> ErrorCodes.E2BIG();
            case NOT_SUPPORTED -> ErrorCodes.EOPNOTSUPP();
            case BUSY -> ErrorCodes.EBUSY();
            case NO_SPACE -> ErrorCodes.ENOSPC();
            case IO -> ErrorCodes.EIO();
        };
    }
}
