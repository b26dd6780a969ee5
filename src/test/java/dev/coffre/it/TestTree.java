package dev.coffre.it;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates a directory tree on local disk that exercises what rsync -aHX preserves: nested
 * directories, files of assorted sizes around the block (4 MiB) and segment (64 KiB) sizes,
 * symlinks (also dangling), hard links, modes, owners, user xattrs and nanosecond mtimes.
 */
final class TestTree {

    static final int MIB = 1 << 20;

    /** What to put in the tree. */
    record Spec(long seed, int files, boolean largeFiles, boolean owners, boolean xattrs) {
    }

    private TestTree() {
    }

    static Spec full(long seed) {
        return new Spec(seed, 200, true, true, true);
    }

    static Spec small(long seed) {
        return new Spec(seed, 40, false, false, false);
    }

    static void generate(Path root, Spec spec) throws IOException {
        Random rnd = new Random(spec.seed());
        Files.createDirectories(root);
        StringBuilder script = new StringBuilder("cd " + Coffre.q(root) + "\n");

        // directories
        List<String> dirs = new ArrayList<>(List.of("."));
        String[] dirNames = {"dir", "with space", "ünïcödé", "日本語", "deep", "a.b", "-dash"};
        for (int i = 0; i < 20; i++) {
            String parent = dirs.get(rnd.nextInt(dirs.size()));
            String d = (parent.equals(".") ? "" : parent + "/") + dirNames[i % dirNames.length] + "-" + i;
            Files.createDirectories(root.resolve(d));
            dirs.add(d);
        }
        Files.createDirectories(root.resolve("empty-dir"));
        dirs.add("empty-dir");

        // regular files
        List<Long> sizes = new ArrayList<>(List.of(0L, 0L, 1L, 2L, 4095L, 4096L, 4097L, 65535L, 65536L, 65537L,
                131071L, 131072L, 131073L));
        if (spec.largeFiles()) {
            sizes.addAll(List.of((long) MIB, 4L * MIB - 1, 4L * MIB, 4L * MIB + 1, 8L * MIB, 8L * MIB + 1, 9L * MIB));
        }
        while (sizes.size() < spec.files()) {
            int r = rnd.nextInt(10);
            long max = r < 6 ? 4096 : r < 9 ? 256 * 1024 : (spec.largeFiles() ? 2 * MIB : 300 * 1024);
            sizes.add((long) rnd.nextInt((int) max + 1));
        }
        List<String> files = new ArrayList<>();
        int[] modes = {0644, 0600, 0755, 0640, 0444, 0700, 0664};
        for (int i = 0; i < sizes.size(); i++) {
            String dir = i < 5 ? "." : dirs.get(rnd.nextInt(dirs.size() - 1)); // keep empty-dir empty
            String name = switch (i % 9) {
                case 1 -> "file with spaces " + i + ".txt";
                case 2 -> "fïchiér-" + i + ".dat";
                case 3 -> ".hidden-" + i;
                case 4 -> "x".repeat(180) + "-" + i;
                default -> "file-" + i + ".bin";
            };
            String rel = dir.equals(".") ? name : dir + "/" + name;
            writeContent(root.resolve(rel), sizes.get(i), new Random(spec.seed() * 31 + i), i % 4 == 0);
            files.add(rel);
            script.append("chmod ").append(Integer.toOctalString(modes[i % modes.length])).append(' ')
                    .append(rp(rel)).append('\n');
        }

        // hard links: one inode with three names, two with two
        for (int g = 0; g < 3; g++) {
            String target = files.get(10 + g * 7);
            int extra = g == 0 ? 2 : 1;
            for (int k = 0; k < extra; k++) {
                String dir = dirs.get(1 + rnd.nextInt(dirs.size() - 2));
                String link = dir + "/hardlink-" + g + "-" + k;
                script.append("ln ").append(rp(target)).append(' ').append(rp(link)).append('\n');
            }
        }

        // symlinks
        String f0 = files.get(6);
        String[][] links = {
                {"link-to-file", f0},
                {"link-to-dir", dirs.get(3)},
                {"dangling-relative", "no/such/file"},
                {"dangling-absolute", "/nonexistent/coffre-it-dangling"},
                {"link-to-link", "link-to-file"},
                {"link-long-target", "t".repeat(200)},
                {dirs.get(2) + "/link-up", "../" + f0},
                {dirs.get(5) + "/link-space", "target with space"},
        };
        for (String[] l : links) {
            script.append("ln -s -- ").append(Coffre.q(l[1])).append(' ').append(rp(l[0])).append('\n');
        }

        // owners
        if (spec.owners()) {
            String[] owners = {"1000:1000", "1234:5678", "0:0", "65534:65534"};
            for (int i = 0; i < files.size(); i += 5) {
                script.append("chown -h ").append(owners[(i / 5) % owners.length]).append(' ')
                        .append(rp(files.get(i))).append('\n');
            }
            script.append("chown -h 4321:4321 link-to-file\n");
            script.append("chown 2000:3000 ").append(rp(dirs.get(4))).append('\n');
        }

        // user xattrs
        if (spec.xattrs()) {
            for (int i = 3; i < files.size(); i += 9) {
                String f = rp(files.get(i));
                script.append("setfattr -n user.comment -v ").append(Coffre.q("comment of " + i)).append(' ').append(f).append('\n');
                script.append("setfattr -n user.binary -v 0x00ff7f8001").append(Integer.toHexString(0x10 + i % 200)).append(' ').append(f).append('\n');
                if (i % 2 == 1) {
                    script.append("setfattr -n user.empty ").append(f).append('\n');
                    script.append("setfattr -n user.big -v ").append(Coffre.q("v".repeat(2000 + i))).append(' ').append(f).append('\n');
                }
            }
            script.append("setfattr -n user.dir-attr -v on-a-dir ").append(rp(dirs.get(1))).append('\n');
            script.append("setfattr -n user.dir-attr -v on-empty-dir empty-dir\n");
        }

        // directory modes (after the files exist)
        script.append("chmod 0750 ").append(rp(dirs.get(1))).append('\n');
        script.append("chmod 0700 ").append(rp(dirs.get(2))).append('\n');
        script.append("chmod 1777 ").append(rp(dirs.get(6))).append('\n');

        // nanosecond mtimes: files and symlinks first, then directories deepest first
        int n = 0;
        List<String> entries = new ArrayList<>(files);
        for (String[] l : links) {
            entries.add(l[0]);
        }
        for (String e : entries) {
            script.append("touch -h -d @").append(stamp(rnd, n++)).append(' ').append(rp(e)).append('\n');
        }
        List<String> dirsDeepestFirst = new ArrayList<>(dirs);
        dirsDeepestFirst.sort((a, b) -> Long.compare(b.chars().filter(c -> c == '/').count(),
                a.chars().filter(c -> c == '/').count()));
        dirsDeepestFirst.remove(".");
        dirsDeepestFirst.add(".");
        for (String d : dirsDeepestFirst) {
            script.append("touch -h -d @").append(stamp(rnd, n++)).append(' ').append(rp(d)).append('\n');
        }
        Coffre.shOk(Duration.ofMinutes(3), Map.of(), script.toString());
    }

