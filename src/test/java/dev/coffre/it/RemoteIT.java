package dev.coffre.it;

import static dev.coffre.it.Coffre.EXIT_USAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
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

/** Named remotes, FUSE owner options, logging, completion and the systemd unit, through the real command line. */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(MountedVault.Cleanup.class)
class RemoteIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The vault's environment without COFFRE_PASSWORD: the password must come from the saved password file. */
    private static Map<String, String> noPasswordVariable() {
        Map<String, String> env = new HashMap<>();
        env.put("COFFRE_PASSWORD", null);
        return env;
    }

    private static Path passwordFile(MountedVault v) throws Exception {
        Path file = v.root.resolve("work.pass");
        Files.writeString(file, v.password + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static Path configFile(MountedVault v) {
        return v.configHome.resolve("coffre/config.toml");
    }

    private static JsonNode status(MountedVault v, String target) throws Exception {
        return JSON.readTree(v.coffre().run("status", target, "--json").assertOk().out());
    }

    @Test
    void addListShowMountByNameRemove() throws Exception {
        try (MountedVault v = MountedVault.initialized()) {
            Coffre coffre = v.coffre();
            Path password = passwordFile(v);
            coffre.run("remote", "add", "work", v.remote(), "--password-file", password.toString(), "--cache-size", "64M",
                    "--write-back", "0", "--mount-point", v.mnt.toString()).assertOk();
            Path config = configFile(v);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));
            assertFalse(Files.readString(config).contains(v.password), "the password is not in the settings file");

            Coffre.Result list = coffre.run("remote", "list").assertOk();
            assertTrue(list.out().contains("work") && list.out().contains(v.remote()), list::output);
            JsonNode listed = JSON.readTree(coffre.run("remote", "list", "--json").assertOk().out());
            assertEquals("work", listed.get(0).get("name").asText());
            assertEquals("64M", listed.get(0).get("settings").get("cache-size").asText());
            assertTrue(coffre.run("remote", "show", "work").assertOk().out().contains("write-back:"));

            // A NAME and a mount point, with the password from the saved file.
            coffre.run(Coffre.TIMEOUT, noPasswordVariable(), "mount", "work", v.mnt.toString()).assertOk();
            assertTrue(Coffre.isMounted(v.mnt));
            Files.writeString(v.path("hello.txt"), "through a named remote");
            assertEquals("through a named remote", Files.readString(v.path("hello.txt")));
            JsonNode state = status(v, "work");
            assertEquals(64L << 20, state.get("cacheLimitBytes").asLong(), "the saved --cache-size applies");
            assertEquals(v.mnt.toString(), state.get("mountPoint").asText());
            coffre.run("sync", "work").assertOk();
            coffre.run("unmount", "work").assertOk();
            assertFalse(Coffre.isMounted(v.mnt));

            // A lone NAME mounts on the saved mount point; a flag wins over the saved setting.
            coffre.run(Coffre.TIMEOUT, noPasswordVariable(), "mount", "--cache-size", "96M", "work").assertOk();
            assertEquals(96L << 20, status(v, v.mnt.toString()).get("cacheLimitBytes").asLong(), "the flag wins");
            assertEquals("through a named remote", Files.readString(v.path("hello.txt")), "read back from the vault");
            coffre.run("check", "work").assertOk();
            coffre.run("unmount", "work").assertOk();

            coffre.run("remote", "remove", "work").assertOk();
            assertFalse(coffre.run("remote", "list").output().contains(v.remote()));
            Coffre.Result unknown = coffre.run("mount", "work", v.mnt.toString()).assertExit(EXIT_USAGE);
            assertTrue(unknown.err().contains("no remote named 'work'"), unknown::output);
            assertFalse(Coffre.isMounted(v.mnt));
        }
    }

    @Test
    void refusalsAreUsageErrors() throws Exception {
        try (MountedVault v = MountedVault.initialized()) {
            Coffre coffre = v.coffre();
            Coffre.Result secret = coffre.run("remote", "add", "work", v.remote(), "--password", v.password)
                    .assertExit(EXIT_USAGE);
            assertTrue(secret.err().contains("never saves a password"), secret::output);
            assertFalse(Files.exists(configFile(v)), "nothing was written");
            coffre.run("remote", "add", "a/b", v.remote()).assertExit(EXIT_USAGE);
            coffre.run("remote", "add", "s3:x", v.remote()).assertExit(EXIT_USAGE);
            coffre.run("remote", "remove", "nosuch").assertExit(EXIT_USAGE);
            coffre.run("remote", "show", "nosuch").assertExit(EXIT_USAGE);
            coffre.run("check", "nosuch").assertExit(EXIT_USAGE);
            coffre.run("remote", "add", "work", v.remote()).assertOk();
            coffre.run("remote", "add", "work", v.remote()).assertExit(EXIT_USAGE);
            coffre.run("remote", "add", "work", v.remote(), "--replace", "--cache-size", "lots").assertExit(EXIT_USAGE);

            Files.writeString(configFile(v), "[remotes.work]\nurl = \"" + v.remote() + "\"\ncache-size = 64M\n");
            Coffre.Result malformed = coffre.run("mount", "work", v.mnt.toString()).assertExit(EXIT_USAGE);
            assertTrue(malformed.err().contains("config.toml:3:"), malformed::output);
            assertFalse(Coffre.isMounted(v.mnt));
            coffre.run("check", v.remote()).assertOk(); // a URL does not read the broken file
        }
    }

    @Test
    void ownerOptionsReachFuseAndTheVerboseLogHoldsNoSecret() throws Exception {
        try (MountedVault v = MountedVault.initialized()) {
            v.coffre().run("mount", v.remote(), v.mnt.toString(), "-o", "uid=alice").assertExit(EXIT_USAGE);
            Path log = v.root.resolve("logs/mount.log");
            v.tryMount(Map.of(), "-vv", "-o", "uid=4242,gid=4343,umask=027", "--log-file", log.toString()).assertOk();
            Files.createDirectory(v.path("dir"));
            Files.writeString(v.path("dir/file"), "owned");
            String owners = Coffre.shOk("stat -c '%u %g %a' " + Coffre.q(v.path("dir")) + " " + Coffre.q(v.path("dir/file")));
            assertEquals("4242 4343 750\n4242 4343 750\n", owners);
            v.unmount();
            assertTrue(Files.readString(log).contains("mounted " + v.remote()), "the log is where it was asked to be");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
            try (var logs = Files.list(log.getParent())) {
                for (Path file : logs.toList()) {
                    assertFalse(Files.readString(file).contains(v.password), file + " holds the password");
                }
            }
        }
    }

    @Test
    void theSystemdUnitsCommandsMountAndStopANamedRemote() throws Exception {
        try (MountedVault v = MountedVault.initialized()) {
            Coffre coffre = v.coffre();
            coffre.run("remote", "add", "work", v.remote()).assertOk();
            Path mountPoint = v.mnt;
            coffre.run("service", "install", "work").assertExit(EXIT_USAGE); // no mount point, no password file
            coffre.run("service", "install", "work", mountPoint.toString(), "--password-file",
                    passwordFile(v).toString()).assertOk();
            Path unit = v.configHome.resolve("systemd/user/coffre@.service");
            String text = Files.readString(unit);
            assertTrue(text.contains(Coffre.jar() + " mount --foreground %i"), text);
            assertTrue(text.contains(Coffre.jar() + " unmount %i"), text);
            assertTrue(Files.readString(configFile(v)).contains("mount-point = \"" + mountPoint + "\""));

            // What systemd runs: ExecStart, then ExecStop.
            Path out = v.root.resolve("service.out");
            Process service = coffre.start(noPasswordVariable(), out, v.root.resolve("service.err"),
                    "mount", "--foreground", "work");
            Coffre.awaitMounted(mountPoint, Duration.ofMinutes(2), service);
            Files.writeString(mountPoint.resolve("f"), "from the service");
            coffre.run("unmount", "work").assertOk();
            assertTrue(service.waitFor(2, TimeUnit.MINUTES), "the service process ends after the unmount");
            assertEquals(0, service.exitValue(), () -> "stderr: " + read(v.root.resolve("service.err")));
            assertFalse(Coffre.isMounted(mountPoint));
        }
    }

    @Test
    void completionAndHelpPages() throws Exception {
        try (MountedVault v = MountedVault.empty()) {
            Coffre.Result completion = v.coffre().run("completion", "bash").assertOk();
            Path script = Files.writeString(v.root.resolve("coffre.bash"), completion.out());
            Coffre.exec(List.of("bash", "-n", script.toString())).assertOk();
            for (String command : List.of("mount", "unmount", "status", "sync", "remote", "check", "gc")) {
                assertTrue(completion.out().contains(command), command);
            }
            assertTrue(v.coffre().run("help", "fstab").assertOk().out().contains("/sbin/mount.fuse.coffre"));
            assertTrue(v.coffre().run("help", "mount").assertOk().out().contains("--cache-size"));
            v.coffre().run("help", "nosuch").assertExit(EXIT_USAGE);
            v.coffre().run("completion", "fish").assertExit(EXIT_USAGE);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
