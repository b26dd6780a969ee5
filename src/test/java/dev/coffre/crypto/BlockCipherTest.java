package dev.coffre.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BlockCipherTest {
    private static final BlockCipher.BlockContext CONTEXT = new BlockCipher.BlockContext(new byte[16], 7, 3);

    /** Each segment's plaintext placed where its sealed form goes, sealed there: the same bytes as seal. */
    @ParameterizedTest
    @ValueSource(ints = {1, BlockCipher.SEGMENT_SIZE - 1, BlockCipher.SEGMENT_SIZE, BlockCipher.SEGMENT_SIZE + 1,
            4 << 20})
    void sealingInPlaceGivesWhatSealingIntoAnotherArrayGives(int length) {
        Random random = new Random(length);
        byte[] key = new byte[32];
        random.nextBytes(key);
        byte[] plaintext = new byte[length];
        random.nextBytes(plaintext);
        // On another thread, and a key per case: a Cipher refuses to encrypt twice in a row with the same key and
        // nonce, and each thread has its own (production never does that: every block has a key of its own).
        byte[] expected = CompletableFuture.supplyAsync(() -> BlockCipher.seal(key, CONTEXT, plaintext, 0, length)).join();

        byte[] block = new byte[expected.length + 100]; // larger, as a reused array is
        Arrays.fill(block, (byte) 0x5a);
        for (int segment = 0; segment * BlockCipher.SEGMENT_SIZE < length; segment++) {
            int position = segment * BlockCipher.SEGMENT_SIZE;
            System.arraycopy(plaintext, position, block, segment * BlockCipher.SEALED_SEGMENT_SIZE,
                    Math.min(BlockCipher.SEGMENT_SIZE, length - position));
        }
        int sealedLength = BlockCipher.sealInPlace(key, CONTEXT, block, length);

        assertEquals(expected.length, sealedLength);
        assertArrayEquals(expected, Arrays.copyOf(block, sealedLength));
    }
}
