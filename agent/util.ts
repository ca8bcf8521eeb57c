/**
 * Small helpers of the pool agent: the error that carries a lease's failure
 * (reason + retryable), abortable sleeps, capped exponential backoff.
 */

/** The longest `reason` the fail call accepts (core/pool-api.ts `failSchema`). */
export const MAX_REASON_LENGTH = 2_000;

/**
 * A failure with a verdict for the platform: `retryable` true sends the job
 * back to the queue (another pool, or this one, may succeed), false fails it
 * for good. Trainers and the chain layer throw it; anything else is retryable.
 */
export class LeaseFailure extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LeaseFailure";
    this.retryable = retryable;
  }
}

/** The reason and verdict to report for any error. */
export function failureOf(error: unknown): { reason: string; retryable: boolean } {
  const retryable =
    typeof error === "object" &&
    error !== null &&
    "retryable" in error &&
    typeof (error as { retryable: unknown }).retryable === "boolean"
      ? (error as { retryable: boolean }).retryable
      : true;
  return { reason: truncateReason(errorMessage(error)), retryable };
}

/** A one-line-ish message for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** A non-empty reason of at most MAX_REASON_LENGTH characters. */
export function truncateReason(reason: string): string {
  const text = reason.trim() || "unknown error";
  return text.length <= MAX_REASON_LENGTH ? text : `${text.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

/** Waits `ms`, or less when `signal` aborts first; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Settles like `promise`, or rejects with the signal's reason as soon as
 * `signal` aborts (the promise keeps running; its result is then ignored).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

export interface BackoffOptions {
  /** First delay (ms). */
  initialMs: number;
  /** Largest delay (ms). */
  maxMs: number;
}

/**
 * Capped exponential backoff with "equal jitter": attempt n (from 1) waits
 * between half and all of min(maxMs, initialMs * 2^(n-1)).
 */
export function backoffDelay(
  attempt: number,
  { initialMs, maxMs }: BackoffOptions,
  random = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
