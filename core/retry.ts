/**
 * The one retry helper: p-retry (exponential backoff, optional jitter, abortable) with the platform's
 * rule that only a transient error is retried. Pure, so the server, the agent and the browser share it.
 */
import pRetry from "p-retry";

export interface RetryOptions {
  /** Retries after the first try (so `retries + 1` calls at most). */
  retries: number;
  /** The first delay; each next one doubles, up to `maxDelayMs`. */
  minDelayMs: number;
  maxDelayMs?: number;
  /** Multiply each delay by a random factor in [1, 2), so many clients do not retry in step. */
  jitter?: boolean;
  /** Stops waiting and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Whether this failure may pass if asked again (a network error, a 5xx); anything else is thrown at once. */
  isTransient: (error: Error) => boolean;
  /** Told before each retry (for a log line). */
  onRetry?: (info: { error: Error; attempt: number; retriesLeft: number }) => void;
}

/**
 * Calls `call` until it succeeds, a non-transient error is thrown, or the retries are spent (the last error).
 * An abort ends the wait between tries at once, but never a call in flight: a call that succeeds as the
 * signal aborts is still the answer (the caller passes the signal to the call itself if it should stop it).
 */
export async function withRetries<T>(
  call: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const waiting = new AbortController();
  let inFlight = false;
  const onAbort = () => {
    if (!inFlight) waiting.abort(options.signal?.reason);
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await pRetry(
      async (attempt) => {
        inFlight = true;
        try {
          return await call(attempt);
        } finally {
          inFlight = false;
        }
      },
      {
        retries: options.retries,
        factor: 2,
        minTimeout: options.minDelayMs,
        maxTimeout: options.maxDelayMs ?? Number.POSITIVE_INFINITY,
        randomize: options.jitter ?? false,
        signal: waiting.signal,
        // Deciding here (not in onFailedAttempt) rejects with the error itself: the last one, never a summary.
        shouldRetry: (error) => {
          const retry = error.retriesLeft > 0 && !options.signal?.aborted && options.isTransient(error);
          if (retry)
            options.onRetry?.({ error, attempt: error.attemptNumber, retriesLeft: error.retriesLeft });
          return retry;
        },
      },
    );
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}
