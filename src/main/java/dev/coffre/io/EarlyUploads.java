package dev.coffre.io;

/**
 * Uploads blocks of a file being written before the file is flushed, so that a large sequential write
 * is mostly uploaded by the time its writer calls fsync or the write-back commits it (implemented by
 * {@link WriteBack}). A block handed over must not change any more: its writer copies it to a new staged
 * block before writing to it again, and says so with {@link #abandon}.
 */
public interface EarlyUploads {
    /** The staged block {@code stagedId}, block {@code index} of {@code ino}, is full and final: start its upload. */
    void start(long ino, int index, String stagedId, int length);

    /**
     * The staged block will never be published (rewritten, truncated away, or dropped unflushed): remove what
     * its early upload stored, once that upload ends.
     */
    void abandon(String stagedId);
}
