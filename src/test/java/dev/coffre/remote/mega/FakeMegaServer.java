package dev.coffre.remote.mega;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * A small MEGA API server for what mega-mock lacks, written from mega-protocol.md (the section is named
 * at each behaviour), on 127.0.0.1 at a free port, in-process:
 * <ul>
 * <li>login v1 and v2 with salt (§2.1-2.3), 2FA (§2.6), RSA sessions whose sid embeds the handle, tsid
 * sessions, and broken variants a malicious server would send (§2.4, §7);</li>
 * <li>legacy command answers (§1.3): {@code 0} for writes, {@code {"f":[...]}} for {@code p}; node keys
 * returned as {@code "<user>:<key>"} like the real service (mega-mock echoes bare keys);</li>
 * <li>moves with the circular check, subtree deletes, file versions in the tree (§3.1, §6.1);</li>
 * <li>uploads that enforce chunk boundaries (-7) and the {@code ?c=} checksum (-14), with 36-byte binary
 * tokens for {@code u} with {@code v:2} and 36-character text tokens without (§5); downloads by path
 * range answered with 200 (§4.2);</li>
 * <li>action packets {@code t}/{@code u}/{@code d} (with {@code m:1} for moves), echoing the writer's
 * {@code i}, and a wait URL when idle (§6.2);</li>
 * <li>public file links (§4.1, §6.1): {@code l} exports a file and answers its public handle; {@code g} with
 * {@code p} (that handle) instead of {@code n} is answered without a session. mega-mock has both too
 * (its {@code shareFile} and {@code getFileInfo}); they are here so that CLI tests can tamper with the
 * stored content and run without node;</li>
 * <li>public folder links (§6.1): requests without {@code sid} but with {@code n=<public handle>} browse the
 * exported folder: {@code f} answers its subtree with every key as {@code "<folder>:<key wrapped with the
 * folder key>"}, {@code g} with {@code n} serves files inside it, {@code sc} its action packets (keys
 * rewritten the same way); anything else is refused with -11 (EACCESS), an unknown link with -9.
 * mega-mock 0.4.2 lists a link's subtree too, but answers the keys as they were uploaded (under the owner's
 * master key), so no client can decrypt them;</li>
 * <li>injected faults: request-level -3, HTTP 500, dropped connections, answers lost after the command
 * ran (the repeated request id then gets the cached answer, §1.1), proof of work (§1.5), expired
 * sessions (-15), transfer errors (HTTP 500, short bodies, 509, expired URLs, upload -3).</li>
 * </ul>
 */
