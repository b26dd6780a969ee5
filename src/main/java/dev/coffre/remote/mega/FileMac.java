package dev.coffre.remote.mega;

import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * MEGA's content MAC (mega-protocol.md §4.4). Each chunk's MAC is a CBC-MAC of its plaintext under the
 * file's AES key with IV {@code nonce||nonce}; the chunk MACs, in file order, are CBC-MACed again with a
 * zero IV and the result folded to 8 bytes (the "meta-MAC" stored in the file key). Pure functions.
 */
public final class FileMac {
    public static final int CHUNK_MAC_BYTES = 16;
    public static final int META_MAC_BYTES = 8;

    /** What a whole-file check concluded. */
    public enum Verdict {
        /** The meta-MAC matches, computed the way the official SDK does. */
        VERIFIED,
        /**
         * The file ends on a chunk boundary (or less than 16 bytes before one) and its meta-MAC matches only
         * with one extra {@code nonce||nonce} chunk MAC appended: what megajs 1.x writes for such sizes (its MAC always appends the current,
         * here untouched, chunk state). Accepted: it is the same 64-bit MAC under the same key, and
         * refusing it would make every such file uploaded by megajs unreadable.
         */
        VERIFIED_MEGAJS_BOUNDARY_VARIANT,
        /** An empty file: clients disagree on its MAC, so it is not checked (there is no content to forge). */
        EMPTY_FILE,
        MISMATCH;

        public boolean ok() {
            return this != MISMATCH;
        }
    }

    private FileMac() {
    }

    public static byte[] chunkMac(byte[] aesKey, byte[] nonce, byte[] plaintext, int offset, int length) {
        return Aes128.cbcMac(aesKey, doubledNonce(nonce), plaintext, offset, length);
    }

    /** Condenses chunk MACs (in file order) into the 8-byte meta-MAC. */
    public static byte[] condense(byte[] aesKey, List<byte[]> chunkMacs) {
        ByteArrayOutputStream all = new ByteArrayOutputStream(chunkMacs.size() * CHUNK_MAC_BYTES);
        for (byte[] mac : chunkMacs) {
            all.writeBytes(mac);
        }
        byte[] joined = all.toByteArray();
        byte[] m = Aes128.cbcMac(aesKey, Aes128.ZERO_IV, joined, 0, joined.length);
        byte[] folded = new byte[META_MAC_BYTES];
        for (int i = 0; i < 4; i++) {
            folded[i] = (byte) (m[i] ^ m[4 + i]);
            folded[4 + i] = (byte) (m[8 + i] ^ m[12 + i]);
        }
        return folded;
    }

    /** The meta-MAC of a whole plaintext held in memory. */
    public static byte[] metaMac(byte[] aesKey, byte[] nonce, byte[] plaintext) {
        Calculator calculator = new Calculator(aesKey, nonce);
        calculator.update(plaintext, 0, plaintext.length);
        return condense(aesKey, calculator.finish());
    }

    /** Checks the chunk MACs of a file of {@code size} bytes, read whole, against its key. */
    public static Verdict check(FileKey key, List<byte[]> chunkMacs, long size) {
        if (size == 0) {
            return Verdict.EMPTY_FILE;
        }
        byte[] aesKey = key.aesKey();
        byte[] expected = key.metaMac();
        if (java.security.MessageDigest.isEqual(condense(aesKey, chunkMacs), expected)) {
            return Verdict.VERIFIED;
        }
        // megajs MACs 16-byte blocks and closes a chunk when a block reaches its end, so a last block that is
        // only partly file (sizes up to 15 bytes short of a boundary) ends a chunk for it too.
        if (Chunks.endsOnBoundary((size + 15) & ~15L)) {
            List<byte[]> withExtra = new java.util.ArrayList<>(chunkMacs);
            withExtra.add(doubledNonce(key.nonce()));
            if (java.security.MessageDigest.isEqual(condense(aesKey, withExtra), expected)) {
                return Verdict.VERIFIED_MEGAJS_BOUNDARY_VARIANT;
            }
        }
        return Verdict.MISMATCH;
    }

    static byte[] doubledNonce(byte[] nonce) {
        byte[] iv = new byte[16];
        System.arraycopy(nonce, 0, iv, 0, 8);
        System.arraycopy(nonce, 0, iv, 8, 8);
        return iv;
    }

    /**
     * Chunk MACs of plaintext fed in file order, in pieces of any size. Not thread-safe. Holds at most one
     * chunk (1 MiB) of plaintext, and only when a piece ends inside a chunk.
     */
    public static final class Calculator {
        private final byte[] aesKey;
        private final byte[] nonce;
        private final List<byte[]> macs = new java.util.ArrayList<>();
        private long chunkIndex;
        private byte[] pending;
        private int pendingLength;
        private long consumed;

        public Calculator(byte[] aesKey, byte[] nonce) {
            this.aesKey = aesKey.clone();
            this.nonce = nonce.clone();
        }

        public void update(byte[] data, int offset, int length) {
            consumed += length;
            while (length > 0) {
                int chunkLength = Chunks.fullLength(chunkIndex);
                if (pendingLength == 0 && length >= chunkLength) {
                    macs.add(chunkMac(aesKey, nonce, data, offset, chunkLength)); // whole chunk: no copy
                    chunkIndex++;
                    offset += chunkLength;
                    length -= chunkLength;
                    continue;
                }
                if (pending == null || pending.length < chunkLength) {
                    byte[] grown = new byte[chunkLength];
                    if (pending != null) {
                        System.arraycopy(pending, 0, grown, 0, pendingLength);
                    }
                    pending = grown;
                }
                int take = Math.min(length, chunkLength - pendingLength);
                System.arraycopy(data, offset, pending, pendingLength, take);
                pendingLength += take;
                offset += take;
                length -= take;
                if (pendingLength == chunkLength) {
                    macs.add(chunkMac(aesKey, nonce, pending, 0, pendingLength));
                    chunkIndex++;
                    pendingLength = 0;
                }
            }
        }

        public long bytesConsumed() {
            return consumed;
        }

        /** The chunk MACs of everything fed, the last (partial) chunk included. */
        public List<byte[]> finish() {
            if (pendingLength > 0) {
                macs.add(chunkMac(aesKey, nonce, pending, 0, pendingLength));
                chunkIndex++;
                pendingLength = 0;
            }
            return List.copyOf(macs);
        }
    }
}
