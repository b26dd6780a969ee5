package dev.coffre.remote.mega;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The account's node tree as {@code f} returned it, kept current by applying {@link MegaEvent}s. File
 * versions (file nodes whose parent is a file) are kept apart and never listed as children: a
 * filesystem view shows only the current version. Duplicate names among siblings are possible on MEGA
 * and are kept as they are. Not thread-safe: the owner serialises access.
 */
public final class MegaTree {
    private final Map<String, MegaNode> nodes = new LinkedHashMap<>();
    /** Parent handle to child handles, in insertion order, so listings do not scan the whole tree. */
    private final Map<String, Set<String>> childIndex = new HashMap<>();
    private String sequence;
    private String root;
    private String inbox;
    private String rubbish;

    MegaTree(Collection<MegaNode> all, String sequence) {
        this.sequence = sequence;
        for (MegaNode node : all) {
            put(node);
        }
    }

    private void put(MegaNode node) {
        MegaNode previous = nodes.put(node.handle(), node);
        if (previous != null && !previous.parent().equals(node.parent())) {
            unlinkFromParent(previous);
        }
        childIndex.computeIfAbsent(node.parent(), p -> new LinkedHashSet<>()).add(node.handle());
        switch (node.type()) {
            case ROOT -> root = node.handle();
            case INBOX -> inbox = node.handle();
            case RUBBISH -> rubbish = node.handle();
            default -> {
            }
        }
    }

    /** The action-packet sequence number to poll from (null when the server sent none, as mega-mock). */
    public String sequence() {
        return sequence;
    }

    /** The Cloud Drive; in a public folder link's tree, the linked folder. */
    public MegaNode root() {
        return nodes.get(root);
    }

    /** A public folder link's tree has no Cloud Drive: its linked folder stands in for it. */
    void useAsRoot(String handle) {
        root = handle;
    }

    public MegaNode inbox() {
        return nodes.get(inbox);
    }

    public MegaNode rubbish() {
        return nodes.get(rubbish);
    }

    public MegaNode get(String handle) {
        return nodes.get(handle);
    }

    public int size() {
        return nodes.size();
    }

    /** Children of a folder or root, in the server's order, versions excluded. */
    public List<MegaNode> children(String handle) {
        MegaNode parent = nodes.get(handle);
        List<MegaNode> out = new ArrayList<>();
        if (parent == null || !parent.isContainer()) {
            return out;
        }
        for (String child : childIndex.getOrDefault(handle, Set.of())) {
            out.add(nodes.get(child));
        }
        return out;
    }

    /** Earlier versions of a file (its file children), newest first as the server lists them. */
    public List<MegaNode> versionsOf(String handle) {
        MegaNode file = nodes.get(handle);
        List<MegaNode> out = new ArrayList<>();
        if (file == null || !file.isFile()) {
            return out;
        }
        for (String child : childIndex.getOrDefault(handle, Set.of())) {
            MegaNode node = nodes.get(child);
            if (node.isFile()) {
                out.add(node);
            }
        }
        return out;
    }

    /** True when the node is a version of another file, or sits below one. */
    public boolean isVersion(String handle) {
        MegaNode node = nodes.get(handle);
        for (int depth = 0; node != null && depth < 10_000; depth++) {
            MegaNode parent = nodes.get(node.parent());
            if (parent != null && parent.isFile()) {
                return true;
            }
            node = parent;
        }
        return false;
    }

    /** The first child of {@code parent} with this name, or null (names need not be unique on MEGA). */
    public MegaNode child(String parent, String name) {
        for (MegaNode node : children(parent)) {
            if (name.equals(node.name())) {
                return node;
            }
        }
        return null;
    }

    /** The node at a slash-separated path below the Cloud Drive root ("" is the root). */
    public MegaNode resolve(String path) {
        MegaNode node = root();
        for (String part : path.split("/")) {
            if (part.isEmpty() || node == null) {
                continue;
            }
            node = child(node.handle(), part);
        }
        return node;
    }

    /** Applies one change; returns false if it referred to nodes we do not know (already gone). */
    public boolean apply(MegaEvent event) {
        if (event instanceof MegaEvent.NodesAdded added) {
            added.nodes().forEach(this::put);
            return true;
        }
        if (event instanceof MegaEvent.NodeUpdated updated) {
            MegaNode current = nodes.get(updated.handle());
            if (current == null) {
                return false;
            }
            nodes.put(current.handle(), updated.node(current));
            return true;
        }
        if (event instanceof MegaEvent.NodeRemoved removed) {
            return removeSubtree(removed.handle());
        }
        return true;
    }

    void setSequence(String sn) {
        this.sequence = sn;
    }

    /** Records a node this client created or changed, before (or instead of) its action packet. */
    void upsert(MegaNode node) {
        put(node);
    }

    boolean removeSubtree(String handle) {
        if (!nodes.containsKey(handle)) {
            return false;
        }
        unlinkFromParent(nodes.get(handle));
        Deque<String> pending = new ArrayDeque<>(List.of(handle));
        while (!pending.isEmpty()) {
            String h = pending.pop();
            nodes.remove(h);
            Set<String> children = childIndex.remove(h);
            if (children != null) {
                children.forEach(pending::push);
            }
        }
        return true;
    }

    private void unlinkFromParent(MegaNode node) {
        Set<String> siblings = childIndex.get(node.parent());
        if (siblings != null) {
            siblings.remove(node.handle());
        }
    }
}
