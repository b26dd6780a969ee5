package dev.coffre.remote.mega;

import dev.coffre.remote.BlockRef;
import dev.coffre.remote.InodeRecord;
import dev.coffre.remote.MetaOp;
import dev.coffre.remote.NodeType;
import dev.coffre.remote.Remote;
import dev.coffre.store.ObjectStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * A MEGA account's Cloud Drive as a {@link Remote}: the filesystem core works on inode records, MEGA on
 * nodes, and this class translates.
 *
 * <ul>
 *   <li><b>Inodes.</b> A node's inode number is its 48-bit handle with bit 48 set, so it is the same at every
 *       mount; files this mount creates keep the number the filesystem gave them for the rest of the mount.
 *       The Cloud Drive root is the filesystem root; the Inbox and the Rubbish Bin are not shown, nor are
 *       file versions.</li>
 *   <li><b>Names.</b> MEGA allows several siblings with one name. The oldest (creation time, then handle)
 *       keeps the name; each other gets its handle added before the extension: {@code a (HANDLE).txt}.
 *       A {@code /} in a MEGA name shows as {@code _}; an empty name, {@code .} or {@code ..} as the handle.</li>
 *   <li><b>Reads.</b> A block of a MEGA file is a byte range of it, read by {@link ChunkReads}: only the
 *       chunks a read touches are fetched. What it returns is authenticated once the file has been read
 *       through (its MAC then checked, its chunk MACs kept on disk), or at once with
 *       {@link MegaVerification#FULL}; see {@link ChunkReads} and docs/MEGA.md.</li>
 *   <li><b>Writes.</b> {@link #upload} keeps plaintext blocks in a local folder; {@link #commit} turns a
 *       batch into MEGA commands: folders ({@code p}), changed files uploaded whole (MEGA has no partial
 *       update) with the modification time in the fingerprint, renames ({@code a}), moves ({@code m}),
 *       deletes to the Rubbish Bin ({@code m}) or for good ({@code d}). A replaced file's old node is
 *       deleted the same way (an empty one always for good: it was only just created). A commit is not atomic on MEGA: a failure part-way is retried, and what
 *       already happened is not repeated.</li>
 *   <li><b>Other clients.</b> {@link #fetchNew} reads action packets and reports what changed.</li>
 * </ul>
 * Permissions, owners, extended attributes, hard links and symbolic links have no place in MEGA: see
 * {@link #supports}. Files show as 0644, folders as 0755, owned by the mounting user.
 * <p>The filesystem root is the Cloud Drive, or the folder a {@link MountRoot} names (a folder of the drive,
 * or the folder of a public link). A read-only remote (a public folder link: no account to write with)
 * refuses {@link #commit} and {@link #upload}; the mount is read-only too, so the kernel refuses writes first.
 */
public final class MegaRemote implements Remote {
    private static final Logger LOG = Logger.getLogger(MegaRemote.class.getName());
    private static final long ROOT = 1;
    private static final long HANDLE_BIT = 1L << 48;
    private static final String MEGA_PREFIX = "mega:";
    private static final String LOCAL_PREFIX = "local:";
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Entry(long parent, String name) {
    }

    /** The filesystem's view: inodes and names. */
    private static final class View {
        final Map<Long, InodeRecord> inodes = new HashMap<>();
        final Map<Long, Map<String, Long>> dirs = new HashMap<>();

        View copy() {
            View out = new View();
            out.inodes.putAll(inodes);
            dirs.forEach((k, v) -> out.dirs.put(k, new LinkedHashMap<>(v)));
            return out;
        }

        void apply(MetaOp op) {
            switch (op.op()) {
                case MetaOp.INODE -> {
                    inodes.put(op.inode().ino(), op.inode());
                    if (op.inode().type() == NodeType.DIRECTORY) {
                        dirs.computeIfAbsent(op.inode().ino(), k -> new LinkedHashMap<>());
                    }
                }
                case MetaOp.FORGET -> {
                    inodes.remove(op.ino());
                    dirs.remove(op.ino());
                }
                case MetaOp.LINK -> dirs.computeIfAbsent(op.parent(), k -> new LinkedHashMap<>()).put(op.name(), op.ino());
                case MetaOp.UNLINK -> {
                    Map<String, Long> dir = dirs.get(op.parent());
                    if (dir != null) {
                        dir.remove(op.name());
                    }
                }
                default -> {
                    // trash and purge: MEGA deletes content with its node
                }
            }
        }

        /** Where each inode is, reachable from the root only. */
        Map<Long, Entry> locations() {
            Map<Long, Entry> out = new HashMap<>();
            List<Long> pending = new ArrayList<>(List.of(ROOT));
            while (!pending.isEmpty()) {
                long dir = pending.remove(pending.size() - 1);
                for (Map.Entry<String, Long> e : dirs.getOrDefault(dir, Map.of()).entrySet()) {
                    if (out.putIfAbsent(e.getValue(), new Entry(dir, e.getKey())) == null && dirs.containsKey(e.getValue())) {
                        pending.add(e.getValue());
                    }
                }
            }
            return out;
        }
    }

    private final MegaClient client;
    private final MountRoot mountRoot;
    private final boolean readOnly;
    private final boolean hardDelete;
    private final Path localBlocks;
    private final int uid;
    private final int gid;
    /** Nodes by handle, for readers (which must not touch the tree). */
    private final Map<String, MegaNode> files = new ConcurrentHashMap<>();
    /** The read path; replaced only by {@link #verifyReads}, before the filesystem reads. */
    private volatile ChunkReads reads;

    // Guarded by this.
    private MegaTree tree;
    /** The node shown as the filesystem root, and its last known state (kept if another client removes it). */
    private String rootHandle;
    private MegaNode rootNode;
    private View view = new View();
    private final Map<String, Long> inoOfHandle = new HashMap<>();
    private final Map<Long, String> handleOfIno = new HashMap<>();
    /** Records this mount committed for nodes it created or changed: shown as committed until others change them. */
    private final Map<String, InodeRecord> committedRecords = new HashMap<>();

    /**
     * @param localBlocks a private folder for written content until it is uploaded and no longer read
     * @param hardDelete  delete for good instead of moving to the Rubbish Bin
     */
    public MegaRemote(MegaClient client, Path localBlocks, boolean hardDelete, int uid, int gid) throws IOException {
        this(client, MountRoot.top(), false, localBlocks, hardDelete, uid, gid);
    }

    /**
     * @param root     the folder shown as the filesystem root
     * @param readOnly refuse every change (a public folder link)
     */
    public MegaRemote(MegaClient client, MountRoot root, boolean readOnly, Path localBlocks, boolean hardDelete,
                      int uid, int gid) throws IOException {
        this.client = client;
        this.mountRoot = root;
        this.readOnly = readOnly;
        this.localBlocks = localBlocks;
        this.hardDelete = hardDelete;
        this.uid = uid;
        this.gid = gid;
        Files.createDirectories(localBlocks.getParent());
        if (!Files.exists(localBlocks)) { // plaintext lives here: owner only
            Files.createDirectory(localBlocks, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        }
        Files.setPosixFilePermissions(localBlocks, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        this.reads = new ChunkReads(client::readUnverified, MegaVerification.CHUNKS, null);
    }

    /**
     * Sets when reads are verified (the option {@code --mega-verify}; {@link MegaVerification#CHUNKS} until
     * this is called) and the private folder where verified chunk MACs are kept across mounts (none until
     * then: memory only). Call before {@link #load}.
     */
    public void verifyReads(MegaVerification verification, Path chunkMacs) throws IOException {
        ChunkReads replaced = reads;
        reads = new ChunkReads(client::readUnverified, verification, new ChunkMacStore(chunkMacs));
        replaced.close();
    }

    /** What MEGA nodes can hold: names, content and a modification time. */
    @Override
    public boolean supports(Feature feature) {
        return false;
    }

    @Override
    public String describe() {
        return "mega:";
    }

    @Override
    public synchronized void load(Consumer<MetaOp> sink) throws IOException {
        tree = client.fetchTree();
        rootNode = mountRoot.find(tree);
        rootHandle = rootNode.handle();
        committedRecords.clear();
        try (Stream<Path> old = Files.list(localBlocks)) {
            for (Path p : (Iterable<Path>) old::iterator) {
                Files.deleteIfExists(p); // nothing loaded references them
            }
        }
        view = derive();
        view.inodes.values().forEach(r -> sink.accept(MetaOp.inode(r)));
        view.dirs.forEach((dir, names) -> names.forEach((name, ino) -> sink.accept(MetaOp.link(dir, name, ino))));
    }

    private long inoOf(MegaNode node) {
        if (node.handle().equals(rootHandle)) {
            return ROOT;
        }
        return inoOfHandle.computeIfAbsent(node.handle(), h -> {
            long bits = 0;
            for (byte b : Base64Url.decode(h)) {
                bits = (bits << 8) | (b & 0xFF);
            }
            return HANDLE_BIT | (bits & (HANDLE_BIT - 1));
        });
    }

    /** The filesystem's view of the tree as it is now. */
    private View derive() {
        View out = new View();
        MegaNode root = tree.get(rootHandle);
        if (root == null) {
            LOG.warning("the mounted MEGA folder was removed by another client; it shows empty");
            root = rootNode;
        }
        rootNode = root;
        handleOfIno.clear();
        out.inodes.put(ROOT, directory(ROOT, root));
        out.dirs.put(ROOT, new LinkedHashMap<>());
        handleOfIno.put(ROOT, root.handle());
        List<MegaNode> pending = new ArrayList<>(List.of(root));
        while (!pending.isEmpty()) {
            MegaNode dir = pending.remove(pending.size() - 1);
            Map<String, Long> names = out.dirs.get(inoOf(dir));
            List<MegaNode> children = new ArrayList<>(tree.children(dir.handle()));
            children.sort(Comparator.comparingLong(MegaNode::createdSeconds).thenComparing(MegaNode::handle));
            for (MegaNode child : children) {
                if (!child.readable() || child.name() == null || !(child.isFile() || child.type() == MegaNode.Type.FOLDER)) {
                    LOG.fine(() -> "MEGA node " + child.handle() + " not shown: " + child.problem());
                    continue;
                }
                long ino = inoOf(child);
                handleOfIno.put(ino, child.handle());
                String name = shownName(child, names.keySet());
                names.put(name, ino);
                if (child.isFile()) {
                    files.put(child.handle(), child);
                    InodeRecord ours = committedRecords.get(child.handle());
                    out.inodes.put(ino, ours != null ? ours : file(ino, child));
                } else {
                    out.inodes.put(ino, directory(ino, child));
                    out.dirs.put(ino, new LinkedHashMap<>());
                    pending.add(child);
                }
            }
        }
        return out;
    }

    /** A name unique among {@code taken}, stable for a given tree (see the class comment). */
    static String shownName(MegaNode node, Set<String> taken) {
        String name = node.name().replace('/', '_');
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            name = node.handle();
        }
        if (!taken.contains(name)) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        String tag = " (" + node.handle() + ")";
        return dot > 0 ? name.substring(0, dot) + tag + name.substring(dot) : name + tag;
    }

    private InodeRecord directory(long ino, MegaNode node) {
        long t = node.createdSeconds() * 1_000_000_000L;
        return new InodeRecord(ino, NodeType.DIRECTORY, 0755, uid, gid, 0, 0, t, t, t, null, null, null);
    }

    private InodeRecord file(long ino, MegaNode node) {
        long created = node.createdSeconds() * 1_000_000_000L;
        long m = node.mtimeSeconds();
        long mtime = m >= 0 ? m * 1_000_000_000L : created;
        List<BlockRef> blocks = new ArrayList<>();
        for (long at = 0, i = 0; at < node.size(); at += BLOCK_SIZE, i++) {
            blocks.add(new BlockRef(MEGA_PREFIX + node.handle() + ":" + i, (int) Math.min(BLOCK_SIZE, node.size() - at)));
        }
        return new InodeRecord(ino, NodeType.FILE, 0644, uid, gid, 0, node.size(), mtime, mtime, created, null,
                blocks, null);
    }

    // ---- metadata changes ----

    @Override
    public synchronized void commit(List<MetaOp> ops) throws IOException {
        refuseIfReadOnly();
        View next = view.copy();
        ops.forEach(next::apply);
        Map<Long, Entry> before = view.locations();
        Map<Long, Entry> after = next.locations();
        // New folders first (parents before children), then content, then names, then deletes: a failure
        // part-way leaves extra nodes at worst, never lost ones.
        for (Map.Entry<Long, Entry> e : after.entrySet()) {
            ensureFolder(e.getKey(), next, after);
        }
        for (Map.Entry<Long, Entry> e : after.entrySet()) {
            long ino = e.getKey();
            InodeRecord record = next.inodes.get(ino);
            if (record == null || record.type() != NodeType.FILE) {
                continue;
            }
            InodeRecord old = view.inodes.get(ino);
            String handle = handleOfIno.get(ino);
            if (handle == null || old == null || old.size() != record.size()
                    || !Objects.equals(old.blocks(), record.blocks())) {
                uploadFile(ino, record, e.getValue(), handle);
                committedRecords.put(handleOfIno.get(ino), record);
            } else if (old.mtime() / 1_000_000_000L != record.mtime() / 1_000_000_000L) {
                MegaNode node = tree.get(handle);
                Object c = node.attributes().get("c");
                String fingerprint = c == null ? Fingerprint.of(content(record), seconds(record.mtime()))
                        : Fingerprint.withMtime(c.toString(), seconds(record.mtime()));
                remember(client.setAttributes(node, NodeAttributes.with(node.attributes(), "c", fingerprint)));
                committedRecords.put(handle, record);
            } else if (!record.equals(old)) {
                committedRecords.put(handle, record);
            }
        }
        for (Map.Entry<Long, Entry> e : after.entrySet()) {
            Entry was = before.get(e.getKey());
            Entry now = e.getValue();
            String handle = handleOfIno.get(e.getKey());
            if (was == null || was.equals(now) || handle == null) {
                continue;
            }
            MegaNode node = tree.get(handle);
            if (!was.name().equals(now.name()) || !node.name().equals(now.name())) {
                node = remember(client.rename(node, now.name()));
            }
            String parent = handleOfIno.get(now.parent());
            if (!node.parent().equals(parent)) {
                remember(client.move(node, parent));
            }
        }
        for (Map.Entry<Long, Entry> e : before.entrySet()) {
            long ino = e.getKey();
            long parent = e.getValue().parent();
            if (after.containsKey(ino) || parent != ROOT && !after.containsKey(parent)) {
                continue; // still there, or its folder goes too and takes it along
            }
            String handle = handleOfIno.get(ino);
            if (handle != null && tree.get(handle) != null) {
                removeNode(tree.get(handle));
            }
        }
        derive(); // refreshes which handle is which inode
        view = next; // the filesystem's records stay as it committed them
    }

    private static long seconds(long nanos) {
        return Math.floorDiv(nanos, 1_000_000_000L);
    }

    private void ensureFolder(long ino, View next, Map<Long, Entry> after) throws IOException {
        InodeRecord record = next.inodes.get(ino);
        if (record == null || record.type() != NodeType.DIRECTORY || handleOfIno.containsKey(ino)) {
            return;
        }
        Entry at = after.get(ino);
        ensureFolder(at.parent(), next, after);
        MegaNode made = remember(client.mkdir(handleOfIno.get(at.parent()), at.name()));
        bind(made.handle(), ino);
    }

    private void bind(String handle, long ino) {
        inoOfHandle.put(handle, ino);
        handleOfIno.put(ino, handle);
    }

    private MegaNode remember(MegaNode node) {
        tree.upsert(node);
        if (node.isFile()) {
            files.put(node.handle(), node);
        }
        return node;
    }

    private void uploadFile(long ino, InodeRecord record, Entry at, String oldHandle) throws IOException {
        MegaNode made = remember(client.upload(handleOfIno.get(at.parent()), at.name(), content(record),
                seconds(record.mtime())));
        bind(made.handle(), ino);
        MegaNode old = oldHandle == null ? null : tree.get(oldHandle);
        if (old != null && old.size() == 0) {
            client.delete(old); // an empty file just created and now written: nothing worth a Rubbish Bin entry
            tree.removeSubtree(old.handle());
        } else if (old != null) {
            removeNode(old);
        }
    }

    private void removeNode(MegaNode node) throws IOException {
        if (hardDelete) {
            client.delete(node);
            tree.removeSubtree(node.handle());
        } else {
            remember(client.moveToRubbish(node, tree));
        }
    }

    /** The plaintext of a file as the filesystem committed it: its blocks, holes as zeros. */
    private ContentSource content(InodeRecord record) {
        List<BlockRef> blocks = record.blocks() == null ? List.of() : record.blocks();
        long ino = record.ino();
        return new ContentSource() {
            @Override
            public long size() {
                return record.size();
            }

            @Override
            public void read(long position, byte[] buffer, int offset, int length) throws IOException {
                while (length > 0) {
                    int index = (int) (position / BLOCK_SIZE);
                    int within = (int) (position % BLOCK_SIZE);
                    int n = Math.min(length, BLOCK_SIZE - within);
                    BlockRef ref = index < blocks.size() ? blocks.get(index) : null;
                    Arrays.fill(buffer, offset, offset + n, (byte) 0);
                    if (ref != null && within < ref.length()) {
                        byte[] data = readRange(ino, index, ref, within, Math.min(n, ref.length() - within));
                        System.arraycopy(data, 0, buffer, offset, data.length);
                    }
                    position += n;
                    offset += n;
                    length -= n;
                }
            }
        };
    }

    @Override
    public synchronized List<List<MetaOp>> fetchNew() throws IOException {
        if (tree == null || tree.sequence() == null) {
            return List.of(); // mega-mock sends no sequence number: it has no action packets
        }
        boolean changed = false;
        for (int round = 0; round < 100; round++) {
            PollResult result = client.pollNow(tree.sequence(), tree);
            for (MegaEvent event : result.events()) {
                if (client.originTag().equals(event.origin())) {
                    continue; // our own change, applied when we made it
                }
                changed |= tree.apply(event);
                forgetOurRecord(event);
            }
            tree.setSequence(result.nextSequence());
            if (result.idle()) {
                break;
            }
        }
        if (!changed) {
            return List.of();
        }
        View next = derive();
        List<MetaOp> ops = diff(view, next);
        view = next;
        return ops.isEmpty() ? List.of() : List.of(ops);
    }

    private void forgetOurRecord(MegaEvent event) {
        if (event instanceof MegaEvent.NodeUpdated u) {
            committedRecords.remove(u.handle());
        } else if (event instanceof MegaEvent.NodesAdded a) {
            a.nodes().forEach(n -> committedRecords.remove(n.handle()));
        }
    }

    /** Operations that turn {@code from} into {@code to}. */
    private static List<MetaOp> diff(View from, View to) {
        List<MetaOp> ops = new ArrayList<>();
        to.inodes.forEach((ino, r) -> {
            if (!r.equals(from.inodes.get(ino))) {
                ops.add(MetaOp.inode(r));
            }
        });
        from.dirs.forEach((dir, names) -> names.forEach((name, ino) -> {
            Map<String, Long> now = to.dirs.get(dir);
            if (now == null || !ino.equals(now.get(name))) {
                if (to.inodes.containsKey(dir)) {
                    ops.add(MetaOp.unlink(dir, name));
                }
            }
        }));
        to.dirs.forEach((dir, names) -> names.forEach((name, ino) -> {
            Map<String, Long> was = from.dirs.get(dir);
            if (was == null || !ino.equals(was.get(name))) {
                ops.add(MetaOp.link(dir, name, ino));
            }
        }));
        Set<Long> gone = new HashSet<>(from.inodes.keySet());
        gone.removeAll(to.inodes.keySet());
        // Unlink names inside vanished folders, children first, then forget.
        for (long ino : gone) {
            Map<String, Long> names = from.dirs.get(ino);
            if (names != null) {
                names.keySet().forEach(n -> ops.add(MetaOp.unlink(ino, n)));
            }
        }
        gone.forEach(ino -> ops.add(MetaOp.forget(ino)));
        return ops;
    }

    @Override
    public void snapshotIfDue(Supplier<List<MetaOp>> current) {
        // MEGA keeps the tree; there is no journal to compact
    }

    // ---- content ----

    @Override
    public byte[][] readSegments(long fileId, long blockIndex, BlockRef block, int firstSegment, int count)
            throws IOException {
        int from = firstSegment * SEGMENT_SIZE;
        int to = Math.min(block.length(), (firstSegment + count) * SEGMENT_SIZE);
        if (firstSegment < 0 || count < 1 || from >= to) {
            throw new IllegalArgumentException("segments " + firstSegment + "+" + count + " outside block of "
                    + block.length() + " bytes");
        }
        byte[] data = readRange(fileId, blockIndex, block, from, to - from);
        byte[][] out = new byte[count][];
        for (int i = 0; i < count; i++) {
            int start = i * SEGMENT_SIZE;
            out[i] = Arrays.copyOfRange(data, Math.min(start, data.length), Math.min(start + SEGMENT_SIZE, data.length));
        }
        return out;
    }

    /** Plaintext of {@code length} bytes at {@code offset} inside one block, verified as {@link ChunkReads} says. */
    private byte[] readRange(long fileId, long blockIndex, BlockRef block, int offset, int length) throws IOException {
        if (block.id().startsWith(LOCAL_PREFIX)) {
            byte[] out = new byte[length];
            try (java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(
                    localBlocks.resolve(block.id().substring(LOCAL_PREFIX.length())))) {
                java.nio.ByteBuffer target = java.nio.ByteBuffer.wrap(out);
                while (target.hasRemaining()) {
                    if (in.read(target, offset + target.position()) < 0) {
                        throw new IOException("local copy of " + block.id() + " is shorter than its " + block.length() + " bytes");
                    }
                }
            }
            return out;
        }
        if (!block.id().startsWith(MEGA_PREFIX)) {
            throw new IOException("not a MEGA block: " + block.id());
        }
        String handle = block.id().substring(MEGA_PREFIX.length(), block.id().lastIndexOf(':'));
        MegaNode node = files.get(handle);
        if (node == null) {
            throw new IOException("MEGA file " + handle + " is gone");
        }
        return reads.read(node, blockIndex * BLOCK_SIZE + offset, length);
    }

    /** How far a file's content is verified (tests). */
    ChunkLedger.State verification(String handle) {
        return reads.state(files.get(handle));
    }

    @Override
    public BlockRef upload(long fileId, long blockIndex, byte[] plaintext, int offset, int length) throws IOException {
        refuseIfReadOnly();
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        String name = HexFormat.of().formatHex(id);
        Files.write(localBlocks.resolve(name), Arrays.copyOfRange(plaintext, offset, offset + length));
        return new BlockRef(LOCAL_PREFIX + name, length);
    }

    @Override
    public void delete(BlockRef block) throws IOException {
        if (block.id().startsWith(LOCAL_PREFIX)) {
            Files.deleteIfExists(localBlocks.resolve(block.id().substring(LOCAL_PREFIX.length())));
        }
        // MEGA content goes with its node, which commit removes
    }

    private void refuseIfReadOnly() throws IOException {
        if (readOnly) {
            throw new IOException("this MEGA mount is read-only (a public folder link)");
        }
    }

    @Override
    public ObjectStore.SpaceInfo space() throws IOException {
        if (readOnly) {
            long used = 0; // a link has no account quota to ask: its size, and nothing free
            for (MegaNode node : files.values()) {
                used += node.size();
            }
            return new ObjectStore.SpaceInfo(used, 0);
        }
        MegaAccount.Quota quota = client.quota();
        long max = Math.max(0, quota.storageMax());
        return new ObjectStore.SpaceInfo(max, Math.max(0, max - Math.max(0, quota.storageUsed())));
    }

    @Override
    public void close() {
        reads.close();
        client.close();
    }
}
