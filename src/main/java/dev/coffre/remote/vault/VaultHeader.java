package dev.coffre.remote.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coffre.crypto.Kdf;
import dev.coffre.remote.VaultException;

import java.io.IOException;
import java.util.Base64;

/**
 * The only plaintext object of a vault ({@value #KEY}): format version, vault id, Argon2id parameters and
 * salt, and the wrapped master key. It holds nothing secret.
 */
public record VaultHeader(int version, byte[] vaultId, Kdf.Argon2Params kdf, byte[] salt, byte[] wrappedKey) {
    public static final String KEY = "coffre-vault.json";
    public static final String FORMAT = "coffre-vault";
    public static final int VERSION = 1;
    public static final int MAX_KDF_MEMORY_KIB = 4 * 1024 * 1024;
    public static final int MAX_KDF_ITERATIONS = 64;

    private static final ObjectMapper JSON = new ObjectMapper();

    public byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", version);
        root.put("vaultId", b64(vaultId));
        ObjectNode kdfNode = root.putObject("kdf");
        kdfNode.put("algorithm", "argon2id");
        kdfNode.put("memoryKiB", kdf.memoryKiB());
        kdfNode.put("iterations", kdf.iterations());
        kdfNode.put("parallelism", kdf.parallelism());
        kdfNode.put("salt", b64(salt));
        root.put("wrappedKey", b64(wrappedKey));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static VaultHeader parse(byte[] json, String where) throws VaultException {
        try {
            JsonNode root = JSON.readTree(json);
            if (root == null || !FORMAT.equals(root.path("format").asText())) {
                throw notAVault(where, "it does not start with a coffre vault header");
            }
            int version = root.path("version").asInt(-1);
            if (version != VERSION) {
                throw notAVault(where, "vault format version " + version + " is not supported (this coffre reads "
                        + VERSION + ")");
            }
            JsonNode kdf = root.path("kdf");
            if (!"argon2id".equals(kdf.path("algorithm").asText())) {
                throw notAVault(where, "unknown key derivation " + kdf.path("algorithm").asText());
            }
            VaultHeader header = new VaultHeader(version, unb64(root, "vaultId"),
                    new Kdf.Argon2Params(kdf.path("memoryKiB").asInt(), kdf.path("iterations").asInt(),
                            kdf.path("parallelism").asInt()),
                    unb64(kdf, "salt"), unb64(root, "wrappedKey"));
            header.checkBounds(where);
            return header;
        } catch (VaultException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            throw notAVault(where, "its header is corrupt (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    /**
     * The header is read before anything can be authenticated, so its numbers are bounded: a forged
     * header must not make opening the vault take hours or all memory.
     */
    private void checkBounds(String where) throws VaultException {
        if (vaultId.length != 16 || salt.length < 16) {
            throw notAVault(where, "its header has a vault id or salt of the wrong length");
        }
        if (kdf.memoryKiB() > MAX_KDF_MEMORY_KIB || kdf.iterations() > MAX_KDF_ITERATIONS || kdf.parallelism() > 16) {
            throw notAVault(where, "its header asks for key derivation settings beyond coffre's limits ("
                    + (MAX_KDF_MEMORY_KIB / 1024) + " MiB, " + MAX_KDF_ITERATIONS + " passes)");
        }
    }

    public VaultHeader withWrappedKey(byte[] newSalt, Kdf.Argon2Params newKdf, byte[] newWrappedKey) {
        return new VaultHeader(version, vaultId, newKdf, newSalt, newWrappedKey);
    }

    private static VaultException notAVault(String where, String why) {
        return new VaultException(VaultException.Reason.NOT_A_VAULT, where + " is not a usable coffre vault: " + why);
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] unb64(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("missing field " + field);
        }
        return Base64.getDecoder().decode(value.asText());
    }
}