final class FakeMegaServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Faults to inject, each consumed by the next request it applies to. */
    enum Fault {
        API_EAGAIN, API_HTTP_500, API_DROP_CONNECTION, API_ANSWER_LOST, API_HASHCASH, API_SESSION_EXPIRED,
        API_PER_COMMAND_ERROR_11,
        DOWNLOAD_HTTP_500, DOWNLOAD_SHORT_BODY, DOWNLOAD_509, DOWNLOAD_URL_EXPIRED,
        UPLOAD_EAGAIN
    }

    /** A folder exported by a public link: the public handle, the folder's node handle, the folder (share) key. */
    record FolderLink(String handle, String folder, byte[] key) {
        String url() {
            return "https://mega.nz/folder/" + handle + "#" + FakeMegaAccount.b64(key);
        }
    }

    record Upload(String token, long size, byte[] data, boolean binaryToken, List<long[]> received) {
    }

    private final HttpServer http;
    private final FakeMegaAccount account;
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final Map<String, ObjectNode> nodes = new LinkedHashMap<>();
    private final Map<String, byte[]> contents = new HashMap<>();
    private final Map<String, String> downloadTokens = new HashMap<>();
    private final Map<String, String> publicHandles = new HashMap<>();
    private final Map<String, FolderLink> folderLinks = new HashMap<>();
    private final Map<String, Upload> uploads = new HashMap<>();
    private final Map<String, Upload> completed = new HashMap<>();
    private final Map<String, Boolean> sessions = new ConcurrentHashMap<>();
    private final Map<String, byte[]> answersById = new HashMap<>();
    private final List<JsonNode> packets = new ArrayList<>();
    private final List<String> requestLog = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, String> hashcashIssued = new ConcurrentHashMap<>();
    private int hashcashEasiness = 255;
    private volatile long uploadDelayMillis;
    private final java.util.concurrent.atomic.AtomicInteger piecesInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger maxPiecesInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private boolean alwaysExpireSessions;
    private final java.util.concurrent.atomic.AtomicLong bytesServed = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger downloadRequests = new java.util.concurrent.atomic.AtomicInteger();
    private volatile long downloadDelayMillis;
    final String root;
    final String inbox;
    final String rubbish;

    FakeMegaServer(FakeMegaAccount account) throws IOException {
        this.account = account;
        this.root = newHandle();
        this.inbox = newHandle();
        this.rubbish = newHandle();
        long now = System.currentTimeMillis() / 1000;
        for (String[] r : new String[][]{{root, "2"}, {inbox, "3"}, {rubbish, "4"}}) {
            nodes.put(r[0], JSON.createObjectNode().put("h", r[0]).put("p", "").put("u", account.userHandle)
                    .put("t", Integer.parseInt(r[1])).put("a", "").put("k", "").put("ts", now));
        }
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.setExecutor(Executors.newFixedThreadPool(8));
        http.createContext("/", this::handle);
        http.start();
    }

    String url() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/";
    }

    MegaConfig config() {
        return MegaConfig.defaults().withApiUrl(url()).withTransferTls(false)
                .withBackoff(new Backoff(4, 1, 5, Thread::sleep)).withWaitTimeout(Duration.ofSeconds(5))
                .withMaxPostBytes(1024 * 1024); // many pieces per upload, several in flight, out of order
    }

    MegaCredentials credentials(String twoFactorCode) {
        return new MegaCredentials(account.email, FakeMegaAccount.PASSWORD.toCharArray(), twoFactorCode);
    }

    synchronized void inject(Fault... injected) {
        faults.addAll(List.of(injected));
    }

    synchronized void setHashcashEasiness(int easiness) {
        this.hashcashEasiness = easiness;
    }

    /** Slows every upload piece down, so that pieces a client sends in parallel overlap here. */
    void setUploadDelayMillis(long millis) {
        this.uploadDelayMillis = millis;
    }

    /** The most upload pieces this server was receiving at the same time. */
    int maxPiecesInFlight() {
        return maxPiecesInFlight.get();
    }

    /** Every session id issued so far stops working (-15); with {@code forever}, new ones too. */
    void expireSessions(boolean forever) {
        sessions.replaceAll((sid, valid) -> false);
        alwaysExpireSessions = forever;
    }

    /** "command id sidPresent hashcashHeader" per /cs request, in order. */
    List<String> requestLog() {
        synchronized (requestLog) {
            return new ArrayList<>(requestLog);
        }
    }

    synchronized int nodeCount() {
        return nodes.size();
    }

    synchronized byte[] storedContent(String handle) {
        return contents.get(handle);
    }

    /** Ciphertext bytes sent by the download path so far (every file, every request). */
    long bytesServed() {
        return bytesServed.get();
    }

    /** Ranged download requests answered with content so far. */
    int downloadRequests() {
        return downloadRequests.get();
    }

    /** Slows every download request down, so that reads a client makes at the same time overlap here. */
    void setDownloadDelayMillis(long millis) {
        this.downloadDelayMillis = millis;
    }

    /** Flips one bit of a file's stored ciphertext at {@code offset}, as a storage fault or a hostile server would. */
    synchronized void tamper(String handle, long offset) {
        byte[] content = contents.get(handle).clone(); // a copy: versions may share the array
        content[Math.toIntExact(offset)] ^= 0x01;
        contents.put(handle, content);
    }

    /** Adds an earlier version under a file (a file node whose parent is that file), as the service lists versions. */
    synchronized String addVersion(String fileHandle) {
        ObjectNode file = nodes.get(fileHandle);
        String handle = newHandle();
        ObjectNode version = file.deepCopy().put("h", handle).put("p", fileHandle);
        nodes.put(handle, version);
        contents.put(handle, contents.get(fileHandle));
        return handle;
    }

    /** Adds a file node whose stored key has two equal halves (the integrity-attack pattern, §7.1). */
    synchronized String addZeroKeyFile(String parent, byte[] content) {
        byte[] half = new byte[16];
        RANDOM.nextBytes(half);
        byte[] wrapped = FakeMegaAccount.ecb(account.masterKey, FakeMegaAccount.concat(half, half));
        String handle = newHandle();
        nodes.put(handle, JSON.createObjectNode().put("h", handle).put("p", parent).put("u", account.userHandle)
                .put("t", 0).put("a", "AAAAAAAAAAAAAAAAAAAAAA").put("k", FakeMegaAccount.b64(wrapped))
                .put("s", content.length).put("ts", 1));
        contents.put(handle, content);
        return handle;
    }

    @Override
    public void close() {
        http.stop(0);
        ((java.util.concurrent.ExecutorService) http.getExecutor()).shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Map<String, String> query = query(exchange.getRequestURI());
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (path.equals("/cs")) {
                api(exchange, query, body);
            } else if (path.equals("/sc")) {
                actionPackets(exchange, query);
            } else if (path.startsWith("/wait")) {
                waitForPackets(query);
                send(exchange, 200, "0".getBytes(StandardCharsets.US_ASCII));
            } else if (path.startsWith("/ul/")) {
                maxPiecesInFlight.accumulateAndGet(piecesInFlight.incrementAndGet(), Math::max);
                try {
                    if (uploadDelayMillis > 0) {
                        Thread.sleep(uploadDelayMillis);
                    }
                    upload(exchange, path, query, body);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    piecesInFlight.decrementAndGet();
                }
            } else if (path.startsWith("/dl/")) {
                download(exchange, path);
            } else {
                send(exchange, 404, new byte[0]);
            }
        } catch (RuntimeException e) {
            e.printStackTrace();
            throw e;
        }
    }

    // ---- /cs (§1) ----

    private void api(HttpExchange exchange, Map<String, String> query, byte[] body) throws IOException {
        String id = query.getOrDefault("id", "");
        String sid = query.get("sid");
        String link = sid == null ? query.get("n") : null;
        JsonNode commands = JSON.readTree(body);
        String names = commands.findValuesAsText("a").toString();
        requestLog.add(names + " " + id + " " + (sid != null) + " " + exchange.getRequestHeaders().getFirst("X-Hashcash"));
        Fault fault = nextFault(f -> f.name().startsWith("API_"));
        if (fault == Fault.API_HASHCASH || hashcashIssued.containsKey(id)) {
            if (!hashcashSolved(exchange, id)) {
                return;
            }
        } else if (fault == Fault.API_EAGAIN) {
            send(exchange, 200, "-3".getBytes(StandardCharsets.US_ASCII));
            return;
        } else if (fault == Fault.API_HTTP_500) {
            send(exchange, 500, new byte[0]);
            return;
        } else if (fault == Fault.API_DROP_CONNECTION) {
            return; // answer nothing: closing the exchange closes the connection
        }
        byte[] replay;
        synchronized (this) {
            replay = answersById.get(sid + " " + link + " " + id);
        }
        if (replay != null) {
            send(exchange, 200, replay); // a resend of a request that already ran: same answer, not run again
            return;
        }
        if (sid != null && fault == Fault.API_SESSION_EXPIRED) {
            sessions.put(sid, false);
        }
        if (sid != null && (alwaysExpireSessions || !sessions.getOrDefault(sid, false))) {
            send(exchange, 200, "-15".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        ArrayNode results = JSON.createArrayNode();
        for (JsonNode command : commands) {
            if (fault == Fault.API_PER_COMMAND_ERROR_11) {
                results.add(-11);
                continue;
            }
            results.add(link != null ? runInLink(command, link, exchange) : run(command, sid, exchange));
        }
        byte[] answer = JSON.writeValueAsBytes(results);
        synchronized (this) {
            answersById.put(sid + " " + link + " " + id, answer);
        }
        if (fault == Fault.API_ANSWER_LOST) {
            return; // the commands ran, the client never hears of it
        }
        send(exchange, 200, answer);
    }

    /** §1.5: the first request gets a 402 challenge; the resend must carry a valid solution. */
    private boolean hashcashSolved(HttpExchange exchange, String id) throws IOException {
        String header = exchange.getRequestHeaders().getFirst("X-Hashcash");
        String token = hashcashIssued.get(id);
        if (token != null && header != null) {
            String[] parts = header.split(":");
            if (parts.length == 3 && parts[0].equals("1") && parts[1].equals(token) && validProof(token, parts[2])) {
                hashcashIssued.remove(id);
                return true;
            }
        }
        byte[] fresh = new byte[48];
        RANDOM.nextBytes(fresh);
        token = FakeMegaAccount.b64(fresh);
        hashcashIssued.put(id, token);
        exchange.getResponseHeaders().add("X-Hashcash", "1:" + hashcashEasiness + ":" + System.currentTimeMillis() / 1000 + ":" + token);
        send(exchange, 402, new byte[0]);
        return false;
    }

    private boolean validProof(String token, String prefix) {
        byte[] p = FakeMegaAccount.b64d(prefix);
        byte[] t = FakeMegaAccount.b64d(token);
        if (p.length != 4 || t.length != 48) {
            return false;
        }
        byte[] buffer = new byte[4 + 262144 * 48];
        System.arraycopy(p, 0, buffer, 0, 4);
        for (int i = 0; i < 262144; i++) {
            System.arraycopy(t, 0, buffer, 4 + 48 * i, 48);
        }
        byte[] hash = FakeMegaAccount.sha256(buffer);
        long head = ((hash[0] & 0xFFL) << 24) | ((hash[1] & 0xFFL) << 16) | ((hash[2] & 0xFFL) << 8) | (hash[3] & 0xFFL);
        int e = hashcashEasiness;
        long threshold = (long) (((e & 63) << 1) + 1) << ((e >> 6) * 7 + 3);
        return head <= threshold;
    }

    private synchronized JsonNode run(JsonNode c, String sid, HttpExchange exchange) {
        String a = c.path("a").asText();
        boolean loggedIn = sid != null && sessions.getOrDefault(sid, false);
        boolean publicDownload = a.equals("g") && c.has("p");
        if (!loggedIn && !a.equals("us0") && !a.equals("us") && !publicDownload) {
            return JSON.getNodeFactory().numberNode(-15);
        }
        String host = "http://" + exchange.getRequestHeaders().getFirst("Host") + "/";
        return switch (a) {
            case "us0" -> preLogin(c);
            case "us" -> login(c);
            case "ug" -> JSON.createObjectNode().put("u", account.userHandle).put("email", account.email).put("name", "Fake");
            case "uq" -> JSON.createObjectNode().put("mstrg", 20L << 30).put("cstrg", usedBytes()).put("mxfer", 1L << 40).put("caxfer", 0);
            case "f" -> tree();
            case "p" -> putNodes(c);
            case "a" -> setAttributes(c);
            case "m" -> move(c);
            case "d" -> delete(c);
            case "g" -> downloadUrl(c, host);
            case "u" -> uploadUrl(c, host);
            case "l" -> exportLink(c);
            case "sml" -> number(0);
            default -> number(-2);
        };
    }

    /** §6.1: a command sent in a public folder link ({@code n=<public handle>}, no session). */
    private synchronized JsonNode runInLink(JsonNode c, String handle, HttpExchange exchange) {
        FolderLink link = folderLinks.get(handle);
        if (link == null || !nodes.containsKey(link.folder())) {
            return number(-9);
        }
        String host = "http://" + exchange.getRequestHeaders().getFirst("Host") + "/";
        return switch (c.path("a").asText()) {
            case "f" -> linkTree(link);
            case "g" -> subtree(link.folder()).contains(c.path("n").asText()) ? downloadUrl(c, host) : number(-9);
            default -> number(-11); // a folder link is read-only
        };
    }

    private JsonNode linkTree(FolderLink link) {
        ArrayNode f = JSON.createArrayNode();
        for (String h : subtree(link.folder())) {
            f.add(linkView(nodes.get(h), link));
        }
        ObjectNode out = JSON.createObjectNode();
        out.set("f", f);
        out.put("sn", sequence(packets.size()));
        return out;
    }

    /**
     * A node as a folder link shows it: its key wrapped with the folder key, under the folder's handle. The
     * owner's client sends these keys when it exports the folder ({@code s2} with {@code cr}) and when it adds
     * nodes inside; this fake computes them with the master key it holds instead.
     */
    private ObjectNode linkView(ObjectNode node, FolderLink link) {
        ObjectNode copy = node.deepCopy();
        byte[] nodeKey = FakeMegaAccount.ecbDecrypt(account.masterKey, FakeMegaAccount.b64d(node.path("k").asText()));
        copy.put("k", link.folder() + ":" + FakeMegaAccount.b64(FakeMegaAccount.ecb(link.key(), nodeKey)));
        return copy;
    }

    /** Exports a folder by a public link, as the owner's client does with {@code s2} and {@code l} (§6.1). */
    synchronized FolderLink publishFolder(String handle) {
        byte[] key = new byte[16];
        RANDOM.nextBytes(key);
        FolderLink link = new FolderLink(newHandle(), handle, key);
        folderLinks.put(link.handle(), link);
        return link;
    }

    private JsonNode preLogin(JsonNode c) {
        ObjectNode out = JSON.createObjectNode().put("v", account.version);
        if (account.version == 2) {
            out.put("s", account.salt());
        }
        return out;
    }

    /** §2.2-2.4, §2.6. */
    private JsonNode login(JsonNode c) {
        if (!account.email.equals(c.path("user").asText()) || !account.accepts(c.path("uh").asText())) {
            return number(-9);
        }
        if (account.twoFactorCode != null && !account.twoFactorCode.equals(c.path("mfa").asText(null))) {
            return number(-26);
        }
        byte[] sid = account.newSid();
        sessions.put(FakeMegaAccount.b64(sid), true);
        ObjectNode out = JSON.createObjectNode().put("k", account.wrappedMasterKey()).put("u", account.userHandle);
        if (account.style == FakeMegaAccount.SessionStyle.TSID) {
            out.put("tsid", FakeMegaAccount.b64(sid));
        } else {
            out.put("privk", account.privk()).put("csid", account.csid(sid));
        }
        return out;
    }

    private JsonNode tree() {
        ArrayNode f = JSON.createArrayNode();
        for (ObjectNode node : nodes.values()) {
            f.add(clientView(node));
        }
        ObjectNode out = JSON.createObjectNode();
        out.set("f", f);
        out.putArray("ok");
        out.putArray("s");
        out.putArray("u").addObject().put("u", account.userHandle).put("c", 2).put("m", account.email);
        out.put("sn", sequence(packets.size()));
        return out;
    }

    /** The real service prefixes keys with the id of the key that wraps them (§3.2). */
    private ObjectNode clientView(ObjectNode node) {
        ObjectNode copy = node.deepCopy();
        String k = node.path("k").asText("");
        if (!k.isEmpty() && !k.contains(":")) {
            copy.put("k", account.userHandle + ":" + k);
        }
        return copy;
    }

    private JsonNode putNodes(JsonNode c) {
        String parent = c.path("t").asText();
        if (!nodes.containsKey(parent) || nodes.get(parent).path("t").asInt() == 0) {
            return number(-9);
        }
        ArrayNode created = JSON.createArrayNode();
        for (JsonNode n : c.path("n")) {
            int type = n.path("t").asInt();
            String handle = newHandle();
            ObjectNode node = JSON.createObjectNode().put("h", handle).put("p", parent).put("u", account.userHandle)
                    .put("t", type).put("a", n.path("a").asText()).put("k", n.path("k").asText())
                    .put("ts", System.currentTimeMillis() / 1000);
            if (type == 0) {
                Upload upload = completed.remove(n.path("h").asText());
                if (upload == null) {
                    return number(-9);
                }
                node.put("s", upload.size());
                contents.put(handle, upload.data());
            }
            nodes.put(handle, node);
            created.add(clientView(node));
        }
        ObjectNode packet = JSON.createObjectNode().put("a", "t");
        packet.putObject("t").set("f", created.deepCopy());
        addPacket(packet.put("ou", account.userHandle), c);
        ObjectNode out = JSON.createObjectNode();
        out.set("f", created);
        return out;
    }

    /** Both forms of §6.1: {@code at}, and the legacy {@code attr} (+ {@code key}). */
    private JsonNode setAttributes(JsonNode c) {
        ObjectNode node = nodes.get(c.path("n").asText());
        String attributes = c.hasNonNull("at") ? c.get("at").asText() : c.path("attr").asText(null);
        if (node == null || attributes == null) {
            return number(node == null ? -9 : -2);
        }
        node.put("a", attributes);
        addPacket(JSON.createObjectNode().put("a", "u").put("n", node.get("h").asText()).put("u", account.userHandle)
                .put("at", attributes).put("ts", node.path("ts").asLong()), c);
        return number(0);
    }

    private JsonNode move(JsonNode c) {
        String handle = c.path("n").asText();
        String target = c.path("t").asText();
        ObjectNode node = nodes.get(handle);
        ObjectNode parent = nodes.get(target);
        if (node == null || parent == null || node.path("t").asInt() > 1) {
            return number(-9);
        }
        if (parent.path("t").asInt() == 0) {
            return number(-2);
        }
        for (String h = target; h != null && !h.isEmpty(); h = nodes.containsKey(h) ? nodes.get(h).path("p").asText() : null) {
            if (h.equals(handle)) {
                return number(-10);
            }
        }
        node.put("p", target);
        addPacket(JSON.createObjectNode().put("a", "d").put("n", handle).put("m", 1), c);
        ObjectNode added = JSON.createObjectNode().put("a", "t");
        ArrayNode subtree = added.putObject("t").putArray("f");
        for (String h : subtree(handle)) {
            subtree.add(clientView(nodes.get(h)));
        }
        addPacket(added, c);
        return number(0);
    }

    private JsonNode delete(JsonNode c) {
        String handle = c.path("n").asText();
        ObjectNode node = nodes.get(handle);
        if (node == null || node.path("t").asInt() > 1) {
            return number(-9);
        }
        for (String h : subtree(handle)) {
            nodes.remove(h);
            contents.remove(h);
        }
        addPacket(JSON.createObjectNode().put("a", "d").put("n", handle).put("ou", account.userHandle), c);
        return number(0);
    }

    private List<String> subtree(String handle) {
        List<String> out = new ArrayList<>(List.of(handle));
        for (int i = 0; i < out.size(); i++) {
            for (ObjectNode node : nodes.values()) {
                if (out.get(i).equals(node.path("p").asText())) {
                    out.add(node.get("h").asText());
                }
            }
        }
        return out;
    }

    /** §6.1: {@code l} answers the public handle of a node (a new one the first time), a string. */
    private JsonNode exportLink(JsonNode c) {
        String handle = c.path("n").asText();
        if (!nodes.containsKey(handle)) {
            return number(-9);
        }
        for (Map.Entry<String, String> e : publicHandles.entrySet()) {
            if (e.getValue().equals(handle)) {
                return JSON.getNodeFactory().textNode(e.getKey());
            }
        }
        String ph = newHandle();
        publicHandles.put(ph, handle);
        return JSON.getNodeFactory().textNode(ph);
    }

    /** The public handle of a node, as {@code l} makes it (for tests that build links themselves). */
    synchronized String publish(String handle) {
        return exportLink(JSON.createObjectNode().put("n", handle)).asText();
    }

    private JsonNode downloadUrl(JsonNode c, String host) {
        String handle = c.has("p") ? publicHandles.getOrDefault(c.path("p").asText(), "") : c.path("n").asText();
        ObjectNode node = nodes.get(handle);
        if (node == null || node.path("t").asInt() != 0) {
            return number(-9);
        }
        String token = newHandle() + newHandle();
        downloadTokens.put(token, node.get("h").asText());
        return JSON.createObjectNode().put("s", node.path("s").asLong()).put("at", node.path("a").asText())
                .put("g", host + "dl/" + token);
    }

    private JsonNode uploadUrl(JsonNode c, String host) {
        long size = c.path("s").asLong(-1);
        if (size < 0) {
            return number(-2);
        }
        String token = newHandle() + newHandle();
        uploads.put(token, new Upload(token, size, new byte[(int) size], c.path("v").asInt(0) >= 2, new ArrayList<>()));
        return JSON.createObjectNode().put("p", host + "ul/" + token);
    }

    // ---- transfers (§4.2, §5) ----

    private void upload(HttpExchange exchange, String path, Map<String, String> query, byte[] body) throws IOException {
        String[] parts = path.split("/"); // "", "ul", token, offset
        Upload upload;
        synchronized (this) {
            upload = uploads.get(parts[2]);
        }
        if (upload == null) {
            send(exchange, 200, "-8".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        if (nextFault(f -> f == Fault.UPLOAD_EAGAIN) != null) {
            send(exchange, 200, "-3".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        long offset = Long.parseLong(parts[3]);
        long end = offset + body.length;
        if (!onChunkBoundary(offset) || (end != upload.size() && !onChunkBoundary(end)) || end > upload.size()) {
            send(exchange, 200, "-7".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        if (query.containsKey("c")) {
            byte[] sum = new byte[12];
            for (int i = 0; i < body.length; i++) {
                sum[i % 12] ^= body[i];
            }
            if (!MessageDigest.isEqual(sum, FakeMegaAccount.b64d(query.get("c")))) {
                send(exchange, 200, "-14".getBytes(StandardCharsets.US_ASCII));
                return;
            }
        }
        byte[] answer = new byte[0];
        synchronized (this) {
            System.arraycopy(body, 0, upload.data(), (int) offset, body.length);
            upload.received().removeIf(r -> r[0] == offset); // a resent piece counts once
            upload.received().add(new long[]{offset, end});
            long covered = upload.received().stream().mapToLong(r -> r[1] - r[0]).sum();
            if (covered >= upload.size()) {
                uploads.remove(upload.token());
                byte[] token = new byte[upload.binaryToken() ? 36 : 27];
                RANDOM.nextBytes(token);
                String key;
                if (upload.binaryToken()) {
                    token[35] = 1; // "new style" tokens end in 1
                    answer = token;
                    key = FakeMegaAccount.b64(token);
                } else {
                    key = FakeMegaAccount.b64(token);
                    answer = key.getBytes(StandardCharsets.US_ASCII);
                }
                completed.put(key, upload);
            }
        }
        send(exchange, 200, answer);
    }

    /** §4.4: chunk starts 0, 128 K, 384 K, ... 4608 K, then every MiB; computed here on its own. */
    private static boolean onChunkBoundary(long offset) {
        long start = 0;
        for (int k = 1; start < offset; k++) {
            start += 131072L * Math.min(k, 8);
        }
        return start == offset;
    }

    private void download(HttpExchange exchange, String path) throws IOException {
        String[] parts = path.split("/"); // "", "dl", token, "start-end"
        Fault fault = nextFault(f -> f.name().startsWith("DOWNLOAD_"));
        String handle;
        byte[] content;
        synchronized (this) {
            handle = downloadTokens.get(parts[2]);
            content = handle == null ? null : contents.get(handle);
        }
        if (content == null || fault == Fault.DOWNLOAD_URL_EXPIRED) {
            synchronized (this) {
                downloadTokens.remove(parts[2]);
            }
            send(exchange, 403, new byte[0]);
            return;
        }
        if (fault == Fault.DOWNLOAD_HTTP_500 || fault == Fault.DOWNLOAD_509) {
            send(exchange, fault == Fault.DOWNLOAD_509 ? 509 : 500, new byte[0]);
            return;
        }
        String[] range = parts[3].split("-");
        int start = Integer.parseInt(range[0]);
        int end = Math.min(Integer.parseInt(range[1]), content.length - 1);
        byte[] slice = java.util.Arrays.copyOfRange(content, start, end + 1);
        if (fault == Fault.DOWNLOAD_SHORT_BODY) {
            slice = java.util.Arrays.copyOf(slice, slice.length / 2);
        }
        if (downloadDelayMillis > 0) {
            try {
                Thread.sleep(downloadDelayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        downloadRequests.incrementAndGet();
        bytesServed.addAndGet(slice.length);
        send(exchange, 200, slice);
    }

    // ---- action packets (§6.2) ----

    private void addPacket(ObjectNode packet, JsonNode command) {
        if (command.hasNonNull("i")) {
            // "a" first, then "i" (the SDK relies on that order)
            ObjectNode ordered = JSON.createObjectNode().put("a", packet.get("a").asText()).put("i", command.get("i").asText());
            packet.fields().forEachRemaining(e -> {
                if (!e.getKey().equals("a")) {
                    ordered.set(e.getKey(), e.getValue());
                }
            });
            packet = ordered;
        }
        packets.add(packet);
        notifyAll();
    }

    /** Adds a packet of a type a filesystem ignores (a user-attribute change), as another client would cause. */
    synchronized void addForeignPacket() {
        packets.add(JSON.createObjectNode().put("a", "ua").put("st", "x").put("u", account.userHandle));
        notifyAll();
    }

    private void actionPackets(HttpExchange exchange, Map<String, String> query) throws IOException {
        String sid = query.get("sid");
        FolderLink link;
        synchronized (this) {
            link = sid == null ? folderLinks.get(query.getOrDefault("n", "")) : null;
        }
        if (link == null && (sid == null || !sessions.getOrDefault(sid, false))) {
            send(exchange, 200, "-15".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        ObjectNode out = JSON.createObjectNode();
        synchronized (this) {
            int from = sequenceIndex(query.getOrDefault("sn", ""));
            if (from < 0 || from > packets.size()) {
                send(exchange, 200, "-2".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            if (from == packets.size()) {
                out.put("w", url() + "wait?from=" + from);
            } else {
                ArrayNode a = out.putArray("a");
                for (JsonNode packet : packets.subList(from, packets.size())) {
                    JsonNode shown = link == null ? packet : linkPacket(packet, link);
                    if (shown != null) {
                        a.add(shown);
                    }
                }
            }
            out.put("sn", sequence(packets.size())); // the SDK: sn comes last
        }
        send(exchange, 200, JSON.writeValueAsBytes(out));
    }

    /**
     * A packet as a folder link's channel carries it: new nodes inside the folder with their link keys,
     * updates of nodes inside it, and removals (a removed node can no longer be placed; clients ignore
     * handles they do not know). Null when it concerns nothing inside the folder.
     */
    private JsonNode linkPacket(JsonNode packet, FolderLink link) {
        List<String> inside = subtree(link.folder());
        switch (packet.path("a").asText()) {
            case "t" -> {
                ObjectNode copy = packet.deepCopy();
                ArrayNode f = ((ObjectNode) copy.get("t")).putArray("f");
                for (JsonNode node : packet.path("t").path("f")) {
                    String h = node.path("h").asText();
                    if (inside.contains(h) && !h.equals(link.folder())) {
                        f.add(linkView(nodes.get(h), link));
                    }
                }
                return f.isEmpty() ? null : copy;
            }
            case "u" -> {
                return inside.contains(packet.path("n").asText()) ? packet : null;
            }
            case "d" -> {
                return packet;
            }
            default -> {
                return null;
            }
        }
    }

    private void waitForPackets(Map<String, String> query) {
        int from = Integer.parseInt(query.getOrDefault("from", "0"));
        long deadline = System.currentTimeMillis() + 1000; // a short long-poll keeps the tests quick
        synchronized (this) {
            while (packets.size() <= from && System.currentTimeMillis() < deadline) {
                try {
                    wait(Math.max(1, deadline - System.currentTimeMillis()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Sequence numbers are base64url of 8 bytes (§3.1); here a big-endian packet count. */
    private static String sequence(int index) {
        return FakeMegaAccount.b64(java.nio.ByteBuffer.allocate(8).putLong(index).array());
    }

    private static int sequenceIndex(String sn) {
        byte[] raw = FakeMegaAccount.b64d(sn);
        return raw.length == 8 ? (int) java.nio.ByteBuffer.wrap(raw).getLong() : -1;
    }

    // ---- helpers ----

    private synchronized Fault nextFault(java.util.function.Predicate<Fault> applies) {
        Fault next = faults.peek();
        if (next != null && applies.test(next)) {
            return faults.poll();
        }
        return null;
    }

    private long usedBytes() {
        return contents.values().stream().mapToLong(c -> c.length).sum();
    }

    private static JsonNode number(int value) {
        return JSON.getNodeFactory().numberNode(value);
    }

    private String newHandle() {
        byte[] raw = new byte[6];
        String handle;
        do {
            RANDOM.nextBytes(raw);
            handle = FakeMegaAccount.b64(raw);
        } while (nodes.containsKey(handle));
        return handle;
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new HashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(key, value);
        }
        return out;
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
