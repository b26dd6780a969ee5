package dev.coffre.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The settings file, {@code $XDG_CONFIG_HOME/coffre/config.toml}: named remotes, one {@code [remotes.NAME]}
 * table each. It never holds a secret: a key that looks like one is refused, so a password can only be named
 * by the path of a file that holds it ({@code password-file}). Immutable; {@link #save()} replaces the file
 * atomically, owner-only.
 */
final class ConfigFile {
    static final String FILE_NAME = "config.toml";
    private static final TomlMapper TOML = new TomlMapper();
    private static final String HEADER = """
            # coffre settings: named remotes (see 'coffre help remotes').
            # 'coffre remote add' and 'coffre remote remove' rewrite this file; comments are not kept.
            # Never put a password here: point password-file at a file that only you can read.
            """;

    /** Set by the global --config option. */
    private static volatile Path override;

    private final Path path;
    private final SortedMap<String, NamedRemote> remotes;

    private ConfigFile(Path path, SortedMap<String, NamedRemote> remotes) {
        this.path = path;
        this.remotes = remotes;
    }

    static Path location() {
        Path chosen = override;
        return chosen != null ? chosen : Dirs.config().resolve(FILE_NAME);
    }

    static void useLocation(Path file) {
        override = file == null ? null : file.toAbsolutePath().normalize();
    }

    static ConfigFile load() throws CliException {
        return load(location());
    }

    /** The file at {@code path}; no file is no remotes. */
    static ConfigFile load(Path path) throws CliException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new ConfigFile(path, new TreeMap<>());
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read " + path + ": " + e);
        }
        return parse(path, text);
    }

    static ConfigFile parse(Path path, String text) throws CliException {
        JsonNode root;
        try {
            root = TOML.readTree(text);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new CliException(ExitCodes.USAGE, path + (line > 0 ? ":" + line : "") + ": not valid TOML: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read " + path + ": " + e);
        }
        SortedMap<String, NamedRemote> remotes = new TreeMap<>();
        if (root == null || root.isMissingNode() || root.isEmpty()) {
            return new ConfigFile(path, remotes);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getKey().equals("remotes") || !entry.getValue().isObject()) {
                throw invalid(path, lineOf(text, null, entry.getKey()), (entry.getValue().isObject() ? "unknown table ["
                        + entry.getKey() + "]" : "unknown setting '" + entry.getKey() + "'")
                        + " (coffre reads [remotes.NAME] tables only)");
            }
            for (Iterator<Map.Entry<String, JsonNode>> r = entry.getValue().fields(); r.hasNext(); ) {
                Map.Entry<String, JsonNode> remote = r.next();
                remotes.put(remote.getKey(), parseRemote(path, text, remote.getKey(), remote.getValue()));
            }
        }
        return new ConfigFile(path, remotes);
    }

    private static NamedRemote parseRemote(Path path, String text, String name, JsonNode table) throws CliException {
        String where = "[remotes." + name + "]";
        if (!NamedRemote.isValidName(name) || !table.isObject()) {
            throw invalid(path, lineOf(text, "remotes", name), where + ": not a remote: a remote is a table"
                    + " [remotes.NAME] whose NAME has only letters, digits, '-' and '_'");
        }
        String url = null;
        String mountPoint = null;
        Map<String, List<String>> settings = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = table.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            Path at = at(path, lineOf(text, "remotes." + name, key));
            if (looksLikeSecret(key)) {
                throw invalid(at, where + " has a '" + key + "' setting, but coffre never reads secrets from this"
                        + " file: put the password in a file that only you can read and set password-file = \"FILE\"");
            }
            switch (key) {
                case "url" -> url = scalar(at, where, key, field.getValue());
                case "mount-point" -> mountPoint = scalar(at, where, key, field.getValue());
                default -> {
                    if (!RemoteSettings.isSetting(key)) {
                        throw invalid(at, where + ": unknown setting '" + key + "'" + RemoteSettings.hint(key));
                    }
                    settings.put(key, values(at, where, key, field.getValue()));
                }
            }
        }
        if (url == null || url.isBlank()) {
            throw invalid(path, lineOf(text, null, "remotes." + name), where
                    + " has no url (for example url = \"s3://BUCKET/PREFIX\")");
        }
        return new NamedRemote(name, url, mountPoint, settings);
    }

    private static String scalar(Path path, String where, String key, JsonNode value) throws CliException {
        if (!value.isValueNode()) {
            throw invalid(path, where + ": " + key + " must be a single value");
        }
        return value.asText();
    }

    private static List<String> values(Path path, String where, String key, JsonNode value) throws CliException {
        if (!value.isArray()) {
            return List.of(scalar(path, where, key, value));
        }
        if (!RemoteSettings.isMultiValue(key)) {
            throw invalid(path, where + ": " + key + " takes one value, not a list");
        }
        List<String> values = new ArrayList<>();
        for (JsonNode element : value) {
            values.add(scalar(path, where, key, element));
        }
        return values;
    }

    private static CliException invalid(Path path, String message) {
        return new CliException(ExitCodes.USAGE, path + ": " + message);
    }

    private static CliException invalid(Path path, int line, String message) {
        return invalid(at(path, line), message);
    }

    /** The file's path with ":LINE" appended when the line is known, the way compilers point at a line. */
    private static Path at(Path path, int line) {
        return line > 0 ? Path.of(path + ":" + line) : path;
    }

    /**
     * The line (from 1) where {@code key} is set in table {@code table} (null: the top level), or where the
     * table [table.key] opens; 0 if not found. The TOML library keeps no positions once the file is read, so a
     * plain scan finds the line of a setting that is valid TOML but not a valid setting.
     */
    static int lineOf(String text, String table, String key) {
        String current = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.startsWith("[")) {
                current = line.replaceAll("^\\[+\\s*|\\s*\\]+.*$", "");
                String wanted = table == null ? key : table + "." + key;
                if (current.equals(wanted) || current.startsWith(wanted + ".")) {
                    return i + 1;
                }
            } else if (java.util.Objects.equals(current, table)
                    && line.matches("\"?" + java.util.regex.Pattern.quote(key) + "\"?\\s*=.*")) {
                return i + 1;
            }
        }
        return 0;
    }

    /** Keys under which a careless file would hold a secret in clear; password-file only names a file. */
    static boolean looksLikeSecret(String key) {
        String k = key.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        if (k.equals("password-file")) {
            return false;
        }
        return k.contains("password") || k.contains("passwd") || k.contains("passphrase") || k.contains("secret") || k.contains("token")
                || k.contains("access-key") || k.contains("credential");
    }

    Path path() {
        return path;
    }

    Collection<NamedRemote> remotes() {
        return remotes.values();
    }

    Optional<NamedRemote> remote(String name) {
        return Optional.ofNullable(remotes.get(name));
    }

    NamedRemote require(String name) throws CliException {
        NamedRemote remote = remotes.get(name);
        if (remote == null) {
            throw new CliException(ExitCodes.USAGE, "no remote named '" + name + "' in " + path
                    + " ('coffre remote list' shows them)");
        }
        return remote;
    }

    ConfigFile with(NamedRemote remote) {
        SortedMap<String, NamedRemote> copy = new TreeMap<>(remotes);
        copy.put(remote.name(), remote);
        return new ConfigFile(path, copy);
    }

    ConfigFile without(String name) {
        SortedMap<String, NamedRemote> copy = new TreeMap<>(remotes);
        copy.remove(name);
        return new ConfigFile(path, copy);
    }

    String toToml() {
        StringBuilder out = new StringBuilder(HEADER);
        for (NamedRemote remote : remotes.values()) {
            out.append("\n[remotes.").append(remote.name()).append("]\n");
            out.append("url = ").append(TomlText.string(remote.url())).append('\n');
            if (remote.mountPoint() != null) {
                out.append("mount-point = ").append(TomlText.string(remote.mountPoint())).append('\n');
            }
            for (Map.Entry<String, List<String>> setting : remote.settings().entrySet()) {
                out.append(setting.getKey()).append(" = ");
                out.append(RemoteSettings.isMultiValue(setting.getKey()) ? TomlText.array(setting.getValue())
                        : TomlText.string(setting.getValue().get(0)));
                out.append('\n');
            }
        }
        return out.toString();
    }

    /**
     * Replaces the file in one step (a crash leaves the old file or the new one, never half of one), created
     * owner-only. A symbolic link, as dotfile managers make, is kept: the file it points to is replaced.
     */
    void save() throws CliException {
        Path target = path;
        Path temp = null;
        try {
            if (Files.isSymbolicLink(target)) {
                target = target.toRealPath();
            }
            Path dir = target.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(toToml().getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
        } catch (IOException e) {
            throw new CliException(ExitCodes.ERROR, "cannot write " + path + ": " + e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // Only a stray hidden temporary file is left.
                }
            }
        }
    }
}
