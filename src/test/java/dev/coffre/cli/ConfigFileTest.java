package dev.coffre.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
    @TempDir
    Path dir;

    private ConfigFile parse(String text) throws CliException {
        return ConfigFile.parse(dir.resolve("config.toml"), text);
    }

    private CliException rejected(String text) {
        CliException e = assertThrows(CliException.class, () -> parse(text));
        assertEquals(ExitCodes.USAGE, e.exitCode(), e.getMessage());
        return e;
    }

    @Nested
    @DisplayName("Reading")
    class Reading {
        @Test
        void remotesWithTheirSettings() throws Exception {
            ConfigFile inTest = parse("""
                    # my remotes
                    [remotes.work]
                    url = "s3://bucket/work"
                    mount-point = "/home/me/Work"
                    password-file = "/home/me/.work.pass"
                    cache-size = "512M"
                    upload-threads = 4
                    options = ["allow_other", "uid=1000"]

                    [remotes.photos]
                    url = 'local:/srv/photos'
                    """);
            assertEquals(List.of("photos", "work"), inTest.remotes().stream().map(NamedRemote::name).toList());
            NamedRemote work = inTest.require("work");
            assertEquals("s3://bucket/work", work.url());
            assertEquals("/home/me/Work", work.mountPoint());
            assertEquals("512M", work.setting("cache-size"));
            assertEquals("4", work.setting("upload-threads"), "a TOML integer is read as the flag's text");
            assertEquals(List.of("allow_other", "uid=1000"), work.settings().get("options"));
            assertNull(inTest.require("photos").mountPoint());
        }

        @Test
        void noFileIsNoRemotes() throws Exception {
            assertTrue(ConfigFile.load(dir.resolve("absent.toml")).remotes().isEmpty());
            assertTrue(parse("").remotes().isEmpty());
            assertTrue(parse("# only a comment\n").remotes().isEmpty());
        }

        @Test
        void anUnknownNameIsAUsageError() throws Exception {
            CliException e = assertThrows(CliException.class, () -> parse("[remotes.a]\nurl = \"/a\"\n").require("b"));
            assertEquals(ExitCodes.USAGE, e.exitCode());
            assertTrue(e.getMessage().contains("no remote named 'b'"), e.getMessage());
        }
    }

    @Nested
    @DisplayName("A malformed file is refused with its line")
    class Malformed {
        @Test
        void invalidToml() {
            CliException e = rejected("[remotes.work]\nurl = \"s3://b/p\"\ncache-size = 512M\n");
            assertTrue(e.getMessage().contains("config.toml:3: not valid TOML"), e.getMessage());
        }

        @Test
        void unterminatedTable() {
            assertTrue(rejected("[remotes.work\nurl = 1\n").getMessage().contains("config.toml:1:"));
        }

        @Test
        void unknownSettingWithAHint() {
            CliException e = rejected("[remotes.work]\nurl = \"/v\"\n\ncache_size = \"1G\"\n");
            assertTrue(e.getMessage().contains("config.toml:4: [remotes.work]: unknown setting 'cache_size' (did you mean"
                    + " cache-size?)"), e.getMessage());
            assertTrue(rejected("[remotes.work]\nurl = \"/v\"\ncolour = \"red\"\n").getMessage().contains("cache-size"),
                    "the known settings are listed");
        }

        @Test
        void unknownTable() {
            assertTrue(rejected("[remote.work]\nurl = \"/v\"\n").getMessage().contains("config.toml:1: unknown table [remote]"));
            assertTrue(rejected("url = \"/v\"\n").getMessage().contains("config.toml:1: unknown setting 'url'"));
        }

        @Test
        void remoteWithoutUrl() {
            CliException e = rejected("[remotes.a]\nurl = \"/a\"\n[remotes.b]\ncache-size = \"1G\"\n");
            assertTrue(e.getMessage().contains("config.toml:3: [remotes.b] has no url"), e.getMessage());
        }

        @Test
        void listForASingleValue() {
            assertTrue(rejected("[remotes.a]\nurl = \"/a\"\ncache-size = [\"1G\", \"2G\"]\n").getMessage()
                    .contains("takes one value"));
        }

        @Test
        void remoteNamesThatCouldBePaths() {
            assertTrue(rejected("[remotes.\"a/b\"]\nurl = \"/a\"\n").getMessage().contains("[remotes.a/b]: not a remote"));
            rejected("[remotes.\"s3:x\"]\nurl = \"/a\"\n");
            rejected("[remotes]\nwork = \"/a\"\n");
        }
    }

    @Nested
    @DisplayName("Secrets never live in the file")
    class Secrets {
        @Test
        void secretKeysAreRefused() {
            for (String key : List.of("password", "passphrase", "aws-secret-access-key", "session-token", "s3-access-key",
                    "new-password", "credentials")) {
                String text = "[remotes.a]\nurl = \"/a\"\n" + key + " = \"hunter2\"\n";
                CliException e = rejected(text);
                assertTrue(e.getMessage().contains("never reads secrets") && e.getMessage().contains("config.toml:3"),
                        key + ": " + e.getMessage());
                assertFalse(e.getMessage().contains("hunter2"), "the secret is not repeated");
            }
        }

        @Test
        void aPasswordFileIsNotASecret() {
            assertFalse(ConfigFile.looksLikeSecret("password-file"));
            assertFalse(ConfigFile.looksLikeSecret("password_file"));
            assertTrue(ConfigFile.looksLikeSecret("password"));
        }
    }

    @Nested
    @DisplayName("Writing")
    class Writing {
        private final NamedRemote work = new NamedRemote("work", "s3://b/w\"ith \\ odd\nchars", "/home/me/Work",
                Map.of("cache-size", List.of("512M"), "options", List.of("allow_other", "uid=1000")));

        @Test
        void roundTrip() throws Exception {
            Path file = dir.resolve("sub/coffre/config.toml");
            ConfigFile.load(file).with(work).with(new NamedRemote("b", "local:/v", null, Map.of())).save();
            ConfigFile back = ConfigFile.load(file);
            assertEquals(work, back.require("work"));
            assertEquals(List.of("b", "work"), back.remotes().stream().map(NamedRemote::name).toList());
            back.without("work").save();
            assertEquals(List.of("b"), ConfigFile.load(file).remotes().stream().map(NamedRemote::name).toList());
        }

        @Test
        void ownerOnlyAndAtomic() throws Exception {
            Path file = dir.resolve("coffre/config.toml");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "[remotes.old]\nurl = \"/old\"\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            ConfigFile.load(file).with(work).save();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            try (var entries = Files.list(file.getParent())) {
                assertEquals(List.of(file), entries.toList(), "no temporary file is left");
            }
            Path fresh = dir.resolve("new/coffre/config.toml");
            ConfigFile.load(fresh).with(work).save();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh.getParent())));
        }

        @Test
        void aSymbolicLinkIsKept() throws Exception {
            Path real = dir.resolve("dotfiles/config.toml");
            Files.createDirectories(real.getParent());
            Files.writeString(real, "");
            Path link = dir.resolve("config.toml");
            Files.createSymbolicLink(link, real);
            ConfigFile.load(link).with(work).save();
            assertTrue(Files.isSymbolicLink(link));
            assertEquals(work, ConfigFile.load(real).require("work"));
        }
    }

    @Test
    void remoteNames() {
        for (String good : List.of("work", "Work-2", "my_vault", "0", "a".repeat(64))) {
            assertTrue(NamedRemote.isValidName(good), good);
        }
        for (String bad : List.of("", "a/b", "local:x", "s3://b", ".hidden", "-x", "_x", "~", "a b", "a.b", "a".repeat(65))) {
            assertFalse(NamedRemote.isValidName(bad), bad);
            assertThrows(CliException.class, () -> NamedRemote.checkName(bad));
        }
    }

    @Test
    void tomlStrings() {
        assertEquals("\"plain\"", TomlText.string("plain"));
        assertEquals("\"a\\\"b\\\\c\\nd\\u0001\"", TomlText.string("a\"b\\c\nd\u0001"));
        assertEquals("[\"a\", \"b\"]", TomlText.array(List.of("a", "b")));
    }
}
