package dev.coffre.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

/** Attribute timeouts written into replies laid out as the kernel's fuse_entry_out and fuse_attr_out. */
class AttributeCachingTest {
    private static final int LOOKUP = 1;
    private static final int GETATTR = 3;
    private static final int READ = 15;
    private static final int REGULAR = 0100644;
    private static final int DIRECTORY = 0040755;
    private static final long UNTOUCHED = 77;

    private final Runtime runtime = Runtime.getSystemRuntime();

    private Pointer header(int error) {
        Pointer header = Memory.allocateDirect(runtime, 16, true);
        header.putInt(4, error);
        return header;
    }

    /** fuse_entry_out: nodeid at 0, attr_valid at 24, attr at 40 (mode at +60, nlink at +64). */
    private Pointer entry(long nodeid, int mode, int nlink) {
        Pointer entry = Memory.allocateDirect(runtime, 128, true);
        entry.putLong(0, nodeid);
        entry.putLong(24, UNTOUCHED);
        entry.putInt(36, 5);
        entry.putInt(40 + 60, mode);
        entry.putInt(40 + 64, nlink);
        return entry;
    }

    /** fuse_attr_out: attr_valid at 0, attr at 16. */
    private Pointer attrOut(int mode, int nlink) {
        Pointer out = Memory.allocateDirect(runtime, 104, true);
        out.putLong(0, UNTOUCHED);
        out.putInt(16 + 60, mode);
        out.putInt(16 + 64, nlink);
        return out;
    }

    @Test
    void filesWithOneNameAndDirectoriesAreCachedHardLinkedFilesAreNot() {
        Pointer single = entry(9, REGULAR, 1);
        AttributeCaching.adjust(LOOKUP, header(0), single, 128);
        assertEquals(AttributeCaching.SECONDS, single.getLong(24));
        assertEquals(0, single.getInt(36), "nanoseconds part reset");

        Pointer linked = entry(9, REGULAR, 2);
        AttributeCaching.adjust(LOOKUP, header(0), linked, 128);
        assertEquals(0, linked.getLong(24), "a file with two names: another name may change it");

        Pointer directory = entry(9, DIRECTORY, 7);
        AttributeCaching.adjust(LOOKUP, header(0), directory, 128);
        assertEquals(AttributeCaching.SECONDS, directory.getLong(24));

        Pointer attr = attrOut(REGULAR, 3);
        AttributeCaching.adjust(GETATTR, header(0), attr, 104);
        assertEquals(0, attr.getLong(0));
        Pointer attrSingle = attrOut(REGULAR, 1);
        AttributeCaching.adjust(GETATTR, header(0), attrSingle, 104);
        assertEquals(AttributeCaching.SECONDS, attrSingle.getLong(0));
    }

    @Test
    void otherRepliesAreLeftAlone() {
        Pointer negative = entry(0, 0, 0);
        AttributeCaching.adjust(LOOKUP, header(0), negative, 128);
        assertEquals(UNTOUCHED, negative.getLong(24), "a negative lookup keeps libfuse's timeouts");

        Pointer failed = entry(9, REGULAR, 1);
        AttributeCaching.adjust(LOOKUP, header(-2), failed, 128);
        assertEquals(UNTOUCHED, failed.getLong(24), "an error reply");

        Pointer data = entry(9, REGULAR, 1);
        AttributeCaching.adjust(READ, header(0), data, 128);
        assertEquals(UNTOUCHED, data.getLong(24), "file content that happens to look like an entry");

        Pointer shortReply = entry(9, REGULAR, 1);
        AttributeCaching.adjust(LOOKUP, header(0), shortReply, 64);
        assertEquals(UNTOUCHED, shortReply.getLong(24), "shorter than an entry");
    }
}
