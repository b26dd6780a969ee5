package dev.coffre.cache;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HugePageSlabsTest {
    private static long address(ByteBuffer buffer) {
        return com.kenai.jffi.MemoryIO.getInstance().getDirectBufferAddress(buffer);
    }

    @Test
    void aSlabIsZeroedWritableAndAlignedOnItsSize() {
        HugePageSlabs slabs = HugePageSlabs.open().orElseThrow();
        ByteBuffer slab = slabs.map().orElseThrow();
        assertTrue(slab.isDirect());
        assertEquals(HugePageSlabs.SLAB_BYTES, slab.capacity());
        assertEquals(0, address(slab) % HugePageSlabs.SLAB_BYTES, "aligned, so that one huge page can back it");
        for (int i = 0; i < slab.capacity(); i += 4096) {
            assertEquals(0, slab.get(i));
        }
        slab.put(0, (byte) 1).put(slab.capacity() - 1, (byte) 2);
        assertEquals(1, slab.get(0));
        assertEquals(2, slab.get(slab.capacity() - 1));
        assertNotEquals(address(slab), address(slabs.map().orElseThrow()), "each slab is memory of its own");
    }

    @Test
    void segmentMemoryCutsBuffersFromSlabsUpToItsBudgetThenAllocatesDirectBuffers() {
        int buffer = 64 * 1024;
        SegmentMemory memory = new SegmentMemory(3L * buffer, buffer, HugePageSlabs.open().orElseThrow());
        ByteBuffer first = memory.take();
        ByteBuffer second = memory.take();
        ByteBuffer third = memory.take();
        assertEquals(address(first) + buffer, address(second), "cut one after the other from one slab");
        assertEquals(address(second) + buffer, address(third));
        ByteBuffer fourth = memory.take(); // past the budget (a reader holding a segment the cache evicted)
        assertEquals(buffer, fourth.capacity());
        assertTrue(address(fourth) < address(first) || address(fourth) >= address(first) + HugePageSlabs.SLAB_BYTES,
                "not cut from a slab: slabs never hold more than the budget");
        memory.give(fourth); // four out with room for three: not pooled
        memory.give(first);
        assertEquals(address(first), address(memory.take()), "a slab's buffer given back is reused");
    }
}
