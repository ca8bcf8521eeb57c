/**
 * A typed client of the pool agents' HTTP API (core/pool-api.ts) over fetch.
 * Request bodies are built with the contract's zod schemas and responses
 * validated with them; every failure is a `PoolApiError` carrying the HTTP
 * status (undefined for network errors and timeouts).
 */
import { z } from "zod";
import {
  artifactResponseSchema,
  type CompleteBody,
  completeResponseSchema,
  completeSchema,
  errorResponseSchema,
  type FailBody,
  failResponseSchema,
  failSchema,
  type HeartbeatBody,
  heartbeatResponseSchema,
  heartbeatSchema,
  type LeaseView,
  leaseRequestSchema,
  leaseResponseSchema,
  POOL_API,
  SHA256_HEADER,
} from "../core/pool-api.js";

export type PoolApiErrorKind = "network" | "http" | "protocol";

export class PoolApiError extends Error {
  /** The HTTP status; undefined for network errors and timeouts. */
  readonly status: number | undefined;
  /** network: no answer; http: a non-2xx answer; protocol: a 2xx answer the contract does not allow. */
  readonly kind: PoolApiErrorKind;
  /** The server's `{error}` text, if any. */
  readonly serverError: string | undefined;
  constructor(
    message: string,
    init: { status?: number; kind: PoolApiErrorKind; serverError?: string; cause?: unknown },
  ) {
    super(message, { cause: init.cause });
    this.name = "PoolApiError";
    this.status = init.status;
    this.kind = init.kind;
    this.serverError = init.serverError;
  }

  /** Whether the same call may succeed later: network errors, timeouts, 5xx, 408, 429. */
  get transient(): boolean {
    return (
      this.kind === "network" ||
      (this.status !== undefined && (this.status >= 500 || this.status === 408 || this.status === 429))
    );
  }
}

/** Whether an error says this lease is gone (another pool's, unknown, or already lost or ended). */
export function isLeaseGone(error: unknown): boolean {
  return (
    error instanceof PoolApiError && (error.status === 403 || error.status === 404 || error.status === 409)
  );
}

