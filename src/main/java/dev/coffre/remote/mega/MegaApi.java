package dev.coffre.remote.mega;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The MEGA API endpoint: JSON command batches POSTed to {@code <base>/cs}, and action-packet polls of
 * {@code <base>/sc} (mega-protocol.md §1). It owns what every request shares:
 * <ul>
 * <li>a request id ({@code id}) from a counter with a random start, kept unchanged when a request is
 * retried so the server can recognise a resend (as the SDK does);</li>
 * <li>the session id ({@code sid}), and renewing it once when the server says it expired (-15);</li>
 * <li>retries with exponential backoff for request-level -3/-4 (nothing was changed), HTTP 5xx and
 * transport failures;</li>
 * <li>proof-of-work challenges (HTTP 402 with {@code X-Hashcash}).</li>
 * </ul>
 * No {@code v} parameter is sent: the legacy protocol, as megajs, megatools and go-mega speak it.
 * Thread-safe. Never logs a URL (it carries the session id) or a body.
 */
public final class MegaApi {
    private static final Logger LOG = Logger.getLogger(MegaApi.class.getName());
    static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final int MAX_PROOFS_OF_WORK = 5;

    /** Logs in again and returns the new session id; called at most once per request. */
    @FunctionalInterface
    public interface SessionRenewer {
        String renew() throws IOException;
    }

    private final OkHttpClient http;
    private final HttpUrl base;
    private final Backoff backoff;
    private final AtomicLong nextId = new AtomicLong(new SecureRandom().nextInt() & 0x7fffffffL);
    private final AtomicLong retries = new AtomicLong();
    private final Object renewLock = new Object();
    private volatile String sid;
    private volatile String folderLink;
    private volatile SessionRenewer renewer;

