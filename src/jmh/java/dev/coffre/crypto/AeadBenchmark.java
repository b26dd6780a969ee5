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
 * AES-256-GCM on small messages, where the per-call cost (cipher init, key schedule, allocation) shows.
 * Seal counts its nonces up, as the JDK refuses to seal twice in a row with one key and nonce; open
 * reopens one sealed message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class AeadBenchmark {
    /** Plaintext bytes per operation. */
    @Param("4096")
    int size;

    private byte[] key;
    private byte[] nonce;
    private int counter;
    private byte[] aad;
    private byte[] plaintext;
    private byte[] sealed;

    @Setup
    public void setUp() {
        Random random = new Random(2);
        key = BlockCipherBenchmark.bytes(random, Aead.KEY_BYTES);
        nonce = BlockCipherBenchmark.bytes(random, Aead.NONCE_BYTES);
        aad = BlockCipherBenchmark.bytes(random, 58);
        plaintext = BlockCipherBenchmark.bytes(random, size);
        sealed = Aead.seal(key, nonce, aad, plaintext);
    }

    @Benchmark
    public byte[] seal() {
        byte[] fresh = nonce.clone();
        int n = ++counter;
        fresh[0] = (byte) n;
        fresh[1] = (byte) (n >>> 8);
        fresh[2] = (byte) (n >>> 16);
        fresh[3] = (byte) (n >>> 24);
        return Aead.seal(key, fresh, aad, plaintext);
    }

    @Benchmark
    public byte[] open() throws AEADBadTagException {
        return Aead.open(key, nonce, aad, sealed);
    }
}
