package dev.coffre.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One line per event: time, level, message. Messages never carry passwords or keys.
 *
 * <p>Levels: INFO by default (one line per notable event: mount, unmount, failures); {@code -v} adds coffre's
 * FINE lines (retries, remote operations), {@code -vv} all of coffre's tracing. Other libraries stay at INFO
 * whatever the verbosity: their debug output can carry request headers, and so credentials.
 *
 * <p>A background mount logs to a file rotated at {@link #ROTATE_BYTES}, keeping {@link #KEEP_FILES} files. Its
 * stderr also goes to that file, as opened when the process started: after a rotation, what the JVM or libfuse
 * print themselves (rare: crashes, mount errors at start) lands in FILE.1.
 */
final class LogSetup {
    static final long ROTATE_BYTES = 10L << 20;
    static final int KEEP_FILES = 3;

    /** Held so the levels set on them are not lost when JUL drops unreferenced loggers. */
    private static final Logger CAFFEINE = Logger.getLogger("com.github.benmanes.caffeine");
    private static final Logger COFFRE = Logger.getLogger("dev.coffre");

    private static volatile int verbosity;

    private LogSetup() {
    }

    /** 0 (default), 1 ({@code -v}) or 2 and more ({@code -vv}). */
    static void verbosity(int level) {
        verbosity = Math.max(0, level);
    }

    /** The flags that give another coffre process this verbosity. */
    static List<String> flags() {
        return verbosity == 0 ? List.of() : List.of("-" + "v".repeat(verbosity));
    }

    static Level coffreLevel() {
        return switch (Math.min(verbosity, 2)) {
            case 0 -> Level.INFO;
            case 1 -> Level.FINE;
            default -> Level.ALL;
        };
    }

    /** Logs to {@code logFile} (rotated), or to stderr when it is null. */
    static void configure(Path logFile) throws IOException {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
            handler.close();
        }
        Handler handler = logFile == null ? new ConsoleHandler() : new RotatingLogFile(logFile, ROTATE_BYTES, KEEP_FILES);
        handler.setFormatter(new OneLine());
        handler.setLevel(Level.ALL); // the loggers' levels decide
        root.addHandler(handler);
        root.setLevel(Level.INFO);
        COFFRE.setLevel(coffreLevel());
        // Caffeine logs every failed load; coffre reports those failures itself, once.
        CAFFEINE.setLevel(Level.SEVERE);
    }

    static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord record) {
            StringBuilder line = new StringBuilder()
                    .append(Instant.ofEpochMilli(record.getMillis())).append(' ')
                    .append(record.getLevel().getName()).append(' ')
                    .append(formatMessage(record));
            if (record.getThrown() != null) {
                line.append(": ").append(record.getThrown());
                for (StackTraceElement element : record.getThrown().getStackTrace()) {
                    line.append("\n    at ").append(element);
                }
            }
            return line.append('\n').toString();
        }
    }
}
