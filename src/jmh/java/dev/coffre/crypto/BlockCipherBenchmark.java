package dev.coffre.crypto;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import javax.crypto.AEADBadTagException;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Sealing and opening one content segment, as the read and write paths do for every 64 KiB.
 * Operations per second times {@code size} is the throughput (scripts/bench prints it in MB/s).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class BlockCipherBenchmark {
    /** Plaintext bytes per operation: at most one segment, so that the sealed bytes are one segment too. */
    @Param("65536")
    int size;

    /**
     * Seal cycles through several block keys, as a writer does (one key per block object): the JDK refuses
     * to seal twice in a row with one key and nonce.
     */
    private byte[][] blockKeys;
    private int nextKey;
    private byte[] blockKey;
    private BlockCipher.BlockContext context;
    private byte[] plaintext;
    private byte[] sealed;

    @Setup
    public void setUp() {
        if (size > BlockCipher.SEGMENT_SIZE) {
            throw new IllegalArgumentException("size must fit in one segment of " + BlockCipher.SEGMENT_SIZE);
        }
        Random random = new Random(1);
        byte[] contentKey = bytes(random, Aead.KEY_BYTES);
        blockKeys = new byte[16][];
        for (int i = 0; i < blockKeys.length; i++) {
            blockKeys[i] = BlockCipher.blockKey(contentKey, bytes(random, BlockCipher.BLOCK_ID_BYTES));
        }
        blockKey = blockKeys[0];
        context = new BlockCipher.BlockContext(bytes(random, 16), 42, 7);
        plaintext = bytes(random, size);
        sealed = BlockCipher.seal(blockKey, context, plaintext, 0, size);
    }

    @Benchmark
    public byte[] seal() {
        nextKey = (nextKey + 1) % blockKeys.length;
        return BlockCipher.seal(blockKeys[nextKey], context, plaintext, 0, size);
    }

    @Benchmark
    public byte[] openSegment() throws AEADBadTagException {
        return BlockCipher.openSegment(blockKey, context, 0, true, sealed, 0, sealed.length);
    }

    static byte[] bytes(Random random, int length) {
        byte[] out = new byte[length];
        random.nextBytes(out);
        return out;
    }
}
