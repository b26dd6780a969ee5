package dev.coffre.remote.mega;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coffre.remote.IntegrityException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Reads file content (mega-protocol.md §4): a temporary URL from {@code g}, then ciphertext ranges as
 * {@code GET <url>/<start>-<endInclusive>} (MEGA's transfer servers take the range in the path, not in a
 * Range header, and answer 200), decrypted with AES-CTR. Reading a whole file checks its MAC; reading a
 * whole chunk checks that chunk against chunk MACs verified earlier; any other range is decrypted but
 * unauthenticated, which is why those methods say so. Thread-safe.
 */
final class Downloads {
    private static final Logger LOG = Logger.getLogger(Downloads.class.getName());
    /** How long a temporary URL is reused before asking for a fresh one (MEGA does not say how long they last). */
    private static final long URL_REUSE_NANOS = 10L * 60 * 1_000_000_000L;
    /** Bytes fetched per request when reading a whole file: whole chunks, about this much. */
    private static final int RANGE_TARGET = 8 * 1024 * 1024;

    private record TempUrl(String url, long fetchedAt) {
    }

    private final MegaApi api;
    private final OkHttpClient http;
    private final Backoff backoff;
    private final boolean tls;
    private final String handleField;
    private final ConcurrentHashMap<String, TempUrl> urls = new ConcurrentHashMap<>();

    Downloads(MegaApi api, boolean tls) {
        this(api, tls, "n");
    }

    /**
     * @param handleField how {@code g} names the file: {@code n} for a node handle of the account,
     *                    {@code p} for the public handle of a file link (mega-protocol.md §4.1)
     */
    Downloads(MegaApi api, boolean tls, String handleField) {
        this.api = api;
        this.http = api.http();
        this.backoff = api.backoff();
        this.tls = tls;
        this.handleField = handleField;
    }

    /** Uses a temporary URL the caller already got from {@code g}, instead of asking again. */
    void remember(String handle, String url) {
        urls.put(handle, new TempUrl(url, System.nanoTime()));
    }

    /** Decrypted bytes of {@code [offset, offset+length)}: NOT authenticated (see class comment). */
    byte[] readUnverified(MegaNode node, long offset, int length) throws IOException {
        FileKey key = requireReadable(node);
        checkRange(node, offset, length);
        byte[] data = ciphertext(node, offset, length);
        FileCipher.apply(key, offset, data, 0, data.length);
        return data;
    }

    /**
     * Reads the whole file into {@code out}, checking its MAC. The bytes are written as they arrive: when
     * this throws {@link IntegrityException} the caller must discard what was written.
     */
    WholeFileRead readWhole(MegaNode node, OutputStream out) throws IOException {
        FileKey key = requireReadable(node);
        FileMac.Calculator macs = new FileMac.Calculator(key.aesKey(), key.nonce());
        long size = node.size();
        long chunk = 0;
        long chunks = Chunks.count(size);
        while (chunk < chunks) {
            long start = Chunks.start(chunk);
            long end = start;
            while (chunk < chunks && end - start < RANGE_TARGET) {
                end += Chunks.length(chunk, size);
                chunk++;
            }
            byte[] data = ciphertext(node, start, (int) (end - start));
            FileCipher.apply(key, start, data, 0, data.length);
            macs.update(data, 0, data.length);
            out.write(data);
        }
        List<byte[]> chunkMacs = macs.finish();
        FileMac.Verdict verdict = FileMac.check(key, chunkMacs, size);
        if (!verdict.ok()) {
            throw new IntegrityException("MEGA file " + node.handle() + " fails its MAC: content or key was altered");
        }
        if (verdict == FileMac.Verdict.VERIFIED_MEGAJS_BOUNDARY_VARIANT) {
            LOG.fine(() -> "MEGA file " + node.handle() + " carries megajs's MAC for files ending on a chunk boundary");
        }
        return new WholeFileRead(verdict, chunkMacs);
    }