    /** A quoted relative path that cannot be taken for an option. */
    private static String rp(String rel) {
        return Coffre.q(rel.equals(".") ? "." : "./" + rel);
    }

    /** SECONDS.NNNNNNNNN, with a few edge values. */
    private static String stamp(Random rnd, int n) {
        if (n == 0) {
            return "1.000000001";
        }
        if (n == 1) {
            return "4102444800.999999999"; // year 2100
        }
        long seconds = 1_000_000_000L + (long) (rnd.nextDouble() * 800_000_000L);
        int nanos = rnd.nextInt(1_000_000_000);
        return seconds + "." + String.format("%09d", nanos);
    }

    /** Random bytes, or compressible text if {@code text}. */
    static void writeContent(Path file, long size, Random rnd, boolean text) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            long left = size;
            long line = 0;
            while (left > 0) {
                int n = (int) Math.min(buf.length, left);
                if (text) {
                    int k = 0;
                    while (k < n) {
                        byte[] l = ("line " + (line++) + " of some compressible text\n").getBytes();
                        int c = Math.min(l.length, n - k);
                        System.arraycopy(l, 0, buf, k, c);
                        k += c;
                    }
                } else {
                    rnd.nextBytes(buf);
                }
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }

    // ---------------------------------------------------------------- comparisons

