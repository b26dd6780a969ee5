package dev.coffre.io;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.function.Predicate;

/** Names for conflict copies: "report (conflict 2026-11-27 130512).txt", unique in their directory. Pure. */
final class ConflictNames {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HHmmss");

    private ConflictNames() {
    }

    static String next(String name, Predicate<String> taken) {
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        String extension = dot > 0 ? name.substring(dot) : "";
        String stamp = " (conflict " + LocalDateTime.now().format(WHEN);
        for (int n = 1; ; n++) {
            String suffix = stamp + (n == 1 ? "" : " " + n) + ")" + extension;
            String candidate = fit(base, suffix);
            if (!taken.test(candidate)) {
                return candidate;
            }
        }
    }

    /** Shortens the base so that the name stays within 255 bytes. */
    private static String fit(String base, String suffix) {
        String candidate = base + suffix;
        while (candidate.getBytes(StandardCharsets.UTF_8).length > 255 && !base.isEmpty()) {
            base = base.substring(0, base.length() - 1);
            candidate = base + suffix;
        }
        return candidate;
    }
}
