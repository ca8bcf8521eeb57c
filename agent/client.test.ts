/** The HTTP client against a real loopback server that plays the platform. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { blobsClassifierSpec } from "../core/spec.examples.js";
import { createPoolClient, isLeaseGone, isUnauthorized, PoolApiError } from "./client.js";

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

type Handler = (req: Received, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
let received: Received[] = [];

const lease = {
  leaseId: "lease/1",
  jobId: "job-1",
  attempt: 1,
  expiresAt: 1_700_000_000_000,
  heartbeatIntervalMs: 5_000,
  bounty: {
    chainId: 31337,
    bountyId: "3",
    board: `0x${"11".repeat(20)}`,
    token: `0x${"22".repeat(20)}`,
    specHash: `0x${"33".repeat(32)}`,
  },
  spec: blobsClassifierSpec,
};

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      received.push(r);
      handler(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
});

const client = () => createPoolClient({ apiUrl: baseUrl, token: "pool-token-1", timeoutMs: 2_000 });

describe("pool API client", () => {
  it("leases with a bearer token and a JSON body, and parses the lease", async () => {
    handler = (_req, res) => json(res, 200, { lease });
    const got = await client().lease(20);
    expect(got).toEqual(lease);
    const [req] = received;
    expect(req?.method).toBe("POST");
    expect(req?.url).toBe("/api/pool/lease");
    expect(req?.headers.authorization).toBe("Bearer pool-token-1");
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(req?.body.toString() ?? "")).toEqual({ waitSeconds: 20 });
  });

  it("answers null on 204", async () => {
    handler = (_req, res) => {
      res.writeHead(204);
      res.end();
    };
    expect(await client().lease(0)).toBeNull();
  });

  it("throws a PoolApiError with the status and the server's message", async () => {
    handler = (_req, res) => json(res, 401, { error: "unknown or revoked token" });
    const error = await client()
      .lease(1)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoolApiError);
    expect(error).toMatchObject({ status: 401, kind: "http", serverError: "unknown or revoked token" });
    expect(isUnauthorized(error)).toBe(true);
    expect((error as PoolApiError).transient).toBe(false);
    expect((error as Error).message).toBe("POST /api/pool/lease: 401 unknown or revoked token");
  });

  it("names the fields of a 400, and says 409/403/404 mean the lease is gone", async () => {
    handler = (_req, res) =>
      json(res, 400, { error: "invalid body", issues: [{ path: "percent", message: "must be 0-100" }] });
    await expect(client().heartbeat("l1", { percent: 5 })).rejects.toThrow(
      "POST /api/pool/leases/l1/heartbeat: 400 invalid body (percent: must be 0-100)",
    );
    for (const status of [403, 404, 409]) {
      handler = (_req, res) => json(res, status, { error: "lease lost" });
      const error = await client()
        .heartbeat("l1", { percent: 5 })
        .catch((e: unknown) => e);
      expect(isLeaseGone(error)).toBe(true);
    }
    handler = (_req, res) => json(res, 503, { error: "redis down" });
    const unavailable = await client()
      .heartbeat("l1", { percent: 5 })
      .catch((e: unknown) => e);
    expect(isLeaseGone(unavailable)).toBe(false);
    expect((unavailable as PoolApiError).transient).toBe(true);
  });

  it("rejects a 200 answer that breaks the contract", async () => {
    handler = (_req, res) => json(res, 200, { lease: { ...lease, leaseId: 42 } });
    const error = await client()
      .lease(1)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "protocol", status: 200 });
    expect((error as Error).message).toMatch(/leaseId/);
  });

  it("heartbeats, completes and fails on the lease's own paths (id URL-encoded)", async () => {
    handler = (req, res) => {
      if (req.url.endsWith("/heartbeat")) json(res, 200, { expiresAt: 123 });
      else if (req.url.endsWith("/fail")) json(res, 200, { retried: true });
      else json(res, 200, {});
    };
    const c = client();
    expect(await c.heartbeat("lease/1", { percent: 50, step: 10, loss: 0.25 })).toEqual({ expiresAt: 123 });
    const sha = "ab".repeat(32);
    await c.complete("lease/1", {
      checkpointSha256: sha,
      checkpointUri: `http://127.0.0.1/artifacts/${sha}`,
      submissionTx: `0x${"cd".repeat(32)}`,
    });
    expect(await c.fail("lease/1", { reason: "boom", retryable: true })).toEqual({ retried: true });
    expect(received.map((r) => `${r.method} ${r.url}`)).toEqual([
      "POST /api/pool/leases/lease%2F1/heartbeat",
      "POST /api/pool/leases/lease%2F1/complete",
      "POST /api/pool/leases/lease%2F1/fail",
    ]);
    expect(JSON.parse(received[0]?.body.toString() ?? "")).toEqual({ percent: 50, step: 10, loss: 0.25 });
    expect(JSON.parse(received[2]?.body.toString() ?? "")).toEqual({ reason: "boom", retryable: true });
  });

  it("uploads raw bytes with their sha256 header and checks the stored hash", async () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    const sha = "7".repeat(64);
    handler = (req, res) =>
      json(res, 201, { sha256: req.headers["x-content-sha256"], size: req.body.length, uri: "u" });
    expect(await client().uploadArtifact("l1", bytes, sha)).toEqual({ sha256: sha, size: 5, uri: "u" });
    const [req] = received;
    expect(req?.method).toBe("PUT");
    expect(req?.url).toBe("/api/pool/leases/l1/artifact");
    expect(req?.headers["content-type"]).toBe("application/octet-stream");
    expect(req?.headers["x-content-sha256"]).toBe(sha);
    expect([...(req?.body ?? [])]).toEqual([1, 2, 3, 4, 5]);

    handler = (_req, res) => json(res, 201, { sha256: "8".repeat(64), size: 5, uri: "u" });
    await expect(client().uploadArtifact("l1", bytes, sha)).rejects.toThrow(/stored sha256 8{64}, not 7{64}/);
  });

  it("turns a refused connection into a network error that names the cause", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const error = await createPoolClient({ apiUrl: `http://127.0.0.1:${port}`, token: "t" })
      .lease(0)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoolApiError);
    expect(error).toMatchObject({ kind: "network", status: undefined, transient: true });
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it("times out a call that gets no answer, and rejects with the caller's reason on abort", async () => {
    handler = () => {
      // Never answers.
    };
    const slow = createPoolClient({ apiUrl: baseUrl, token: "t", timeoutMs: 100 });
    await expect(slow.me()).rejects.toMatchObject({
      kind: "network",
      message: expect.stringMatching(/no answer within 100 ms/),
    });

    const controller = new AbortController();
    const pending = client().lease(5, { signal: controller.signal });
    const reason = new Error("shutting down");
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });
});