    /** Plaintext of chunk {@code index}, checked against that chunk's MAC from an earlier verified read. */
    byte[] readVerifiedChunk(MegaNode node, long index, List<byte[]> verifiedChunkMacs) throws IOException {
        FileKey key = requireReadable(node);
        if (index < 0 || index >= verifiedChunkMacs.size() || index >= Chunks.count(node.size())) {
            throw new IllegalArgumentException("chunk " + index + " is outside the file");
        }
        long start = Chunks.start(index);
        byte[] data = ciphertext(node, start, Chunks.length(index, node.size()));
        FileCipher.apply(key, start, data, 0, data.length);
        byte[] mac = FileMac.chunkMac(key.aesKey(), key.nonce(), data, 0, data.length);
        if (!MessageDigest.isEqual(mac, verifiedChunkMacs.get((int) index))) {
            throw new IntegrityException("MEGA file " + node.handle() + " chunk " + index + " fails its MAC");
        }
        return data;
    }

    private static FileKey requireReadable(MegaNode node) throws IntegrityException {
        if (!node.isFile()) {
            throw new IllegalArgumentException(node.handle() + " is not a file");
        }
        if (!node.readable()) {
            throw new IntegrityException("MEGA file " + node.handle() + " cannot be read: " + node.problem());
        }
        return node.fileKey();
    }

    private static void checkRange(MegaNode node, long offset, int length) {
        if (offset < 0 || length < 0 || offset + length > node.size()) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " outside a file of " + node.size() + " bytes");
        }
    }

    /** Ciphertext of a range, with retries; asks for a fresh URL once when the old one stops working. */
    byte[] ciphertext(MegaNode node, long start, int length) throws IOException {
        if (length == 0) {
            return new byte[0];
        }
        for (boolean refreshed = false; ; refreshed = true) {
            String url = url(node) + "/" + start + "-" + (start + length - 1);
            try {
                return TransferRetries.run(backoff, "MEGA download of file " + node.handle() + " failed",
                        () -> range(url, length));
            } catch (UrlGone e) {
                if (refreshed) {
                    throw new TransferRetries.Refused("MEGA transfer server answered HTTP " + e.status
                            + " for file " + node.handle() + ", with a fresh URL too");
                }
                urls.remove(node.handle()); // an expired temporary URL: ask for a new one
            }
        }
    }

    /** One GET of a range of {@code length} bytes. */
    private byte[] range(String url, int length) throws IOException, TransferRetries.Retry {
        Request request = new Request.Builder().url(url).get().build();
        try (Response response = http.newCall(request).execute()) {
            int status = response.code();
            if ((status == 200 || status == 206) && response.body() != null) {
                byte[] body = response.body().bytes();
                if (body.length == length) {
                    return body;
                }
                throw new TransferRetries.Retry("got " + body.length + " of " + length + " bytes");
            }
            if (status == 509) {
                throw new MegaException(MegaError.EOVERQUOTA.code, "download", "transfer quota exceeded (HTTP 509)");
            }
            if (status == 403 || status == 404 || status == 410) {
                throw new UrlGone(status);
            }
            if (status >= 500) {
                throw new TransferRetries.Retry("HTTP " + status);
            }
            throw new TransferRetries.Refused("MEGA transfer server answered HTTP " + status);
        }
    }

    /** The temporary download URL no longer works. */
    private static final class UrlGone extends TransferRetries.Refused {
        final int status;

        UrlGone(int status) {
            super("download URL gone (HTTP " + status + ")");
            this.status = status;
        }
    }

    private String url(MegaNode node) throws IOException {
        TempUrl cached = urls.get(node.handle());
        if (cached != null && System.nanoTime() - cached.fetchedAt() < URL_REUSE_NANOS) {
            return cached.url();
        }
        JsonNode answer = api.call(MegaApi.command("g").put("g", 1).put(handleField, node.handle()).put("ssl", tls ? 2 : 0));
        int embedded = answer.path("e").asInt(0);
        if (embedded < 0) {
            throw new MegaException(embedded, "g");
        }
        String g = answer.path("g").asText("");
        if (!g.startsWith("http://") && !g.startsWith("https://")) {
            throw new IOException("MEGA gave no download URL for file " + node.handle());
        }
        if (answer.has("s") && answer.get("s").asLong() != node.size()) {
            throw new IntegrityException("MEGA says file " + node.handle() + " is " + answer.get("s").asLong()
                    + " bytes, the tree said " + node.size());
        }
        urls.put(node.handle(), new TempUrl(g, System.nanoTime()));
        return g;
    }
}
