package dev.coffre.remote.mega;

import dev.coffre.remote.IntegrityException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Logger;

/**
 * Reads of MEGA file content for the mount, lazy and verified as far as MEGA allows (mega-protocol.md §4.5).
 *
 * <p>A read fetches the whole chunks it touches (a chunk's MAC needs all of it), the missing ones of one
 * read in one ranged request, and records each chunk's MAC in the file's {@link ChunkLedger}:
 * <ul>
 *   <li>before the file has been read through, what is returned is decrypted but not yet authenticated
 *       ({@link MegaVerification#CHUNKS}); the read that fetches the last unseen chunk checks the meta-MAC
 *       and fails with {@link IntegrityException} on a mismatch, and the file is then refused for good;</li>
 *   <li>with {@link MegaVerification#FULL} the first read of such a file downloads all of it first (in
 *       parallel ranges) and returns nothing unless the meta-MAC matches;</li>
 *   <li>once verified, the chunk MACs are saved ({@link ChunkMacStore}) and every chunk fetched later must
 *       match its MAC, in this mount and later ones.</li>
 * </ul>
 * Concurrent reads of one chunk share one fetch. Chunks only partly returned are kept a while
 * ({@link RecentChunks}): MEGA's chunks (up to 1 MiB) do not line up with the filesystem's 4 MiB blocks or
 * 64 KiB segments. Thread-safe.
 */
