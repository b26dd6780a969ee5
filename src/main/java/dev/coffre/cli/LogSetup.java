package dev.coffre.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One line per event: time, level, message. Messages never carry passwords or keys. */
final class LogSetup {
    /** Held so the level set on it is not lost when JUL drops unreferenced loggers. */
    private static final Logger CAFFEINE = Logger.getLogger("com.github.benmanes.caffeine");

    private LogSetup() {
    }

    static void configure(Path logFile) throws IOException {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        Handler handler;
        if (logFile == null) {
            handler = new ConsoleHandler();
        } else {
            Files.createDirectories(logFile.getParent());
            if (!Files.exists(logFile)) {
                Files.createFile(logFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            handler = new FileHandler(logFile.toString(), true);
        }
        handler.setFormatter(new OneLine());
        handler.setLevel(Level.INFO);
        root.addHandler(handler);
        root.setLevel(Level.INFO);
        // Caffeine logs every failed load; coffre reports those failures itself, once.
        CAFFEINE.setLevel(Level.SEVERE);
    }

    private static final class OneLine extends Formatter {
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
