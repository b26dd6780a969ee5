package dev.coffre.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * /etc/fstab lines mount a vault: mount(8) reads a temporary fstab ({@code mount -T}) and runs the helper
 * scripts/mount.coffre the way it would for a real one. The helper is linked as /sbin/mount.fuse.coffre only for
 * the test that needs it, and unlinked afterwards.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(MountedVault.Cleanup.class)
class FstabIT {
    private static final Path HELPER = Path.of("scripts/mount.coffre").toAbsolutePath();
    private static final Path LAUNCHER = Path.of("scripts/coffre").toAbsolutePath();
    private static final Path SBIN_HELPER = Path.of("/sbin/mount.fuse.coffre");
    private static final Path USR_LOCAL_COFFRE = Path.of("/usr/local/bin/coffre");

    /**
     * A symbolic link where mount(8) looks, made for one test and removed after it. One that is already there is
     * used if it leads to this checkout's file, and the test is skipped if it leads elsewhere.
     */
    private record TemporaryLink(Path link, boolean made) implements AutoCloseable {
        static TemporaryLink install(Path link, Path target) throws IOException {
            if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, target);
                return new TemporaryLink(link, true);
            }
            assumeTrue(Files.exists(link) && link.toRealPath().equals(target.toRealPath()),
                    link + " belongs to another coffre: not replacing it");
            return new TemporaryLink(link, false);
        }

        @Override
        public void close() throws IOException {
            if (made) {
                Files.deleteIfExists(link);
            }
        }
    }

    /** A vault saved as remote "work", with its password in a file and no COFFRE_PASSWORD to fall back on. */
    private static Path savedRemote(MountedVault v) throws IOException {
        v.coffre().run("remote", "add", "work", v.remote(), "--write-back", "0").assertOk();
        Path password = v.root.resolve("work.pass");
        Files.writeString(password, v.password);
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        return password;
    }

    /** The vault's XDG folders, as the user who mounts would have them, and no password variable. */
    private static Map<String, String> mountEnv(MountedVault v) {
        Map<String, String> env = v.coffre().env();
        env.put("COFFRE_PASSWORD", null);
        return env;
    }

    private static Coffre.Result mountFromFstab(MountedVault v, String line) throws IOException {
        Path fstab = Files.writeString(v.root.resolve("fstab"), "# a temporary fstab\n" + line + "\n");
        return Coffre.exec(List.of("mount", "-T", fstab.toString(), v.mnt.toString()), mountEnv(v), null,
                Coffre.TIMEOUT);
    }

    private static void roundTripAndUnmount(MountedVault v, String name) throws IOException {
        assertTrue(Coffre.isMounted(v.mnt), v.mnt + " is not mounted");
        Files.writeString(v.path(name), "mounted from fstab");
        assertEquals("mounted from fstab", Files.readString(v.path(name)));
        v.coffre().run("unmount", "work").assertOk();
        assertFalse(Coffre.isMounted(v.mnt));
    }

    @Test
    void typeFuseCoffreThroughSbinHelper() throws Exception {
        try (TemporaryLink helper = TemporaryLink.install(SBIN_HELPER, HELPER);
             MountedVault v = MountedVault.initialized()) {
            Path password = savedRemote(v);
            String line = "work " + v.mnt + " fuse.coffre noauto,user,_netdev,nofail,x-systemd.device-timeout=10,"
                    + "password_file=" + password + ",cache_size=48M,uid=4242,umask=022 0 0";
            mountFromFstab(v, line).assertOk();
            String fsType = Coffre.shOk("findmnt -n -o FSTYPE " + Coffre.q(v.mnt)).strip();
            assertEquals("fuse.coffre", fsType);
            var state = new ObjectMapper().readTree(v.coffre().run("status", "work", "--json").assertOk().out());
            assertEquals(48L << 20, state.get("cacheLimitBytes").asLong(), "cache_size= reached coffre mount");
            Files.writeString(v.path("owned"), "x");
            assertEquals("4242 755", Coffre.shOk("stat -c '%u %a' " + Coffre.q(v.path("owned"))).strip(),
                    "uid= and umask= reached FUSE");
            roundTripAndUnmount(v, "first.txt");

            mountFromFstab(v, line).assertOk(); // again: the file is read back from the vault
            assertEquals("mounted from fstab", Files.readString(v.path("first.txt")));
            v.coffre().run("unmount", v.mnt.toString()).assertOk();
        }
    }

    @Test
    void oldStyleSourceWithTypeFuseThroughMountFuse() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/sbin/mount.fuse")), "mount.fuse (package fuse3) is not installed");
        // mount.fuse runs "coffre work MOUNTPOINT -o ..." through the shell with its default PATH (mount(8) clears
        // PATH): scripts/coffre must be /usr/local/bin/coffre.
        try (TemporaryLink launcher = TemporaryLink.install(USR_LOCAL_COFFRE, LAUNCHER);
             MountedVault v = MountedVault.initialized()) {
            Path password = savedRemote(v);
            mountFromFstab(v, "coffre#work " + v.mnt + " fuse noauto,_netdev,password_file=" + password + " 0 0")
                    .assertOk();
            roundTripAndUnmount(v, "old-style.txt");
        }
    }

    @Test
    void helperCalledAsMountWouldCallIt() throws Exception {
        try (MountedVault v = MountedVault.initialized()) {
            Path password = savedRemote(v);
            Map<String, String> env = new HashMap<>(mountEnv(v));
            Coffre.exec(List.of(HELPER.toString(), "work", v.mnt.toString(), "-o",
                    "rw,noexec,nosuid,nodev,password_file=" + password + ",user,_netdev"), env, null, Coffre.TIMEOUT)
                    .assertOk();
            assertTrue(Coffre.shOk("findmnt -n -o OPTIONS " + Coffre.q(v.mnt)).contains("noexec"),
                    "mount(8)'s noexec reached the kernel");
            roundTripAndUnmount(v, "direct.txt");
            Coffre.Result wrong = Coffre.exec(List.of(HELPER.toString(), "nosuch", v.mnt.toString(), "-o", "rw"), env,
                    null, Duration.ofMinutes(2));
            assertEquals(Coffre.EXIT_USAGE, wrong.exit(), wrong::output);
            assertFalse(Coffre.isMounted(v.mnt));
        }
    }
}
