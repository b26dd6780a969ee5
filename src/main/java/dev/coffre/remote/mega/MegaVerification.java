package dev.coffre.remote.mega;

import java.util.Locale;

/**
 * When a mount checks a MEGA file's content MAC (option {@code --mega-verify}). MEGA authenticates a file by
 * one MAC over all of it (mega-protocol.md §4.5), so a random range cannot be checked until the file has
 * been read through once; after that its chunk MACs are known and every chunk read is checked.
 */
public enum MegaVerification {
    /**
     * Reads fetch only the chunks they need and return them at once, unverified until every chunk of the
     * file has been read (in any order, then the file's MAC is checked); verified from then on.
     */
    CHUNKS,
    /** The first read of a file whose chunk MACs are not known yet downloads and checks the whole file first. */
    FULL;

    /** The option's value: {@code chunks} or {@code full}. */
    public static MegaVerification parse(String value) {
        for (MegaVerification v : values()) {
            if (v.optionValue().equals(value == null ? "" : value.strip().toLowerCase(Locale.ROOT))) {
                return v;
            }
        }
        throw new IllegalArgumentException("--mega-verify takes chunks or full, not " + value);
    }

    public String optionValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