export function isUnauthorized(error: unknown): boolean {
  return error instanceof PoolApiError && error.status === 401;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** What the agent needs from the platform; `createPoolClient` implements it over HTTP, tests fake it. */
export interface PoolClient {
  /** GET /api/pool/me: the pool behind the token. */
  me(options?: CallOptions): Promise<unknown>;
  /** Long-polls for the next lease; null when there is nothing to do (204). */
  lease(waitSeconds: number, options?: CallOptions): Promise<LeaseView | null>;
  heartbeat(leaseId: string, body: HeartbeatBody, options?: CallOptions): Promise<{ expiresAt: number }>;
  uploadArtifact(
    leaseId: string,
    bytes: Uint8Array,
    sha256: string,
    options?: CallOptions,
  ): Promise<{ sha256: string; size: number; uri: string }>;
  /** Completes a lease; with `body.next`, also leases the next job: resolves it, or null. */
  complete(leaseId: string, body: CompleteBody, options?: CallOptions): Promise<LeaseView | null>;
  fail(leaseId: string, body: FailBody, options?: CallOptions): Promise<{ retried: boolean }>;
}

export interface PoolClientOptions {
  /** The platform's base URL, e.g. http://127.0.0.1:3000. */
  apiUrl: string;
  /** The pool's API token. */
  token: string;
  /** Timeout of each call except the lease long poll (its wait plus this) and uploads (default 30 s). */
  timeoutMs?: number;
  /** Timeout of an artifact upload (default 10 min). */
  uploadTimeoutMs?: number;
  fetch?: typeof fetch;
}

export function createPoolClient(options: PoolClientOptions): PoolClient {
  const base = options.apiUrl.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 30_000;
  const uploadTimeoutMs = options.uploadTimeoutMs ?? 600_000;
  const doFetch = options.fetch ?? fetch;

  async function call(
    method: "GET" | "POST" | "PUT",
    path: string,
    init: { json?: unknown; bytes?: Uint8Array; headers?: Record<string, string>; timeoutMs: number },
    callOptions: CallOptions | undefined,
  ): Promise<{ status: number; body: unknown }> {
    const what = `${method} ${path}`;
    const signals = [AbortSignal.timeout(init.timeoutMs)];
    if (callOptions?.signal) signals.push(callOptions.signal);
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      accept: "application/json",
      ...init.headers,
    };
    let body: BodyInit | undefined;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    } else if (init.bytes) {
      headers["content-type"] = "application/octet-stream";
      // Never a SharedArrayBuffer view here; the cast only narrows the generic.
      body = init.bytes as Uint8Array<ArrayBuffer>;
    }
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, { method, headers, body, signal: AbortSignal.any(signals) });
    } catch (error) {
      if (callOptions?.signal?.aborted) throw callOptions.signal.reason;
      const timedOut =
        error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      const detail = timedOut ? `no answer within ${init.timeoutMs} ms` : describeNetworkError(error);
      throw new PoolApiError(`${what}: ${detail}`, { kind: "network", cause: error });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (callOptions?.signal?.aborted) throw callOptions.signal.reason;
      throw new PoolApiError(`${what}: the answer was cut off (${describeNetworkError(error)})`, {
        kind: "network",
        status: response.status,
        cause: error,
      });
    }
    let parsed: unknown;
    if (text !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!response.ok) {
      const error = errorResponseSchema.safeParse(parsed);
      const serverError = error.success ? error.data.error : undefined;
      const issues = error.success && error.data.issues?.length ? error.data.issues : undefined;
      const detail = serverError
        ? `${serverError}${issues ? ` (${issues.map((i) => `${i.path}: ${i.message}`).join("; ")})` : ""}`
        : text.slice(0, 200) || response.statusText;
      throw new PoolApiError(`${what}: ${response.status} ${detail}`, {
        kind: "http",
        status: response.status,
        serverError,
      });
    }
    return { status: response.status, body: parsed };
  }

  function expect<T>(schema: z.ZodType<T>, what: string, status: number, body: unknown): T {
    const result = schema.safeParse(body);
    if (!result.success) {
      throw new PoolApiError(`${what}: unexpected ${status} answer: ${z.prettifyError(result.error)}`, {
        kind: "protocol",
        status,
      });
    }
    return result.data;
  }

  return {
    async me(callOptions) {
      const { status, body } = await call("GET", POOL_API.me, { timeoutMs }, callOptions);
      return expect(z.object({ pool: z.unknown() }), `GET ${POOL_API.me}`, status, body).pool;
    },

    async lease(waitSeconds, callOptions) {
      const request = leaseRequestSchema.parse({ waitSeconds });
      const { status, body } = await call(
        "POST",
        POOL_API.lease,
        { json: request, timeoutMs: request.waitSeconds * 1_000 + timeoutMs },
        callOptions,
      );
      if (status === 204) return null;
      return expect(leaseResponseSchema, `POST ${POOL_API.lease}`, status, body).lease;
    },

    async heartbeat(leaseId, heartbeat, callOptions) {
      const path = POOL_API.heartbeat(encodeURIComponent(leaseId));
      const { status, body } = await call(
        "POST",
        path,
        { json: heartbeatSchema.parse(heartbeat), timeoutMs },
        callOptions,
      );
      return expect(heartbeatResponseSchema, `POST ${path}`, status, body);
    },

    async uploadArtifact(leaseId, bytes, sha256, callOptions) {
      const path = POOL_API.artifact(encodeURIComponent(leaseId));
      const { status, body } = await call(
        "PUT",
        path,
        { bytes, headers: { [SHA256_HEADER]: sha256 }, timeoutMs: uploadTimeoutMs },
        callOptions,
      );
      const result = expect(artifactResponseSchema, `PUT ${path}`, status, body);
      if (result.sha256 !== sha256) {
        throw new PoolApiError(`PUT ${path}: the server stored sha256 ${result.sha256}, not ${sha256}`, {
          kind: "protocol",
          status,
        });
      }
      return result;
    },

    async complete(leaseId, complete, callOptions) {
      const path = POOL_API.complete(encodeURIComponent(leaseId));
      const { status, body } = await call(
        "POST",
        path,
        { json: completeSchema.parse(complete), timeoutMs },
        callOptions,
      );
      // 204: the call was abandoned after taking a next job, which the platform has given back.
      if (status === 204) return null;
      return expect(completeResponseSchema, `POST ${path}`, status, body).next ?? null;
    },

    async fail(leaseId, fail, callOptions) {
      const path = POOL_API.fail(encodeURIComponent(leaseId));
      const { status, body } = await call(
        "POST",
        path,
        { json: failSchema.parse(fail), timeoutMs },
        callOptions,
      );
      return expect(failResponseSchema, `POST ${path}`, status, body);
    },
  };
}

/** "fetch failed" says little: name the underlying cause (ECONNREFUSED 127.0.0.1:3000, ...). */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    // An AggregateError (several addresses tried) has an empty message but a code.
    const detail = cause.message || (cause as NodeJS.ErrnoException).code || cause.name;
    return `${error.message}: ${detail}`;
  }
  return error.message;
}
