package dev.coffre.io;

import dev.coffre.remote.BlockRef;
import dev.coffre.remote.InodeRecord;
import dev.coffre.remote.MetaOp;
import dev.coffre.remote.Remote;
import dev.coffre.remote.VaultException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Uploads in the background what the pending log holds, in order: once its oldest change is
 * {@code delay} old (or at once when someone waits in {@link #sync()}, at unmount, or when staging is
 * full), it takes every pending batch, coalesces it, uploads the staged blocks it references in
 * parallel, and commits the result as one journal record: content first, then the metadata that
 * references it (blocks that writers fill front to back may have been uploaded before: {@link EarlyUploads}).
 * Then it deletes block objects that the commit left unreferenced and staged blocks that nothing needs any more.
 *
 * <p>Failures are never dropped: the batch is retried with backoff until it goes through, and while it
 * fails the failure is reported by {@link #stats()} and by {@link #sync()}. Thread-safe; one thread
 * ({@code coffre-writeback}) does the work, guarded by {@code signal} for waiting and waking.
 */
public final class WriteBack implements EarlyUploads, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WriteBack.class.getName());
    /** Consecutive failed attempts after which {@link #sync()} stops waiting and reports the failure. */
    private static final int SYNC_GIVES_UP_AFTER = 4;
    /**
     * Staged content that uploads may hold in memory at once (each its sealed block, read from staging straight
     * into the array it is sealed in and uploaded from: see Remote.upload with a PlaintextSource). Many
     * small files upload in parallel, as many as there are upload threads, while 4 MiB blocks take turns, 8 at a
     * time: the mount's heap (cli.MountSession) is sized for that many.
     */
    static final long UPLOAD_BUFFER_BYTES = 32L << 20;

    /** What the write-back needs from the filesystem (implemented by the VFS). */
    public interface Host {
        /** Staged refs now uploaded: replace them in the tree. */
        void uploaded(Map<String, BlockRef> uploaded);

        /** Staged ids that the tree and the open files still reference. */
        Set<String> stagedInUse();

        /**
         * Other clients committed {@code remote} (followed by the conflict copies made of it): apply it to the
         * tree, then {@code pending} (this mount's changes not committed yet, which will land after it).
         */
        void remoteChanged(List<MetaOp> remote, java.util.function.Supplier<List<MetaOp>> pending);
    }

    /** Queue figures for status. */
    public record Stats(int pendingChanges, int pendingFiles, long pendingBytes, long uploadedBlocks,
                        long uploadedBytes, long uploadRateBytesPerSecond, long commits, long retries,
                        long failedAttempts, String failure, boolean failurePermanent,
                        long remoteRecordsApplied) {
        public boolean safeToUnmount() {
            return pendingChanges == 0;
        }
    }

    private record Target(long ino, int index, int length) {
    }

    private static final BlockRef HOLE = new BlockRef("", 0);

    // Immutable.
    private final Remote remote;
    private final StagingArea staging;
    private final PendingLog log;
    private final long delayMillis;
    private final long stagingLimitBytes;
    private final long pollMillis;
    private final long gcGraceMillis;
    private final ExecutorService uploads;
    private final Retry retry = new Retry(5, 200, 10_000);
    /** {@link #UPLOAD_BUFFER_BYTES} in KiB; fair, so that a large block is not passed over by a stream of small ones. */
    private final Semaphore uploadBuffers = new Semaphore((int) (UPLOAD_BUFFER_BYTES >> 10), true);
    /** A piece of a staged block, read to tell a hole from data (one per upload thread). */
    private static final ThreadLocal<byte[]> ZERO_CHECK_PIECES = ThreadLocal.withInitial(() -> new byte[16 * 1024]);
    private final CommittedState committed = new CommittedState();
    /** Staged id to its uploaded block (HOLE for all zeros); an entry lives as long as its staged file. */
    private final Map<String, BlockRef> uploaded = new ConcurrentHashMap<>();
    /** Uploads started (early, or by a batch), by staged id; an entry lives as long as its staged file. */
    private final Map<String, CompletableFuture<BlockRef>> started = new ConcurrentHashMap<>();
    /** Blocks handed over early, waiting out the write-back delay before their upload starts. */
    private final Map<String, Target> earlyQueue = new ConcurrentHashMap<>();
    /** Staged ids whose upload a commit references: the trash, not the staging collector, deletes those. */
    private final Set<String> committedIds = ConcurrentHashMap.newKeySet();
    private final AtomicLong uploadedBlocks = new AtomicLong();
    private final AtomicLong uploadedBytes = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    /** Journal records of other clients taken into this mount's tree (polled, or met when a commit lost a race). */
    private final AtomicLong remoteRecordsApplied = new AtomicLong();
    private final Object signal = new Object();

    // Guarded by signal.
    private Host host;
    private Thread thread;
    private int syncWaiters;
    private boolean stopping;
    private boolean abandon;
    private long retryAtMillis;
    private long backoffMillis;
    private int consecutiveFailures;
    private long failedAttempts;
    private String failure;
    private boolean failurePermanent;
    private long nextPollAtMillis;
    private long rateSampleMillis;
    private long rateSampleBytes;
    private long rate;

    /**
     * @param pollMillis    how often to look for other clients' changes (0: never)
     * @param gcGraceMillis how long block objects stay in the trash before they are deleted, so that other
     *                      clients still reading them are not surprised (0: at once)
     */
    public WriteBack(Remote remote, StagingArea staging, PendingLog log, long delayMillis, int uploadThreads,
                     long stagingLimitBytes, long pollMillis, long gcGraceMillis) {
        this.remote = remote;
        this.staging = staging;
        this.log = log;
        this.delayMillis = delayMillis;
        this.stagingLimitBytes = stagingLimitBytes;
        this.pollMillis = pollMillis;
        this.gcGraceMillis = gcGraceMillis;
        this.uploads = Executors.newFixedThreadPool(uploadThreads, r -> {
            Thread t = new Thread(r, "coffre-upload");
            t.setDaemon(true);
            return t;
        });
    }

    /** Feeds one operation of the remote tree while it loads. */
    public void loadedCommitted(MetaOp op) {
        committed.apply(op);
    }

    /** Changes an earlier run logged but did not upload; the VFS replays them into its tree at load. */
    public List<PendingLog.Entry> pendingAtStart() {
        return log.pending();
    }

    public void start(Host host) {
        synchronized (signal) {
            this.host = host;
            thread = new Thread(this::run, "coffre-writeback");
            thread.start();
        }
    }

    /**
     * Starts the upload of a full block after the write-back delay (counted from when the block was filled, as
     * for any change: a long delay still means nothing is uploaded sooner), or at once when a commit needs it.
     */
    @Override
    public void start(long ino, int index, String stagedId, int length) {
        Target target = new Target(ino, index, length);
        if (delayMillis <= 0) {
            startEarly(stagedId, target);
            return;
        }
        earlyQueue.put(stagedId, target);
        CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS).execute(() -> {
            Target due = earlyQueue.remove(stagedId);
            if (due != null) {
                startEarly(stagedId, due);
            }
        });
    }

    private void startEarly(String stagedId, Target target) {
        try {
            startUpload(stagedId, target);
        } catch (RejectedExecutionException e) {
            // Unmounting: the commit, or the next mount, uploads it.
        }
    }

    @Override
    public void abandon(String stagedId) {
        forget(stagedId, false);
    }

    /** Logs a batch of changes already applied to the tree; durable means on disk when this returns. */
    public void append(List<MetaOp> ops, boolean durable) throws IOException {
        log.append(ops, durable);
        // With nothing queued the worker sleeps until its next poll: the first change must wake it, or the
        // write-back delay would count from that poll instead of from the change.
        if (log.pendingCount() == 1 || staging.bytes() > stagingLimitBytes) {
            wake();
        }
    }

    /** Returns once everything logged before the call is committed to the remote, or throws why it is not. */
    public void sync() throws IOException {
        long target = log.lastSeq();
        synchronized (signal) {
            syncWaiters++;
            long failuresBefore = failedAttempts;
            retryAtMillis = 0; // someone waits: try again now rather than after the backoff
            signal.notifyAll();
            try {
                while (log.committedSeq() < target) {
                    boolean triedSince = failedAttempts > failuresBefore;
                    if (triedSince && failure != null
                            && (failurePermanent || consecutiveFailures >= SYNC_GIVES_UP_AFTER)) {
                        throw new IOException("changes cannot be uploaded yet (they stay queued): " + failure);
                    }
                    signal.wait(1000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for uploads");
            } finally {
                syncWaiters--;
            }
        }
    }

    /** Backpressure: a writer waits while staging is over its limit and uploads can free space. */
    public void awaitStagingSpace() throws IOException {
        synchronized (signal) {
            while (staging.bytes() > stagingLimitBytes && !log.pending().isEmpty() && !stopping
                    && (failure == null || !failurePermanent)) {
                signal.notifyAll();
                try {
                    signal.wait(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for staging space");
                }
            }
        }
    }

    /** The failure that keeps uploads from working and that retrying cannot fix, if any. Cheap. */
    public Optional<String> permanentFailure() {
        synchronized (signal) {
            return failurePermanent ? Optional.ofNullable(failure) : Optional.empty();
        }
    }

    public Stats stats() {
        List<PendingLog.Entry> pending = log.pending();
        Set<Long> files = new HashSet<>();
        Set<String> stagedIds = new HashSet<>();
        long bytes = 0;
        for (PendingLog.Entry entry : pending) {
            for (MetaOp op : entry.ops()) {
                if (MetaOp.INODE.equals(op.op()) && op.inode().blocks() != null) {
                    for (BlockRef ref : op.inode().blocks()) {
                        if (StagingArea.isStaged(ref) && !uploaded.containsKey(StagingArea.stagedId(ref))
                                && stagedIds.add(ref.id())) {
                            files.add(op.inode().ino());
                            bytes += ref.length();
                        }
                    }
                }
            }
        }
        synchronized (signal) {
            return new Stats(pending.size(), files.size(), bytes, uploadedBlocks.get(), uploadedBytes.get(),
                    uploadRate(), commits.get(), retry.retries(), failedAttempts, failure, failurePermanent,
                    remoteRecordsApplied.get());
        }
    }

    /** Bytes per second uploaded over the last few seconds (sampled when stats are read). */
    private long uploadRate() {
        long now = System.currentTimeMillis();
        long total = uploadedBytes.get();
        if (now - rateSampleMillis >= 3000) {
            rate = rateSampleMillis == 0 ? 0 : (total - rateSampleBytes) * 1000 / (now - rateSampleMillis);
            rateSampleMillis = now;
            rateSampleBytes = total;
        }
        return rate;
    }

    /**
     * Stops the write-back. With {@code drain}, first uploads and commits everything pending (unmount);
     * without, leaves it in the pending log for the next mount (forced unmount).
     */
    public void close(boolean drain) {
        Thread worker;
        synchronized (signal) {
            stopping = true;
            abandon = !drain;
            signal.notifyAll();
            worker = thread;
        }
        if (worker != null) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        uploads.shutdownNow();
        try {
            log.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "closing the pending log", e);
        }
    }

    @Override
    public void close() {
        close(true);
    }

    private void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    // ---- the write-back thread ----

    private void run() {
        long lastProgressLog = 0;
        while (true) {
            List<PendingLog.Entry> batch;
            synchronized (signal) {
                try {
                    batch = awaitWork();
                } catch (InterruptedException e) {
                    return;
                }
                if (batch == null) {
                    return;
                }
            }
            if (batch == POLL) {
                try {
                    pollRemote();
                    purgeDue();
                } catch (IOException | RuntimeException e) {
                    LOG.log(Level.WARNING, "looking for other clients' changes failed (will try again): " + e.getMessage());
                    synchronized (signal) {
                        failure = String.valueOf(e.getMessage());
                        failurePermanent = e instanceof IOException io && Retry.isPermanent(io);
                    }
                }
                continue;
            }
            if (stoppingNow() && System.currentTimeMillis() - lastProgressLog > 5000) {
                Stats stats = stats();
                LOG.info("uploading before unmount: " + stats.pendingFiles() + " files, "
                        + (stats.pendingBytes() >> 20) + " MiB left");
                lastProgressLog = System.currentTimeMillis();
            }
            try {
                commitBatch(batch);
                synchronized (signal) {
                    if (failure != null) {
                        LOG.info("uploads work again after: " + failure);
                    }
                    failure = null;
                    failurePermanent = false;
                    consecutiveFailures = 0;
                    backoffMillis = 0;
                    signal.notifyAll();
                }
            } catch (IOException | RuntimeException e) {
                synchronized (signal) {
                    failedAttempts++;
                    consecutiveFailures++;
                    failure = String.valueOf(e.getMessage());
                    failurePermanent = e instanceof IOException io && Retry.isPermanent(io);
                    backoffMillis = Math.min(60_000, Math.max(1000, backoffMillis * 2));
                    retryAtMillis = System.currentTimeMillis() + backoffMillis;
                    signal.notifyAll();
                }
                LOG.log(failurePermanent ? Level.SEVERE : Level.WARNING, "upload of " + batch.size()
                        + " queued changes failed (kept, retrying in " + backoffMillis / 1000 + " s): " + e.getMessage());
            }
        }
    }

    /** Marker of awaitWork: time to look for other clients' changes. */
    private static final List<PendingLog.Entry> POLL = List.of();

    private boolean stoppingNow() {
        synchronized (signal) {
            return stopping;
        }
    }

    /** Waits (holding signal) until a batch or a poll is due; null when the thread should end. */
    private List<PendingLog.Entry> awaitWork() throws InterruptedException {
        while (true) {
            List<PendingLog.Entry> pending = log.pending();
            if (stopping && (abandon || pending.isEmpty())) {
                return null;
            }
            long now = System.currentTimeMillis();
            if (!stopping && pollMillis > 0 && now >= nextPollAtMillis) {
                nextPollAtMillis = now + pollMillis;
                return POLL;
            }
            long wakeAt = pollMillis > 0 && !stopping ? nextPollAtMillis : Long.MAX_VALUE;
            if (!pending.isEmpty()) {
                boolean urgent = stopping || syncWaiters > 0 || staging.bytes() > stagingLimitBytes;
                long due = urgent ? now : pending.get(0).appendedAtMillis() + delayMillis;
                due = Math.max(due, retryAtMillis);
                if (due <= now) {
                    return pending;
                }
                wakeAt = Math.min(wakeAt, due);
            }
            signal.wait(wakeAt == Long.MAX_VALUE ? 0 : Math.max(1, wakeAt - now));
        }
    }

    private void commitBatch(List<PendingLog.Entry> batch) throws IOException {
        long lastSeq = batch.get(batch.size() - 1).seq();
        List<MetaOp> ops = new ArrayList<>();
        batch.forEach(entry -> ops.addAll(entry.ops()));
        List<MetaOp> coalesced = Coalescer.coalesce(ops);
        Map<String, BlockRef> batchUploads = uploadStaged(coalesced);
        List<MetaOp> translated = coalesced.stream().map(this::translate).toList();
        List<MetaOp> conflictCopies = new ArrayList<>();
        List<MetaOp> record;
        for (int attempt = 1; ; attempt++) {
            record = new ArrayList<>(conflictCopies);
            record.addAll(translated);
            List<BlockRef> garbage = committed.garbageOf(record);
            if (!garbage.isEmpty()) {
                record.add(MetaOp.trash(garbage, System.currentTimeMillis() * 1_000_000L));
            }
            List<MetaOp> attempted = record;
            try {
                retry.run("commit", () -> {
                    remote.commit(attempted);
                    return null;
                });
                break;
            } catch (VaultException e) {
                if (e.reason() != VaultException.Reason.CONFLICT || attempt >= 100) {
                    throw e;
                }
                // Another client took the record: take its changes in, keep both versions of files that both
                // changed, and try again at the next record.
                List<List<MetaOp>> theirs = remote.fetchNew();
                boolean oursAfterAll = !theirs.isEmpty() && theirs.get(theirs.size() - 1).equals(attempted);
                if (oursAfterAll) {
                    theirs = theirs.subList(0, theirs.size() - 1); // an earlier attempt did land; its answer was lost
                }
                conflictCopies.addAll(rebase(theirs, translated));
                if (oursAfterAll) {
                    break;
                }
            }
        }
        commits.incrementAndGet();
        for (MetaOp op : record) {
            committed.apply(op);
        }
        log.markCommitted(lastSeq);
        try {
            remote.snapshotIfDue(committed::asOps);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not write a journal snapshot (will try again)", e);
        }
        Host currentHost;
        synchronized (signal) {
            currentHost = host;
        }
        committedIds.addAll(batchUploads.keySet());
        currentHost.uploaded(batchUploads);
        purgeDue();
        collectStaging(currentHost);
    }

    /** Takes in other clients' changes (committed by them): the committed view, then the tree. */
    private void pollRemote() throws IOException {
        List<List<MetaOp>> theirs = remote.fetchNew();
        if (!theirs.isEmpty()) {
            List<MetaOp> ours = new ArrayList<>();
            log.pending().forEach(entry -> ours.addAll(entry.ops()));
            rebase(theirs, ours);
        }
    }

    /**
     * Applies records of other clients. Where a file's content was changed both by them and by
     * {@code ours} (not committed yet), ours will win under the file's name (last writer), and theirs is
     * kept as a conflict copy next to it: re-encrypted into a new inode (block objects are bound to
     * their inode) and logged durably, so a crash cannot lose it. Returns the conflict copies' operations.
     */
    private List<MetaOp> rebase(List<List<MetaOp>> theirs, List<MetaOp> ours) throws IOException {
        Map<Long, InodeRecord> ourContent = new HashMap<>();
        for (MetaOp op : ours) {
            if (MetaOp.INODE.equals(op.op()) && op.inode().blocks() != null) {
                InodeRecord base = committed.inode(op.inode().ino());
                if (base != null && !sameContent(base, op.inode())) {
                    ourContent.put(op.inode().ino(), op.inode());
                }
            }
        }
        Map<Long, InodeRecord> conflicts = new LinkedHashMap<>();
        List<MetaOp> remoteOps = new ArrayList<>();
        for (List<MetaOp> record : theirs) {
            for (MetaOp op : record) {
                if (MetaOp.INODE.equals(op.op()) && ourContent.containsKey(op.inode().ino())) {
                    InodeRecord before = committed.inode(op.inode().ino());
                    if (before != null && !sameContent(before, op.inode())) {
                        conflicts.put(op.inode().ino(), op.inode());
                    }
                }
                committed.apply(op); // their garbage is theirs to trash
                remoteOps.add(op);
            }
        }
        List<MetaOp> copies = new ArrayList<>();
        for (InodeRecord their : conflicts.values()) {
            copies.addAll(conflictCopy(their));
        }
        if (!copies.isEmpty()) {
            log.append(copies, true);
        }
        // Read by the host under its tree lock: a snapshot taken here would miss changes the host logs in
        // between, and re-applying the older snapshot would undo them in its tree (a file written meanwhile
        // read back empty on its own mount).
        java.util.function.Supplier<List<MetaOp>> pending = () -> {
            List<MetaOp> ops = new ArrayList<>();
            log.pending().forEach(entry -> ops.addAll(entry.ops()));
            return ops;
        };
        Host currentHost;
        synchronized (signal) {
            currentHost = host;
        }
        // The copies are in the pending log too; given here as well because this mount's file system did not
        // make them, so the kernel has to learn of them like of the other clients' changes.
        List<MetaOp> elsewhere = new ArrayList<>(remoteOps);
        elsewhere.addAll(copies);
        currentHost.remoteChanged(elsewhere, pending);
        remoteRecordsApplied.addAndGet(theirs.size());
        if (!remoteOps.isEmpty()) {
            LOG.info("applied " + theirs.size() + " changes from other clients"
                    + (conflicts.isEmpty() ? "" : "; " + conflicts.size() + " files edited on both sides kept as conflict copies"));
        }
        return copies;
    }

    private static boolean sameContent(InodeRecord a, InodeRecord b) {
        return a.size() == b.size() && java.util.Objects.equals(a.blocks(), b.blocks());
    }

    /** Their version of a file both sides changed, as a new inode named "NAME (conflict DATE).EXT". */
    private List<MetaOp> conflictCopy(InodeRecord their) throws IOException {
        long ino = java.util.concurrent.ThreadLocalRandom.current().nextLong(2, Long.MAX_VALUE);
        List<BlockRef> blocks = new ArrayList<>();
        for (int i = 0; i < their.blocks().size(); i++) {
            BlockRef ref = their.blocks().get(i);
            if (ref == null) {
                blocks.add(null);
                continue;
            }
            int segments = (ref.length() + Remote.SEGMENT_SIZE - 1) / Remote.SEGMENT_SIZE;
            byte[][] plain = remote.readSegments(their.ino(), i, ref, 0, segments);
            byte[] data = new byte[ref.length()];
            int at = 0;
            for (byte[] segment : plain) {
                System.arraycopy(segment, 0, data, at, segment.length);
                at += segment.length;
            }
            int index = i;
            blocks.add(retry.run("upload", () -> remote.upload(ino, index, data, 0, data.length)));
        }
        Map.Entry<Long, String> name = committed.nameOf(their.ino());
        long parent = name == null ? 1 : name.getKey();
        String copyName = ConflictNames.next(name == null ? "file" : name.getValue(),
                candidate -> committed.hasName(parent, candidate));
        InodeRecord copy = new InodeRecord(ino, their.type(), their.mode(), their.uid(), their.gid(), their.rdev(),
                their.size(), their.atime(), their.mtime(), their.ctime(), their.target(), blocks, their.xattrs());
        LOG.warning("a file was changed here and by another client at the same time: theirs is kept as " + copyName);
        return List.of(MetaOp.inode(copy), MetaOp.link(parent, copyName, ino));
    }

    private void purgeDue() throws IOException {
        Trash.purge(remote, committed, gcGraceMillis, this::pollRemote);
    }

    /** Uploads, in parallel, every staged block the batch references that is not uploaded yet. */
    private Map<String, BlockRef> uploadStaged(List<MetaOp> ops) throws IOException {
        Map<String, Target> targets = new LinkedHashMap<>();
        for (MetaOp op : ops) {
            InodeRecord inode = op.inode();
            if (inode == null || inode.blocks() == null) {
                continue;
            }
            for (int i = 0; i < inode.blocks().size(); i++) {
                BlockRef ref = inode.blocks().get(i);
                if (StagingArea.isStaged(ref)) {
                    targets.put(StagingArea.stagedId(ref), new Target(inode.ino(), i, ref.length()));
                }
            }
        }
        Map<String, Future<BlockRef>> futures = new LinkedHashMap<>();
        for (Map.Entry<String, Target> entry : targets.entrySet()) {
            if (!uploaded.containsKey(entry.getKey())) {
                futures.put(entry.getKey(), startUpload(entry.getKey(), entry.getValue()));
            }
        }
        IOException failure = null;
        for (Map.Entry<String, Future<BlockRef>> entry : futures.entrySet()) {
            try {
                uploaded.put(entry.getKey(), entry.getValue().get());
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while uploading");
            }
        }
        if (failure != null) {
            throw failure; // What did upload stays in `uploaded`: the retry will not upload it again.
        }
        Map<String, BlockRef> result = new HashMap<>();
        targets.keySet().forEach(id -> result.put(id, uploaded.get(id)));
        return result;
    }

    /** The upload of a staged block: the one already started, unless it failed, else a new one. */
    private CompletableFuture<BlockRef> startUpload(String stagedId, Target target) {
        earlyQueue.remove(stagedId); // a commit needs it now
        return started.compute(stagedId, (id, running) -> running != null && !running.isCompletedExceptionally()
                ? running
                : CompletableFuture.supplyAsync(() -> {
                    try {
                        return uploadOne(id, target);
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                }, uploads));
    }

    /**
     * Forgets the upload of a staged block that is going away. Unless a commit references it (the trash deletes
     * those, after a grace period), what it stored is deleted once the upload ends: a block uploaded early whose
     * file was then rewritten or deleted before any commit took it in. {@code wait}: here and now, so that
     * the commit that made the block unused (and a sync waiting for it) ends with the remote cleaned up; else
     * (a writer holding its file's lock) on an upload thread.
     */
    private void forget(String stagedId, boolean wait) {
        earlyQueue.remove(stagedId);
        CompletableFuture<BlockRef> upload = started.remove(stagedId);
        BlockRef done = uploaded.remove(stagedId);
        if (committedIds.remove(stagedId)) {
            return;
        }
        if (upload == null || wait) {
            BlockRef block = upload == null ? done : upload.handle((stored, error) -> stored).join();
            uploaded.remove(stagedId); // an upload that ended meanwhile recorded itself there
            deleteUncommitted(block);
            return;
        }
        try {
            upload.whenCompleteAsync((block, error) -> {
                uploaded.remove(stagedId);
                deleteUncommitted(block);
            }, uploads);
        } catch (RejectedExecutionException e) {
            // Unmounting: the object stays, unreferenced (coffre check lists it).
        }
    }

    /** Deletes a block that no commit references (so no other client can have seen it): no grace needed. */
    private void deleteUncommitted(BlockRef block) {
        if (block == null || block == HOLE) {
            return;
        }
        try {
            remote.delete(block);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "could not delete an unused uploaded block (coffre check lists it): " + e.getMessage());
        }
    }

    private BlockRef uploadOne(String stagedId, Target target) throws IOException {
        // A block larger than the whole budget (none is, today) waits for all of it rather than forever.
        int kib = (int) Math.min(UPLOAD_BUFFER_BYTES >> 10, Math.max(1, (target.length() + 1023L) >> 10));
        try {
            uploadBuffers.acquire(kib);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting to upload");
        }
        try {
            return uploadHeld(stagedId, target);
        } finally {
            uploadBuffers.release(kib);
        }
    }

    private BlockRef uploadHeld(String stagedId, Target target) throws IOException {
        int length = target.length();
        BlockRef block;
        try (StagingArea.Reader staged = staging.reader(stagedId)) {
            if (isAllZero(staged, length)) {
                return HOLE;
            }
            // The remote reads the staged plaintext straight into the array it uploads: no array of plaintext here.
            block = retry.run("upload", () -> remote.upload(target.ino(), target.index(), staged::read, length));
        }
        // Recorded at once, not when the whole batch is done, so that stats() stops counting it as queued as
        // soon as it counts as uploaded (progress bars add the two).
        uploaded.put(stagedId, block);
        uploadedBlocks.incrementAndGet();
        uploadedBytes.addAndGet(length);
        return block;
    }

    private MetaOp translate(MetaOp op) {
        InodeRecord r = op.inode();
        if (r == null || r.blocks() == null || r.blocks().stream().noneMatch(StagingArea::isStaged)) {
            return op;
        }
        List<BlockRef> blocks = new ArrayList<>(r.blocks().size());
        for (BlockRef ref : r.blocks()) {
            if (StagingArea.isStaged(ref)) {
                BlockRef done = uploaded.get(StagingArea.stagedId(ref));
                if (done == null) {
                    throw new IllegalStateException("staged block " + ref.id() + " was not uploaded");
                }
                blocks.add(done == HOLE ? null : done);
            } else {
                blocks.add(ref);
            }
        }
        while (!blocks.isEmpty() && blocks.get(blocks.size() - 1) == null) {
            blocks.remove(blocks.size() - 1);
        }
        return MetaOp.inode(new InodeRecord(r.ino(), r.type(), r.mode(), r.uid(), r.gid(), r.rdev(), r.size(),
                r.atime(), r.mtime(), r.ctime(), r.target(), blocks, r.xattrs()));
    }

    /** Deletes staged blocks that neither the tree, an open file nor a pending change references. */
    private void collectStaging(Host currentHost) throws IOException {
        Set<String> onDisk = staging.all(); // listed first: a block created after this is never a candidate
        Set<String> inUse = new HashSet<>(currentHost.stagedInUse());
        for (PendingLog.Entry entry : log.pending()) {
            for (MetaOp op : entry.ops()) {
                if (op.inode() != null && op.inode().blocks() != null) {
                    op.inode().blocks().stream().filter(StagingArea::isStaged)
                            .forEach(ref -> inUse.add(StagingArea.stagedId(ref)));
                }
            }
        }
        for (String id : onDisk) {
            if (!inUse.contains(id)) {
                staging.delete(id);
                forget(id, true);
            }
        }
    }

    /**
     * Whether a staged block holds only zeros (a hole: stored as no object). Read a piece at a time, and a block
     * of data has a non-zero byte in its first piece: the check costs next to nothing but for holes.
     */
    private static boolean isAllZero(StagingArea.Reader staged, int length) throws IOException {
        byte[] piece = ZERO_CHECK_PIECES.get();
        for (int position = 0; position < length; position += piece.length) {
            int n = Math.min(piece.length, length - position);
            staged.read(position, piece, 0, n);
            for (int i = 0; i < n; i++) {
                if (piece[i] != 0) {
                    return false;
                }
            }
        }
        return true;
    }
}
