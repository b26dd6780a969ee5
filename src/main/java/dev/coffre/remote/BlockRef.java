package dev.coffre.remote;

/**
 * One stored content block: the object id (32 hex digits) and how many plaintext bytes it holds.
 * Bytes of the block past {@code length} (up to the block size or the file size) read as zeros.
 */
public record BlockRef(String id, int length) {
}
