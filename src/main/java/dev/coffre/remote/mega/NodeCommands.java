package dev.coffre.remote.mega;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tree-changing commands other than upload (mega-protocol.md §5.7, §6.1): create a folder ({@code p}),
 * set attributes / rename ({@code a}), move ({@code m}), delete for good ({@code d}). Each carries the
 * client's origin tag {@code i}, which the server echoes in the action packets of the change.
 */
final class NodeCommands {
    private final MegaApi api;
    private final NodeDecoder decoder;
    private final String tag;
    private final SecureRandom random = new SecureRandom();

    NodeCommands(MegaApi api, NodeDecoder decoder, String tag) {
        this.api = api;
        this.decoder = decoder;
        this.tag = tag;
    }

    MegaNode mkdir(String parent, String name) throws IOException {
        byte[] folderKey = new byte[16];
        random.nextBytes(folderKey);
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("n", name);
        ObjectNode entry = MegaApi.JSON.createObjectNode()
                .put("h", "xxxxxxxx") // placeholder: the server assigns the handle
                .put("t", MegaNode.Type.FOLDER.code)
                .put("a", Base64Url.encode(NodeAttributes.encrypt(folderKey, attributes)))
                .put("k", decoder.wrapKey(folderKey));
        ObjectNode p = MegaApi.command("p").put("t", parent).put("i", tag);
        p.putArray("n").add(entry);
        return createdNode(api.call(p), decoder, "p");
    }

    /** Replaces all attributes (callers keep unknown keys by starting from the node's own map). */
    MegaNode setAttributes(MegaNode node, Map<String, Object> attributes) throws IOException {
        byte[] encrypted = NodeAttributes.encrypt(node.attributeKey(), attributes);
        ObjectNode a = MegaApi.command("a").put("n", node.handle()).put("at", Base64Url.encode(encrypted)).put("i", tag);
        requireWriteOk(api.call(a), "a");
        return node.withAttributes(new LinkedHashMap<>(attributes));
    }

    MegaNode rename(MegaNode node, String newName) throws IOException {
        if (node.attributes() == null) {
            throw new IOException("cannot rename node " + node.handle() + ": its attributes are unreadable (" + node.problem() + ")");
        }
        return setAttributes(node, NodeAttributes.with(node.attributes(), "n", newName));
    }

    MegaNode move(MegaNode node, String newParent) throws IOException {
        requireWriteOk(api.call(MegaApi.command("m").put("n", node.handle()).put("t", newParent).put("i", tag)), "m");
        return node.withParent(newParent);
    }

    void delete(MegaNode node) throws IOException {
        requireWriteOk(api.call(MegaApi.command("d").put("n", node.handle()).put("i", tag)), "d");
    }

    /**
     * A write command answers {@code 0} in the legacy protocol; a sequence tag string under v=3; mega-mock
     * answers {@code {}}. Anything else is unexpected.
     */
    static void requireWriteOk(JsonNode result, String command) throws IOException {
        boolean ok = (result.isIntegralNumber() && result.asLong() == 0) || result.isTextual()
                || (result.isObject() && result.isEmpty());
        if (!ok) {
            throw new IOException("MEGA answered '" + command + "' with an unexpected " + result.getNodeType());
        }
    }

    /** The node a {@code p} answer ({@code {"f":[node]}}) describes, decoded. */
    static MegaNode createdNode(JsonNode answer, NodeDecoder decoder, String command) throws IOException {
        JsonNode f = answer.path("f");
        if (!f.isArray() || f.isEmpty()) {
            throw new IOException("MEGA answered '" + command + "' without the new node");
        }
        return decoder.decode(f.get(0));
    }
}