    /**
     * One line per entry (sorted): path, type, mode, uid, gid, link count and size (not for
     * directories, whose sizes and link counts are file-system specific), mtime to the
     * nanosecond ({@code stat -c %y}), which names share an inode, and symlink target.
     */
    static List<String> statListing(Path dir) {
        String out = Coffre.shOk(Duration.ofMinutes(3), Map.of("LC_ALL", "C", "TZ", "UTC"),
                "cd " + Coffre.q(dir) + " && find . -print0 | sort -z | xargs -0 stat -c '%n|%F|%a|%u|%g|%h|%s|%y|%i|%N'");
        List<String> lines = new ArrayList<>();
        java.util.Map<String, String> firstNameOfInode = new java.util.HashMap<>();
        for (String line : out.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\\|", 10);
            if (f[1].equals("directory")) {
                f[5] = "-";
                f[6] = "-";
                f[8] = "-";
            } else {
                // inode numbers differ between trees; which names share one must not
                f[8] = "inode-of:" + firstNameOfInode.computeIfAbsent(f[8], k -> f[0]);
            }
            lines.add(String.join("|", f));
        }
        return lines;
    }

    /** File -> (user xattr name -> hex value), via {@code getfattr -R -d}. */
    static java.util.SortedMap<String, java.util.SortedMap<String, String>> userXattrs(Path dir) {
        Coffre.Result r = Coffre.sh(Duration.ofMinutes(3), Map.of("LC_ALL", "C"),
                "cd " + Coffre.q(dir) + " && getfattr -R -h -d -e hex -m '^user\\.' .");
        r.assertOk();
        java.util.SortedMap<String, java.util.SortedMap<String, String>> map = new java.util.TreeMap<>();
        java.util.SortedMap<String, String> current = null;
        for (String line : r.out().split("\n")) {
            if (line.startsWith("# file: ")) {
                current = new java.util.TreeMap<>();
                map.put(line.substring("# file: ".length()), current);
            } else if (!line.isBlank() && current != null) {
                int eq = line.indexOf('=');
                current.put(eq < 0 ? line : line.substring(0, eq), eq < 0 ? "" : line.substring(eq + 1));
            }
        }
        return map;
    }

    /** {@code diff -r --no-dereference a b}: asserts no difference. */
    static void assertDiffClean(Path a, Path b) {
        Coffre.Result r = Coffre.exec(List.of("diff", "-r", "--no-dereference", a.toString(), b.toString()),
                Map.of("LC_ALL", "C"), null, Duration.ofMinutes(5));
        r.assertOk();
    }

    /** Asserts equal maps, listing the differing keys (values clipped) instead of both whole maps. */
    static void assertSameMap(java.util.Map<String, ?> expected, java.util.Map<String, ?> actual, String what) {
        java.util.SortedSet<String> keys = new java.util.TreeSet<>(expected.keySet());
        keys.addAll(actual.keySet());
        List<String> diffs = new ArrayList<>();
        for (String k : keys) {
            Object e = expected.get(k);
            Object a = actual.get(k);
            if (!java.util.Objects.equals(e, a)) {
                diffs.add(k + "\n      expected: " + clip(e) + "\n      actual:   " + clip(a));
            }
        }
        if (!diffs.isEmpty()) {
            org.junit.jupiter.api.Assertions.fail(what + ": " + diffs.size() + " of " + keys.size()
                    + " entries differ:\n    " + String.join("\n    ", diffs.subList(0, Math.min(25, diffs.size()))));
        }
    }

    /** statListing as path -> line. */
    static java.util.SortedMap<String, String> byPath(List<String> listing) {
        java.util.SortedMap<String, String> map = new java.util.TreeMap<>();
        for (String line : listing) {
            map.put(line.substring(0, line.indexOf('|')), line);
        }
        return map;
    }

    private static String clip(Object o) {
        String s = String.valueOf(o);
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}