    public MegaApi(OkHttpClient http, String baseUrl, Backoff backoff) {
        HttpUrl parsed = HttpUrl.parse(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        if (parsed == null) {
            throw new IllegalArgumentException("not an http(s) URL: " + baseUrl);
        }
        this.http = http;
        this.base = parsed;
        this.backoff = backoff;
    }

    public static ObjectNode command(String name) {
        return JSON.createObjectNode().put("a", name);
    }

    public void setSession(String sessionId) {
        this.sid = sessionId;
    }

    /**
     * Browses a public folder link instead of an account: every request then carries {@code n=<public
     * handle>} (mega-protocol.md §1.1, §6.1), as the SDK's requests do in a folder link.
     */
    public void setFolderLink(String publicHandle) {
        this.folderLink = publicHandle;
    }

    public boolean hasSession() {
        return sid != null;
    }

    public void setSessionRenewer(SessionRenewer renewer) {
        this.renewer = renewer;
    }

    /** Retries made so far (all causes). */
    public long retries() {
        return retries.get();
    }

    OkHttpClient http() {
        return http;
    }

    Backoff backoff() {
        return backoff;
    }

    /** One command in the session; its error, if any, is thrown as a {@link MegaException}. */
    public JsonNode call(ObjectNode command) throws IOException {
        return requireOk(batch(List.of(command)).get(0), command.path("a").asText());
    }

    /** One command sent without a session id (pre-login, login). */
    public JsonNode callWithoutSession(ObjectNode command) throws IOException {
        String name = command.path("a").asText();
        JsonNode results = send("cs", Map.of(), body(List.of(command)), name, true, false);
        return requireOk(checkCount(results, 1, name).get(0), name);
    }

    /**
     * Several commands in one request, executed by the server in order. Returns one raw result per
     * command: a per-command error is a negative number there (see {@link #requireOk}); request-level
     * errors are thrown.
     */
    public List<JsonNode> batch(List<ObjectNode> commands) throws IOException {
        StringBuilder names = new StringBuilder();
        for (ObjectNode c : commands) {
            names.append(names.length() == 0 ? "" : ",").append(c.path("a").asText());
        }
        JsonNode results = send("cs", Map.of(), body(commands), names.toString(), commands.size() == 1, true);
        return checkCount(results, commands.size(), names.toString());
    }

    /** One action-packet poll of {@code sc} from sequence number {@code sn}; returns the raw answer object. */
    public JsonNode pollActionPackets(String sn) throws IOException {
        return send("sc", Map.of("sn", sn), new byte[0], "sc", false, true);
    }

    /** Throws the error a per-command result carries (a negative number, or an {@code {"err":N}} object). */
    public static JsonNode requireOk(JsonNode result, String command) throws MegaException {
        int code = errorCode(result);
        if (code < 0) {
            throw new MegaException(code, command);
        }
        return result;
    }

    static int errorCode(JsonNode result) {
        if (result != null && result.isIntegralNumber() && result.asLong() < 0) {
            return result.asInt();
        }
        if (result != null && result.isObject() && result.size() <= 3 && result.path("err").isIntegralNumber()) {
            return result.get("err").asInt();
        }
        return 0;
    }

    private static byte[] body(List<ObjectNode> commands) throws IOException {
        ArrayNode array = JSON.createArrayNode();
        array.addAll(commands);
        return JSON.writeValueAsBytes(array);
    }

    private static List<JsonNode> checkCount(JsonNode results, int expected, String what) throws IOException {
        if (!results.isArray() || results.size() != expected) {
            throw new IOException("MEGA API answered " + (results.isArray() ? results.size() + " results" : "a non-array")
                    + " to " + expected + " command(s) '" + what + "'");
        }
        List<JsonNode> out = new ArrayList<>(expected);
        results.forEach(out::add);
        return out;
    }

    /** What one HTTP exchange concluded. */
    private sealed interface Outcome permits Done, Retry, ProofOfWork, SessionExpired {
    }

    private record Done(JsonNode json) implements Outcome {
    }

    private record Retry(String reason, IOException failure) implements Outcome {
    }

    private record ProofOfWork(String challenge) implements Outcome {
    }

    private record SessionExpired(String usedSid) implements Outcome {
    }

    private JsonNode send(String path, Map<String, String> query, byte[] body, String what, boolean single,
                          boolean withSession) throws IOException {
        String id = Long.toString(nextId.getAndIncrement()); // kept for every retry of this request
        String proof = null;
        int failures = 0;
        int proofs = 0;
        boolean renewed = false;
        while (true) {
            String usedSid = withSession ? sid : null;
            Outcome outcome = exchange(path, query, id, usedSid, proof, body, what, single);
            if (outcome instanceof Done done) {
                return done.json();
            }
            if (outcome instanceof ProofOfWork pow) {
                if (++proofs > MAX_PROOFS_OF_WORK) {
                    throw new IOException("MEGA API kept asking for proof of work (HTTP 402) on '" + what + "'");
                }
                LOG.fine(() -> "MEGA '" + what + "': solving a proof-of-work challenge");
                proof = Hashcash.solve(pow.challenge());
                continue;
            }
            if (outcome instanceof SessionExpired expired) {
                SessionRenewer current = renewer;
                if (!withSession || current == null || renewed) {
                    throw new MegaException(MegaError.ESID.code, what, current == null
                            ? "log in again (no credentials kept to do it automatically)" : "still refused after logging in again");
                }
                renewed = true;
                renewSession(expired.usedSid(), current);
                continue;
            }
            Retry retry = (Retry) outcome;
            failures++;
            if (failures >= backoff.attempts()) {
                throw retry.failure();
            }
            retries.incrementAndGet();
            int attempt = failures;
            LOG.fine(() -> "MEGA '" + what + "': " + retry.reason() + "; retry " + attempt);
            backoff.pause(failures);
        }
    }

    private Outcome exchange(String path, Map<String, String> query, String id, String usedSid, String proof,
                             byte[] body, String what, boolean single) throws IOException {
        HttpUrl.Builder url = base.newBuilder().addPathSegment(path).addQueryParameter("id", id);
        query.forEach(url::addQueryParameter);
        String link = folderLink;
        if (link != null) {
            url.addQueryParameter("n", link);
        }
        if (usedSid != null) {
            url.addQueryParameter("sid", usedSid);
        }
        Request.Builder request = new Request.Builder().url(url.build()).post(RequestBody.create(body, JSON_TYPE));
        if (proof != null) {
            request.header("X-Hashcash", proof);
        }
        int status;
        String challenge;
        byte[] bytes;
        try (Response response = http.newCall(request.build()).execute()) {
            status = response.code();
            challenge = response.header("X-Hashcash");
            bytes = response.body() == null ? new byte[0] : response.body().bytes();
        } catch (InterruptedIOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            return new Retry("timed out", new IOException("MEGA API did not answer '" + what + "' in time", e));
        } catch (IOException e) {
            return new Retry("transport error " + e.getClass().getSimpleName(),
                    new IOException("MEGA API unreachable for '" + what + "': " + e.getMessage(), e));
        }
        if (status == 402 && challenge != null) {
            return new ProofOfWork(challenge);
        }
        if (status >= 500) {
            return new Retry("HTTP " + status, new IOException("MEGA API answered HTTP " + status + " to '" + what + "'"));
        }
        if (status != 200) {
            throw new IOException("MEGA API answered HTTP " + status + " to '" + what + "'");
        }
        JsonNode json;
        try {
            json = JSON.readTree(bytes);
        } catch (IOException e) {
            return new Retry("unparseable answer", new IOException("MEGA API answered '" + what + "' with something that is not JSON"));
        }
        if (json == null || json.isMissingNode()) {
            return new Retry("empty answer", new IOException("MEGA API answered '" + what + "' with an empty body"));
        }
        int code = requestLevelError(json, single);
        if (code == 0) {
            return new Done(json);
        }
        if (code == MegaError.ESID.code) {
            return new SessionExpired(usedSid);
        }
        if (MegaError.of(code).transientError) {
            return new Retry("error " + code, new MegaException(code, what, "still failing after " + backoff.attempts() + " attempts"));
        }
        throw new MegaException(code, what);
    }

    /**
     * A bare number (or {@code {"err":N}}) is an error for the whole request. For a single command, a
     * one-element array holding -3, -4 or -15 is the same thing: nothing else was in the request.
     */
    private static int requestLevelError(JsonNode json, boolean single) {
        int code = errorCode(json);
        if (code < 0 && !json.isArray()) {
            return code;
        }
        if (single && json.isArray() && json.size() == 1) {
            int inner = errorCode(json.get(0));
            if (inner == MegaError.EAGAIN.code || inner == MegaError.ERATELIMIT.code || inner == MegaError.ESID.code) {
                return inner;
            }
        }
        return 0;
    }

    private void renewSession(String failedSid, SessionRenewer current) throws IOException {
        synchronized (renewLock) {
            if (!Objects.equals(sid, failedSid)) {
                return; // another request renewed it meanwhile
            }
            LOG.info("MEGA session expired; logging in again");
            sid = current.renew();
        }
    }
}
