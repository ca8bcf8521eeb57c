/**
 * The web process: an Express server in front of the Remix build (the `remix-serve` setup, plus the
 * checks of server/http.ts), with timeouts against slow clients and an orderly shutdown.
 *
 *   node --import tsx server/web.ts [build/index.js]
 *
 * With NODE_ENV=development it reloads the build whenever `remix dev` rewrites it (build/version.txt).
 */
import { watch } from "node:fs";
import { stat } from "node:fs/promises";
import type { Server } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import {
  broadcastDevReady,
  createRequestHandler as createFetchHandler,
  type ServerBuild,
} from "@remix-run/node";
import compression from "compression";
import express from "express";
import { indexChangedChannel } from "../core/channels.js";
import { createLogger } from "../core/logger.js";
import { envOrExit } from "./env.js";
import { bodyLimits, checkTarget, cspNonce, rateLimits, sameOriginWrites, securityHeaders } from "./http.js";
import { pageCache } from "./page-cache.js";
import { createRedis } from "./redis.js";

const config = envOrExit();
const log = createLogger("web", config.LOG_LEVEL);
const buildPath = path.resolve(
  process.argv[2] ?? path.join(process.env.REMIX_BUILD_DIR || "build", "index.js"),
);
const production = config.NODE_ENV === "production";

async function importBuild(): Promise<ServerBuild> {
  // A query string busts Node's import cache, so a rebuilt bundle is loaded afresh in development.
  const { mtimeMs } = await stat(buildPath);
  return (await import(`${pathToFileURL(buildPath).href}?t=${mtimeMs}`)) as ServerBuild;
}

let build = await importBuild();
const host = config.HOST ?? (production ? "0.0.0.0" : "127.0.0.1");
const loopback = host === "127.0.0.1" || host === "::1" || host === "localhost";
if (!production && !config.SESSION_SECRETS && !loopback) {
  console.error(
    `web: refusing to listen on ${host} with the published development session secret: anyone could forge a ` +
      "session. Set SESSION_SECRETS, or HOST=127.0.0.1 (see docs/configuration.md).",
  );
  process.exit(1);
}

if (production && !config.PUBLIC_RPC_URL) {
  console.error(
    "web: set PUBLIC_RPC_URL in production: the browser reads the chain from it. RPC_URL is never sent to " +
      "browsers, since it may carry a provider key (see docs/configuration.md).",
  );
  process.exit(1);
}

// Rate limits are counted in Redis; its commands time out fast so a stalled Redis never holds a request.
const limiterRedis = createRedis(config.REDIS_URL, "producer", { commandTimeout: 500 });
limiterRedis.on("error", () => {});

const mb = 1024 * 1024;
const app = express();
app.disable("x-powered-by");
if (config.TRUST_PROXY) {
  // A number is a hop count; anything else names trusted addresses or subnets (Express's rules).
  app.set("trust proxy", /^\d+$/.test(config.TRUST_PROXY) ? Number(config.TRUST_PROXY) : config.TRUST_PROXY);
}
app.use(checkTarget);

// The public pages anonymous visitors share: home, the lists, a bounty and its JSON (Remix's `.data` too), the leaderboard.
const CACHEABLE =
  /^\/(?:_root\.data)?(?:\?|$)|^\/bounties(?:\.data)?(?:\?|$)|^\/bounties\/[^/?]+(?:\.data)?(?:\?|$)|^\/api\/bounties\/[^/?]+(?:\?|$)|^\/leaderboard(?:\.data)?(?:\?|$)/;
let renderPage = createFetchHandler(build, config.NODE_ENV);
let subscriber: ReturnType<typeof createRedis> | undefined;
const pages =
  config.PAGE_CACHE_FRESH_MS > 0
    ? pageCache({
        render: (url, nonce) =>
          renderPage(new Request(url, { headers: { accept: "text/html" } }), { cspNonce: nonce }),
        cacheable: (target) => CACHEABLE.test(target),
        freshMs: config.PAGE_CACHE_FRESH_MS,
        staleMs: 30_000,
        maxEntries: 2_000,
        sessionCookie: "__crowdtrain_session",
      })
    : undefined;
