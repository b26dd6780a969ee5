package dev.coffre.crypto;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.bouncycastle.crypto.params.HKDFParameters;

import java.nio.charset.StandardCharsets;

/** Key derivation: Argon2id for passwords, HKDF-SHA256 for sub-keys. Pure functions. */
public final class Kdf {
    private Kdf() {
    }

    /** Parameters of Argon2id as stored in the vault header. */
    public record Argon2Params(int memoryKiB, int iterations, int parallelism) {
        public Argon2Params {
            if (memoryKiB < 8 * parallelism || iterations < 1 || parallelism < 1) {
                throw new IllegalArgumentException("invalid Argon2id parameters: memory " + memoryKiB
                        + " KiB, iterations " + iterations + ", parallelism " + parallelism);
            }
        }
    }

    public static byte[] argon2id(byte[] password, byte[] salt, Argon2Params params, int outputBytes) {
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt)
                .withMemoryAsKB(params.memoryKiB())
                .withIterations(params.iterations())
                .withParallelism(params.parallelism())
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] out = new byte[outputBytes];
        generator.generateBytes(password, out);
        return out;
    }

    public static byte[] hkdfSha256(byte[] inputKey, byte[] salt, String info, int outputBytes) {
        return hkdfSha256(inputKey, salt, info.getBytes(StandardCharsets.UTF_8), outputBytes);
    }

    public static byte[] hkdfSha256(byte[] inputKey, byte[] salt, byte[] info, int outputBytes) {
        HKDFBytesGenerator generator = new HKDFBytesGenerator(new SHA256Digest());
        generator.init(new HKDFParameters(inputKey, salt, info));
        byte[] out = new byte[outputBytes];
        generator.generateBytes(out, 0, outputBytes);
        return out;
    }
}
