package dev.coffre.remote.mega;

import java.util.List;

/**
 * The outcome of reading a whole file: its MAC verdict (never {@link FileMac.Verdict#MISMATCH}: that is
 * thrown) and its chunk MACs, authenticated by the meta-MAC, which later verify whole-chunk reads.
 */
public record WholeFileRead(FileMac.Verdict verdict, List<byte[]> chunkMacs) {
}
