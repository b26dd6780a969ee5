package dev.coffre.cli;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.logging.ErrorManager;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * A log file that never grows past a size: when the next line would pass it, FILE becomes FILE.1, FILE.1
 * becomes FILE.2 and so on, and the oldest is dropped. Unlike JUL's FileHandler, the live file keeps its name
 * (status and error messages point at it) and no lock files are left beside it. Files are owner-only.
 *
 * <p>Thread safety: publish, flush and close are synchronized.
 */
final class RotatingLogFile extends Handler {
    private final Path file;
    private final long limitBytes;
    private final int files;

    // Guarded by this.
    private OutputStream out;
    private long size;

    /**
     * @param limitBytes size at which the file is rotated
     * @param files      how many files to keep, the live one included (at least 2)
     */
    RotatingLogFile(Path file, long limitBytes, int files) throws IOException {
        if (files < 2 || limitBytes <= 0) {
            throw new IllegalArgumentException("need at least 2 files of a positive size");
        }
        this.file = file;
        this.limitBytes = limitBytes;
        this.files = files;
        Files.createDirectories(file.toAbsolutePath().getParent());
        open();
    }

    /** FILE.n, the n-th older file. */
    Path rotated(int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    @Override
    public synchronized void publish(LogRecord record) {
        if (out == null || !isLoggable(record)) {
            return;
        }
        byte[] line = getFormatter().format(record).getBytes(StandardCharsets.UTF_8);
        try {
            if (size > 0 && size + line.length > limitBytes) {
                rotate();
            }
            out.write(line);
            out.flush(); // one write per line: a crash loses nothing that was logged
            size += line.length;
        } catch (IOException e) {
            reportError("cannot write to " + file, e, ErrorManager.WRITE_FAILURE);
        }
    }

    private void rotate() throws IOException {
        out.close();
        Files.deleteIfExists(rotated(files - 1));
        for (int n = files - 2; n >= 1; n--) {
            if (Files.exists(rotated(n))) {
                Files.move(rotated(n), rotated(n + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
        open();
    }

    private void open() throws IOException {
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            // The mount's parent process may have made it first (for the child's stderr), with the umask's mode.
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        out = new FileOutputStream(file.toFile(), true);
        size = Files.size(file);
    }

    @Override
    public synchronized void flush() {
        try {
            if (out != null) {
                out.flush();
            }
        } catch (IOException e) {
            reportError("cannot flush " + file, e, ErrorManager.FLUSH_FAILURE);
        }
    }

    @Override
    public synchronized void close() {
        try {
            if (out != null) {
                out.close();
            }
        } catch (IOException e) {
            reportError("cannot close " + file, e, ErrorManager.CLOSE_FAILURE);
        } finally {
            out = null;
        }
    }
}
