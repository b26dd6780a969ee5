package dev.coffre.remote.mega;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coffre.remote.IntegrityException;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * One file shared by a public link, read without an account (mega-protocol.md §4.1, §6.1): {@code g}
 * with the public handle {@code p} instead of a node handle, sent without a session id, answers the size,
 * the attributes (encrypted with the file's AES key, which the link carries) and a temporary URL. The
 * content is then read and MAC-checked exactly like an account's file.
 */
public final class PublicFile implements Closeable {
    private final MegaApi api;
    private final Downloads downloads;
    private final MegaNode node;

    private PublicFile(MegaApi api, Downloads downloads, MegaNode node) {
        this.api = api;
        this.downloads = downloads;
        this.node = node;
    }

    /**
     * Asks MEGA about the file behind {@code link}. A file that MEGA does not know fails with a
     * {@link MegaException} (-9 ENOENT); a key that is refused (zero AES key) or that does not decrypt the
     * attributes leaves the file with a {@link #problem()}, and reading it then throws
     * {@link IntegrityException}.
     */
    public static PublicFile open(MegaConfig config, PublicLink link) throws IOException {
        if (link.kind() != PublicLink.Kind.FILE) {
            throw new IllegalArgumentException("a folder link is not a file");
        }
        MegaApi api = new MegaApi(MegaClient.httpClient(config), config.apiUrl(), config.backoff());
        boolean ok = false;
        try {
            JsonNode answer = api.callWithoutSession(MegaApi.command("g").put("g", 1).put("p", link.handle())
                    .put("ssl", config.transferTls() ? 2 : 0));
            int embedded = answer.path("e").asInt(0);
            if (embedded < 0) {
                throw new MegaException(embedded, "g");
            }
            long size = answer.path("s").asLong(-1);
            String url = answer.path("g").asText("");
            if (size < 0 || (!url.startsWith("http://") && !url.startsWith("https://"))) {
                throw new IOException("MEGA gave no size or no download URL for the linked file");
            }
            FileKey key = link.fileKey();
            Map<String, Object> attributes = null;
            String problem = null;
            if (key.isZeroKey()) {
                problem = "refused: zero AES key (the pattern of a known integrity attack)";
            } else {
                try {
                    attributes = NodeAttributes.decrypt(key.aesKey(), Base64Url.decode(answer.path("at").asText("")));
                } catch (IllegalArgumentException e) {
                    problem = "the link's key does not decrypt the file's attributes (a wrong key, or altered by the server)";
                }
            }
            MegaNode node = new MegaNode(link.handle(), null, MegaNode.Type.FILE, null, size, 0, link.key(), attributes, problem);
            Downloads downloads = new Downloads(api, config.transferTls(), "p");
            downloads.remember(link.handle(), url);
            ok = true;
            return new PublicFile(api, downloads, node);
        } finally {
            if (!ok) {
                shutdown(api);
            }
        }
    }

    /** The name from the attributes, or null when they could not be decrypted. */
    public String name() {
        return node.readable() ? node.name() : null;
    }

    public long size() {
        return node.size();
    }

    /** Modification time from the fingerprint, or -1. */
    public long mtimeSeconds() {
        return node.readable() ? node.mtimeSeconds() : -1;
    }

    /** Why this file cannot be read, or null. */
    public String problem() {
        return node.problem();
    }

    /**
     * Streams the whole file into {@code out} and checks its MAC; throws {@link IntegrityException} on a
     * mismatch, after which everything written must be discarded.
     */
    public WholeFileRead readWhole(OutputStream out) throws IOException {
        return downloads.readWhole(node, out);
    }

    @Override
    public void close() {
        shutdown(api);
    }

    private static void shutdown(MegaApi api) {
        api.http().dispatcher().executorService().shutdown();
        api.http().connectionPool().evictAll();
    }
}
