package dev.coffre.store;

import io.minio.GetPresignedObjectUrlArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.Xml;
import io.minio.credentials.AwsConfigProvider;
import io.minio.credentials.AwsEnvironmentProvider;
import io.minio.credentials.ChainedProvider;
import io.minio.credentials.Provider;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import io.minio.http.Method;
import io.minio.messages.ErrorResponse;
import io.minio.messages.Item;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Objects in any S3-compatible service (AWS S3, MinIO, Ceph, S3Proxy), through MinIO's Java SDK (signing,
 * path or virtual-host style, regions) on OkHttp (pooling, timeouts); content moves through the JDK's own HTTP
 * client ({@link #put}, {@link #fetchOnce}). Create-if-absent is a PUT with
 * {@code If-None-Match: *}. Plain writes (content blocks, the bulk of the bytes) go as a PUT of the body to a URL
 * the SDK presigns: the signature then covers no payload hash, so neither side hashes megabytes per request
 * twice over (the SDK computes SHA-256 and MD5 of every streamed upload, and the server checks them), which on
 * a loopback or LAN link costs more CPU than the transfer. Integrity of content does not rest on that hash:
 * every block is authenticated by its AEAD tag when read. Reads are GETs of presigned URLs kept per object
 * ({@link PresignedGets}): signing once per object, not once per ranged read; they go through the JDK's HTTP
 * client, which costs less CPU per byte than OkHttp (see {@link #fetchOnce}). Reads and lists are retried on
 * transient failures (5xx, SlowDown, resets, timeouts); writes are retried by the write-back. Access and
 * configuration errors are {@link PermanentStoreException}s with a message that says what to fix.
 */
public final class S3ObjectStore implements ObjectStore {
    /** Where a vault lives in S3 and how to reach it. Never holds a secret. */
    public record Location(String endpoint, String region, String bucket, String prefix, Addressing addressing) {
        public Location(String endpoint, String region, String bucket, String prefix) {
            this(endpoint, region, bucket, prefix, Addressing.AUTO);
        }

        public String describe() {
            return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
        }
    }

    /** How the bucket is named in requests: in the path, in the host name, or as the SDK sees fit for the endpoint. */
    public enum Addressing { AUTO, PATH, VIRTUAL_HOST }

    private static final long PART_SIZE = 64L << 20;
    private static final int CONNECT_TIMEOUT_MILLIS = 15_000;
    private static final int READ_TIMEOUT_MILLIS = 60_000;
    /** Idle connections kept per server, by each HTTP client: more than reads and uploads in flight at once. */
    private static final int KEPT_CONNECTIONS = 16;

    /** Lifetime of a presigned PUT URL: it is used at once, so short. */
    private static final int PRESIGNED_SECONDS = 15 * 60;

    /** Lifetime of a presigned GET URL, reused for every read of its object for half of it. */
    private static final Duration PRESIGNED_GET_LIFETIME = Duration.ofHours(1);

    private final Location location;
    private final MinioClient client;
    private final PresignedGets presignedGets;
    private final RetryingCall retry = new RetryingCall();

    private S3ObjectStore(Location location, MinioClient client) {
        this.location = location;
        this.client = client;
        this.presignedGets = new PresignedGets(client, location.bucket(), PRESIGNED_GET_LIFETIME);
    }

    /**
     * Connects with credentials from the environment ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY},
     * {@code AWS_SESSION_TOKEN}) or the shared credentials file ({@code ~/.aws/credentials}, {@code AWS_PROFILE}).
     * Plain http is refused except to a loopback address: keys and data would cross the network unprotected.
     */
    public static S3ObjectStore connect(Location location) throws IOException {
        return connect(location, new ChainedProvider(new AwsEnvironmentProvider(), new AwsConfigProvider(null, null)));
    }

    static S3ObjectStore connect(Location location, Provider credentials) throws IOException {
        HttpUrl url = HttpUrl.parse(location.endpoint());
        if (url == null) {
            throw new PermanentStoreException("invalid S3 endpoint " + location.endpoint(), null);
        }
        if (!url.isHttps() && !InetAddress.getByName(url.host()).isLoopbackAddress()) {
            throw new PermanentStoreException("refusing plain http to " + url.host()
                    + ": use https (plain http is allowed only to a loopback address)", null);
        }
        if (System.getProperty("http.maxConnections") == null) {
            // The JDK's client (reads) keeps 5 idle connections per server by default: fewer than reads in flight.
            System.setProperty("http.maxConnections", Integer.toString(KEPT_CONNECTIONS));
        }
        OkHttpClient http = new OkHttpClient.Builder()
                .connectTimeout(Duration.ofMillis(CONNECT_TIMEOUT_MILLIS))
                .readTimeout(Duration.ofMillis(READ_TIMEOUT_MILLIS))
                .writeTimeout(Duration.ofSeconds(60))
                .connectionPool(new ConnectionPool(KEPT_CONNECTIONS, 5, TimeUnit.MINUTES))
                .retryOnConnectionFailure(true)
                .build();
        MinioClient client = MinioClient.builder()
                .endpoint(url)
                .region(location.region())
                .credentialsProvider(credentials)
                .httpClient(http)
                .build();
        switch (location.addressing()) {
            case PATH -> client.disableVirtualStyleEndpoint();
            case VIRTUAL_HOST -> client.enableVirtualStyleEndpoint();
            case AUTO -> { } // virtual-host style for AWS, path style elsewhere
        }
        return new S3ObjectStore(location, client);
    }

    public Location location() {
        return location;
    }

    @Override
    public byte[] get(String key) throws IOException {
        return retry.run(key, () -> fetch(name(key), null, (status, body) -> body.readAllBytes()));
    }

    /** Reads the body straight into {@code into}: no array of its own for each response. */
    @Override
    public int getRangeInto(String key, long offset, int length, byte[] into) throws IOException {
        if (length == 0) {
            return 0;
        }
        String range = "bytes=" + offset + "-" + (offset + length - 1);
        return retry.run(key, () -> {
            try {
                return fetch(name(key), range, (status, body) -> {
                    if (status == 200) { // a server that ignores Range sends the whole object
                        try {
                            body.skipNBytes(offset);
                        } catch (EOFException e) {
                            return 0; // the object ends before offset
                        }
                    }
                    return body.readNBytes(into, 0, length);
                });
            } catch (ErrorResponseException e) {
                if ("InvalidRange".equals(e.errorResponse().code()) || e.response().code() == 416) {
                    return 0; // Past the end: a short answer, as for a local file.
                }
                throw e;
            }
        });
    }

    /** Reads a successful response's body (status 2xx); the body is closed after. */
    @FunctionalInterface
    private interface BodyReader<T> {
        T read(int status, InputStream body) throws IOException;
    }

    /**
     * A GET of the object's presigned URL ({@code range} null for all of it). A URL the server refuses (403) is
     * signed anew once: temporary credentials can expire before the URLs made with them.
     */
    private <T> T fetch(String objectName, String range, BodyReader<T> reader) throws Exception {
        try {
            return fetchOnce(presignedGets.url(objectName), range, reader);
        } catch (ErrorResponseException e) {
            if (e.response().code() != 403) {
                throw e;
            }
            presignedGets.forget(objectName);
            return fetchOnce(presignedGets.url(objectName), range, reader);
        }
    }

    /**
     * One GET, through the JDK's HTTP client rather than OkHttp: these carry nearly all the bytes read, and OkHttp
     * reads a body 8 KiB at a time, arming its timeout watchdog for every read, where the JDK's reads the socket
     * straight into the caller's array, with the socket's own timeout (measured on 256 MiB read as 4 MiB ranges
     * from S3Proxy: 0.30 s of CPU against 0.18). Both keep connections alive; the JDK's are pooled per JVM
     * ({@link #KEPT_CONNECTIONS}). The URL, a bearer token for its object, appears in no message of ours.
     */
    private <T> T fetchOnce(HttpUrl url, String range, BodyReader<T> reader) throws Exception {
        java.net.HttpURLConnection connection = open(url);
        if (range != null) {
            connection.setRequestProperty("Range", range);
        }
        int status = statusOf(connection, url);
        try (InputStream body = new WholeBody(connection.getInputStream(), connection.getContentLengthLong())) {
            return reader.read(status, body);
        }
    }

    private static java.net.HttpURLConnection open(HttpUrl url) throws IOException {
        java.net.HttpURLConnection connection = (java.net.HttpURLConnection) url.url().openConnection();
        connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
        connection.setReadTimeout(READ_TIMEOUT_MILLIS);
        return connection;
    }

    /** The status of a successful answer (2xx); an error answer is thrown as {@link #errorOf} makes it. */
    private static int statusOf(java.net.HttpURLConnection connection, HttpUrl url) throws Exception {
        int status = connection.getResponseCode();
        if (status >= 200 && status < 300) {
            return status;
        }
        String body;
        try (InputStream error = connection.getErrorStream()) {
            body = error == null ? "" : new String(error.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Response response = new Response.Builder().request(new Request.Builder().url(url).build())
                .protocol(okhttp3.Protocol.HTTP_1_1).code(status)
                .message(String.valueOf(connection.getResponseMessage())).build();
        throw errorOf(response, body);
    }

    /**
     * A body that fails if the connection ends before its Content-Length: the JDK's client then just reports the
     * end of the stream, and a range cut short by the network would pass for a short object (OkHttp throws, and
     * so does this: the read is retried).
     */
    private static final class WholeBody extends java.io.FilterInputStream {
        private final long expected;
        private long received;

        WholeBody(InputStream body, long expected) {
            super(body);
            this.expected = expected;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count(b < 0 ? -1 : 1);
            return b;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            return count(super.read(into, offset, length));
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            received += skipped;
            return skipped;
        }

        private int count(int n) throws IOException {
            if (n < 0 && expected >= 0 && received < expected) {
                throw new EOFException("the connection ended after " + received + " of " + expected + " bytes");
            }
            received += Math.max(n, 0);
            return n;
        }
    }

    /**
     * A PUT of the body to a presigned URL, through the JDK's HTTP client like the reads: it hands the whole array
     * to the socket in one write, where OkHttp sent the body 8 KiB at a time (the upload threads' CPU per 256 MiB
     * fell from 0.33-0.39 s to 0.23-0.28 s, measured against S3Proxy). The body is sent before the answer comes,
     * so nothing reads {@code data} once this returns.
     */
    @Override
    public void put(String key, byte[] data, int length) throws IOException {
        call(key, () -> {
            HttpUrl url = HttpUrl.get(client.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                    .method(Method.PUT).bucket(location.bucket()).object(name(key)).expiry(PRESIGNED_SECONDS).build()));
            java.net.HttpURLConnection connection = open(url);
            connection.setRequestMethod("PUT");
            connection.setDoOutput(true);
            connection.setFixedLengthStreamingMode(length);
            connection.setRequestProperty("Content-Type", "application/octet-stream"); // else a form's type
            try (java.io.OutputStream body = connection.getOutputStream()) {
                body.write(data, 0, length);
            }
            statusOf(connection, url);
            try (InputStream answer = connection.getInputStream()) {
                answer.transferTo(java.io.OutputStream.nullOutputStream()); // read to its end: the connection is kept
            }
            return null;
        });
    }

    /** The SDK's exception for an S3 error answer, so that {@link #translate} reads it like the SDK's own. */
    private static Exception errorOf(Response response, String body) {
        ErrorResponse error;
        try {
            error = body.isBlank() ? null : Xml.unmarshal(ErrorResponse.class, body);
        } catch (io.minio.errors.XmlParserException e) {
            error = null;
        }
        if (error == null || error.code() == null) { // a proxy's or load balancer's page, not S3's XML
            error = new ErrorResponse("HTTP" + response.code(), response.message(), null, null, null, null, null);
        }
        return new ErrorResponseException(error, response, null);
    }

    @Override
    public boolean putIfAbsent(String key, byte[] data) throws IOException {
        try {
            call(key, () -> client.putObject(PutObjectArgs.builder().bucket(location.bucket()).object(name(key))
                    .headers(Map.of("If-None-Match", "*"))
                    .stream(new ByteArrayInputStream(data), data.length, PART_SIZE).build()));
            return true;
        } catch (PreconditionFailed e) {
            return false;
        }
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        return retry.run(prefix, () -> {
            List<String> keys = new ArrayList<>();
            String base = location.prefix().isEmpty() ? "" : location.prefix() + "/";
            for (Result<Item> result : client.listObjects(ListObjectsArgs.builder().bucket(location.bucket())
                    .prefix(base + prefix).recursive(true).build())) {
                Item item = result.get();
                if (!item.isDir() && !item.objectName().endsWith("/")) { // folder markers are not objects
                    keys.add(item.objectName().substring(base.length()));
                }
            }
            return keys;
        });
    }

    @Override
    public void delete(String key) throws IOException {
        call(key, () -> {
            client.removeObject(RemoveObjectArgs.builder().bucket(location.bucket()).object(name(key)).build());
            return null;
        });
    }

    @Override
    public SpaceInfo space() {
        return new SpaceInfo(1L << 50, 1L << 50); // S3 reports no capacity: say 1 PiB, free.
    }

    @Override
    public String describe() {
        return location.describe();
    }

    private String name(String key) {
        return location.prefix().isEmpty() ? key : location.prefix() + "/" + key;
    }

    // ---- errors ----

    @FunctionalInterface
    private interface S3Call<T> {
        T call() throws Exception;
    }

    /** A create-if-absent that found the object: not an error for callers. */
    private static final class PreconditionFailed extends IOException {
        PreconditionFailed() {
            super("object exists");
        }
    }

    private <T> T call(String key, S3Call<T> call) throws IOException {
        try {
            return call.call();
        } catch (Exception e) {
            throw translate(key, e);
        }
    }

    /** Turns SDK exceptions into coffre's: not found, permanent (fix your setup) or transient (retry). */
    private IOException translate(String key, Exception e) {
        if (e instanceof ErrorResponseException error) {
            String code = error.errorResponse().code();
            int status = error.response() == null ? 0 : error.response().code();
            switch (code) {
                case "NoSuchKey":
                    return new ObjectNotFoundException(key);
                case "PreconditionFailed":
                    return new PreconditionFailed();
                case "NoSuchBucket":
                    return new PermanentStoreException("bucket " + location.bucket() + " does not exist at "
                            + location.endpoint(), e);
                case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
                        "InvalidToken", "AccountProblem", "QuotaExceeded", "EntityTooLarge":
                    return new PermanentStoreException(describe() + ": " + code + " (" + error.errorResponse().message()
                            + "); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's permissions", e);
                default:
                    if (status == 404) {
                        return new ObjectNotFoundException(key);
                    }
                    if (status == 412) {
                        return new PreconditionFailed();
                    }
                    return new IOException(describe() + ": " + code + " on " + key + " (HTTP " + status + ")", e);
            }
        }
        if (e instanceof IOException io) {
            return io;
        }
        if (e instanceof MinioException || e instanceof GeneralSecurityException) {
            return new IOException(describe() + ": " + e.getMessage(), e);
        }
        if (e instanceof IllegalArgumentException) {
            return new PermanentStoreException(describe() + ": " + e.getMessage(), e);
        }
        return new IOException(describe() + ": " + e, e);
    }

    /** Retries of reads: 8 attempts with exponential backoff and jitter, for transient failures only. */
    private final class RetryingCall {
        <T> T run(String key, S3Call<T> call) throws IOException {
            long delay = 200;
            for (int attempt = 1; ; attempt++) {
                try {
                    return S3ObjectStore.this.call(key, call);
                } catch (ObjectNotFoundException | PermanentStoreException e) {
                    throw e;
                } catch (IOException e) {
                    if (attempt >= 8) {
                        throw e;
                    }
                    try {
                        Thread.sleep(delay / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(delay / 2 + 1));
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                    delay = Math.min(10_000, delay * 2);
                }
            }
        }
    }
}
