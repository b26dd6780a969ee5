package dev.coffre.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * The progress display of long commands (unmount, sync, check, a foreground mount draining its uploads), on
 * stderr. On a terminal: one bar redrawn in place with a carriage return, with percentage, rate and ETA. Anywhere
 * else (a pipe, a log file, the journal): a plain line every 2 seconds, because carriage returns make a mess of
 * logs. Nothing is shown until there is work to show. Not thread-safe: one thread drives it.
 */
final class Progress {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final long PLAIN_LINE_NANOS = 2_000_000_000L;
    private static final int MAX_BAR_WIDTH = 24;

    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier nanoClock;
    private final String label;
    private final int columns;

    private long startNanos = -1;
    private long lastShownNanos;
    private boolean shown;
    private int barLength;
    private long done;
    private long total;
    /** The figures last shown, so that the final ones are not shown twice. */
    private long shownDone = -1;
    private long shownTotal = -1;

    Progress(PrintStream out, boolean terminal, LongSupplier nanoClock, String label, int columns) {
        this.out = out;
        this.terminal = terminal;
        this.nanoClock = nanoClock;
        this.label = label;
        this.columns = Math.max(40, columns);
    }

    /** Progress on this process's stderr, drawn as a bar if stderr is a terminal. */
    static Progress onStderr(String label) {
        return new Progress(System.err, stderrIsTerminal(), System::nanoTime, label, terminalColumns());
    }

    /** {@code done} of {@code total} bytes; total may grow (more was queued meanwhile). */
    void update(long done, long total) {
        this.done = done;
        this.total = Math.max(total, done);
        long now = nanoClock.getAsLong();
        if (startNanos < 0) {
            startNanos = now;
        }
        if (this.total == 0) {
            return; // nothing to do: say nothing
        }
        long interval = terminal ? REDRAW_NANOS : PLAIN_LINE_NANOS;
        if (!shown || now - lastShownNanos >= interval) {
            show(now);
        }
    }

    /** A message of its own line (a failure, say), without breaking the bar. */
    void note(String message) {
        if (terminal && shown) {
            out.print("\r" + " ".repeat(barLength) + "\r");
            out.println(message);
            barLength = 0;
            if (total > 0) {
                show(nanoClock.getAsLong());
            }
        } else {
            out.println(message);
        }
        out.flush();
    }

    /** Shows the final figures (if anything was shown) and ends the bar's line. */
    void finish() {
        if (!shown) {
            return;
        }
        if (total > 0 && (done != shownDone || total != shownTotal)) {
            show(nanoClock.getAsLong());
        }
        if (terminal) {
            out.println();
            out.flush();
        }
    }

    private void show(long now) {
        String line = terminal ? barLine(now) : plainLine(now);
        if (terminal) {
            if (line.length() > columns - 1) {
                line = line.substring(0, columns - 1);
            }
            // Pad over what a longer previous line left.
            out.print("\r" + line + " ".repeat(Math.max(0, barLength - line.length())));
            barLength = line.length();
        } else {
            out.println(line);
        }
        out.flush();
        shown = true;
        lastShownNanos = now;
        shownDone = done;
        shownTotal = total;
    }

    /** The bar takes what the figures leave of the terminal's width, between 8 and 24 characters, or none. */
    private String barLine(long now) {
        String figures = percent() + "  " + bytes(done) + " / " + bytes(total) + rateAndEta(now, "  ");
        int width = Math.min(MAX_BAR_WIDTH, columns - 1 - label.length() - figures.length() - 4);
        if (width < 8) {
            return label + " " + figures;
        }
        int filled = (int) (width * done / total);
        return label + " [" + "#".repeat(filled) + "-".repeat(width - filled) + "] " + figures;
    }

    private String plainLine(long now) {
        return label + ": " + percent() + " (" + bytes(done) + " of " + bytes(total) + ")" + rateAndEta(now, ", ");
    }

    private String percent() {
        return String.format("%3d%%", (int) (100 * done / total));
    }

    /** Mean rate since the start: steadier than the last second's, which is all there is at first. */
    private String rateAndEta(long now, String separator) {
        double seconds = (now - startNanos) / 1e9;
        if (seconds < 0.5 || done == 0) {
            return "";
        }
        double rate = done / seconds;
        String text = separator + bytes((long) rate) + "/s";
        if (done < total) {
            text += separator + "ETA " + duration((long) Math.ceil((total - done) / rate));
        }
        return text;
    }

    static String duration(long seconds) {
        if (seconds >= 3600) {
            return String.format("%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
        }
        return String.format("%d:%02d", seconds / 60, seconds % 60);
    }

    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** Java 17 cannot ask isatty(2); the file descriptor's link says what it is (a pipe, a file, a tty). */
    static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static int terminalColumns() {
        try {
            return Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "80"));
        } catch (NumberFormatException e) {
            return 80;
        }
    }
}