if (pages) {
  // The indexer announces every change; the cache is dropped at once (ioredis resubscribes on reconnect).
  subscriber = createRedis(config.REDIS_URL, "worker");
  subscriber.on("error", () => {});
  subscriber.on("message", () => pages.clear());
  void subscriber.subscribe(indexChangedChannel(config.QUEUE_PREFIX)).catch(() => {});
  app.use(pages.lookup);
}
app.use(cspNonce);
// The browser reads the chain from the RPC URL publicEnv() gives it: the CSP lets exactly that one through.
app.use(securityHeaders({ production, rpcUrl: config.PUBLIC_RPC_URL ?? config.RPC_URL }));
if (pages) app.use(pages.serve);
app.use(sameOriginWrites(config.PUBLIC_URL ? new URL(config.PUBLIC_URL).origin : undefined));
app.use(
  bodyLimits(
    [
      { path: "/auth", maxBytes: 16 * 1024 },
      { path: "/api/specs", maxBytes: 256 * 1024 },
      { path: "/api/pool/lease", maxBytes: 64 * 1024 },
      // Streaming routes cap a chunked body themselves, as it streams in (withBodyCap in app/utils).
      { path: "/api/eval-sets", maxBytes: 64 * mb, streaming: true },
      { path: "/propose", maxBytes: 65 * mb, streaming: true },
      { path: "/api/pool/leases", maxBytes: config.ARTIFACT_MAX_BYTES, streaming: true },
    ],
    1 * mb,
  ),
);
app.use(
  rateLimits(
    limiterRedis,
    [
      { name: "nonce", method: "GET", path: "/auth/nonce", points: 120, durationSeconds: 60 },
      { name: "sign-in", method: "POST", path: "/auth/verify", points: 60, durationSeconds: 60 },
      { name: "pool API", method: "POST", path: "/api/pool/", points: 3_000, durationSeconds: 60 },
      { name: "upload", method: "POST", path: "/api/eval-sets", points: 60, durationSeconds: 60 },
      { name: "upload", method: "PUT", path: "/api/pool/leases/", points: 120, durationSeconds: 60 },
    ],
    config.QUEUE_PREFIX,
  ),
);
app.use(compression());
app.use(build.publicPath, express.static(build.assetsBuildDirectory, { immutable: true, maxAge: "1y" }));
app.use(express.static("public", { maxAge: "1h" }));

// One Remix handler per build (it prepares the build's routes once); a development rebuild swaps it.
const remixHandler = () =>
  createRequestHandler({
    build,
    mode: config.NODE_ENV,
    getLoadContext: (_req, response) => ({ cspNonce: response.locals.cspNonce as string }),
  });
let handleRemix = remixHandler();
app.all("*", (req, res, next) => handleRemix(req, res, next));

// The last word on anything thrown before Remix: a JSON error, never a stack.
app.use((error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
  log.error({ err: error, method: req.method, url: req.originalUrl }, "request failed before Remix");
  if (!res.headersSent) res.status(500).json({ error: "internal error; it has been logged" });
});

const server: Server = app.listen(config.PORT, host, () => {
  log.info({ url: `http://${host}:${config.PORT}` }, "web listening");
  if (!production) void broadcastDevReady(build);
});
// Slow clients: headers within 10 s, the whole request (uploads included) within REQUEST_TIMEOUT_MS.
server.headersTimeout = 10_000;
server.requestTimeout = config.HTTP_REQUEST_TIMEOUT_MS;
server.keepAliveTimeout = 5_000;

if (!production) {
  const versionFile = path.join(path.dirname(buildPath), "version.txt");
  watch(path.dirname(versionFile), async (_event, file) => {
    if (file !== "version.txt") return;
    build = await importBuild();
    renderPage = createFetchHandler(build, config.NODE_ENV);
    handleRemix = remixHandler();
    pages?.clear();
    void broadcastDevReady(build);
  });
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close(() => {
      limiterRedis.disconnect();
      subscriber?.disconnect();
    });
    // Idle keep-alive sockets would hold close() open; requests in flight get a few seconds to finish.
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 5_000).unref();
  });
}
