package dev.coffre.remote.mega;

import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * Runs a request to a MEGA transfer server (a download range, an upload piece) until it succeeds, with
 * {@link Backoff} between tries. A try returns its result, or throws {@link Retry} for an answer worth another
 * try (HTTP 5xx, a short body, a transient MEGA error); a transport failure (reset, timeout) counts as one
 * too. {@link Refused} (an answer no retry changes), a {@link MegaException} or an interrupt end it at once.
 */
final class TransferRetries {
    private TransferRetries() {
    }

    @FunctionalInterface
    interface Try<T> {
        T run() throws IOException, Retry;
    }

    /** A transient failure, described for the message if every try fails. */
    static final class Retry extends Exception {
        Retry(String problem) {
            super(problem, null, false, false);
        }
    }

    /** An answer that no retry changes (an HTTP 4xx the protocol does not expect). */
    static class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    /** The try's result; when every try failed, an IOException "{@code failure}: the last problem". */
    static <T> T run(Backoff backoff, String failure, Try<T> attempt) throws IOException {
        for (int failures = 0; ; ) {
            String problem;
            IOException cause = null;
            try {
                return attempt.run();
            } catch (Retry retry) {
                problem = retry.getMessage();
            } catch (Refused | MegaException e) {
                throw e;
            } catch (InterruptedIOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                problem = "timed out";
                cause = e;
            } catch (IOException e) {
                problem = "transport error " + e.getClass().getSimpleName();
                cause = e;
            }
            if (++failures >= backoff.attempts()) {
                throw new IOException(failure + ": " + problem, cause);
            }
            backoff.pause(failures);
        }
    }
}
