package dev.coffre.vfs;

/**
 * The filesystem's error vocabulary. Lower layers speak only in these (and in IOExceptions); the FUSE
 * front end translates them into errno values in one place, {@code dev.coffre.fuse.Errnos}.
 * NB: when adding a value, add it to that translation too.
 */
public enum FsError {
    NOT_FOUND, EXISTS, NOT_DIRECTORY, IS_DIRECTORY, NOT_EMPTY, INVALID, NAME_TOO_LONG, NOT_PERMITTED,
    BAD_HANDLE, NO_ATTRIBUTE, RANGE, TOO_BIG, NOT_SUPPORTED, BUSY, NO_SPACE, IO
}
