package dev.coffre.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Objects as files in a folder. Crash-safe: every write goes to a temporary file that is fsynced, then
 * renamed (replace) or hard-linked (create-if-absent, which fails atomically when the name exists) into
 * place, and the folder is fsynced. A crash leaves the old object or the new one, and at worst a stray
 * temporary file that the next start removes.
 */
public final class LocalObjectStore implements ObjectStore {
    private static final String TEMP_DIR = ".tmp";

    private final Path root;

    public LocalObjectStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** Creates the folder (owner-only) and clears temporary files that a crash may have left. */
    public void prepare() throws IOException {
        Files.createDirectories(root);
        Path temp = root.resolve(TEMP_DIR);
        if (Files.isDirectory(temp)) {
            try (Stream<Path> stale = Files.list(temp)) {
                for (Path p : (Iterable<Path>) stale::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Override
    public byte[] get(String key) throws IOException {
        try {
            return Files.readAllBytes(path(key));
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException(key);
        }
    }

    @Override
    public int getRangeInto(String key, long offset, int length, byte[] into) throws IOException {
        try (FileChannel channel = FileChannel.open(path(key), StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.wrap(into, 0, length);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    break;
                }
            }
            return buffer.position();
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException(key);
        }
    }

    @Override
    public void put(String key, byte[] data, int length) throws IOException {
        Path target = path(key);
        Path temp = writeTemp(data, length);
        try {
            Files.createDirectories(target.getParent());
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        fsyncDirectory(target.getParent());
    }

    @Override
    public boolean putIfAbsent(String key, byte[] data) throws IOException {
        Path target = path(key);
        if (Files.exists(target)) {
            return false;
        }
        Path temp = writeTemp(data, data.length);
        try {
            Files.createDirectories(target.getParent());
            Files.createLink(target, temp);
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(temp);
        }
        fsyncDirectory(target.getParent());
        return true;
    }

    /** A hard link fails atomically when the name exists. */
    @Override
    public boolean atomicCreate() {
        return true;
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        int slash = prefix.lastIndexOf('/');
        Path dir = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        List<String> keys = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return keys;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (!Files.isRegularFile(p)) {
                    continue;
                }
                String key = root.relativize(p).toString();
                if (key.startsWith(prefix) && !key.startsWith(TEMP_DIR + "/")) {
                    keys.add(key);
                }
            }
        }
        return keys;
    }

    @Override
    public void delete(String key) throws IOException {
        Files.deleteIfExists(path(key));
    }

    @Override
    public SpaceInfo space() throws IOException {
        FileStore store = Files.getFileStore(root);
        return new SpaceInfo(store.getTotalSpace(), store.getUsableSpace());
    }

    @Override
    public String describe() {
        return "local:" + root;
    }

    private Path path(String key) {
        if (key.isEmpty() || key.startsWith("/") || key.contains("..") || key.startsWith(TEMP_DIR)) {
            throw new IllegalArgumentException("invalid object key: " + key);
        }
        return root.resolve(key);
    }

    private Path writeTemp(byte[] data, int length) throws IOException {
        Path tempDir = root.resolve(TEMP_DIR);
        Files.createDirectories(tempDir);
        Path temp = tempDir.resolve(UUID.randomUUID().toString());
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(data, 0, length);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        return temp;
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Owner-only permissions for a new vault folder: the objects are ciphertext, but their count is not public. */
    public static void createPrivateDirectory(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            Files.createDirectories(dir.getParent() == null ? dir : dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }
}
