package dev.coffre.fuse;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Kernel node ids counted as the kernel counts them: one per entry reply, given back by FORGET. */
class KernelNodesTest {
    private final KernelNodes nodes = new KernelNodes();

    @Test
    void aNodeStaysUntilEveryLookupIsForgotten() {
        nodes.replying(10, 5);
        nodes.replying(10, 5);
        nodes.replying(10, 5);
        nodes.forgotten(10, 2);
        assertEquals(Map.of(5L, List.of(10L)), nodes.nodeIdsOf(Set.of(5L)));
        assertEquals(1, nodes.size());
        nodes.forgotten(10, 1);
        assertEquals(Map.of(), nodes.nodeIdsOf(Set.of(5L)));
        assertEquals(0, nodes.size());
    }

    @Test
    void aForgetOfAnUnknownNodeIsIgnored() {
        nodes.replying(10, 5);
        nodes.forgotten(99, 1);
        assertEquals(1, nodes.size());
        assertEquals(Map.of(5L, List.of(10L)), nodes.nodeIdsOf(Set.of(5L)));
    }

    @Test
    void aHardLinkedFileHasANodeIdPerName() {
        nodes.replying(10, 5);
        nodes.replying(11, 5);
        List<Long> ids = nodes.nodeIdsOf(Set.of(5L)).get(5L);
        assertEquals(List.of(10L, 11L), ids.stream().sorted().toList());
        nodes.forgotten(10, 1);
        assertEquals(Map.of(5L, List.of(11L)), nodes.nodeIdsOf(Set.of(5L)));
    }

    @Test
    void theRootIsAlwaysHeld() {
        assertEquals(Map.of(KernelNodes.ROOT, List.of(KernelNodes.ROOT)), nodes.nodeIdsOf(Set.of(KernelNodes.ROOT)));
        assertEquals(0, nodes.size(), "the root is not counted");
    }

    @Test
    void onlyTheInodesAskedForAreReturned() {
        nodes.replying(10, 5);
        nodes.replying(12, 6);
        assertEquals(Map.of(5L, List.of(10L)), nodes.nodeIdsOf(Set.of(5L, 7L)));
        assertEquals(Map.of(), nodes.nodeIdsOf(Set.of(7L)));
        assertEquals(Map.of(KernelNodes.ROOT, List.of(KernelNodes.ROOT)), nodes.nodeIdsOf(Set.of(KernelNodes.ROOT)));
    }
}
