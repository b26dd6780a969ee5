package dev.coffre.remote.mega;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Turns the node objects the server sends (in {@code f}, {@code p} and action packets) into
 * {@link MegaNode}s: picks the key entry we can unwrap, unwraps it, refuses zero AES keys and decrypts the
 * attributes (mega-protocol.md §3.1-§3.3). A node whose key or attributes fail is still returned, marked
 * with the problem, so the tree stays whole. Thread-safe.
 */
final class NodeDecoder {
    private static final int RSA_KEY_MIN_CHARS = 46;

    private final byte[] masterKey;
    private final String ownHandle;
    private final Map<String, byte[]> shareKeys = new ConcurrentHashMap<>();

    NodeDecoder(byte[] masterKey, String ownHandle) {
        this.masterKey = masterKey == null ? null : masterKey.clone();
        this.ownHandle = ownHandle;
    }

    /**
     * A decoder for a public folder link: no account, hence no master key; the nodes' keys are wrapped with
     * the folder key, under the id of the linked folder's handle (mega-protocol.md §6.1), which
     * {@link #useLinkKey} names once the tree is known.
     */
    static NodeDecoder forFolderLink() {
        return new NodeDecoder(null, null);
    }

    /** Takes {@code key} as the key of share {@code handle} (a folder link's key is its folder's share key). */
    void useLinkKey(String handle, byte[] key) {
        shareKeys.put(handle, key.clone());
    }

    /**
     * Records an outgoing share's key from the {@code ok} list of {@code f}, after checking its
     * authenticator {@code ha = ECB(mk, handle||handle)} as megatools does; returns false if refused.
     */
    boolean addShareKey(JsonNode ok) {
        if (masterKey == null) {
            return false;
        }
        String handle = ok.path("h").asText("");
        try {
            byte[] ha = Base64Url.decode(ok.path("ha").asText(""));
            byte[] doubled = (handle + handle).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            if (handle.length() != 8 || !java.security.MessageDigest.isEqual(Aes128.encryptEcb(masterKey, doubled), ha)) {
                return false;
            }
            byte[] wrapped = Base64Url.decode(ok.path("k").asText(""));
            if (wrapped.length != 16) {
                return false;
            }
            shareKeys.put(handle, Aes128.decryptEcb(masterKey, wrapped));
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    MegaNode decode(JsonNode n) {
        String handle = n.path("h").asText();
        MegaNode.Type type = MegaNode.Type.of(n.path("t").asInt(-1));
        String parent = n.path("p").asText("");
        String owner = n.path("u").asText("");
        long size = n.path("s").asLong(0);
        long created = n.path("ts").asLong(0);
        if (type != MegaNode.Type.FILE && type != MegaNode.Type.FOLDER) {
            return new MegaNode(handle, parent, type, owner, size, created, null, null, null);
        }
        byte[] key;
        try {
            key = unwrapKey(n.path("k").asText(""), type);
        } catch (IllegalArgumentException e) {
            return new MegaNode(handle, parent, type, owner, size, created, null, null, e.getMessage());
        }
        MegaNode keyed = new MegaNode(handle, parent, type, owner, size, created, key, null, null);
        return withDecryptedAttributes(keyed, n.path("a").asText(""));
    }

    /** Decrypts {@code at} with the node's key; marks the node when that fails. */
    MegaNode withDecryptedAttributes(MegaNode node, String encrypted) {
        try {
            Map<String, Object> attributes = NodeAttributes.decrypt(node.attributeKey(), Base64Url.decode(encrypted));
            return new MegaNode(node.handle(), node.parent(), node.type(), node.owner(), node.size(),
                    node.createdSeconds(), node.key(), attributes, null);
        } catch (IllegalArgumentException | IllegalStateException e) {
            return new MegaNode(node.handle(), node.parent(), node.type(), node.owner(), node.size(),
                    node.createdSeconds(), node.key(), null, "attributes: " + e.getMessage());
        }
    }

    /**
     * Picks and unwraps an entry of {@code k} ({@code "id:KEY/id2:KEY2"}): the user's own handle means
     * the master key, an 8-character id a share key we know. An entry without an id is taken as wrapped
     * with the master key: mega-mock returns {@code k} exactly as the client sent it in {@code p}.
     */
    byte[] unwrapKey(String k, MegaNode.Type type) {
        if (k.isEmpty()) {
            throw new IllegalArgumentException("no key");
        }
        boolean sawRsa = false;
        for (String entry : k.split("/")) {
            int colon = entry.indexOf(':');
            String id = colon < 0 ? null : entry.substring(0, colon);
            String wrapped = colon < 0 ? entry : entry.substring(colon + 1);
            byte[] wrappingKey = id == null || id.equals(ownHandle) ? masterKey : shareKeys.get(id);
            if (wrappingKey == null) {
                continue; // a share we do not know, or an account key in a folder link's tree
            }
            if (wrapped.length() >= RSA_KEY_MIN_CHARS) {
                sawRsa = true; // RSA-wrapped (a share from a contact that was never re-keyed): not supported yet
                continue;
            }
            byte[] raw = Base64Url.decode(wrapped);
            int expected = type == MegaNode.Type.FILE ? FileKey.PACKED_BYTES : 16;
            if (raw.length != expected) {
                throw new IllegalArgumentException("key is " + raw.length + " bytes, a " + type.name().toLowerCase()
                        + " key is " + expected);
            }
            byte[] key = Aes128.decryptEcb(wrappingKey, raw);
            if (type == MegaNode.Type.FILE && FileKey.unpack(key).isZeroKey()) {
                throw new IllegalArgumentException("refused: zero AES key (the pattern of a known integrity attack)");
            }
            return key;
        }
        throw new IllegalArgumentException(sawRsa ? "RSA-wrapped key (not supported)" : "no key entry we can unwrap");
    }

    /** Wraps a node key with the master key, for {@code p}. */
    String wrapKey(byte[] key) {
        return Base64Url.encode(Aes128.encryptEcb(masterKey, key));
    }

    /** Key lookup for action packets that update a node without sending its key again. */
    static Function<String, byte[]> keysOf(MegaTree tree) {
        return handle -> {
            MegaNode node = tree.get(handle);
            return node == null || node.key() == null ? null : Arrays.copyOf(node.key(), node.key().length);
        };
    }
}