final class ChunkReads implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ChunkReads.class.getName());
    /** Partly returned chunks kept: room for the block-edge chunks of many blocks fetched in parallel. */
    static final long RECENT_BUDGET = 32L * 1024 * 1024;
    /** Bytes per request when a whole file is fetched to verify it (whole chunks, about this much). */
    static final int WHOLE_FILE_RANGE = 8 * 1024 * 1024;
    static final int WHOLE_FILE_CONNECTIONS = 4;

    /** Decrypted (not authenticated) bytes of a range of a file: one ranged request. */
    @FunctionalInterface
    interface RangeSource {
        byte[] decrypted(MegaNode node, long offset, int length) throws IOException;
    }

    private final RangeSource source;
    private final MegaVerification verification;
    private final ChunkMacStore store;
    private final ExecutorService wholeFileFetchers;
    private final RecentChunks recent = new RecentChunks(RECENT_BUDGET);
    private final ConcurrentHashMap<String, ChunkLedger> ledgers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<RecentChunks.Key, CompletableFuture<byte[]>> inFlight = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CompletableFuture<Void>> wholeReads = new ConcurrentHashMap<>();

    /** @param store where verified chunk MACs are kept across mounts; null keeps them in memory only */
    ChunkReads(RangeSource source, MegaVerification verification, ChunkMacStore store) {
        this.source = source;
        this.verification = verification;
        this.store = store;
        this.wholeFileFetchers = Executors.newFixedThreadPool(WHOLE_FILE_CONNECTIONS, runnable -> {
            Thread thread = new Thread(runnable, "mega-verify");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Plaintext of {@code [start, start+length)}, authenticated as the class comment says. */
    byte[] read(MegaNode node, long start, int length) throws IOException {
        if (start < 0 || length < 0 || start + length > node.size()) {
            throw new IllegalArgumentException("range " + start + "+" + length + " outside a file of " + node.size() + " bytes");
        }
        if (!node.readable()) {
            throw new IntegrityException("MEGA file " + node.handle() + " cannot be read: " + node.problem());
        }
        byte[] out = new byte[length];
        if (length == 0) {
            return out;
        }
        ChunkLedger ledger = ledgerOf(node);
        ledger.requireUsable();
        long end = start + length;
        if (verification == MegaVerification.FULL && ledger.state() != ChunkLedger.State.VERIFIED) {
            verifyWhole(node, ledger, start, end);
        }
        long first = Chunks.indexOf(start);
        long last = Chunks.indexOf(end - 1);
        byte[][] chunks = obtain(node, ledger, first, last);
        for (long c = first; c <= last; c++) {
            byte[] plain = chunks[(int) (c - first)];
            long chunkStart = Chunks.start(c);
            long a = Math.max(start, chunkStart);
            long b = Math.min(end, chunkStart + plain.length);
            System.arraycopy(plain, (int) (a - chunkStart), out, (int) (a - start), (int) (b - a));
            if (chunkStart < start || chunkStart + plain.length > end) {
                recent.put(node.handle(), c, plain); // the rest of it is likely read next
            }
        }
        ledger.requireUsable(); // a concurrent read may have just found the file bad
        return out;
    }

    /** Where a file's verification stands (for tests and status). */
    ChunkLedger.State state(MegaNode node) {
        return ledgerOf(node).state();
    }

    private ChunkLedger ledgerOf(MegaNode node) {
        ChunkLedger known = ledgers.get(node.handle());
        if (known != null && known.describes(node)) {
            return known;
        }
        return ledgers.compute(node.handle(), (handle, old) -> {
            if (old != null && old.describes(node)) {
                return old;
            }
            if (old != null) {
                recent.forget(handle); // another key or size under this handle: what was kept is not its content
            }
            return fresh(node);
        });
    }

    private ChunkLedger fresh(MegaNode node) {
        List<byte[]> saved = store == null ? null : store.load(node);
        return saved != null ? ChunkLedger.verified(node, saved) : ChunkLedger.collecting(node);
    }

    /**
     * Chunks {@code first..last}: kept ones, ones another read is fetching (awaited), and the rest fetched
     * here, one request per run of consecutive chunks.
     */
    private byte[][] obtain(MegaNode node, ChunkLedger ledger, long first, long last) throws IOException {
        byte[][] out = new byte[(int) (last - first + 1)][];
        Map<Integer, CompletableFuture<byte[]>> others = new HashMap<>();
        List<Long> mine = new ArrayList<>();
        Map<Long, CompletableFuture<byte[]>> claims = new HashMap<>();
        for (long c = first; c <= last; c++) {
            byte[] kept = recent.get(node.handle(), c);
            if (kept != null) {
                out[(int) (c - first)] = kept;
                continue;
            }
            CompletableFuture<byte[]> claim = new CompletableFuture<>();
            CompletableFuture<byte[]> other = inFlight.putIfAbsent(new RecentChunks.Key(node.handle(), c), claim);
            if (other == null) {
                mine.add(c);
                claims.put(c, claim);
            } else {
                others.put((int) (c - first), other);
            }
        }
        IOException failure = null;
        for (int i = 0; i < mine.size(); ) {
            int j = i;
            while (j + 1 < mine.size() && mine.get(j + 1) == mine.get(j) + 1) {
                j++;
            }
            long a = mine.get(i);
            long b = mine.get(j);
            try {
                if (failure != null) {
                    throw failure; // no point fetching more for a read that fails
                }
                byte[][] run = fetch(node, ledger, a, b);
                for (long c = a; c <= b; c++) {
                    out[(int) (c - first)] = run[(int) (c - a)];
                    claims.get(c).complete(run[(int) (c - a)]);
                }
            } catch (IOException | RuntimeException | Error e) {
                for (long c = a; c <= b; c++) {
                    claims.get(c).completeExceptionally(e);
                }
                if (failure == null) {
                    failure = e instanceof IOException io ? io : new IOException("MEGA read failed", e);
                }
            } finally {
                for (long c = a; c <= b; c++) {
                    inFlight.remove(new RecentChunks.Key(node.handle(), c), claims.get(c));
                }
            }
            i = j + 1;
        }
        if (failure != null) {
            throw failure;
        }
        for (Map.Entry<Integer, CompletableFuture<byte[]>> e : others.entrySet()) {
            out[e.getKey()] = await(e.getValue());
        }
        return out;
    }

    /**
     * Fetches chunks {@code a..b} in one request, records their MACs and returns their plaintexts. The MACs
     * are all recorded before anything is returned, so the read that completes a file is the one that fails
     * when its MAC does not match.
     */
    private byte[][] fetch(MegaNode node, ChunkLedger ledger, long a, long b) throws IOException {
        long from = Chunks.start(a);
        long to = Chunks.start(b) + Chunks.length(b, node.size());
        byte[] plain = source.decrypted(node, from, Math.toIntExact(to - from));
        FileKey key = node.fileKey();
        byte[] aesKey = key.aesKey();
        byte[] nonce = key.nonce();
        boolean completed = false;
        for (long c = a; c <= b; c++) {
            int offset = (int) (Chunks.start(c) - from);
            byte[] mac = FileMac.chunkMac(aesKey, nonce, plain, offset, Chunks.length(c, node.size()));
            try {
                completed |= ledger.record(c, mac);
            } catch (IntegrityException e) {
                failed(node, ledger, e);
                throw e;
            }
        }
        if (completed) {
            LOG.fine(() -> "MEGA file " + node.handle() + " read through: its MAC matches");
            save(node, ledger);
        }
        byte[][] chunks = new byte[(int) (b - a + 1)][];
        if (a == b) {
            chunks[0] = plain;
            return chunks;
        }
        for (long c = a; c <= b; c++) {
            int offset = (int) (Chunks.start(c) - from);
            chunks[(int) (c - a)] = java.util.Arrays.copyOfRange(plain, offset, offset + Chunks.length(c, node.size()));
        }
        return chunks;
    }

    /**
     * A MAC failure: a failed file's kept chunks go. The user's line is written where the error is reported
     * (the mount's errno mapping, with the path; the CLI's message), so only the MEGA handle is traced here.
     */
    private void failed(MegaNode node, ChunkLedger ledger, IntegrityException e) {
        LOG.fine(() -> "MEGA file " + node.handle() + " failed its MAC check: " + e.getMessage());
        if (ledger.state() == ChunkLedger.State.FAILED) {
            recent.forget(node.handle());
            if (store != null) {
                store.remove(node);
            }
        }
    }

    private void save(MegaNode node, ChunkLedger ledger) {
        if (store == null) {
            return;
        }
        try {
            store.save(node, ledger.macs());
        } catch (IOException e) {
            LOG.warning("cannot save the chunk MACs of MEGA file " + node.handle() + " (kept for this mount only): "
                    + e.getMessage());
        }
    }

    /**
     * {@link MegaVerification#FULL}: fetches and checks the whole file before the first read of it returns;
     * concurrent first reads wait for one such download. The chunks the caller asked for are kept for it.
     */
    private void verifyWhole(MegaNode node, ChunkLedger ledger, long start, long end) throws IOException {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> running = wholeReads.putIfAbsent(node.handle(), mine);
        if (running != null) {
            await(running);
            ledger.requireUsable();
            return;
        }
        try {
            if (ledger.state() != ChunkLedger.State.VERIFIED) {
                fetchWhole(node, ledger, start, end);
            }
            mine.complete(null);
        } catch (IOException | RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            wholeReads.remove(node.handle(), mine);
        }
    }

    private void fetchWhole(MegaNode node, ChunkLedger ledger, long start, long end) throws IOException {
        long chunks = Chunks.count(node.size());
        List<Future<?>> runs = new ArrayList<>();
        for (long a = 0; a < chunks; ) {
            long b = a;
            while (b + 1 < chunks && Chunks.start(b + 2) - Chunks.start(a) <= WHOLE_FILE_RANGE) {
                b++;
            }
            long first = a;
            long last = b;
            runs.add(wholeFileFetchers.submit(() -> {
                byte[][] got = fetch(node, ledger, first, last);
                for (long c = first; c <= last; c++) {
                    long chunkStart = Chunks.start(c);
                    if (chunkStart < end && chunkStart + got[(int) (c - first)].length > start) {
                        recent.put(node.handle(), c, got[(int) (c - first)]); // what the waiting read needs
                    }
                }
                return null;
            }));
            a = b + 1;
        }
        try {
            for (Future<?> run : runs) {
                run.get();
            }
        } catch (ExecutionException e) {
            runs.forEach(r -> r.cancel(true));
            throw e.getCause() instanceof IOException io ? io : new IOException("MEGA whole-file read failed", e.getCause());
        } catch (InterruptedException e) {
            runs.forEach(r -> r.cancel(true));
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while verifying MEGA file " + node.handle());
        }
        if (ledger.state() != ChunkLedger.State.VERIFIED) {
            throw new IntegrityException("MEGA file " + node.handle() + " could not be verified whole");
        }
    }

    private static <T> T await(CompletableFuture<T> future) throws IOException {
        try {
            return future.join();
        } catch (CompletionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof IntegrityException integrity) {
                throw new IntegrityException(integrity.getMessage()); // this thread's stack, same verdict
            }
            if (cause instanceof UncheckedIOException unchecked) {
                throw unchecked.getCause();
            }
            throw cause instanceof IOException io ? io : new IOException("MEGA read failed", cause);
        }
    }

    @Override
    public void close() {
        wholeFileFetchers.shutdownNow();
    }
}
