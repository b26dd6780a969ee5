package dev.coffre.remote.vault;

import dev.coffre.cache.ArrayPool;
import dev.coffre.cache.DiskCache;
import dev.coffre.cache.SegmentCache;

import dev.coffre.crypto.Aead;
import dev.coffre.crypto.BlockCipher;
import dev.coffre.crypto.Kdf;
import dev.coffre.crypto.MasterKey;
import dev.coffre.crypto.RecordCipher;
import dev.coffre.remote.BlockRef;
import dev.coffre.remote.IntegrityException;
import dev.coffre.remote.MetaOp;
import dev.coffre.remote.Remote;
import dev.coffre.remote.VaultException;
import dev.coffre.store.ObjectNotFoundException;
import dev.coffre.store.ObjectStore;

import javax.crypto.AEADBadTagException;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A coffre vault (format v1) on any {@link ObjectStore}: an encrypted, append-only metadata journal
 * compacted by snapshots, and content as immutable encrypted block objects. See docs/FORMAT.md.
 */
public final class VaultRemote implements Remote {
    /** A snapshot is written once this many records follow the last one. */
    static final int SNAPSHOT_EVERY = 1000;
    /** Journal records fetched at once when a vault is loaded. */
    private static final int LOAD_THREADS = 8;
    /**
     * Sealed blocks uploaded and ranges fetched above this size go through reused block-sized arrays (see
     * ArrayPool); those of up to one segment (a random read's fetch, a small file's upload) through reused
     * segment-sized ones, and the few in between through a new array of their size.
     */
    private static final int POOLED_SEALED_BYTES = 1 << 20;
    /** Reused sealed arrays kept: as many as read-ahead threads (io.Prefetcher) or large uploads (WriteBack). */
    private static final int SEALED_ARRAYS_KEPT = 8;
    /**
     * Reused segment-sized arrays kept, of each kind (sealed, plaintext): one for each thread that reads or
     * writes at once, the FUSE threads' random reads included.
     */
    private static final int SEGMENT_ARRAYS_KEPT = 32;
    /** Keys of blocks read lately, kept (see {@link #readKey}); beyond this many, all are dropped and derived anew. */
    private static final int READ_KEYS_KEPT = 4096;
    /** How long a racing write may take to land on a store whose create-if-absent is not atomic. */
    private static final long VERIFY_DELAY_MILLIS = 250;
    public static final Kdf.Argon2Params DEFAULT_KDF = new Kdf.Argon2Params(64 * 1024, 3, 1);

