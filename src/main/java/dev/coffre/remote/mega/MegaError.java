package dev.coffre.remote.mega;

import java.util.HashMap;
import java.util.Map;

/**
 * The MEGA API's error codes (names from the SDK's types.h, meanings from the public clients;
 * mega-protocol.md §1.4). {@link #transientError} marks the ones a retry with backoff can fix.
 */
public enum MegaError {
    EINTERNAL(-1, "internal error", false),
    EARGS(-2, "bad arguments", false),
    EAGAIN(-3, "temporary congestion, nothing was changed", true),
    ERATELIMIT(-4, "too many requests", true),
    EFAILED(-5, "failed permanently", false),
    ETOOMANY(-6, "too many concurrent connections or IP addresses on this resource", false),
    ERANGE(-7, "upload piece out of range or not on a chunk boundary", false),
    EEXPIRED(-8, "transfer URL expired", false),
    ENOENT(-9, "object not found", false),
    ECIRCULAR(-10, "circular linkage (e.g. a folder moved into itself)", false),
    EACCESS(-11, "access denied", false),
    EEXIST(-12, "object already exists", false),
    EINCOMPLETE(-13, "incomplete resource", false),
    EKEY(-14, "cryptographic or checksum error", false),
    ESID(-15, "invalid or expired session", false),
    EBLOCKED(-16, "account blocked", false),
    EOVERQUOTA(-17, "storage or transfer quota exceeded", false),
    ETEMPUNAVAIL(-18, "temporarily unavailable", true),
    ETOOMANYCONNECTIONS(-19, "too many connections", true),
    EWRITE(-20, "write error", false),
    EREAD(-21, "read error", false),
    EAPPKEY(-22, "invalid application key", false),
    ESSL(-23, "SSL verification failed", false),
    EGOINGOVERQUOTA(-24, "not enough quota for this upload", false),
    EROLLEDBACK(-25, "request rolled back", false),
    EMFAREQUIRED(-26, "two-factor authentication code required", false),
    EMASTERONLY(-27, "denied to business sub-users", false),
    EBUSINESSPASTDUE(-28, "business account expired", false),
    EPAYWALL(-29, "over disk quota: account locked until space is freed", false),
    ESUBUSERKEYMISSING(-30, "business sub-user key missing", false),
    ETOOERR(-400, "too many errors", false),
    ESHAREROVERQUOTA(-401, "the sharing user is over quota", false),
    UNKNOWN(0, "unknown error code", false);

    private static final Map<Integer, MegaError> BY_CODE = new HashMap<>();

    static {
        for (MegaError e : values()) {
            if (e != UNKNOWN) {
                BY_CODE.put(e.code, e);
            }
        }
    }

    public final int code;
    public final String description;
    public final boolean transientError;

    MegaError(int code, String description, boolean transientError) {
        this.code = code;
        this.description = description;
        this.transientError = transientError;
    }

    public static MegaError of(int code) {
        return BY_CODE.getOrDefault(code, UNKNOWN);
    }
}
