package dev.coffre.cli;

import dev.coffre.fuse.FuseObserver;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The Prometheus endpoint of a mount ({@code --metrics HOST:PORT}, path {@code /metrics}). FUSE operations are
 * measured as they happen ({@link FuseObserver}); everything else is read from the mount's {@link MountState}, once
 * per scrape, so that metrics and {@code coffre status} always agree. Prometheus types stay in this class.
 */
final class MountMetrics implements FuseObserver, AutoCloseable {
    /** FUSE calls take microseconds (cached) to seconds (a fetch over a slow network). */
    private static final double[] LATENCY_BUCKETS = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
            0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Histogram durations;
    private final Counter errors;
    private final Counter readBytes;
    private final Counter writtenBytes;
    /** Data points per operation name, so the FUSE threads skip the library's label lookup. */
    private final Map<String, DistributionDataPoint> durationByOperation = new ConcurrentHashMap<>();
    private final Map<String, CounterDataPoint> errorsByOperation = new ConcurrentHashMap<>();
    private final MetricsAddress address;
    private HTTPServer server;
    private volatile Supplier<MountState> state;

    private MountMetrics(MetricsAddress address) {
        this.address = address;
        durations = Histogram.builder().name("coffre_fuse_operation_duration_seconds")
                .help("FUSE operations served, by operation, and how long they took")
                .labelNames("operation").classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars()
                .register(registry);
        errors = Counter.builder().name("coffre_fuse_operation_errors_total")
                .help("FUSE operations that returned an error (ENOENT of a lookup included), by operation")
                .labelNames("operation").withoutExemplars().register(registry);
        readBytes = Counter.builder().name("coffre_read_bytes_total")
                .help("Bytes read by programs through the mount").withoutExemplars().register(registry);
        writtenBytes = Counter.builder().name("coffre_written_bytes_total")
                .help("Bytes written by programs through the mount").withoutExemplars().register(registry);
        registry.register((MultiCollector) this::collectState);
    }

    /**
     * Binds the endpoint now, before the drive is mounted, so that a taken port fails the mount with a clear
     * message rather than leaving a mount without its metrics.
     */
    static MountMetrics start(MetricsAddress address) throws CliException {
        MountMetrics metrics = new MountMetrics(address);
        try {
            metrics.server = HTTPServer.builder().inetAddress(InetAddress.getByName(address.host()))
                    .port(address.port()).registry(metrics.registry).buildAndStart();
        } catch (IOException | RuntimeException e) {
            throw new CliException(ExitCodes.MOUNT_FAILED, "cannot serve metrics on " + address.text() + ": " + e);
        }
        return metrics;
    }

    /** Where the mount's state comes from once it is mounted; until then only FUSE operations are served. */
    void follow(Supplier<MountState> source) {
        this.state = source;
    }

    String url() {
        return address.url();
    }

    @Override
    public void completed(String operation, long nanos, int result) {
        durationByOperation.computeIfAbsent(operation, durations::labelValues).observe(nanos / 1e9);
        if (result < 0) {
            errorsByOperation.computeIfAbsent(operation, errors::labelValues).inc();
        } else if (result > 0 && operation.equals("read")) {
            readBytes.inc(result);
        } else if (result > 0 && operation.equals("write")) {
            writtenBytes.inc(result);
        }
    }

    /** A figure of the mount's state, exposed as a counter (it only grows) or a gauge. */
    private record StateMetric(String name, String help, boolean counter, ToDoubleFunction<MountState> value) {
    }

    private static StateMetric counter(String name, String help, ToDoubleFunction<MountState> value) {
        return new StateMetric(name, help, true, value); // the exposition adds _total
    }

    private static StateMetric gauge(String name, String help, ToDoubleFunction<MountState> value) {
        return new StateMetric(name, help, false, value);
    }

    private static final List<StateMetric> STATE_METRICS = List.of(
            counter("coffre_remote_fetched_bytes", "Bytes of file content fetched from the remote (encrypted)",
                    MountState::fetchedBytes),
            counter("coffre_remote_fetch_requests", "Ranged reads of file content sent to the remote",
                    MountState::fetchRequests),
            counter("coffre_remote_uploaded_bytes", "Bytes of file content uploaded to the remote",
                    MountState::uploadedBytes),
            counter("coffre_remote_uploaded_blocks", "Content blocks uploaded to the remote", MountState::uploadedBlocks),
            counter("coffre_remote_commits", "Journal records this mount committed to the remote", MountState::commits),
            counter("coffre_remote_retries", "Remote calls retried after a transient failure", MountState::retries),
            counter("coffre_upload_failed_attempts", "Upload batches that failed (and stay queued for another try)",
                    MountState::failedAttempts),
            counter("coffre_integrity_failures", "Reads refused because data failed authentication",
                    MountState::integrityFailures),
            counter("coffre_remote_changes_applied", "Journal records of other clients applied to this mount",
                    MountState::remoteChangesApplied),
            counter("coffre_cache_requests", "Segment lookups in the memory cache", MountState::segmentRequests),
            counter("coffre_cache_hits", "Segment lookups served from the memory cache",
                    s -> s.segmentRequests() - s.segmentMisses()),
            counter("coffre_cache_misses", "Segment lookups that had to load (disk cache or remote)",
                    MountState::segmentMisses),
            counter("coffre_cache_evictions", "Segments evicted from the memory cache to stay within its size",
                    MountState::segmentEvictions),
            counter("coffre_disk_cache_hits", "Segments read from the disk cache instead of the remote",
                    MountState::diskCacheHits),
            gauge("coffre_cache_bytes", "Decrypted data in memory (cached, read ahead, being read)",
                    MountState::cacheBytes),
            gauge("coffre_cache_limit_bytes", "Memory cache size (--cache-size)", MountState::cacheLimitBytes),
            gauge("coffre_disk_cache_bytes", "Disk cache in use", MountState::diskCacheBytes),
            gauge("coffre_upload_queue_changes", "Changes waiting to be committed to the remote",
                    MountState::queuedChanges),
            gauge("coffre_upload_queue_files", "Files with content waiting to be uploaded", MountState::queuedFiles),
            gauge("coffre_upload_queue_bytes", "Bytes of content waiting to be uploaded", MountState::queuedBytes),
            gauge("coffre_staging_bytes", "Local disk used by data not uploaded yet", MountState::stagingBytes),
            gauge("coffre_upload_failing", "1 while uploads fail, else 0", s -> s.uploadFailure() == null ? 0 : 1),
            gauge("coffre_safe_to_unmount", "1 when nothing is waiting to be uploaded, else 0",
                    s -> s.safeToUnmount() ? 1 : 0),
            gauge("coffre_uptime_seconds", "Seconds since the drive was mounted", MountState::uptimeSeconds));

    /** Every figure of one state, built once per scrape, so that the figures of a scrape agree with each other. */
    private MetricSnapshots collectState() {
        Supplier<MountState> source = state;
        MetricSnapshots.Builder all = MetricSnapshots.builder();
        if (source == null) {
            return all.build();
        }
        MountState now = source.get();
        for (StateMetric metric : STATE_METRICS) {
            double value = metric.value().applyAsDouble(now);
            all.metricSnapshot(metric.counter()
                    ? CounterSnapshot.builder().name(metric.name()).help(metric.help())
                            .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build()).build()
                    : GaugeSnapshot.builder().name(metric.name()).help(metric.help())
                            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).build()).build());
        }
        return all.build();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
