package dev.coffre.it;

import static dev.coffre.it.Coffre.q;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Real programs on a real mount: sqlite3, git, tar, fio with verification. */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(MountedVault.Cleanup.class)
class RealProgramsIT {

    private static final Duration LONG = Duration.ofMinutes(6);

    /** 1,000 rows in 10 transactions. */
    static String sqliteInserts(String table) {
        StringBuilder sql = new StringBuilder();
        int id = 0;
        for (int t = 0; t < 10; t++) {
            sql.append("BEGIN;\n");
            for (int i = 0; i < 100; i++, id++) {
                sql.append("INSERT INTO ").append(table).append("(id, v) VALUES (").append(id)
                        .append(", '").append("row-").append(id).append("-").append("z".repeat(id % 300)).append("');\n");
            }
            sql.append("COMMIT;\n");
        }
        return sql.toString();
    }

    private static void sqliteScenario(MountedVault v, String journalPragma) throws Exception {
        Path sql = v.root.resolve("inserts.sql");
        Files.writeString(sql, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL);\n" + sqliteInserts("t"));
        Path db = v.path("data/test.db");
        Files.createDirectories(db.getParent());
        Coffre.shOk(LONG, v.shellEnv(), "sqlite3 -bail -cmd " + q(journalPragma) + " " + q(db) + " < " + q(sql));
        assertEquals(journalPragma.contains("WAL") ? "wal" : "delete",
                Coffre.shOk(LONG, v.shellEnv(), "sqlite3 " + q(db) + " 'PRAGMA journal_mode;'").strip());
        assertSqliteHealthy(v, db);
        v.remount();
        assertSqliteHealthy(v, db);
        // still writable after the remount
        Coffre.shOk(LONG, v.shellEnv(), "sqlite3 -bail " + q(db)
                + " 'BEGIN; DELETE FROM t WHERE id % 2 = 0; COMMIT; VACUUM;'");
        assertEquals("ok", Coffre.shOk(LONG, v.shellEnv(), "sqlite3 " + q(db) + " 'PRAGMA integrity_check;'").strip());
        assertEquals("500", Coffre.shOk(LONG, v.shellEnv(), "sqlite3 " + q(db) + " 'SELECT count(*) FROM t;'").strip());
    }

    private static void assertSqliteHealthy(MountedVault v, Path db) {
        assertEquals("ok", Coffre.shOk(LONG, v.shellEnv(), "sqlite3 " + q(db) + " 'PRAGMA integrity_check;'").strip());
        assertEquals("1000|499500", Coffre.shOk(LONG, v.shellEnv(),
                "sqlite3 " + q(db) + " 'SELECT count(*), sum(id) FROM t;'").strip());
        assertEquals("row-999-" + "z".repeat(999 % 300), Coffre.shOk(LONG, v.shellEnv(),
                "sqlite3 " + q(db) + " 'SELECT v FROM t WHERE id = 999;'").strip());
    }

    @Test
    void sqliteRollbackJournal() throws Exception {
        try (MountedVault v = MountedVault.create()) {
            sqliteScenario(v, "PRAGMA journal_mode=DELETE;");
        }
    }

    @Test
    void sqliteWriteAheadLog() throws Exception {
        try (MountedVault v = MountedVault.create()) {
            sqliteScenario(v, "PRAGMA journal_mode=WAL;");
        }
    }

    @Test
    void gitCommitFsckAndLogAfterRemount() throws Exception {
        try (MountedVault v = MountedVault.create()) {
            Path repo = v.path("repo");
            String git = "git -c user.name=Coffre -c user.email=it@coffre.dev -c init.defaultBranch=main ";
            Coffre.shOk(LONG, v.shellEnv(), String.join("\n",
                    "mkdir -p " + q(repo) + " && cd " + q(repo),
                    git + "init -q",
                    "printf 'hello\\n' > README.md",
                    "mkdir -p src/main && seq 1 20000 > src/main/numbers.txt",
                    "head -c 300000 /dev/urandom > blob.bin",
                    "ln -s README.md readme-link",
                    git + "add -A",
                    git + "commit -q -m 'first commit from the IT'",
                    "echo more >> README.md",
                    git + "commit -q -am 'second commit'",
                    git + "gc -q",
                    git + "fsck --full --strict"));
            assertLogAndFsck(v, repo, git);
            v.remount();
            assertLogAndFsck(v, repo, git);
            assertEquals("", Coffre.shOk(LONG, v.shellEnv(), "cd " + q(repo) + " && " + git + "status --porcelain").strip(),
                    "git status is not clean after remount");
        }
    }

    private static void assertLogAndFsck(MountedVault v, Path repo, String git) {
        Coffre.shOk(LONG, v.shellEnv(), "cd " + q(repo) + " && " + git + "fsck --full --strict");
        String log = Coffre.shOk(LONG, v.shellEnv(), "cd " + q(repo) + " && " + git + "log --format=%s");
        assertEquals("second commit\nfirst commit from the IT", log.strip());
    }

    @Test
    void tarCreateAndExtractInsideTheMount() throws Exception {
        try (MountedVault v = MountedVault.create()) {
            Path src = v.root.resolve("src");
            TestTree.generate(src, TestTree.small(7));
            Path tar = v.path("archive.tar");
            Path out = v.path("extracted");
            Coffre.shOk(LONG, v.shellEnv(), "tar -C " + q(src) + " -cf " + q(tar) + " .");
            Coffre.shOk(LONG, v.shellEnv(), "mkdir " + q(out) + " && tar -C " + q(out) + " -xpf " + q(tar));
            TestTree.assertDiffClean(src, out);
            Coffre.shOk(LONG, v.shellEnv(), "tar -C " + q(src) + " -df " + q(tar));
            v.remount();
            TestTree.assertDiffClean(src, out);
            Coffre.shOk(LONG, v.shellEnv(), "tar -C " + q(src) + " -df " + q(tar));
        }
    }

    private static String fio(Path file, String rw, String bs) {
        // fio leaves a verify state file in its working directory: keep it out of the project
        return "cd " + q(file.getParent().getParent()) + " && fio --name=v --filename=" + q(file) + " --size=64M --rw=" + rw + " --bs=" + bs
                + " --verify=crc32c --do_verify=1 --ioengine=psync";
    }

    @Test
    void fioRandomAndSequentialWritesVerify() throws Exception {
        try (MountedVault v = MountedVault.create()) {
            Path rand = v.path("fio-rand.dat");
            Path seq = v.path("fio-seq.dat");
            Coffre.Result r1 = Coffre.sh(LONG, v.shellEnv(), fio(rand, "randwrite", "4k")).assertOk();
            assertTrue(r1.out().contains("err= 0"), () -> r1.describe("fio reported an error"));
            Coffre.Result r2 = Coffre.sh(LONG, v.shellEnv(), fio(seq, "write", "1M")).assertOk();
            assertTrue(r2.out().contains("err= 0"), () -> r2.describe("fio reported an error"));
            v.remount();
            Coffre.sh(LONG, v.shellEnv(), fio(rand, "randwrite", "4k") + " --verify_only").assertOk();
            Coffre.sh(LONG, v.shellEnv(), fio(seq, "write", "1M") + " --verify_only").assertOk();
        }
    }
}
