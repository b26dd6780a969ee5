package dev.coffre.remote.mega;

import java.util.List;
import java.util.Map;

/**
 * A change to the tree reported by an action packet (mega-protocol.md §6.2), decoded. {@code origin} is
 * the packet's {@code i} tag: equal to this client's own tag for changes it made itself. Packet types a
 * filesystem does not need (shares, contacts, user attributes ...) become {@link Other}.
 */
public sealed interface MegaEvent permits MegaEvent.NodesAdded, MegaEvent.NodeUpdated, MegaEvent.NodeRemoved,
        MegaEvent.Other {

    String origin();

    /** {@code t}: new nodes, or the second half of a move (the subtree at its new place). */
    record NodesAdded(List<MegaNode> nodes, String origin) implements MegaEvent {
    }

    /**
     * {@code u}: new attributes, owner or timestamp of a node. {@code attributes} null and {@code problem}
     * null: attributes unchanged; {@code problem} set: the new attributes could not be decrypted.
     */
    record NodeUpdated(String handle, Map<String, Object> attributes, String problem, long createdSeconds,
                       String origin) implements MegaEvent {
        MegaNode node(MegaNode current) {
            return new MegaNode(current.handle(), current.parent(), current.type(), current.owner(), current.size(),
                    createdSeconds > 0 ? createdSeconds : current.createdSeconds(), current.key(),
                    attributes == null && problem == null ? current.attributes() : attributes,
                    problem == null ? current.problem() : problem);
        }
    }

    /** {@code d}: a node and its subtree left; {@code partOfMove} ({@code m:1}) when a {@code t} follows. */
    record NodeRemoved(String handle, boolean partOfMove, String origin) implements MegaEvent {
    }

    /** Any other packet type, kept by name only. */
    record Other(String type, String origin) implements MegaEvent {
    }
}
