package dev.coffre.fuse;

/**
 * Told by {@link CoffreFs} about every callback it served, for metrics. Called on the FUSE threads after the
 * callback's work is done, so an implementation must be thread-safe and cheap (a few counter updates).
 */
@FunctionalInterface
public interface FuseObserver {
    FuseObserver NONE = (operation, nanos, result) -> { };

    /**
     * @param operation the callback's name ({@code read}, {@code getattr}, ...)
     * @param nanos     how long it took
     * @param result    what the kernel got: a byte count for {@code read} and {@code write}, 0 for success
     *                  elsewhere, a negated errno for a failure
     */
    void completed(String operation, long nanos, int result);
}
