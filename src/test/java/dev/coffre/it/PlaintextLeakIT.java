package dev.coffre.it;

import static dev.coffre.it.Coffre.q;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The vault folder never holds a file name, content, link target or xattr in plaintext. */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(MountedVault.Cleanup.class)
class PlaintextLeakIT {

    private static final Duration LONG = Duration.ofMinutes(6);
    private static final Set<String> VAULT_TOP_LEVEL = Set.of("coffre-vault.json", "journal", "snapshots", "blocks");

    private final List<String> markers = new ArrayList<>();

    private String marker(String kind) {
        byte[] r = new byte[8];
        new SecureRandom().nextBytes(r);
        String m = "MARKER-" + kind + "-" + HexFormat.of().formatHex(r);
        markers.add(m);
        return m;
    }

    @Test
    void noPlaintextInTheVaultFolder() throws Exception {
        try (MountedVault v = MountedVault.create()) {
            Path m = v.mnt;

            // names and contents
            String dirName = marker("dirname");
            String fileName = marker("filename");
            String unicodeName = marker("unicode") + "-ünïcödé-日本語";
            markers.add(unicodeName);
            String small = marker("small-content");
            String big = marker("big-content");
            Files.createDirectories(m.resolve(dirName));
            Files.writeString(m.resolve(dirName).resolve(fileName + ".txt"), small + "\n");
            Files.writeString(m.resolve(unicodeName), "é " + marker("utf8-content") + " ü\n");
            // 9 MiB of markers: crosses 64 KiB segment and 4 MiB block boundaries
            StringBuilder sb = new StringBuilder();
            while (sb.length() < 9 * TestTree.MIB) {
                sb.append(big).append(' ');
            }
            Files.writeString(m.resolve("big.txt"), sb);

            // rename: neither the old nor the new name may appear
            String oldName = marker("oldname");
            String newName = marker("newname");
            Files.writeString(m.resolve(oldName), marker("renamed-content"));
            Files.move(m.resolve(oldName), m.resolve(newName));

            // a deleted file
            String deleted = marker("deleted-name");
            Files.writeString(m.resolve(deleted), marker("deleted-content"));
            Coffre.shOk("sync " + q(m.resolve(deleted)));
            Files.delete(m.resolve(deleted));

            // symlink target, xattr name and value
            String target = marker("link-target");
            Files.createSymbolicLink(m.resolve("link"), Path.of(target));
            String xname = marker("xattr-name");
            String xvalue = marker("xattr-value");
            Coffre.shOk("setfattr -n " + q("user." + xname) + " -v " + q(xvalue) + " " + q(m.resolve("big.txt")));

            // real programs
            String row = marker("sqlite-row");
            Coffre.shOk(LONG, v.shellEnv(), "sqlite3 " + q(m.resolve("db.sqlite"))
                    + " \"CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('" + row + "');\"");
            String commitMessage = marker("git-message");
            String gitFile = marker("git-filename");
            String git = "git -c user.name=Coffre -c user.email=it@coffre.dev ";
            Coffre.shOk(LONG, v.shellEnv(), String.join("\n",
                    "mkdir " + q(m.resolve("repo")) + " && cd " + q(m.resolve("repo")),
                    git + "init -q",
                    "echo " + q(marker("git-content")) + " > " + q(gitFile),
                    git + "add -A",
                    git + "commit -q -m " + q(commitMessage)));
            String tarMember = marker("tar-member");
            Path tarSrc = v.root.resolve("tarsrc");
            Files.createDirectories(tarSrc);
            Files.writeString(tarSrc.resolve(tarMember), marker("tar-content"));
            Coffre.shOk(LONG, v.shellEnv(), "tar -C " + q(tarSrc) + " -cf " + q(m.resolve("a.tar")) + " .");

            // the password never in any process's command line
            for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
                String cmd = p.info().commandLine().orElse("");
                assertFalse(cmd.contains(v.password), "password in the command line of process " + p.pid());
            }

            v.unmount();

            List<String> leaks = new ArrayList<>();
            List<String> all = new ArrayList<>(markers);
            all.add(v.password);
            long bytes = 0;
            try (Stream<Path> s = Files.walk(v.vault)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    String rel = v.vault.relativize(p).toString();
                    for (String mk : all) {
                        if (rel.contains(mk)) {
                            leaks.add("path " + rel + " contains " + mk);
                        }
                    }
                    if (Files.isRegularFile(p)) {
                        byte[] data = Files.readAllBytes(p);
                        bytes += data.length;
                        String latin1 = new String(data, StandardCharsets.ISO_8859_1);
                        for (String mk : all) {
                            String needle = new String(mk.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
                            if (latin1.contains(needle)) {
                                leaks.add("content of " + rel + " contains " + (mk.equals(v.password) ? "the password" : mk));
                            }
                        }
                    }
                }
            }
            assertTrue(bytes > 9 * TestTree.MIB, "the vault holds only " + bytes + " bytes: where did the data go?");
            assertEquals(List.of(), leaks, "plaintext found in the vault folder");
        }
    }

    @Test
    void vaultFolderHoldsOnlyTheDocumentedLayout() throws Exception {
        try (MountedVault v = MountedVault.create()) {
            Files.writeString(v.path("a.txt"), "some content");
            Files.createDirectories(v.path("d/e"));
            v.unmount();
            Set<String> top = new TreeSet<>();
            try (Stream<Path> s = Files.list(v.vault)) {
                s.forEach(p -> top.add(p.getFileName().toString()));
            }
            for (String name : top) {
                if (!VAULT_TOP_LEVEL.contains(name)) {
                    // tolerated: an empty work folder (e.g. for atomic writes); never leftover files
                    Path extra = v.vault.resolve(name);
                    assertTrue(Files.isDirectory(extra) && Coffre.regularFiles(extra).isEmpty(),
                            "unexpected entry in the vault folder after a clean unmount: " + name + " " + Coffre.snapshot(extra));
                }
            }
            assertTrue(top.contains("coffre-vault.json") && top.contains("journal") && top.contains("blocks"),
                    "missing vault entries: " + top);
            String header = Files.readString(v.vault.resolve("coffre-vault.json"));
            assertTrue(header.strip().startsWith("{") && header.strip().endsWith("}"), "header is not a JSON object: " + header);
            assertFalse(header.contains(v.password), "the header contains the password");
            // the local cache and runtime dirs never hold the password either
            for (Path dir : List.of(v.cacheHome, v.runtimeDir, v.dataHome, v.configHome)) {
                for (String f : Coffre.regularFiles(dir)) {
                    assertFalse(contains(dir.resolve(f), v.password), "password found in " + dir.resolve(f));
                }
            }
        }
    }

    private static boolean contains(Path file, String s) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)
                    .contains(new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
