package dev.coffre.vfs;

import dev.coffre.io.OpenFile;
import dev.coffre.io.ReadAhead;

/** One open() of a regular file: cheap, many per {@link OpenFile}. */
record FileHandle(long id, long ino, OpenFile file, boolean writable, ReadAhead readAhead) {
}
