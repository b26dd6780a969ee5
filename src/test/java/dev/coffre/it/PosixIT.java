package dev.coffre.it;

import static dev.coffre.it.Coffre.q;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** POSIX semantics through the mount: renames, unlink, links, modes, truncate, names, xattrs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(MountedVault.Cleanup.class)
class PosixIT {

    private static final Duration LONG = Duration.ofMinutes(4);

    private MountedVault v;
    /** A fresh directory inside the mount for the current test. */
    private Path d;

    @BeforeAll
    void mountVault() throws Exception {
        v = MountedVault.create();
    }

    @AfterAll
    void closeVault() {
        if (v != null) {
            v.close();
        }
    }

    @BeforeEach
    void testDir(TestInfo info) throws Exception {
        if (!Coffre.isMounted(v.mnt)) {
            v.mount(); // a previous test failed between unmount and mount
        }
        d = Files.createDirectory(v.path(info.getTestMethod().orElseThrow().getName()));
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String stat(String format, Path p) {
        return Coffre.shOk("stat -c " + q(format) + " " + q(p)).strip();
    }

    @Test
    void renameOverExistingFileReplacesIt() throws Exception {
        Files.writeString(d.resolve("a"), "content of a");
        Files.writeString(d.resolve("b"), "content of b, longer");
        assertEquals(List.of("OK"), Coffre.py("print(attempt(os.rename, sys.argv[1], sys.argv[2]))", d.resolve("a"), d.resolve("b")));
        assertEquals("content of a", Files.readString(d.resolve("b")));
        assertEquals(List.of("b"), names(d));
        // mv, and Java's atomic move
        Files.writeString(d.resolve("c"), "content of c");
        Coffre.shOk("mv -f " + q(d.resolve("c")) + " " + q(d.resolve("b")));
        Files.writeString(d.resolve("e"), "content of e");
        Files.move(d.resolve("e"), d.resolve("b"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        assertEquals("content of e", Files.readString(d.resolve("b")));
        assertEquals(List.of("b"), names(d));
        // rename of an empty directory over an empty directory replaces it
        Files.createDirectory(d.resolve("x"));
        Files.writeString(Files.createDirectory(d.resolve("x/in")).resolve("f"), "f");
        Files.createDirectory(d.resolve("y"));
        assertEquals(List.of("OK"), Coffre.py("print(attempt(os.rename, sys.argv[1], sys.argv[2]))", d.resolve("x"), d.resolve("y")));
        assertEquals("f", Files.readString(d.resolve("y/in/f")));
        assertEquals(List.of("b", "y"), names(d));
    }

    @Test
    void renameErrors() throws Exception {
        Files.createDirectories(d.resolve("src/sub"));
        Files.writeString(d.resolve("src/file"), "s");
        Files.createDirectories(d.resolve("full"));
        Files.writeString(d.resolve("full/keep"), "k");
        Files.writeString(d.resolve("plain"), "p");
        List<String> out = Coffre.py(String.join("\n",
                "d = sys.argv[1]",
                "j = lambda *p: os.path.join(d, *p)",
                "print(attempt(os.rename, j('src'), j('full')))",
                "print(attempt(os.rename, j('src'), j('src', 'sub', 'inside')))",
                "print(attempt(os.rename, j('plain'), j('src')))",
                "print(attempt(os.rename, j('src'), j('plain')))",
                "print(attempt(os.rename, j('missing'), j('other')))"), d);
        assertAll(
                () -> assertTrue(Set.of("ENOTEMPTY", "EEXIST").contains(out.get(0)), "dir over non-empty dir: " + out.get(0)),
                () -> assertEquals("EINVAL", out.get(1), "dir into its own subdir"),
                () -> assertEquals("EISDIR", out.get(2), "file over dir"),
                () -> assertEquals("ENOTDIR", out.get(3), "dir over file"),
                () -> assertEquals("ENOENT", out.get(4), "missing source"));
        assertEquals(List.of("full", "plain", "src"), names(d));
        assertEquals(List.of("file", "sub"), names(d.resolve("src")));
        assertEquals("k", Files.readString(d.resolve("full/keep")));
        assertEquals("p", Files.readString(d.resolve("plain")));
        Coffre.Result mv = Coffre.sh("LC_ALL=C mv " + q(d.resolve("src")) + " " + q(d.resolve("src/sub")));
        assertTrue(mv.exit() != 0 && mv.err().contains("subdirectory of itself"), () -> mv.describe("mv into own subdir"));
    }

    @Test
    void rmdirAndUnlinkErrors() throws Exception {
        Files.createDirectories(d.resolve("full"));
        Files.writeString(d.resolve("full/f"), "f");
        Files.writeString(d.resolve("file"), "x");
        Files.createDirectories(d.resolve("empty"));
        List<String> out = Coffre.py(String.join("\n",
                "d = sys.argv[1]",
                "print(attempt(os.rmdir, os.path.join(d, 'full')))",
                "print(attempt(os.rmdir, os.path.join(d, 'file')))",
                "print(attempt(os.unlink, os.path.join(d, 'full')))",
                "print(attempt(os.mkdir, os.path.join(d, 'file')))",
                "print(attempt(os.rmdir, os.path.join(d, 'empty')))"), d);
        assertEquals(List.of("ENOTEMPTY", "ENOTDIR", "EISDIR", "EEXIST", "OK"), out);
        assertEquals(List.of("file", "full"), names(d));
        assertEquals("f", Files.readString(d.resolve("full/f")));
    }

    @Test
    void unlinkedOpenFileStaysReadableUntilClose() throws Exception {
        List<String> out = Coffre.py(String.join("\n",
                "p = sys.argv[1]; d = os.path.dirname(p)",
                "data = b'hello world ' * 10000",
                "fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o644)",
                "os.write(fd, data)",
                "os.unlink(p)",
                "print('exists=%s' % os.path.lexists(p))",
                "print('listing=%s' % sorted(os.listdir(d)))",
                "os.lseek(fd, 0, 0)",
                "print('read=%s' % (os.read(fd, 1000000) == data))",
                "os.write(fd, b'more')",
                "os.lseek(fd, 0, 0)",
                "print('reread=%s' % (os.read(fd, 1000000) == data + b'more'))",
                "st = os.fstat(fd)",
                "print('size=%d' % st.st_size)",
                "print('nlink=%d' % st.st_nlink)",
                "os.close(fd)",
                "print('after=%s' % sorted(os.listdir(d)))",
                "print('rmdir=%s' % attempt(os.rmdir, d))"), d.resolve("victim"));
        assertAll(
                () -> assertEquals("exists=False", out.get(0)),
                () -> assertEquals("listing=[]", out.get(1), "directory listing while the unlinked file is open"),
                () -> assertEquals("read=True", out.get(2)),
                () -> assertEquals("reread=True", out.get(3)),
                () -> assertEquals("size=120004", out.get(4)),
                () -> assertEquals("nlink=0", out.get(5), "st_nlink of an open unlinked file"),
                () -> assertEquals("after=[]", out.get(6)),
                () -> assertEquals("rmdir=OK", out.get(7)));
        Files.createDirectory(d); // for symmetry with the other tests
    }

    @Test
    void readdirGivesEachEntrysTypeAndInode() throws Exception {
        Files.writeString(d.resolve("file"), "x");
        Files.createDirectory(d.resolve("dir"));
        Files.createSymbolicLink(d.resolve("link"), Path.of("file"));
        Coffre.shOk("mkfifo " + q(d.resolve("fifo")));
        // readdir(3) through ctypes: Python's scandir would hide an unknown d_type behind a stat
        List<String> out = Coffre.py(String.join("\n",
                "import ctypes",
                "class Dirent(ctypes.Structure):",
                "    _fields_ = [('ino', ctypes.c_uint64), ('off', ctypes.c_int64), ('reclen', ctypes.c_uint16),",
                "                ('type', ctypes.c_uint8), ('name', ctypes.c_char * 256)]",
                "libc = ctypes.CDLL(None, use_errno=True)",
                "libc.opendir.restype = ctypes.c_void_p",
                "libc.readdir.argtypes = [ctypes.c_void_p]",
                "libc.readdir.restype = ctypes.POINTER(Dirent)",
                "libc.closedir.argtypes = [ctypes.c_void_p]",
                "dirp = libc.opendir(sys.argv[1].encode())",
                "seen = {}",
                "while True:",
                "    e = libc.readdir(dirp)",
                "    if not e: break",
                "    seen[e.contents.name.decode()] = (e.contents.type, e.contents.ino)",
                "libc.closedir(dirp)",
                "for name in ['file', 'dir', 'link', 'fifo']:",
                "    t, ino = seen[name]",
                "    print('%s type=%d ino_matches=%s' % (name, t, ino == os.lstat(os.path.join(sys.argv[1], name)).st_ino))"),
                d);
        // DT_REG 8, DT_DIR 4, DT_LNK 10, DT_FIFO 1 (dirent.h)
        assertEquals(List.of("file type=8 ino_matches=True", "dir type=4 ino_matches=True",
                "link type=10 ino_matches=True", "fifo type=1 ino_matches=True"), out);
    }

    @Test
    void hardLinks() throws Exception {
        Path a = d.resolve("a");
        Files.writeString(a, "first");
        Files.createDirectories(d.resolve("sub"));
        Coffre.shOk("ln " + q(a) + " " + q(d.resolve("b")) + " && ln " + q(a) + " " + q(d.resolve("sub/c")));
        assertEquals("3", stat("%h", a), "st_nlink of the first name right after two ln");
        assertEquals("3", stat("%h", d.resolve("sub/c")), "st_nlink of the newest name");
        assertEquals(stat("%i", a), stat("%i", d.resolve("sub/c")), "hard links share an inode number");
        Files.writeString(d.resolve("b"), "second, through b");
        assertEquals("second, through b", Files.readString(a));
        assertEquals("second, through b", Files.readString(d.resolve("sub/c")));
        Files.delete(a);
        assertEquals("2", stat("%h", d.resolve("b")), "st_nlink right after unlink of one name");
        v.remount();
        assertEquals("2", stat("%h", d.resolve("b")));
        assertEquals("second, through b", Files.readString(d.resolve("sub/c")));
        Files.writeString(d.resolve("sub/c"), "third");
        assertEquals("third", Files.readString(d.resolve("b")));
        assertEquals(List.of("OK", "EEXIST"), Coffre.py(
                "print(attempt(os.link, sys.argv[1], sys.argv[2]))\nprint(attempt(os.link, sys.argv[1], sys.argv[2]))",
                d.resolve("b"), d.resolve("d")));
        assertEquals("3", stat("%h", d.resolve("b")));
    }

    @Test
    void symlinks() throws Exception {
        Files.createDirectories(d.resolve("dir"));
        Files.writeString(d.resolve("dir/target.txt"), "target content");
        Files.createSymbolicLink(d.resolve("rel"), Path.of("dir/target.txt"));
        Files.createSymbolicLink(d.resolve("todir"), Path.of("dir"));
        Files.createSymbolicLink(d.resolve("dangling"), Path.of("/nonexistent/coffre"));
        Coffre.shOk("ln -s " + q("x".repeat(1000)) + " " + q(d.resolve("long")));
        for (int round = 0; round < 2; round++) {
            assertEquals("dir/target.txt", Coffre.shOk("readlink " + q(d.resolve("rel"))).strip());
            assertEquals(Path.of("dir/target.txt"), Files.readSymbolicLink(d.resolve("rel")));
            assertEquals("target content", Files.readString(d.resolve("rel")));
            assertEquals("target content", Files.readString(d.resolve("todir/target.txt")));
            assertTrue(Files.isSymbolicLink(d.resolve("dangling")));
            assertFalse(Files.exists(d.resolve("dangling")));
            assertEquals("/nonexistent/coffre", Files.readSymbolicLink(d.resolve("dangling")).toString());
            assertEquals("x".repeat(1000), Files.readSymbolicLink(d.resolve("long")).toString());
            assertEquals("symbolic link", stat("%F", d.resolve("rel")));
            v.remount();
        }
    }

    @Test
    void chmodAndChownPersistAfterRemount() throws Exception {
        Files.writeString(d.resolve("f640"), "x");
        Files.writeString(d.resolve("f755"), "x");
        Files.writeString(d.resolve("f600"), "x");
        Files.createDirectories(d.resolve("dir"));
        Files.createDirectories(d.resolve("sticky"));
        Files.createSymbolicLink(d.resolve("link"), Path.of("f640"));
        Coffre.shOk(String.join("\n",
                "cd " + q(d),
                "chmod 0640 f640 && chmod 0755 f755 && chmod 0600 f600 && chmod 0750 dir && chmod 1777 sticky",
                "chown 1234:5678 f640 && chown 1000:100 dir && chown -h 4321:8765 link"));
        String expected = String.join("\n",
                "dir 750 1000 100",
                "f600 600 0 0",
                "f640 640 1234 5678",
                "f755 755 0 0",
                "link 777 4321 8765",
                "sticky 1777 0 0");
        String stats = "cd " + q(d) + " && stat -c '%n %a %u %g' * | sort";
        assertEquals(expected, Coffre.shOk(stats).strip());
        v.remount();
        assertEquals(expected, Coffre.shOk(stats).strip());
        assertEquals("x", Files.readString(d.resolve("f600")));
    }

    @Test
    void truncateGrowsWithZerosAndShrinks() throws Exception {
        Path local = v.root.resolve("truncate-local.bin");
        Path remote = d.resolve("t.bin");
        TestTree.writeContent(local, 1 << 20, new Random(5), false);
        Files.copy(local, remote);
        Path patch = v.root.resolve("truncate-patch.bin");
        TestTree.writeContent(patch, 100_000, new Random(6), false);
        String[] steps = {
                "truncate -s 9437184 F",                 // grow across two block boundaries
                "dd if=" + q(patch) + " of=F bs=65536 seek=4194200 oflag=seek_bytes conv=notrunc status=none",
                "truncate -s 4194307 F",                 // shrink into the second block
                "truncate -s 6000000 F",                 // grow again: the cut data must not come back
                "truncate -s 100 F",
                "truncate -s 70000 F",
                "dd if=" + q(patch) + " of=F bs=65536 seek=65000 oflag=seek_bytes conv=notrunc status=none",
                "truncate -s 0 F",
                "truncate -s 5000000 F",
                "dd if=" + q(patch) + " of=F bs=65536 seek=4194000 oflag=seek_bytes conv=notrunc status=none",
        };
        for (String step : steps) {
            Coffre.shOk(step.replace(" F", " " + q(local)).replace("of=F", "of=" + q(local)));
            Coffre.shOk(step.replace(" F", " " + q(remote)).replace("of=F", "of=" + q(remote)));
            assertEquals(Files.size(local), Files.size(remote), "size after: " + step);
            assertEquals(Coffre.sha256(local), Coffre.sha256(remote), "content after: " + step);
        }
        v.remount();
        assertEquals(Coffre.sha256(local), Coffre.sha256(remote), "content after remount");
    }

    @Test
    void nameLengthLimitIs255Bytes() throws Exception {
        List<String> out = Coffre.py(String.join("\n",
                "d = sys.argv[1]",
                "j = lambda n: os.path.join(d, n)",
                "def create(n): open(j(n), 'w').close()",
                "u255 = 'é' * 127 + 'a'",
                "print(attempt(create, 'a' * 255))",
                "print(attempt(create, 'b' * 256))",
                "print(attempt(os.mkdir, j('c' * 256)))",
                "print(attempt(os.rename, j('a' * 255), j('d' * 256)))",
                "print(attempt(os.symlink, 'target', j('e' * 256)))",
                "print(attempt(os.link, j('a' * 255), j('f' * 256)))",
                "print(attempt(create, u255))",
                "print(attempt(create, 'é' * 128))",
                "print(attempt(os.mkdir, j('g' * 255)))",
                "print(sorted(os.listdir(d)) == sorted(['a' * 255, u255, 'g' * 255]))"), d);
        assertEquals(List.of("OK", "ENAMETOOLONG", "ENAMETOOLONG", "ENAMETOOLONG", "ENAMETOOLONG", "ENAMETOOLONG",
                "OK", "ENAMETOOLONG", "OK", "True"), out);
        v.remount();
        assertEquals(List.of("True"), Coffre.py(
                "d = sys.argv[1]\nprint(sorted(os.listdir(d)) == sorted(['a' * 255, 'é' * 127 + 'a', 'g' * 255]))", d));
    }

    @Test
    void dfAndStatfsWork() {
        Coffre.Result df = Coffre.sh("LC_ALL=C df -P " + q(v.mnt)).assertOk();
        String last = df.out().strip().lines().reduce((x, y) -> y).orElse("");
        assertTrue(last.endsWith(" " + v.mnt), () -> df.describe("df does not show the mount"));
        Coffre.sh("stat -f " + q(v.mnt)).assertOk();
        assertEquals("255", Coffre.shOk("stat -f -c %l " + q(v.mnt)).strip(), "maximum name length reported by statfs");
    }

    @Test
    void randomWritesInTheMiddleOfALargeFile() throws Exception {
        Path local = v.root.resolve("random-local.bin");
        Path remote = d.resolve("big.bin");
        TestTree.writeContent(local, 20L << 20, new Random(11), false);
        Coffre.shOk("cp " + q(local) + " " + q(remote));
        assertEquals(Coffre.sha256(local), Coffre.sha256(remote), "after cp");

        Random rnd = new Random(12);
        List<long[]> patches = new ArrayList<>();
        long[] fixed = {0, 65536 - 3, (4L << 20) - 5, (8L << 20) - 1, (20L << 20) - 10, (22L << 20)};
        for (long off : fixed) {
            patches.add(new long[] {off, 1 + rnd.nextInt(200_000)});
        }
        for (int i = 0; i < 40; i++) {
            patches.add(new long[] {(long) (rnd.nextDouble() * (21L << 20)), 1 + rnd.nextInt(300_000)});
        }
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < patches.size(); i++) {
            Path patch = v.root.resolve("patch-" + i + ".bin");
            TestTree.writeContent(patch, patches.get(i)[1], new Random(100 + i), false);
            for (Path target : List.of(local, remote)) {
                script.append("dd if=").append(q(patch)).append(" of=").append(q(target))
                        .append(" bs=65536 seek=").append(patches.get(i)[0])
                        .append(" oflag=seek_bytes conv=notrunc status=none\n");
            }
        }
        Coffre.shOk(LONG, java.util.Map.of(), script.toString());
        assertEquals(Files.size(local), Files.size(remote));
        assertEquals(Coffre.sha256(local), Coffre.sha256(remote), "after random writes");
        v.remount();
        assertEquals(Files.size(local), Files.size(remote));
        assertEquals(Coffre.sha256(local), Coffre.sha256(remote), "after random writes and remount");
    }

    @Test
    void extendedAttributes() throws Exception {
        Path f = d.resolve("f");
        Files.writeString(f, "content");
        Path dir = Files.createDirectory(d.resolve("dir"));
        Coffre.shOk(String.join("\n",
                "setfattr -n user.greeting -v hello " + q(f),
                "setfattr -n user.binary -v 0x00ff10 " + q(f),
                "setfattr -n user.empty " + q(f),
                "setfattr -n user.big -v " + q("b".repeat(4000)) + " " + q(f),
                "setfattr -n user.gone -v soon " + q(f),
                "setfattr -x user.gone " + q(f),
                "setfattr -n user.ondir -v dirvalue " + q(dir)));
        assertEquals("hello", Coffre.shOk("getfattr --only-values -n user.greeting " + q(f)));
        List<String> py = Coffre.py(String.join("\n",
                "f = sys.argv[1]",
                "print(sorted(os.listxattr(f)))",
                "print(os.getxattr(f, 'user.binary').hex())",
                "print(len(os.getxattr(f, 'user.empty')))",
                "print(os.getxattr(f, 'user.big') == b'b' * 4000)",
                "print(attempt(os.getxattr, f, 'user.gone'))",
                "print(attempt(os.setxattr, f, 'user.greeting', b'x', os.XATTR_CREATE))",
                "print(attempt(os.setxattr, f, 'user.nothere', b'x', os.XATTR_REPLACE))",
                "print(attempt(os.removexattr, f, 'user.nothere'))",
                "print(os.getxattr(sys.argv[2], 'user.ondir'))"), f, dir);
        List<String> expected = List.of("['user.big', 'user.binary', 'user.empty', 'user.greeting']", "00ff10", "0", "True",
                "ENODATA", "EEXIST", "ENODATA", "ENODATA", "b'dirvalue'");
        assertEquals(expected, py);
        String dump = "getfattr -d -e hex -m '^user\\.' --absolute-names " + q(f) + " " + q(dir);
        String before = Coffre.shOk(dump);
        v.remount();
        assertEquals(before, Coffre.shOk(dump));
        Coffre.shOk("setfattr -x user.greeting " + q(f));
        assertEquals(List.of("ENODATA"), Coffre.py("print(attempt(os.getxattr, sys.argv[1], 'user.greeting'))", f));
        assertArrayEquals("content".getBytes(), Files.readAllBytes(f));
        assertTrue(Files.exists(f, LinkOption.NOFOLLOW_LINKS));
    }
}
