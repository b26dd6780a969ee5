package dev.coffre.remote.mega;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.HashSet;
import java.util.Set;

/** What the nodes of a public folder link's {@code f} answer say about the link (mega-protocol.md §6.1). */
final class FolderLinks {
    private FolderLinks() {
    }

    /**
     * The handle of the linked folder: the folder whose key entry is wrapped under its own handle (every
     * node's key in a link is {@code "<linked folder>:<key>"}, so only the linked folder names itself, as
     * megajs finds it); failing that, the folder whose parent is not in the answer. Null for an empty answer.
     */
    static String top(JsonNode nodes) {
        Set<String> handles = new HashSet<>();
        for (JsonNode node : nodes) {
            String handle = node.path("h").asText("");
            handles.add(handle);
            for (String entry : node.path("k").asText("").split("/")) {
                int colon = entry.indexOf(':');
                if (colon > 0 && entry.substring(0, colon).equals(handle) && node.path("t").asInt() == 1) {
                    return handle;
                }
            }
        }
        for (JsonNode node : nodes) {
            if (node.path("t").asInt() == 1 && !handles.contains(node.path("p").asText(""))) {
                return node.path("h").asText();
            }
        }
        return null;
    }
}
