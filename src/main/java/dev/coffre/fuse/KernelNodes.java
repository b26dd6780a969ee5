package dev.coffre.fuse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which kernel node ids stand for which inodes of the tree, so that a change made elsewhere can be invalidated in
 * the kernel, which knows nodes only by their ids.
 *
 * <p>libfuse 2's high-level API numbers the nodes itself, one per path (a file with two names has two), while the
 * attributes it returns carry the tree's inode numbers ({@code use_ino}). The kernel counts the entry replies it
 * received for a node id and gives that count back when it drops the node ({@code FORGET}); this keeps the same
 * count, so it holds just the nodes the kernel holds. The root is node 1, which is also the tree's root inode,
 * and is never looked up or forgotten.
 */
final class KernelNodes {
    static final long ROOT = 1;

    private static final class Node {
        final long ino;
        long lookups;

        Node(long ino) {
            this.ino = ino;
        }
    }

    // Guarded by this.
    private final Map<Long, Node> byNodeId = new HashMap<>();

    /**
     * An entry reply giving the kernel {@code nodeId} for inode {@code ino} is about to be sent: counted before it
     * is sent, as libfuse does, so that the kernel's FORGET of it can never arrive first.
     */
    synchronized void replying(long nodeId, long ino) {
        byNodeId.computeIfAbsent(nodeId, id -> new Node(ino)).lookups++;
    }

    /** The kernel dropped {@code count} lookups of {@code nodeId} (a FORGET, or a reply that did not reach it). */
    synchronized void forgotten(long nodeId, long count) {
        Node node = byNodeId.get(nodeId);
        if (node != null) {
            node.lookups -= count;
            if (node.lookups <= 0) {
                byNodeId.remove(nodeId);
            }
        }
    }

    /**
     * The node ids the kernel holds for each of {@code inodes} that it holds at all. One pass over the nodes, which
     * is cheap next to the kernel's own work for each change and keeps a single map.
     */
    synchronized Map<Long, List<Long>> nodeIdsOf(Set<Long> inodes) {
        Map<Long, List<Long>> found = new HashMap<>();
        if (inodes.contains(ROOT)) {
            found.computeIfAbsent(ROOT, ino -> new ArrayList<>()).add(ROOT);
        }
        for (Map.Entry<Long, Node> entry : byNodeId.entrySet()) {
            if (inodes.contains(entry.getValue().ino)) {
                found.computeIfAbsent(entry.getValue().ino, ino -> new ArrayList<>()).add(entry.getKey());
            }
        }
        return found;
    }

    synchronized int size() {
        return byNodeId.size();
    }
}
