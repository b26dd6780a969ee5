package dev.coffre.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FuseOptionsTest {
    @TempDir
    Path dir;

    private int refusal(List<String> options, boolean root, Path fuseConf) {
        return assertThrows(CliException.class, () -> FuseOptions.check(options, root, fuseConf)).exitCode();
    }

    @Test
    void ownerAndModeOptionsTakeNumbers() throws Exception {
        Path conf = dir.resolve("fuse.conf");
        FuseOptions.check(List.of("uid=1000", "gid=100", "umask=027", "ro", "nonempty"), false, conf);
        assertEquals(ExitCodes.USAGE, refusal(List.of("uid=alice"), true, conf));
        assertEquals(ExitCodes.USAGE, refusal(List.of("gid="), true, conf));
        assertEquals(ExitCodes.USAGE, refusal(List.of("uid"), true, conf));
        assertEquals(ExitCodes.USAGE, refusal(List.of("umask=999"), true, conf));
        assertEquals(ExitCodes.USAGE, refusal(List.of("umask=u+rwx"), true, conf));
    }

    @Test
    void allowOtherNeedsUserAllowOtherForUsersOtherThanRoot() throws Exception {
        Path conf = dir.resolve("fuse.conf");
        Files.writeString(conf, "# user_allow_other\n#mount_max = 1000\n");
        CliException e = assertThrows(CliException.class, () -> FuseOptions.check(List.of("allow_other"), false, conf));
        assertEquals(ExitCodes.MOUNT_FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("user_allow_other") && e.getMessage().contains(conf.toString()), e.getMessage());
        assertEquals(ExitCodes.MOUNT_FAILED, refusal(List.of("allow_root"), false, dir.resolve("absent")));
        assertDoesNotThrow(() -> FuseOptions.check(List.of("allow_other"), true, conf), "root may");
        Files.writeString(conf, "# comment\n  user_allow_other  \n");
        assertDoesNotThrow(() -> FuseOptions.check(List.of("allow_other"), false, conf));
        assertEquals(ExitCodes.USAGE, refusal(List.of("allow_other", "allow_root"), true, conf));
    }
}
