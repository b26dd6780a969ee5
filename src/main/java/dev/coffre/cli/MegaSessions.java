package dev.coffre.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coffre.remote.mega.MegaSession;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Saved MEGA sessions: what {@code coffre login mega:} keeps so that later commands need no password. One
 * file per API URL, {@code $XDG_STATE_HOME/coffre/mega/session-<hash of the URL>.json}, owner-only (0600 in
 * a 0700 folder), replaced atomically. It holds the session id and the master key: whoever reads it can use
 * the account until the session ends ({@code coffre logout mega:}), but it never holds the password.
 */
final class MegaSessions {
    private static final Logger LOG = Logger.getLogger(MegaSessions.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FORMAT = 1;

    /** A saved session, with the e-mail it was made for (to log in again when it expires). */
    record Saved(String email, MegaSession session) {
        @Override
        public String toString() {
            return "Saved[" + email + ", session redacted]";
        }
    }

    private MegaSessions() {
    }

    static Path file(String apiUrl) {
        return Dirs.state().resolve("mega").resolve("session-" + hash(apiUrl) + ".json");
    }

    static Optional<Saved> load(String apiUrl) throws CliException {
        Path file = file(apiUrl);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.OTHERS_READ) || permissions.contains(PosixFilePermission.GROUP_READ)) {
                LOG.warning("the MEGA session file " + file + " is readable by others; chmod 600 it (or coffre logout mega:)");
            }
            JsonNode json = JSON.readTree(Files.readAllBytes(file));
            if (json == null || json.path("format").asInt() != FORMAT || !apiUrl.equals(json.path("api").asText())) {
                throw new CliException(ExitCodes.ERROR, "the MEGA session file " + file + " is not one this coffre wrote;"
                        + " run coffre logout mega: and log in again");
            }
            byte[] key = Base64.getDecoder().decode(json.path("masterKey").asText(""));
            String sid = json.path("sid").asText("");
            if (key.length != 16 || sid.isEmpty()) {
                throw new CliException(ExitCodes.ERROR, "the MEGA session file " + file + " is damaged;"
                        + " run coffre logout mega: and log in again");
            }
            String user = json.hasNonNull("user") ? json.get("user").asText() : null;
            return Optional.of(new Saved(json.path("email").asText(null), new MegaSession(sid, key, user)));
        } catch (IOException | IllegalArgumentException e) {
            throw new CliException(ExitCodes.ERROR, "cannot read the MEGA session file " + file + " ("
                    + e.getClass().getSimpleName() + "); run coffre logout mega: and log in again");
        }
    }

    /** Writes the session for {@code apiUrl}: to a 0600 temporary file, synced, then renamed over the old one. */
    static Path save(String apiUrl, String email, MegaSession session) throws CliException {
        Path file = file(apiUrl);
        Path dir = file.getParent();
        ObjectNode json = JSON.createObjectNode().put("format", FORMAT).put("api", apiUrl).put("email", email)
                .put("user", session.userHandle()).put("sid", session.sid())
                .put("masterKey", Base64.getEncoder().encodeToString(session.masterKey()));
        Path temp = null;
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            temp = Files.createTempFile(dir, ".session-", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(JSON.writeValueAsString(json).getBytes(StandardCharsets.UTF_8)));
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new CliException(ExitCodes.ERROR, "cannot save the MEGA session in " + dir + ": " + e.getMessage());
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // moved already, or nothing more we can do
                }
            }
        }
    }

    /** Removes the saved session; false when there was none. */
    static boolean delete(String apiUrl) throws CliException {
        try {
            return Files.deleteIfExists(file(apiUrl));
        } catch (IOException e) {
            throw new CliException(ExitCodes.ERROR, "cannot remove " + file(apiUrl) + ": " + e.getMessage());
        }
    }

    private static String hash(String apiUrl) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(apiUrl.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
