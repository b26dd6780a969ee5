package dev.coffre.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;

/**
 * Counts the bytes written through it and shows progress: one updating line on a terminal, else a plain
 * line every 10 %. Failures of the stream below are thrown unchecked, so that a caller can tell a local
 * write failure from a failure of the remote that produces the bytes.
 */
final class TransferProgress extends FilterOutputStream {
    private static final long REDRAW_NANOS = 200_000_000L;

    private final String what;
    private final long total;
    private final PrintStream err;
    private final boolean terminal;
    private long done;
    private long lastDraw;
    private int lastTenth = -1;

    TransferProgress(OutputStream out, String what, long total, PrintStream err, boolean terminal) {
        super(out);
        this.what = what;
        this.total = total;
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        done += len;
        report();
    }

    @Override
    public void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long done() {
        return done;
    }

    private void report() {
        int percent = total <= 0 ? 100 : (int) (done * 100 / total);
        if (terminal) {
            long now = System.nanoTime();
            if (now - lastDraw >= REDRAW_NANOS || done == total) {
                lastDraw = now;
                err.print("\r" + what + ": " + Progress.bytes(done) + " of " + Progress.bytes(total) + " (" + percent + "%)   ");
                err.flush();
            }
        } else if (percent / 10 > lastTenth || (done == total && lastTenth < 10)) {
            lastTenth = percent / 10;
            err.println(what + ": " + percent + "% (" + Progress.bytes(done) + " of " + Progress.bytes(total) + ")");
        }
    }

    /** Ends the progress display (the terminal's line). */
    void end() {
        if (terminal || lastTenth < 10) {
            report(); // the final figure, also for an empty file, where nothing was written
        }
        if (terminal) {
            err.println();
        }
    }
}
