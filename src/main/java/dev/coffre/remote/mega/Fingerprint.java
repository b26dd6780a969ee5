package dev.coffre.remote.mega;

import java.io.IOException;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * The {@code c} attribute: a sparse CRC of the content plus the file's modification time, which MEGA's
 * clients use to recognise unchanged files and which is where a file's mtime lives (mega-protocol.md
 * §3.4). Serialized as base64url of 16 CRC bytes, a length byte {@code n}, and the mtime in seconds as
 * {@code n} little-endian bytes.
 */
public final class Fingerprint {
    private static final int CRC_BYTES = 16;
    private static final int SMALL = 16;
    private static final int MEDIUM = 8192;
    private static final int SAMPLE = 64;
    private static final int SAMPLES_PER_CRC = 32;

    public record Parsed(byte[] crc, long mtime) {
    }

    private Fingerprint() {
    }

    public static String of(ContentSource content, long mtimeSeconds) throws IOException {
        return encode(crc(content, content.size()), mtimeSeconds);
    }

    public static String of(byte[] data, long mtimeSeconds) throws IOException {
        return of(ContentSource.of(data), mtimeSeconds);
    }

    /** The same content checksum with another modification time (a touch changes no content). */
    public static String withMtime(String fingerprint, long mtimeSeconds) {
        return encode(parse(fingerprint).crc(), mtimeSeconds);
    }

    /** The checksum, then the length of the time field and the time itself. */
    private static String encode(byte[] crc, long mtimeSeconds) {
        byte[] time = mtimeBytes(mtimeSeconds);
        byte[] out = new byte[CRC_BYTES + 1 + time.length];
        System.arraycopy(crc, 0, out, 0, CRC_BYTES);
        out[CRC_BYTES] = (byte) time.length;
        System.arraycopy(time, 0, out, CRC_BYTES + 1, time.length);
        return Base64Url.encode(out);
    }

    public static Parsed parse(String fingerprint) {
        byte[] raw = Base64Url.decode(fingerprint);
        if (raw.length < CRC_BYTES + 1) {
            throw new IllegalArgumentException("fingerprint too short");
        }
        int n = raw[CRC_BYTES] & 0xFF;
        if (n > 8 || raw.length < CRC_BYTES + 1 + n) {
            throw new IllegalArgumentException("fingerprint has a bad mtime length");
        }
        long mtime = 0;
        for (int i = 0; i < n; i++) {
            mtime |= (raw[CRC_BYTES + 1 + i] & 0xFFL) << (8 * i);
        }
        return new Parsed(Arrays.copyOf(raw, CRC_BYTES), mtime);
    }

    static byte[] crc(ContentSource content, long size) throws IOException {
        byte[] crc = new byte[CRC_BYTES];
        if (size <= SMALL) {
            content.read(0, crc, 0, (int) size);
            return crc;
        }
        if (size <= MEDIUM) {
            byte[] all = new byte[(int) size];
            content.read(0, all, 0, all.length);
            for (int i = 0; i < 4; i++) {
                int from = (int) (i * size / 4);
                int to = (int) ((i + 1) * size / 4);
                CRC32 c = new CRC32();
                c.update(all, from, to - from);
                putInt(crc, 4 * i, c.getValue());
            }
            return crc;
        }
        byte[] sample = new byte[SAMPLE];
        for (int i = 0; i < 4; i++) {
            CRC32 c = new CRC32();
            for (int j = 0; j < SAMPLES_PER_CRC; j++) {
                // 64-bit arithmetic: older SDKs computed this in 32 bits and differ for files of 4 GiB or more.
                long position = (size - SAMPLE) * (i * SAMPLES_PER_CRC + j) / (4 * SAMPLES_PER_CRC - 1);
                content.read(position, sample, 0, SAMPLE);
                c.update(sample, 0, SAMPLE);
            }
            putInt(crc, 4 * i, c.getValue());
        }
        return crc;
    }

    private static byte[] mtimeBytes(long mtime) {
        if (mtime < 0) {
            throw new IllegalArgumentException("negative mtime");
        }
        int n = 0;
        while (n < 8 && (mtime >>> (8 * n)) != 0) {
            n++;
        }
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = (byte) (mtime >>> (8 * i));
        }
        return out;
    }

    private static void putInt(byte[] out, int at, long value) {
        out[at] = (byte) (value >>> 24);
        out[at + 1] = (byte) (value >>> 16);
        out[at + 2] = (byte) (value >>> 8);
        out[at + 3] = (byte) value;
    }
}
