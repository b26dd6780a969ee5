package dev.coffre.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@DisplayName("A named remote's settings fill what the command line leaves out")
class RemoteSettingsTest {
    @TempDir
    Path dir;
    private Path config;

    private final NamedRemote work = new NamedRemote("work", "s3://bucket/work", "/srv/work", Map.of(
            "cache-size", List.of("64M"),
            "write-back", List.of("1s"),
            "options", List.of("allow_other", "uid=1000"),
            "password-file", List.of("/etc/coffre/work.pass"),
            "s3-endpoint", List.of("http://127.0.0.1:9000"),
            "s3-region", List.of("eu-west-3")));

    @BeforeEach
    void saveRemote() throws Exception {
        config = dir.resolve("config.toml");
        ConfigFile.load(config).with(work).save();
        ConfigFile.useLocation(config);
    }

    @AfterEach
    void defaultLocation() {
        ConfigFile.useLocation(null);
    }

    private static <T> T parsed(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void flagsWinOverTheFile() throws Exception {
        MountCommand inTest = parsed(new MountCommand(), "--cache-size", "1G", "--s3-region", "us-east-2", "work", "/mnt");
        RemoteSpec spec = inTest.remoteOptions.parse("work");
        assertEquals(1L << 30, inTest.cacheSize, "given on the command line");
        assertEquals(Duration.ofSeconds(1), inTest.writeBackDelay, "from the file");
        assertEquals(List.of("allow_other", "uid=1000"), inTest.options);
        assertEquals(Path.of("/etc/coffre/work.pass"), inTest.passwordFile);
        assertEquals("s3://bucket/work", spec.text());
        assertEquals("http://127.0.0.1:9000", spec.s3().endpoint(), "the file's endpoint reaches the S3 location");
        assertEquals("us-east-2", spec.s3().region(), "the command line's region wins");
    }

    @Test
    void savedFlagsAreSet() throws Exception {
        ConfigFile.load(config).with(new NamedRemote("quick", "local:/srv/quick", null, Map.of(
                "no-warm-up", List.of("true"), "mega-hard-delete", List.of("true")))).save();
        MountCommand inTest = parsed(new MountCommand(), "quick", "/mnt");
        inTest.remoteOptions.parse("quick");
        assertTrue(inTest.noWarmUp, "no-warm-up = true in the file");
        assertTrue(inTest.megaHardDelete, "mega-hard-delete = true in the file");
        MountCommand flagWins = parsed(new MountCommand(), "--no-warm-up=false", "quick", "/mnt");
        flagWins.remoteOptions.parse("quick");
        assertEquals(false, flagWins.noWarmUp, "--no-warm-up=false on the command line");
    }

    @Test
    void aListGivenOnTheCommandLineReplacesTheFilesList() throws Exception {
        MountCommand inTest = parsed(new MountCommand(), "-o", "ro", "work", "/mnt");
        inTest.remoteOptions.parse("work");
        assertEquals(List.of("ro"), inTest.options);
    }

    @Test
    void settingsACommandDoesNotHaveAreSkipped() throws Exception {
        CheckCommand inTest = parsed(new CheckCommand(), "work");
        inTest.remoteOptions.parse("work");
        assertEquals(Path.of("/etc/coffre/work.pass"), inTest.passwordFile);
    }

    @Test
    void pathsOrURLsAreNeverLookedUp() throws Exception {
        Files.delete(config); // a broken file would not matter either: it is not read
        Files.writeString(config, "not toml at all [");
        MountCommand inTest = parsed(new MountCommand(), "local:/srv/v", "/mnt");
        assertEquals("local:/srv/v", inTest.remoteOptions.parse("local:/srv/v").text());
        assertEquals(256L << 20, inTest.cacheSize);
        assertEquals("s3://b/p", inTest.remoteOptions.parse("s3://b/p").text());
        assertTrue(inTest.remoteOptions.parse("./work").isLocal());
    }

    @Test
    void anUnknownNameIsAUsageErrorUnlessSuchAFolderExists() throws Exception {
        CheckCommand inTest = parsed(new CheckCommand(), "nosuch");
        CliException e = assertThrows(CliException.class, () -> inTest.remoteOptions.parse("nosuch"));
        assertEquals(ExitCodes.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("./nosuch"), e.getMessage());
        // "src" is a folder in the working directory of the build: a bare word still means it.
        assertTrue(inTest.remoteOptions.parse("src").localPath().endsWith("src"));
    }

    @Test
    void aBadValueInTheFileNamesTheRemote() throws Exception {
        ConfigFile.load(config).with(new NamedRemote("bad", "/v", null, Map.of("cache-size", List.of("lots")))).save();
        MountCommand inTest = parsed(new MountCommand(), "bad", "/mnt");
        CliException e = assertThrows(CliException.class, () -> inTest.remoteOptions.parse("bad"));
        assertEquals(ExitCodes.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("[remotes.bad]") && e.getMessage().contains("lots"), e.getMessage());
    }

    @Test
    void homeInAHandWrittenPath() throws Exception {
        ConfigFile.load(config).with(new NamedRemote("h", "/v", null, Map.of("password-file", List.of("~/.pass")))).save();
        CheckCommand inTest = parsed(new CheckCommand(), "h");
        inTest.remoteOptions.parse("h");
        assertEquals(Dirs.home().resolve(".pass"), inTest.passwordFile);
    }

    @Test
    void mountArguments() throws Exception {
        assertEquals(new MountArguments("work", Path.of("/mnt")), MountArguments.of(List.of("work", "/mnt")));
        assertEquals(new MountArguments("work", Path.of("/srv/work")), MountArguments.of(List.of("work")),
                "a lone NAME mounts on its saved mount point");
        MountArguments defaultVault = MountArguments.of(List.of("/mnt/x"));
        assertNull(defaultVault.remote());
        ConfigFile.load(config).with(new NamedRemote("nomp", "/v", null, Map.of())).save();
        assertEquals(ExitCodes.USAGE, assertThrows(CliException.class, () -> MountArguments.of(List.of("nomp"))).exitCode());
    }

    @Test
    void theStorableSettingsAreMountsOptions() {
        assertTrue(RemoteSettings.isSetting("cache-size"));
        assertTrue(RemoteSettings.isSetting("options"));
        assertTrue(RemoteSettings.isMultiValue("options"));
        for (String perRun : List.of("foreground", "daemon-child", "help", "version", "verbose", "config", "f")) {
            assertTrue(!RemoteSettings.isSetting(perRun), perRun);
        }
    }
}
