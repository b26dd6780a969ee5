package dev.coffre.remote.mega;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Uploads a new file (mega-protocol.md §5): a fresh random AES key and nonce; an upload URL from
 * {@code u}; the content encrypted with AES-CTR and POSTed in pieces that start and end on chunk
 * boundaries, while the chunk MACs of the plaintext are computed; the completion token the server returns
 * for the last piece; then {@code p} creates the node with the file key (carrying the meta-MAC) wrapped by
 * the master key and the attributes (name and fingerprint {@code c}). Pieces are POSTed in parallel, a
 * few at a time. Thread-safe.
 */
final class Uploads {
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");
    private static final int CHECKSUM_BYTES = 12;

    private final MegaApi api;
    private final OkHttpClient http;
    private final Backoff backoff;
    private final boolean tls;
    private final int maxPostBytes;
    private final int connections;
    private final ExecutorService posters;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param connections POSTs of one upload in flight at once (MEGA accepts pieces in any order); each
     *                    holds up to {@code maxPostBytes} of ciphertext in memory
     */
    Uploads(MegaApi api, boolean tls, int maxPostBytes, int connections, ExecutorService posters) {
        this.api = api;
        this.http = api.http();
        this.backoff = api.backoff();
        this.tls = tls;
        this.maxPostBytes = Math.max(maxPostBytes, Chunks.MAX_CHUNK);
        this.connections = Math.max(1, connections);
        this.posters = posters;
    }

    MegaNode upload(String parent, String name, ContentSource content, long mtimeSeconds, NodeDecoder decoder, String tag)
            throws IOException {
        long size = content.size();
        byte[] aesKey = freshAesKey();
        byte[] nonce = new byte[8];
        random.nextBytes(nonce);

        // v:2 asks for the binary completion token megajs and megatools use (36 bytes, sent base64url in p).
        ObjectNode u = MegaApi.command("u").put("s", size).put("ssl", tls ? 2 : 0)
                .put("v", 2).put("ms", 0).put("r", 0).put("e", 0);
        String uploadUrl = api.call(u).path("p").asText("");
        if (!uploadUrl.startsWith("http://") && !uploadUrl.startsWith("https://")) {
            throw new IOException("MEGA gave no upload URL");
        }

        FileMac.Calculator macs = new FileMac.Calculator(aesKey, nonce);
        byte[] token = size == 0 ? post(uploadUrl, 0, new byte[0]) : null;
        Deque<Future<byte[]>> inFlight = new ArrayDeque<>();
        try {
            long chunk = 0;
            long chunks = Chunks.count(size);
            while (chunk < chunks) {
                long start = Chunks.start(chunk);
                long end = start;
                while (chunk < chunks && end - start + Chunks.length(chunk, size) <= maxPostBytes) {
                    end += Chunks.length(chunk, size);
                    chunk++;
                }
                byte[] piece = new byte[(int) (end - start)];
                content.read(start, piece, 0, piece.length);
                macs.update(piece, 0, piece.length); // MACs need the plaintext in order; POSTs do not
                FileCipher.apply(aesKey, nonce, start, piece, 0, piece.length);
                if (inFlight.size() >= connections) {
                    token = firstNonNull(token, await(inFlight.poll()));
                }
                long offset = start;
                inFlight.add(posters.submit(() -> post(uploadUrl, offset, piece)));
            }
            while (!inFlight.isEmpty()) {
                token = firstNonNull(token, await(inFlight.poll()));
            }
        } finally {
            inFlight.forEach(f -> f.cancel(true)); // after a failure: stop the other pieces
        }
        if (token == null) {
            throw new IOException("MEGA upload of " + size + " bytes ended without a completion token");
        }

        FileKey key = new FileKey(aesKey, nonce, FileMac.condense(aesKey, macs.finish()));
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("n", name);
        attributes.put("c", Fingerprint.of(content, mtimeSeconds));
        ObjectNode entry = MegaApi.JSON.createObjectNode()
                .put("h", Base64Url.encode(token))
                .put("t", 0)
                .put("a", Base64Url.encode(NodeAttributes.encrypt(aesKey, attributes)))
                .put("k", decoder.wrapKey(key.pack()));
        ObjectNode p = MegaApi.command("p").put("t", parent).put("i", tag);
        p.putArray("n").add(entry);
        return NodeCommands.createdNode(api.call(p), decoder, "p");
    }

    private static byte[] firstNonNull(byte[] a, byte[] b) {
        return a != null ? a : b;
    }

    private static byte[] await(Future<byte[]> post) throws IOException {
        try {
            return post.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while uploading to MEGA");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("MEGA upload failed", e.getCause());
        }
    }

    /** A CSPRNG key that is not all zeros: such keys are refused on read (see {@link FileKey#isZeroKey}). */
    private byte[] freshAesKey() {
        byte[] key = new byte[16];
        do {
            random.nextBytes(key);
        } while (Aes128.isAllZero(key));
        return key;
    }

    /**
     * POSTs one piece; returns the completion token if this answer carries it, null if the server only
     * acknowledged. Retries transient failures with the same bytes at the same offset.
     */
    private byte[] post(String uploadUrl, long offset, byte[] ciphertext) throws IOException {
        String url = uploadUrl + "/" + offset + "?c=" + Base64Url.encode(checksum(ciphertext));
        return TransferRetries.run(backoff, "MEGA upload failed at offset " + offset, () -> {
            Request request = new Request.Builder().url(url).post(RequestBody.create(ciphertext, OCTETS)).build();
            try (Response response = http.newCall(request).execute()) {
                int status = response.code();
                byte[] body = response.body() == null ? new byte[0] : response.body().bytes();
                if (status == 200) {
                    int code = errorCode(body);
                    if (code == 0) {
                        return body.length == 0 || (body.length == 1 && body[0] == '0') ? null : body;
                    }
                    if (!MegaError.of(code).transientError) {
                        throw new MegaException(code, "upload");
                    }
                    throw new TransferRetries.Retry("error " + code);
                }
                if (status >= 500) {
                    throw new TransferRetries.Retry("HTTP " + status);
                }
                throw new TransferRetries.Refused("MEGA upload server answered HTTP " + status);
            }
        });
    }

    /**
     * An upload answer is empty (piece accepted), a short negative number in ASCII (an error), or the
     * binary completion token. Tokens are far longer than any error text.
     */
    static int errorCode(byte[] body) {
        if (body.length < 2 || body.length > 5 || body[0] != '-') {
            return 0;
        }
        String text = new String(body, StandardCharsets.US_ASCII);
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** XOR of the ciphertext folded onto 12 bytes; the server checks it ({@code ?c=}) and answers -14 if it differs. */
    static byte[] checksum(byte[] data) {
        byte[] sum = new byte[CHECKSUM_BYTES];
        for (int i = 0; i < data.length; i++) {
            sum[i % CHECKSUM_BYTES] ^= data[i];
        }
        return sum;
    }
}
