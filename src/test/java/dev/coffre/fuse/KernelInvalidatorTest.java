package dev.coffre.fuse;

import dev.coffre.vfs.ChangesElsewhere;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which invalidations reach the kernel for changes made elsewhere. The kernel here is a recording fake: the real
 * one is exercised by MultiClientIT, which mounts with FUSE; a unit test cannot.
 */
class KernelInvalidatorTest {
    private static final int EIO = 5;

    /** Records every call as "entry NODEID NAME" or "inode NODEID" and answers {@code result}. */
    private static final class RecordingKernel implements KernelInvalidator.Kernel {
        final List<String> calls = new ArrayList<>();
        volatile int result;

        @Override
        public synchronized int invalidateEntry(long parentNodeId, byte[] name) {
            calls.add("entry " + parentNodeId + " " + new String(name, StandardCharsets.UTF_8));
            return result;
        }

        @Override
        public synchronized int invalidateInode(long nodeId) {
            calls.add("inode " + nodeId);
            return result;
        }

        synchronized List<String> sorted() {
            return calls.stream().sorted().toList();
        }
    }

    private final RecordingKernel kernel = new RecordingKernel();
    private final KernelNodes nodes = new KernelNodes();

    private static ChangesElsewhere nameIn(long parent, String name) {
        return new ChangesElsewhere(Set.of(parent), Set.of(new ChangesElsewhere.Name(parent, name)));
    }

    /** Tells {@code changes}, then waits for the worker by closing. */
    private List<String> invalidated(ChangesElsewhere... changes) {
        try (KernelInvalidator invalidator = new KernelInvalidator(kernel, nodes)) {
            for (ChangesElsewhere change : changes) {
                invalidator.changed(change);
            }
        }
        return kernel.sorted();
    }

    @Test
    void aChangedNameIsDroppedUnderEveryNodeIdOfItsDirectory() {
        nodes.replying(20, 7);
        nodes.replying(21, 7);
        nodes.replying(30, 9); // another inode, not changed
        assertEquals(List.of("entry 20 été.txt", "entry 21 été.txt", "inode 20", "inode 21"),
                invalidated(nameIn(7, "été.txt")));
    }

    @Test
    void aNameInTheRootIsDroppedUnderNodeOne() {
        assertEquals(List.of("entry 1 new", "inode 1"), invalidated(nameIn(1, "new")));
    }

    @Test
    void aChangedInodeDropsTheAttributesOfEachOfItsNodes() {
        nodes.replying(40, 5);
        nodes.replying(41, 5);
        assertEquals(List.of("inode 40", "inode 41"), invalidated(new ChangesElsewhere(Set.of(5L), Set.of())));
    }

    @Test
    void inodesTheKernelDoesNotHoldCauseNoCalls() {
        nodes.replying(20, 7);
        nodes.forgotten(20, 1);
        nodes.replying(30, 9);
        assertEquals(List.of(), invalidated(nameIn(7, "x"), new ChangesElsewhere(Set.of(8L), Set.of())));
    }

    @Test
    void aRefusalDoesNotStopTheRemainingInvalidations() {
        nodes.replying(20, 7);
        nodes.replying(40, 5);
        kernel.result = -EIO;
        assertEquals(List.of("entry 20 a", "entry 20 b", "inode 20", "inode 40"),
                invalidated(new ChangesElsewhere(Set.of(7L, 5L),
                        Set.of(new ChangesElsewhere.Name(7, "a"), new ChangesElsewhere.Name(7, "b")))));
    }

    @Test
    void changesAfterCloseAreIgnored() {
        nodes.replying(20, 7);
        KernelInvalidator invalidator = new KernelInvalidator(kernel, nodes);
        invalidator.close();
        invalidator.changed(nameIn(7, "late"));
        invalidator.close();
        assertEquals(List.of(), kernel.sorted());
    }
}
