/**
 * Property-based fuzzing of every HTTP route (fast-check), against the whole platform as real processes:
 * random methods, content types, bodies, path parameters, query strings, cookies, tokens and origins.
 * Whatever arrives, the answer is never a 5xx, and an error answer names the problem.
 *
 * The route table comes from app/routes/ itself, so a new route is fuzzed without anyone listing it.
 * A failure prints fast-check's seed and the shrunk request; replay it with FUZZ_SEED=<seed>.
 */
import { readdirSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anvilAccount } from "../../core/dev-chain.js";
import { createPool } from "../../jobs/dispatch/pools.js";
import { siweSignIn } from "../setup/siwe.js";
import { type Stack, startStack } from "../setup/stack.js";

const routesDir = path.resolve(import.meta.dirname, "../../app/routes");

/** Remix flat-route file names to URL patterns: `api.pool.leases.$leaseId.fail.ts` → `/api/pool/leases/:leaseId/fail`. */
function routePatterns(files: string[]): string[] {
  return files
    .filter((f) => /\.(ts|tsx)$/.test(f) && !f.includes(".test."))
    .map((f) => f.replace(/\.(ts|tsx)$/, ""))
    .map((name) => {
      // `[.]` escapes a literal dot; every other dot separates segments.
      const segments = name
        .split(/(?<!\[)\.(?!\])/)
        .filter((s) => s !== "_index")
        .map((s) => s.replaceAll("[.]", "."))
        .map((s) => (s.startsWith("$") ? `:${s.slice(1)}` : s));
      return `/${segments.filter((s) => s !== "_index").join("/")}`.replace(/\/$/, "") || "/";
    });
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

interface FuzzAnswer {
  status: number;
  contentType: string;
  body: string;
}

function send(base: URL, request: FuzzRequest): Promise<FuzzAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: request.method,
        path: request.path,
        headers: {
          ...request.headers,
          ...(request.body && { "content-length": String(request.body.length) }),
        },
        timeout: 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers["content-type"] ?? ""),
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () =>
      req.destroy(new Error(`no answer within 20 s: ${request.method} ${request.path}`)),
    );
    req.on("error", reject);
    req.end(request.body);
  });
}

/** What an error answer must carry: a message a person can act on, not a bare status or a stack. */
function namesTheProblem(answer: FuzzAnswer): boolean {
  if (answer.status < 400) return true;
  const text = answer.body.trim();
  if (answer.contentType.includes("application/json")) {
    try {
      const parsed = JSON.parse(text) as { error?: unknown };
      return typeof parsed.error === "string" && parsed.error.trim().length > 3;
    } catch {
      return false;
    }
  }
  return text.length > 0 && !/^(Unexpected Server Error|\d{3}|Bad Request|Not Found)$/i.test(text);
}

const segment = fc.oneof(
  fc.constantFrom(
    "1",
    "0",
    "-1",
    "999999999999999999999999",
    "abc",
    "..",
    "%00",
    "%2e%2e",
    "0x",
    "%0A",
    "%09",
  ),
  fc.stringMatching(/^[A-Za-z0-9._~-]{1,40}$/),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.constant("a".repeat(5_000)),
  fc.constant(`0x${"ab".repeat(32)}`),
);

const query = fc.oneof(
  fc.constant(""),
  fc.constantFrom(
    "?next=/%09/evil.example",
    "?next=/%0A/x",
    "?next=//evil.example",
    "?next=https://evil.example/",
    "?q=%00",
    "?format=xml",
    "?page=-1",
    "?sort=%27",
  ),
  fc
    .dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 20 }), { maxKeys: 3 })
    .map((d) => `?${new URLSearchParams(d).toString()}`),
);

const contentType = fc.constantFrom(
  undefined,
  "application/json",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/form-data; boundary=xyz",
  "text/plain",
  "application/octet-stream",
  "garbage/;;;",
);

