package dev.coffre.remote.mega;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Node attributes (name {@code n}, fingerprint {@code c}, and keys we do not know, which are kept when
 * rewriting): {@code "MEGA"} followed by JSON, zero-padded to 16 bytes, CBC0-encrypted under the folder
 * key or the file's AES key (mega-protocol.md §3.3). There is no MAC: a decrypted attribute is only
 * accepted when it starts with {@code MEGA{"}, as the SDK requires.
 */
public final class NodeAttributes {
    /** The SDK's MAX_NODE_ATTRIBUTE_SIZE. */
    public static final int MAX_BYTES = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] MAGIC = "MEGA".getBytes(StandardCharsets.US_ASCII);

    private NodeAttributes() {
    }

    public static byte[] encrypt(byte[] key16, Map<String, Object> attributes) {
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(attributes);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("attributes are not serializable as JSON", e);
        }
        int length = (MAGIC.length + json.length + 15) & ~15;
        if (length > MAX_BYTES) {
            throw new IllegalArgumentException("attributes are " + length + " bytes, MEGA allows " + MAX_BYTES);
        }
        byte[] plain = new byte[length];
        System.arraycopy(MAGIC, 0, plain, 0, MAGIC.length);
        System.arraycopy(json, 0, plain, MAGIC.length, json.length);
        return Aes128.encryptCbc0(key16, plain);
    }

    /** Decrypts and parses; throws {@link IllegalArgumentException} when the result is not MEGA attributes. */
    public static Map<String, Object> decrypt(byte[] key16, byte[] ciphertext) {
        if (ciphertext.length == 0 || ciphertext.length % 16 != 0) {
            throw new IllegalArgumentException("attribute ciphertext is not whole AES blocks");
        }
        byte[] plain = Aes128.decryptCbc0(key16, ciphertext);
        if (plain.length < 6 || plain[0] != 'M' || plain[1] != 'E' || plain[2] != 'G' || plain[3] != 'A'
                || plain[4] != '{' || plain[5] != '"') {
            throw new IllegalArgumentException("attributes do not decrypt to MEGA{\"...: wrong key or tampered");
        }
        int end = plain.length;
        while (end > 0 && plain[end - 1] == 0) {
            end--;
        }
        try {
            return JSON.readValue(Arrays.copyOfRange(plain, MAGIC.length, end), new TypeReference<LinkedHashMap<String, Object>>() {
            });
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("attributes are not valid JSON");
        }
    }

    /** A copy of {@code attributes} with one key set, others (known or not) kept in order. */
    public static Map<String, Object> with(Map<String, Object> attributes, String key, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(attributes);
        copy.put(key, value);
        return copy;
    }
}
