package dev.coffre.remote.vault;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coffre.remote.MetaOp;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** Plaintext of journal records and snapshots: gzip of {@code {"ops":[...]}} (docs/FORMAT.md). */
final class MetadataCodec {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private record Batch(List<MetaOp> ops) {
    }

    private MetadataCodec() {
    }

    static byte[] encode(List<MetaOp> ops) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gzip = new GZIPOutputStream(bytes)) {
            JSON.writeValue(gzip, Map.of("ops", ops));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    /** Decodes authenticated plaintext; a failure here means a bug or a format from another version. */
    static List<MetaOp> decode(byte[] plaintext) throws IOException {
        try (InputStream gzip = new GZIPInputStream(new ByteArrayInputStream(plaintext))) {
            return JSON.readValue(gzip, new TypeReference<Batch>() { }).ops();
        }
    }
}