const body = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.json({ maxDepth: 3 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.constant(Buffer.from('--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--xyz--\r\n')),
  fc.constant(Buffer.from("message=hello&signature=0x00&_csrf=nope")),
);

describe("every route, fuzzed", () => {
  let stack: Stack;
  let base: URL;
  /** A real session (the DAO's) and a real pool token, so requests get past authentication too. */
  let session: { cookie: string; csrf: string };
  let poolToken: string;
  const patterns = routePatterns(readdirSync(routesDir));

  beforeAll(async () => {
    stack = await startStack("fuzz");
    base = new URL(stack.url);
    session = await siweSignIn(stack.url, anvilAccount(1));
    ({ token: poolToken } = await createPool(stack.db.handle.db, {
      name: "fuzz-pool",
      operator: anvilAccount(1).address,
      gpuModel: "cpu",
      gpuCount: 0,
      vramGb: 0,
      maxLeases: 1,
    }));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("finds every route file", () => {
    expect(patterns).toContain("/");
    expect(patterns).toContain("/api/pool/leases/:leaseId/fail");
    expect(patterns).toContain("/favicon.ico");
  });

  it("answers no random request with a 5xx, and names the problem in every 4xx", async () => {
    const request = fc.record({
      pattern: fc.constantFrom(...patterns),
      params: fc.array(segment, { minLength: 3, maxLength: 3 }),
      query,
      method: fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
      contentType,
      body,
      origin: fc.constantFrom(undefined, undefined, "own", "https://evil.example", "null"),
      cookie: fc.constantFrom(
        undefined,
        "session",
        "session",
        "__session=garbage",
        "__session=a.b.c; csrf=1",
      ),
      csrf: fc.constantFrom(undefined, "header", "form", "wrong"),
      authorization: fc.constantFrom(
        undefined,
        "pool",
        "pool",
        "Bearer nope",
        "Bearer ",
        "Basic Zm9vOmJhcg==",
      ),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let i = 0;
        const pathname = r.pattern.replace(/:[A-Za-z]+/g, () => r.params[i++] ?? "x");
        const headers: Record<string, string> = {};
        if (r.contentType) headers["content-type"] = r.contentType;
        if (r.origin) headers.origin = r.origin === "own" ? base.origin : r.origin;
        if (r.cookie) headers.cookie = r.cookie === "session" ? session.cookie : r.cookie;
        if (r.csrf === "header") headers["x-csrf-token"] = session.csrf;
        if (r.csrf === "wrong") headers["x-csrf-token"] = "0".repeat(session.csrf.length);
        if (r.authorization)
          headers.authorization = r.authorization === "pool" ? `Bearer ${poolToken}` : r.authorization;
        let payload = r.method === "GET" || r.method === "HEAD" ? undefined : r.body;
        if (r.csrf === "form" && payload)
          payload = Buffer.concat([payload, Buffer.from(`&csrf=${session.csrf}`)]);
        const answer = await send(base, {
          method: r.method,
          path: `${pathname}${r.query}`,
          headers,
          body: payload,
        });
        if (answer.status >= 500 || (r.method !== "HEAD" && !namesTheProblem(answer))) {
          throw new Error(
            `${r.method} ${pathname}${r.query} answered ${answer.status} ${answer.contentType}: ${answer.body.slice(0, 300)}\n${stack.logs().slice(-3_000)}`,
          );
        }
      }),
      {
        numRuns: Number(process.env.FUZZ_RUNS ?? 400),
        ...(process.env.FUZZ_SEED && { seed: Number(process.env.FUZZ_SEED) }),
      },
    );
  }, 600_000);

  it("never sends a signed-in user to another site after sign-in", async () => {
    const nexts = [
      "/%09/evil.example",
      "/%0A/x",
      "//evil.example",
      "/%5C/evil.example",
      "https://evil.example",
    ];
    for (const next of nexts) {
      const answer = await fetch(`${stack.url}/sign-in?next=${next}`, {
        headers: { cookie: session.cookie },
        redirect: "manual",
      });
      expect(answer.status, next).toBeLessThan(500);
      const location = answer.headers.get("location") ?? "/";
      expect(new URL(location, stack.url).origin, `${next} -> ${location}`).toBe(base.origin);
    }
  });

  it("shows error pages with a plain message and a way forward, never a stack", async () => {
    for (const [pathname, status, says] of [
      ["/no-such-page", 404, "Nothing here"],
      ["/bounties/99999999", 404, "99999999"],
      ["/bounties/not-a-number", 400, "That request was not understood"],
    ] as const) {
      const answer = await fetch(`${stack.url}${pathname}`);
      const html = await answer.text();
      expect(answer.status, pathname).toBe(status);
      expect(html, pathname).toContain(says);
      expect(html, pathname).toContain('href="/"');
      expect(html, pathname).not.toMatch(/at [\w.]+ \(|node_modules/);
    }
  });

  it("answers an absolute-form request line without a 5xx", async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(base.port), base.hostname, () => {
        socket.write(
          `GET http://${base.host}/bounties HTTP/1.1\r\nHost: ${base.host}\r\nConnection: close\r\n\r\n`,
        );
      });
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1");
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    const status = Number(raw.split(" ")[1]);
    expect(status).toBeLessThan(500);
  });
});