    private static final Logger LOG = Logger.getLogger(VaultRemote.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private final ObjectStore store;
    private final VaultHeader header;
    private final MasterKey keys;
    private volatile DiskCache diskCache; // null: none
    private volatile DiskCache metadataCache; // null: none
    private final ArrayPool sealedArrays =
            new ArrayPool((int) BlockCipher.sealedLength(BLOCK_SIZE), SEALED_ARRAYS_KEPT);
    private final ArrayPool sealedSegmentArrays = new ArrayPool(BlockCipher.SEALED_SEGMENT_SIZE, SEGMENT_ARRAYS_KEPT);
    /** Where a segment is opened before the caller's sink copies it: one 64 KiB array a read was garbage. */
    private final ArrayPool plaintextArrays = new ArrayPool(BlockCipher.SEGMENT_SIZE, SEGMENT_ARRAYS_KEPT);
    private final Map<String, byte[]> readKeys = new ConcurrentHashMap<>();
    private final AtomicLong fetchedBytes = new AtomicLong();
    private final AtomicLong fetchRequests = new AtomicLong();

    // Guarded by "this": the journal position.
    private long head;
    private long lastSnapshot;

    private VaultRemote(ObjectStore store, VaultHeader header, MasterKey keys) {
        this.store = store;
        this.header = header;
        this.keys = keys;
    }

    /**
     * Creates a new vault whose root directory belongs to {@code rootUid}/{@code rootGid}; fails with
     * {@link VaultException.Reason#ALREADY_EXISTS} if the store already holds one.
     */
    public static void create(ObjectStore store, byte[] password, Kdf.Argon2Params kdf, MetaOp rootInode)
            throws IOException {
        try {
            store.get(VaultHeader.KEY);
            throw new VaultException(VaultException.Reason.ALREADY_EXISTS, store.describe() + " already holds a vault");
        } catch (ObjectNotFoundException expected) {
            // Good: nothing there yet.
        }
        byte[] vaultId = random(16);
        byte[] raw = random(Aead.KEY_BYTES);
        byte[] salt = random(16);
        try (MasterKey master = MasterKey.of(raw, vaultId)) {
            byte[] kek = Kdf.argon2id(password, salt, kdf, Aead.KEY_BYTES);
            VaultHeader header = new VaultHeader(VaultHeader.VERSION, vaultId, kdf, salt,
                    master.wrap(kek, vaultId, random(Aead.NONCE_BYTES)));
            VaultRemote vault = new VaultRemote(store, header, master);
            // The root directory is journal record 1; the header goes last so a vault is complete once visible.
            vault.commit(List.of(rootInode));
            if (!store.putIfAbsent(VaultHeader.KEY, header.toJson())) {
                throw new VaultException(VaultException.Reason.ALREADY_EXISTS, store.describe() + " already holds a vault");
            }
        } finally {
            java.util.Arrays.fill(raw, (byte) 0);
        }
    }

    /** Opens a vault: reads the header and unwraps the master key with the password. */
    public static VaultRemote open(ObjectStore store, byte[] password) throws IOException {
        VaultHeader header = readHeader(store);
        byte[] kek = Kdf.argon2id(password, header.salt(), header.kdf(), Aead.KEY_BYTES);
        try {
            return new VaultRemote(store, header, MasterKey.unwrap(kek, header.vaultId(), header.wrappedKey()));
        } catch (AEADBadTagException e) {
            throw new VaultException(VaultException.Reason.WRONG_PASSWORD,
                    "wrong password for " + store.describe() + " (or its header was altered)");
        } finally {
            java.util.Arrays.fill(kek, (byte) 0);
        }
    }

    public static VaultHeader readHeader(ObjectStore store) throws IOException {
        try {
            return VaultHeader.parse(store.get(VaultHeader.KEY), store.describe());
        } catch (ObjectNotFoundException e) {
            throw new VaultException(VaultException.Reason.NOT_FOUND,
                    "no vault at " + store.describe() + " (create one with: coffre init " + store.describe() + ")");
        }
    }

    /** Rewraps the master key under a new password; the only object that changes is the header. */
    public void changePassword(byte[] newPassword, Kdf.Argon2Params kdf) throws IOException {
        byte[] salt = random(16);
        byte[] kek = Kdf.argon2id(newPassword, salt, kdf, Aead.KEY_BYTES);
        try {
            store.put(VaultHeader.KEY, header.withWrappedKey(salt, kdf,
                    keys.wrap(kek, header.vaultId(), random(Aead.NONCE_BYTES))).toJson());
        } finally {
            java.util.Arrays.fill(kek, (byte) 0);
        }
    }

    public VaultHeader header() {
        return header;
    }

    public ObjectStore store() {
        return store;
    }

    @Override
    public String describe() {
        return store.describe();
    }

    @Override
    public synchronized void load(Consumer<MetaOp> sink) throws IOException {
        List<Long> snapshots = new java.util.ArrayList<>(sequences(SNAPSHOTS));
        snapshots.sort(java.util.Comparator.reverseOrder());
        long start = 0;
        List<MetaOp> base = List.of();
        // The newest snapshot, or the one before it if the newest fails authentication: compaction keeps
        // the previous snapshot and the records after it for exactly this case.
        IntegrityException damaged = null;
        for (long candidate : snapshots.subList(0, Math.min(2, snapshots.size()))) {
            String key = key(SNAPSHOTS, candidate);
            try {
                base = openSnapshot(candidate, key);
                start = candidate;
                break;
            } catch (IntegrityException e) {
                LOG.severe("INTEGRITY: " + e.getMessage() + "; trying the previous snapshot");
                damaged = e;
            }
        }
        if (damaged != null && start == 0) {
            throw damaged;
        }
        base.forEach(sink);
        long sequence = start + 1;
        long from = start;
        Map<Long, byte[]> listed = fetchInParallel(sequences(JOURNAL).stream().filter(n -> n > from).toList());
        while (true) {
            String key = key(JOURNAL, sequence);
            byte[] sealed = listed.remove(sequence);
            if (sealed == null) { // Not listed (written since) or a gap: ask for it directly.
                try {
                    sealed = store.get(key);
                } catch (ObjectNotFoundException end) {
                    break;
                }
            }
            openMetadata(RecordCipher.Kind.JOURNAL, sequence, key, sealed).forEach(sink);
            sequence++;
        }
        head = sequence - 1;
        lastSnapshot = start;
        if (head == 0) {
            throw new IntegrityException("the journal of " + describe() + " is empty: its first record was deleted");
        }
        for (long later : sequences(JOURNAL)) {
            if (later > head) {
                throw new IntegrityException("journal record " + later + " exists but record " + (head + 1)
                        + " is missing: records of " + describe() + " were deleted");
            }
        }
    }

    @Override
    public synchronized List<List<MetaOp>> fetchNew() throws IOException {
        List<List<MetaOp>> records = new java.util.ArrayList<>();
        while (true) {
            long sequence = head + 1;
            String key = key(JOURNAL, sequence);
            byte[] sealed;
            try {
                sealed = store.get(key);
            } catch (ObjectNotFoundException end) {
                if (records.isEmpty()) {
                    checkNotOvertaken();
                }
                return records;
            }
            records.add(openMetadata(RecordCipher.Kind.JOURNAL, sequence, key, sealed));
            head = sequence;
        }
    }

    /**
     * A client that was away while others compacted the journal past it would find its next record
     * "missing" and write it where nobody reads: refuse instead (a remount loads the snapshot).
     */
    private void checkNotOvertaken() throws IOException {
        for (long snapshot : sequences(SNAPSHOTS)) {
            if (snapshot > head) {
                throw new IntegrityException("the journal of " + describe() + " was compacted past record " + head
                        + " while this mount was away; unmount and mount again (queued changes are kept)");
            }
        }
    }

    /** The sequence number of the newest record loaded or committed; it only ever grows. */
    public synchronized long head() {
        return head;
    }

    @Override
    public synchronized void commit(List<MetaOp> ops) throws IOException {
        long sequence = head + 1;
        byte[] sealed = RecordCipher.seal(keys.metadataKey(), header.vaultId(), RecordCipher.Kind.JOURNAL, sequence,
                MetadataCodec.encode(ops), random(Aead.NONCE_BYTES));
        String key = key(JOURNAL, sequence);
        if (!store.putIfAbsent(key, sealed) || !stillOurs(key, sealed)) {
            throw new VaultException(VaultException.Reason.CONFLICT, "journal record " + sequence + " of "
                    + describe() + " was written by another client first");
        }
        head = sequence;
    }

    /**
     * Some services check If-None-Match and then write, so two racing writers can both "succeed" and the
     * later one silently replaces the earlier record (S3Proxy does). Where create-if-absent is not known to
     * be atomic, read the record back once any racing write has had time to land: if it is not ours, we
     * lost the race and retry like any other conflict.
     */
    private boolean stillOurs(String key, byte[] sealed) throws IOException {
        if (store.atomicCreate()) {
            return true;
        }
        try {
            Thread.sleep(VERIFY_DELAY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while verifying journal record " + key);
        }
        return java.util.Arrays.equals(store.get(key), sealed);
    }

    @Override
    public synchronized void snapshotIfDue(Supplier<List<MetaOp>> tree) throws IOException {
        if (head - lastSnapshot < SNAPSHOT_EVERY) {
            return;
        }
        long previous = lastSnapshot;
        store.put(key(SNAPSHOTS, head), RecordCipher.seal(keys.metadataKey(), header.vaultId(),
                RecordCipher.Kind.SNAPSHOT, head, MetadataCodec.encode(tree.get()), random(Aead.NONCE_BYTES)));
        lastSnapshot = head;
        // Keep the previous snapshot and the records after it, so one damaged snapshot loses nothing.
        for (long sequence : sequences(JOURNAL)) {
            if (sequence <= previous) {
                store.delete(key(JOURNAL, sequence));
            }
        }
        for (long sequence : sequences(SNAPSHOTS)) {
            if (sequence < previous) {
                store.delete(key(SNAPSHOTS, sequence));
            }
        }
        LOG.info(() -> "journal compacted at record " + head);
    }

    @Override
    public byte[][] readSegments(long fileId, long blockIndex, BlockRef block, int firstSegment, int count)
            throws IOException {
        byte[][] plaintext = new byte[count][];
        readSegments(fileId, blockIndex, block, firstSegment, count,
                (index, bytes, offset, length) -> plaintext[index] = Arrays.copyOfRange(bytes, offset,
                        offset + length));
        return plaintext;
    }

    /** Decrypts the whole run into one array, handing each segment over as soon as it is verified. */
    @Override
    public void readSegments(long fileId, long blockIndex, BlockRef block, int firstSegment, int count,
                             SegmentCache.Sink into) throws IOException {
        int segments = BlockCipher.segmentCount(block.length());
        if (firstSegment < 0 || count < 1 || firstSegment + count > segments) {
            throw new IllegalArgumentException("segments " + firstSegment + "+" + count + " outside block of "
                    + segments);
        }
        List<byte[]> borrowed = new ArrayList<>(1);
        try {
            Sealed[] sealed = sealedSegments(fileId, block, firstSegment, count, borrowed);
            openAll(fileId, blockIndex, block, firstSegment, sealed, into);
        } finally {
            borrowed.forEach(this::giveSealedArray);
        }
    }

    /**
     * Opens {@code sealed} (segments from {@code firstSegment}) one after the other into a reused array, handing
     * each over once verified: {@code into} copies what it keeps.
     */
    private void openAll(long fileId, long blockIndex, BlockRef block, int firstSegment, Sealed[] sealed,
                         SegmentCache.Sink into) throws IOException {
        int segments = BlockCipher.segmentCount(block.length());
        int count = sealed.length;
        byte[] blockKey = readKey(block.id());
        BlockCipher.BlockContext context = new BlockCipher.BlockContext(header.vaultId(), fileId, blockIndex);
        byte[] plaintext = plaintextArrays.take();
        try {
            for (int i = 0; i < count; i++) {
                int segment = firstSegment + i;
                boolean last = segment == segments - 1;
                int length;
                try {
                    length = sealed[i].openInto(blockKey, context, segment, last, plaintext);
                } catch (AEADBadTagException e) {
                    if (!sealed[i].fromDisk()) {
                        throw new IntegrityException("content object " + blockKey(block.id()) + " (file " + fileId
                                + ", block " + blockIndex + ", segment " + segment
                                + ") failed authentication: altered, swapped or truncated");
                    }
                    // A damaged local copy is no reason to fail: drop it and ask the remote for the rest of the run.
                    LOG.warning("disk cache: segment " + segment + " of " + block.id()
                            + " failed authentication; fetching it again");
                    diskCache.remove(diskKey(block.id(), segment));
                    int handedOver = i;
                    readSegments(fileId, blockIndex, block, segment, count - i,
                            (index, bytes, offset, n) -> into.accept(handedOver + index, bytes, offset, n));
                    return;
                }
                into.accept(i, plaintext, 0, length);
            }
        } finally {
            plaintextArrays.give(plaintext);
        }
    }

    /**
     * The key of a block being read. Deriving it is an HKDF, two HMACs of SHA-256 computed in Java (Bouncy Castle),
     * and a random read is one segment of a block read before as a rule; a fresh mount compiled that code during
     * its first reads, on the CPU the reads needed. Keys live as long as the content key they come from; the map
     * is emptied when full rather than kept in order: a key dropped is only derived again.
     */
    private byte[] readKey(String blockId) {
        byte[] key = readKeys.get(blockId);
        if (key == null) {
            if (readKeys.size() >= READ_KEYS_KEPT) {
                readKeys.clear();
            }
            key = BlockCipher.blockKey(keys.contentKey(), HEX.parseHex(blockId));
            readKeys.put(blockId, key);
        }
        return key;
    }

    /** Sealed bytes of one segment, as a slice of a larger fetch or a whole disk-cache entry. */
    private record Sealed(byte[] bytes, int offset, int length, boolean fromDisk) {
        int openInto(byte[] blockKey, BlockCipher.BlockContext context, int segment, boolean last, byte[] out)
                throws AEADBadTagException {
            return BlockCipher.openSegmentInto(blockKey, context, segment, last, bytes, offset, length, out, 0);
        }
    }

    /**
     * Segments {@code first .. first+count-1}: from the disk cache where it has them, the rest fetched in runs;
     * the arrays fetched into are added to {@code borrowed}, for the caller to give back ({@link #giveSealedArray}).
     */
    private Sealed[] sealedSegments(long fileId, BlockRef block, int first, int count, List<byte[]> borrowed)
            throws IOException {
        Sealed[] out = new Sealed[count];
        DiskCache disk = diskCache;
        if (disk != null) {
            for (int i = 0; i < count; i++) {
                int index = i;
                disk.get(diskKey(block.id(), first + i)).ifPresent(b -> out[index] = new Sealed(b, 0, b.length, true));
            }
        }
        int i = 0;
        while (i < count) {
            if (out[i] != null) {
                i++;
                continue;
            }
            int runEnd = i;
            while (runEnd + 1 < count && out[runEnd + 1] == null) {
                runEnd++;
            }
            fetch(fileId, block, first + i, runEnd - i + 1, out, i, borrowed);
            i = runEnd + 1;
        }
        return out;
    }

    /** Fetches a run of segments in one ranged read into {@code out} from {@code at}, keeping copies on disk. */
    private void fetch(long fileId, BlockRef block, int first, int count, Sealed[] out, int at, List<byte[]> borrowed)
            throws IOException {
        long offset = (long) first * BlockCipher.SEALED_SEGMENT_SIZE;
        int lastPlain = Math.min(block.length() - (first + count - 1) * BlockCipher.SEGMENT_SIZE,
                BlockCipher.SEGMENT_SIZE);
        int length = (count - 1) * BlockCipher.SEALED_SEGMENT_SIZE + lastPlain + Aead.TAG_BYTES;
        String key = blockKey(block.id());
        byte[] sealed = takeSealedArray(length);
        borrowed.add(sealed);
        int read;
        try {
            read = store.getRangeInto(key, offset, length, sealed);
        } catch (ObjectNotFoundException e) {
            throw new IntegrityException("content object " + key + " of file " + fileId + " is missing");
        }
        fetchRequests.incrementAndGet();
        fetchedBytes.addAndGet(read);
        if (read != length) {
            throw new IntegrityException("content object " + key + " of file " + fileId + " is truncated");
        }
        DiskCache disk = diskCache;
        for (int i = 0; i < count; i++) {
            int start = i * BlockCipher.SEALED_SEGMENT_SIZE;
            int segmentLength = Math.min(BlockCipher.SEALED_SEGMENT_SIZE, length - start);
            out[at + i] = new Sealed(sealed, start, segmentLength, false);
            if (disk != null) {
                disk.put(diskKey(block.id(), first + i), sealed, start, segmentLength);
            }
        }
    }

    private static String diskKey(String blockId, int segment) {
        return blockId + "." + segment;
    }

    /**
     * Keeps a copy of every sealed segment read or written in {@code cache}, and reads from it before the
     * remote. Block objects never change once written, so a copy cannot go stale.
     */
    public void useDiskCache(DiskCache cache) {
        this.diskCache = cache;
    }

    /** Bytes and ranged reads fetched from the store for file content since this vault was opened. */
    public long fetchedBytes() {
        return fetchedBytes.get();
    }

    public long fetchRequests() {
        return fetchRequests.get();
    }

    @Override
    public BlockRef upload(long fileId, long blockIndex, byte[] plaintext, int offset, int length) throws IOException {
        return upload(fileId, blockIndex, (position, into, at, n) -> System.arraycopy(plaintext, offset + position,
                into, at, n), length);
    }

    /** Reads each segment's plaintext where its sealed form goes in the array uploaded, and seals it there. */
    @Override
    public BlockRef upload(long fileId, long blockIndex, PlaintextSource source, int length) throws IOException {
        byte[] id = random(BlockCipher.BLOCK_ID_BYTES);
        BlockRef block = new BlockRef(HEX.formatHex(id), length);
        int sealedLength = (int) BlockCipher.sealedLength(length);
        byte[] sealed = takeSealedArray(sealedLength);
        try {
            for (int segment = 0; segment * BlockCipher.SEGMENT_SIZE < length; segment++) {
                int position = segment * BlockCipher.SEGMENT_SIZE;
                source.read(position, sealed, segment * BlockCipher.SEALED_SEGMENT_SIZE,
                        Math.min(BlockCipher.SEGMENT_SIZE, length - position));
            }
            BlockCipher.sealInPlace(BlockCipher.blockKey(keys.contentKey(), id),
                    new BlockCipher.BlockContext(header.vaultId(), fileId, blockIndex), sealed, length);
            store.put(blockKey(block.id()), sealed, sealedLength);
            DiskCache disk = diskCache;
            if (disk != null) {
                for (int segment = 0; segment * BlockCipher.SEALED_SEGMENT_SIZE < sealedLength; segment++) {
                    int start = segment * BlockCipher.SEALED_SEGMENT_SIZE;
                    disk.put(diskKey(block.id(), segment), sealed, start,
                            Math.min(BlockCipher.SEALED_SEGMENT_SIZE, sealedLength - start));
                }
            }
        } finally {
            giveSealedArray(sealed);
        }
        return block;
    }

    /**
     * An array for {@code length} sealed bytes: a reused one above {@link #POOLED_SEALED_BYTES} (the store keeps no
     * reference to it: see ObjectStore), else a new one of that size. Goes back through {@link #giveSealedArray}.
     */
    private byte[] takeSealedArray(int length) {
        if (length <= sealedSegmentArrays.size()) {
            return sealedSegmentArrays.take();
        }
        return length > POOLED_SEALED_BYTES && length <= sealedArrays.size() ? sealedArrays.take() : new byte[length];
    }

    private void giveSealedArray(byte[] array) {
        if (array.length == sealedArrays.size()) {
            sealedArrays.give(array);
        } else if (array.length == sealedSegmentArrays.size()) {
            sealedSegmentArrays.give(array);
        }
    }

    @Override
    public void delete(BlockRef block) throws IOException {
        store.delete(blockKey(block.id()));
    }

    @Override
    public ObjectStore.SpaceInfo space() throws IOException {
        return store.space();
    }

    @Override
    public void close() throws IOException {
        keys.close();
        store.close();
    }

    // ---- object names (docs/FORMAT.md, "Objects") ----

    static final String JOURNAL = "journal/";
    static final String SNAPSHOTS = "snapshots/";
    static final String BLOCKS = "blocks/";

    static String key(String folder, long sequence) {
        return folder + String.format("%016d", sequence);
    }

    static String blockKey(String id) {
        return BLOCKS + id.substring(0, 2) + "/" + id;
    }

    /**
     * Journal records fetched at once, a round trip each but up to {@link #LOAD_THREADS} at a time: a remount
     * on S3 otherwise waits for up to a thousand requests one after the other. Missing ones are left out.
     */
    private Map<Long, byte[]> fetchInParallel(List<Long> sequences) throws IOException {
        Map<Long, byte[]> out = new ConcurrentHashMap<>();
        if (sequences.isEmpty()) {
            return out;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
                Math.min(LOAD_THREADS, sequences.size()));
        try {
            List<java.util.concurrent.Future<?>> loads = new java.util.ArrayList<>();
            for (long sequence : sequences) {
                loads.add(pool.submit(() -> {
                    try {
                        out.put(sequence, store.get(key(JOURNAL, sequence)));
                    } catch (ObjectNotFoundException gone) {
                        // Compacted away meanwhile, or never complete: the sequential pass decides.
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> load : loads) {
                load.get();
            }
            return out;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while loading the journal");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A snapshot, from the local copy when there is a good one: snapshots of big trees are the largest
     * metadata objects and never change once written. The copy is as encrypted as the original and is
     * authenticated the same way; a bad copy is dropped and the remote asked.
     */
    private List<MetaOp> openSnapshot(long sequence, String key) throws IOException {
        DiskCache local = metadataCache;
        String localKey = "snapshot." + sequence;
        if (local != null) {
            java.util.Optional<byte[]> copy = local.get(localKey);
            if (copy.isPresent()) {
                try {
                    return openMetadata(RecordCipher.Kind.SNAPSHOT, sequence, key, copy.get());
                } catch (IntegrityException e) {
                    LOG.warning("local copy of " + key + " failed authentication; fetching it again");
                    local.remove(localKey);
                }
            }
        }
        byte[] sealed = store.get(key);
        List<MetaOp> ops = openMetadata(RecordCipher.Kind.SNAPSHOT, sequence, key, sealed);
        if (local != null) {
            local.put(localKey, sealed, 0, sealed.length);
        }
        return ops;
    }

    /** Keeps local copies of snapshots in {@code cache}, so that a remount of a big tree reads them from disk. */
    public void useMetadataCache(DiskCache cache) {
        this.metadataCache = cache;
    }

    private List<Long> sequences(String folder) throws IOException {
        return store.list(folder).stream()
                .map(k -> k.substring(folder.length()))
                .filter(s -> s.length() == 16 && s.chars().allMatch(Character::isDigit))
                .map(Long::parseLong)
                .toList();
    }

    private List<MetaOp> openMetadata(RecordCipher.Kind kind, long sequence, String key, byte[] sealed)
            throws IOException {
        byte[] plain;
        try {
            plain = RecordCipher.open(keys.metadataKey(), header.vaultId(), kind, sequence, sealed);
        } catch (AEADBadTagException e) {
            throw new IntegrityException("metadata object " + key + " failed authentication: altered, replayed or"
                    + " moved");
        }
        return MetadataCodec.decode(plain);
    }

    private static byte[] random(int bytes) {
        byte[] out = new byte[bytes];
        RANDOM.nextBytes(out);
        return out;
    }
}
