package dev.coffre.remote.mega;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Decodes the action packets of an {@code sc} answer into {@link MegaEvent}s (mega-protocol.md §6.2):
 * {@code t} (nodes added or moved in), {@code u} (attributes, owner, timestamp), {@code d} (removed;
 * {@code m:1} when half of a move); everything else becomes {@link MegaEvent.Other}.
 */
final class ActionPackets {
    private ActionPackets() {
    }

    /**
     * Decodes packets in order. Keys come from {@code knownKeys} (the tree before this batch) and from
     * nodes added earlier in the same batch: a {@code u} can follow the {@code t} that created its node.
     */
    static List<MegaEvent> parse(JsonNode packets, NodeDecoder decoder, Function<String, byte[]> knownKeys) {
        List<MegaEvent> events = new ArrayList<>();
        Map<String, byte[]> addedKeys = new HashMap<>();
        Function<String, byte[]> keys = handle -> addedKeys.containsKey(handle) ? addedKeys.get(handle) : knownKeys.apply(handle);
        for (JsonNode packet : packets) {
            String type = packet.path("a").asText("");
            String origin = packet.hasNonNull("i") ? packet.get("i").asText() : null;
            switch (type) {
                case "t" -> {
                    List<MegaNode> nodes = new ArrayList<>();
                    for (JsonNode n : packet.path("t").path("f")) {
                        MegaNode node = decoder.decode(n);
                        nodes.add(node);
                        if (node.key() != null) {
                            addedKeys.put(node.handle(), node.key());
                        }
                    }
                    events.add(new MegaEvent.NodesAdded(nodes, origin));
                }
                case "u" -> events.add(update(packet, decoder, keys, origin));
                case "d" -> events.add(new MegaEvent.NodeRemoved(packet.path("n").asText(),
                        packet.path("m").asInt(0) == 1, origin));
                default -> events.add(new MegaEvent.Other(type, origin));
            }
        }
        return events;
    }

    private static MegaEvent update(JsonNode packet, NodeDecoder decoder, Function<String, byte[]> knownKeys, String origin) {
        String handle = packet.path("n").asText();
        long ts = packet.path("ts").asLong(0);
        if (!packet.hasNonNull("at")) {
            return new MegaEvent.NodeUpdated(handle, null, null, ts, origin);
        }
        byte[] key = knownKeys.apply(handle);
        if (key == null) {
            return new MegaEvent.NodeUpdated(handle, null, "attributes changed but the node's key is unknown", ts, origin);
        }
        MegaNode.Type type = key.length == FileKey.PACKED_BYTES ? MegaNode.Type.FILE : MegaNode.Type.FOLDER;
        MegaNode keyed = new MegaNode(handle, "", type, "", 0, 0, key, null, null);
        MegaNode decoded = decoder.withDecryptedAttributes(keyed, packet.get("at").asText());
        Map<String, Object> attributes = decoded.attributes();
        return new MegaEvent.NodeUpdated(handle, attributes, decoded.problem(), ts, origin);
    }
}
