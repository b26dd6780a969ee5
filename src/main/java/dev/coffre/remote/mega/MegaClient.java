package dev.coffre.remote.mega;

import com.fasterxml.jackson.databind.JsonNode;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A MEGA account, logged in: the operations a filesystem needs, each delegated to the class that knows
 * its part of the protocol ({@link Login}, {@link NodeDecoder}, {@link Downloads}, {@link Uploads},
 * {@link NodeCommands}, {@link ActionPackets}). Thread-safe, except {@link MegaTree}, which callers own.
 */
public final class MegaClient implements Closeable {
    private static final Logger LOG = Logger.getLogger(MegaClient.class.getName());
    private static final String TAG_ALPHABET = "abcdefghijklmnopqrstuvwxyz";

    private final MegaConfig config;
    private final MegaApi api;
    private final OkHttpClient waitHttp;
    private final String tag;
    private volatile MegaSession session;
    private volatile NodeDecoder decoder;
    private volatile NodeCommands commands;
    private final Downloads downloads;
    private final Uploads uploads;
    private final ExecutorService posters;
    /** The folder key of a public folder link, or null for an account. */
    private volatile byte[] folderKey;

    private MegaClient(MegaConfig config, MegaSession session) {
        OkHttpClient http = httpClient(config);
        this.config = config;
        this.api = new MegaApi(http, config.apiUrl(), config.backoff());
        this.waitHttp = http.newBuilder().readTimeout(config.waitTimeout()).build();
        this.tag = randomTag();
        this.downloads = new Downloads(api, config.transferTls());
        this.posters = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "mega-upload");
            thread.setDaemon(true);
            return thread;
        });
        this.uploads = new Uploads(api, config.transferTls(), config.maxPostBytes(), config.uploadConnections(), posters);
        useSession(session);
    }

    /** Logs in with e-mail and password (v1 or v2, as the account needs); renews the session when it expires. */
    public static MegaClient login(MegaConfig config, MegaCredentials credentials) throws IOException {
        MegaClient client = new MegaClient(config, null);
        MegaSession session = Login.run(client.api, credentials, config.requireSidHandle());
        client.useSession(session);
        client.api.setSessionRenewer(() -> client.renew(credentials));
        client.learnUserHandle();
        return client;
    }

    /** Resumes a saved session (sid and master key) without the password; an expired session then fails with -15. */
    public static MegaClient resume(MegaConfig config, MegaSession session) throws IOException {
        return resume(config, session, null);
    }

    /** Where credentials come from when a resumed session has expired (asked at most when needed). */
    @FunctionalInterface
    public interface CredentialsSource {
        /** The credentials, or an exception that says why there are none (it ends the request that needed them). */
        MegaCredentials get() throws IOException;
    }

    /**
     * Resumes a saved session; when MEGA says it has expired (-15), logs in again with the credentials
     * {@code fallback} gives (which must unwrap the same master key), once per request. With a null
     * {@code fallback} an expired session fails with -15. {@link #session()} then holds the new session id.
     */
    public static MegaClient resume(MegaConfig config, MegaSession session, CredentialsSource fallback) throws IOException {
        MegaClient client = new MegaClient(config, session);
        if (fallback != null) {
            client.api.setSessionRenewer(() -> client.renew(fallback.get()));
        }
        client.learnUserHandle();
        return client;
    }

    /**
     * Opens a public folder link, without an account: {@link #fetchTree} then lists the linked folder (its
     * top node as the tree's root), with keys unwrapped by the link's folder key, and reads go through
     * {@code g} in the link. Nothing can be changed through it.
     */
    public static MegaClient openFolderLink(MegaConfig config, PublicLink link) {
        if (link.kind() != PublicLink.Kind.FOLDER) {
            throw new IllegalArgumentException("not a folder link");
        }
        MegaClient client = new MegaClient(config, null);
        client.api.setFolderLink(link.handle());
        client.folderKey = link.key();
        client.decoder = NodeDecoder.forFolderLink();
        return client;
    }

    /** True for a public folder link (no account: no session, quota or changes). */
    public boolean isFolderLink() {
        return folderKey != null;
    }

    /** The HTTP client every MEGA connection uses: no automatic retries (ours keep the request id). */
    static OkHttpClient httpClient(MegaConfig config) {
        return new OkHttpClient.Builder()
                .callTimeout(0, TimeUnit.MILLISECONDS)
                .readTimeout(config.requestTimeout())
                .writeTimeout(config.requestTimeout())
                .retryOnConnectionFailure(false) // retries are ours, with backoff and the same request id
                .build();
    }

    private synchronized void useSession(MegaSession newSession) {
        this.session = newSession;
        if (newSession != null) {
            api.setSession(newSession.sid());
            this.decoder = new NodeDecoder(newSession.masterKey(), newSession.userHandle());
            this.commands = new NodeCommands(api, decoder, tag);
        }
    }

    private void learnUserHandle() throws IOException {
        MegaAccount.User user = user();
        if (session.userHandle() == null) {
            useSession(session.withUserHandle(user.handle())); // mega-mock's us has no u; ug has
        } else if (!session.userHandle().equals(user.handle())) {
            throw new IOException("MEGA says this session belongs to another user than the login did");
        }
    }

    private String renew(MegaCredentials credentials) throws IOException {
        MegaSession fresh = Login.run(api, credentials, config.requireSidHandle());
        if (!Login.sameKey(fresh.masterKey(), session.masterKey())) {
            throw new IOException("MEGA login after session expiry unwrapped a different master key; stopping");
        }
        session = session.withSid(fresh.sid()); // same key and user: the decoder and its share keys stay
        return fresh.sid();
    }

    public MegaSession session() {
        return session;
    }

    /** The tag this client sends as {@code i} with its changes; action packets echo it. */
    public String originTag() {
        return tag;
    }

    public MegaAccount.User user() throws IOException {
        JsonNode ug = api.call(MegaApi.command("ug"));
        String handle = ug.path("u").asText("");
        if (handle.isEmpty()) {
            throw new IOException("MEGA's user answer has no user handle");
        }
        return new MegaAccount.User(handle, ug.path("email").asText(null), ug.path("name").asText(null));
    }

    public MegaAccount.Quota quota() throws IOException {
        JsonNode uq = api.call(MegaApi.command("uq").put("strg", 1).put("xfer", 1));
        return new MegaAccount.Quota(uq.path("cstrg").asLong(-1), uq.path("mstrg").asLong(-1),
                uq.path("caxfer").asLong(-1), uq.path("mxfer").asLong(-1));
    }

    /** The whole tree ({@code f}), keys unwrapped and attributes decrypted. */
    public MegaTree fetchTree() throws IOException {
        JsonNode f = api.call(MegaApi.command("f").put("c", 1).put("r", 1));
        NodeDecoder current = decoder;
        String linkTop = null;
        if (folderKey != null) {
            linkTop = FolderLinks.top(f.path("f"));
            if (linkTop == null) {
                throw new IOException("MEGA's answer for the folder link holds no linked folder");
            }
            current.useLinkKey(linkTop, folderKey);
        }
        for (JsonNode ok : f.path("ok")) {
            if (!current.addShareKey(ok)) {
                LOG.warning("MEGA share key for " + ok.path("h").asText() + " failed its check; ignored");
            }
        }
        List<MegaNode> nodes = new ArrayList<>();
        for (JsonNode n : f.path("f")) {
            nodes.add(current.decode(n));
        }
        MegaTree tree = new MegaTree(nodes, f.hasNonNull("sn") ? f.get("sn").asText() : null);
        if (linkTop != null) {
            tree.useAsRoot(linkTop);
        }
        return tree;
    }

    public MegaNode mkdir(String parent, String name) throws IOException {
        return commands.mkdir(parent, name);
    }

    /** Uploads {@code content} as a new file in {@code parent}, with its modification time in the fingerprint. */
    public MegaNode upload(String parent, String name, ContentSource content, long mtimeSeconds) throws IOException {
        return uploads.upload(parent, name, content, mtimeSeconds, decoder, tag);
    }

    public MegaNode rename(MegaNode node, String newName) throws IOException {
        return commands.rename(node, newName);
    }

    public MegaNode setAttributes(MegaNode node, Map<String, Object> attributes) throws IOException {
        return commands.setAttributes(node, attributes);
    }

    public MegaNode move(MegaNode node, String newParent) throws IOException {
        return commands.move(node, newParent);
    }

    /** Moves to the Rubbish Bin (what deleting means in MEGA's own clients). */
    public MegaNode moveToRubbish(MegaNode node, MegaTree tree) throws IOException {
        MegaNode rubbish = tree.rubbish();
        if (rubbish == null) {
            throw new IOException("the tree has no Rubbish Bin");
        }
        return commands.move(node, rubbish.handle());
    }

    /** Deletes a node and its subtree for good. */
    public void delete(MegaNode node) throws IOException {
        commands.delete(node);
    }

    /** Decrypted bytes of a range: NOT authenticated (a MEGA MAC covers the whole file only). */
    public byte[] readUnverified(MegaNode file, long offset, int length) throws IOException {
        return downloads.readUnverified(file, offset, length);
    }

    /**
     * Streams the whole file into {@code out} and checks its MAC; throws
     * {@link dev.coffre.remote.IntegrityException} on mismatch, after which what was written must be
     * discarded. The returned chunk MACs authenticate later whole-chunk reads.
     */
    public WholeFileRead readWhole(MegaNode file, OutputStream out) throws IOException {
        return downloads.readWhole(file, out);
    }

    /** One chunk's plaintext, checked against chunk MACs from a verified {@link #readWhole}. */
    public byte[] readVerifiedChunk(MegaNode file, long chunkIndex, List<byte[]> verifiedChunkMacs) throws IOException {
        return downloads.readVerifiedChunk(file, chunkIndex, verifiedChunkMacs);
    }

    /**
     * One round of the action-packet channel from sequence number {@code sn}: either the packets that
     * arrived (decoded against {@code tree} for keys of nodes it already knows) and the next number, or,
     * when nothing is new, a wait on the server's wait URL (up to the configured wait timeout) and the
     * same number back.
     */
    public PollResult poll(String sn, MegaTree tree) throws IOException {
        JsonNode answer = api.pollActionPackets(sn);
        if (answer.hasNonNull("w")) {
            waitForNews(answer.get("w").asText());
            return new PollResult(List.of(), sn, true);
        }
        if (!answer.hasNonNull("sn")) {
            throw new IOException("MEGA action packets came without a next sequence number");
        }
        List<MegaEvent> events = ActionPackets.parse(answer.path("a"), decoder, NodeDecoder.keysOf(tree));
        return new PollResult(events, answer.get("sn").asText(), false);
    }

    /**
     * Like {@link #poll} but never waits: when nothing is new the answer is idle at once. For callers that
     * poll on their own schedule.
     */
    public PollResult pollNow(String sn, MegaTree tree) throws IOException {
        JsonNode answer = api.pollActionPackets(sn);
        if (answer.hasNonNull("w") || !answer.hasNonNull("sn")) {
            return new PollResult(List.of(), sn, true);
        }
        List<MegaEvent> events = ActionPackets.parse(answer.path("a"), decoder, NodeDecoder.keysOf(tree));
        return new PollResult(events, answer.get("sn").asText(), false);
    }

    /** Long-polls the wait URL; its answer means only "ask again". A timeout means the same. */
    private void waitForNews(String url) throws IOException {
        Request request = new Request.Builder().url(url).post(RequestBody.create(new byte[0])).build();
        try (Response ignored = waitHttp.newCall(request).execute()) {
            // the body carries nothing we need
        } catch (InterruptedIOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
        } catch (IOException e) {
            LOG.fine(() -> "MEGA wait URL failed (" + e.getClass().getSimpleName() + "); polling again");
        }
    }

    /** Ends the session on the server ({@code sml}). */
    public void logout() throws IOException {
        api.call(MegaApi.command("sml"));
        api.setSession(null);
    }

    public long retries() {
        return api.retries();
    }

    @Override
    public void close() {
        posters.shutdownNow();
        api.http().dispatcher().executorService().shutdown();
        api.http().connectionPool().evictAll();
    }

    private static String randomTag() {
        SecureRandom random = new SecureRandom();
        StringBuilder out = new StringBuilder(10);
        for (int i = 0; i < 10; i++) {
            out.append(TAG_ALPHABET.charAt(random.nextInt(TAG_ALPHABET.length())));
        }
        return out.toString();
    }
}
