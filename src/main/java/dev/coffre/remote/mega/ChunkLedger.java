package dev.coffre.remote.mega;

import dev.coffre.remote.IntegrityException;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;

/**
 * What is known of one file's chunk MACs, and so how far its content is authenticated (mega-protocol.md
 * §4.4-4.5). It starts either {@link State#COLLECTING}, remembering the MAC of every chunk fetched, or
 * {@link State#VERIFIED} from MACs checked earlier. Once every chunk has been seen the meta-MAC in the file
 * key decides: {@link State#VERIFIED} (every later chunk must match its MAC) or {@link State#FAILED} (the
 * file is poisoned: nothing more of it is served). A chunk fetched twice must give the same MAC both times,
 * even before the file is verified. No I/O; thread-safe.
 */
final class ChunkLedger {
    enum State { COLLECTING, VERIFIED, FAILED }

    private final String handle;
    private final FileKey key;
    private final long size;
    private final byte[] identity;

    // Guarded by this.
    private final byte[][] macs;
    private int seen;
    private State state;

    private ChunkLedger(MegaNode node, byte[][] macs, int seen, State state) {
        this.handle = node.handle();
        this.key = node.fileKey();
        this.size = node.size();
        this.identity = identityOf(node);
        this.macs = macs;
        this.seen = seen;
        this.state = state;
    }

    /** A file read for the first time: nothing known. */
    static ChunkLedger collecting(MegaNode node) {
        int chunks = Math.toIntExact(Chunks.count(node.size()));
        return new ChunkLedger(node, new byte[chunks][], 0, chunks == 0 ? State.VERIFIED : State.COLLECTING);
    }

    /** A file whose chunk MACs were checked against its meta-MAC before (by the caller). */
    static ChunkLedger verified(MegaNode node, List<byte[]> checkedMacs) {
        if (checkedMacs.size() != Chunks.count(node.size())) {
            throw new IllegalArgumentException("a file of " + node.size() + " bytes has " + Chunks.count(node.size())
                    + " chunks, not " + checkedMacs.size());
        }
        byte[][] macs = checkedMacs.stream().map(byte[]::clone).toArray(byte[][]::new);
        return new ChunkLedger(node, macs, macs.length, State.VERIFIED);
    }

    /** The same file: same handle, key and size (a node whose content changed is another ledger). */
    boolean describes(MegaNode node) {
        return node.handle().equals(handle) && node.size() == size && MessageDigest.isEqual(identityOf(node), identity);
    }

    synchronized State state() {
        return state;
    }

    /** Throws if the file failed its MAC: nothing of it may be served any more. */
    synchronized void requireUsable() throws IntegrityException {
        if (state == State.FAILED) {
            throw new IntegrityException("MEGA file " + handle + " failed its MAC check earlier; it is not read any more");
        }
    }

    /**
     * Records the MAC of chunk {@code index}, just computed from its fetched plaintext. Returns true when this
     * completed the file and its meta-MAC matched (the caller may now keep the MACs); throws
     * {@link IntegrityException} when the chunk contradicts what is known, or when it completed the file and
     * the meta-MAC does not match (the ledger is then {@link State#FAILED}).
     */
    synchronized boolean record(long index, byte[] mac) throws IntegrityException {
        requireUsable();
        int i = Math.toIntExact(index);
        byte[] known = macs[i];
        if (known != null) {
            if (!MessageDigest.isEqual(known, mac)) {
                throw new IntegrityException("MEGA file " + handle + " chunk " + index + (state == State.VERIFIED
                        ? " fails its MAC" : " came back different from an earlier fetch"));
            }
            return false;
        }
        macs[i] = mac.clone();
        seen++;
        if (seen < macs.length) {
            return false;
        }
        FileMac.Verdict verdict = FileMac.check(key, Arrays.asList(macs), size);
        if (!verdict.ok()) {
            state = State.FAILED;
            throw new IntegrityException("MEGA file " + handle + " fails its MAC now that all of it has been read:"
                    + " content or key was altered");
        }
        state = State.VERIFIED;
        return true;
    }

    /** The chunk MACs, all known when {@link State#VERIFIED}. */
    synchronized List<byte[]> macs() {
        return Arrays.stream(macs).map(m -> m == null ? null : m.clone()).toList();
    }

    /** Which file version a ledger belongs to, without keeping the key readable: a digest of key and size. */
    static byte[] identityOf(MegaNode node) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("coffre MEGA chunk MACs v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            sha.update(node.handle().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            sha.update(node.fileKey().pack());
            sha.update(java.nio.ByteBuffer.allocate(8).putLong(node.size()).array());
            return sha.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
