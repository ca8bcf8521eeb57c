/**
 * A short-lived shared cache of the public pages, for anonymous visitors: everyone without a session sees
 * the same home, list and bounty pages (and their JSON), so one render serves them all.
 *
 * - Fresh for `freshMs`; then served stale while one background render refreshes it, for up to `staleMs`
 *   (stale-while-revalidate); concurrent misses share one render (lru-cache's fetch).
 * - Dropped whole when the indexer announces a change (core/channels.ts), so a new event shows at once.
 * - Only GET/HEAD without the session cookie, on the paths `cacheable` accepts, with a 200 or 404 answer
 *   and no Set-Cookie. A signed-in visitor always gets a fresh render.
 * - Stored gzipped and plain, with a weak ETag (304 on If-None-Match); browsers revalidate every time
 *   (`no-cache`), shared caches may hold it `s-maxage`, and `Vary: Cookie` keeps signed-in pages apart.
 * - A cached page keeps the CSP nonce it was rendered with, and the response's CSP names that nonce: the
 *   nonce of a public page is as public as the page, for as long as it is cached.
 */
import { createHash, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { NextFunction, Request, Response } from "express";
import { LRUCache } from "lru-cache";

interface CachedPage {
  status: number;
  headers: [string, string][];
  body: Buffer;
  gzip: Buffer;
  etag: string;
  nonce: string;
  renderedAt: number;
}

export interface PageCacheOptions {
  /** Renders `url` as an anonymous visitor would get it, with `nonce` as the CSP script nonce. */
  render: (url: string, nonce: string) => Promise<globalThis.Response>;
  /** Whether a path (with its query) may be cached. */
  cacheable: (path: string) => boolean;
  freshMs: number;
  staleMs: number;
  maxEntries: number;
  /** The session cookie's name: requests carrying it are never served from the cache. */
  sessionCookie: string;
}

const gzipAsync = promisify(gzip);

/** Response headers that describe one transfer, not the page. */
const TRANSFER_HEADERS = new Set([
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "connection",
  "set-cookie",
]);

export function pageCache(options: PageCacheOptions) {
  const cache = new LRUCache<string, CachedPage, { url: string }>({
    max: options.maxEntries,
    ttl: options.freshMs,
    allowStale: true,
    noDeleteOnStaleGet: true,
    // A refresh that fails keeps the stale page (within the stale window) instead of failing visitors.
    allowStaleOnFetchRejection: true,
    fetchMethod: async (_key, _stale, { context }) => {
      const nonce = randomBytes(16).toString("base64");
      const response = await options.render(context.url, nonce);
      const body = Buffer.from(await response.arrayBuffer());
      const headers = [...response.headers].filter(([name]) => !TRANSFER_HEADERS.has(name.toLowerCase()));
      const page: CachedPage = {
        status: response.status,
        headers,
        body,
        // On libuv's thread pool: a large page compressed inline would hold up every other request.
        gzip: await gzipAsync(body),
        etag: `W/"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
        nonce,
        renderedAt: Date.now(),
      };
      return page;
    },
  });

  const anonymous = (req: Request) => !(req.get("cookie") ?? "").includes(`${options.sessionCookie}=`);

  /** Looks the page up (rendering it on a miss) and fixes the response's CSP nonce to the page's. */
  async function lookup(req: Request, res: Response, next: NextFunction) {
    if (
      (req.method !== "GET" && req.method !== "HEAD") ||
      !anonymous(req) ||
      !options.cacheable(req.originalUrl)
    ) {
      return next();
    }
    const url = `${req.protocol}://${req.get("host")}${req.originalUrl}`;
    const key = url;
    try {
      let page = await cache.fetch(key, { context: { url } });
      // Past the stale window: wait for a fresh render rather than serve something older.
      if (page && Date.now() - page.renderedAt > options.freshMs + options.staleMs) {
        page = await cache.fetch(key, { context: { url }, forceRefresh: true, allowStale: false });
      }
      if (!page) return next();
      const cacheControl = page.headers.find(([name]) => name === "cache-control")?.[1] ?? "";
      // Not for sharing: answer this one request with it, as the render said, but keep nothing.
      const oneOff = (page.status !== 200 && page.status !== 404) || /private|no-store/.test(cacheControl);
      if (oneOff) cache.delete(key);
      res.locals.cspNonce = page.nonce;
      res.locals.cachedPage = page;
      res.locals.oneOffPage = oneOff;
      next();
    } catch {
      // The render failed (a dependency is down): Remix renders this request itself, with its error page.
      next();
    }
  }

  /** Sends a page `lookup` found (after the security headers are set), or passes on. */
  function serve(req: Request, res: Response, next: NextFunction) {
    const page = res.locals.cachedPage as CachedPage | undefined;
    if (!page) return next();
    for (const [name, value] of page.headers) res.setHeader(name, value);
    res.setHeader("Vary", "Accept-Encoding, Cookie");
    if (res.locals.oneOffPage === true) {
      // Its own Cache-Control stands (no-store where it gave none), and it is nobody's to revalidate.
      if (!res.getHeader("Cache-Control")) res.setHeader("Cache-Control", "no-store");
      return send(req, res, page);
    }
    res.setHeader("Cache-Control", "public, no-cache, s-maxage=2, stale-while-revalidate=30");
    res.setHeader("ETag", page.etag);
    res.setHeader("X-Page-Cache", Date.now() - page.renderedAt <= options.freshMs ? "fresh" : "stale");
    if (req.get("if-none-match") === page.etag && page.status === 200) return res.status(304).end();
    send(req, res, page);
  }

  /** The page's body, gzipped when the client takes it. */
  function send(req: Request, res: Response, page: CachedPage) {
    const gzip = /\bgzip\b/.test(req.get("accept-encoding") ?? "");
    const body = gzip ? page.gzip : page.body;
    if (gzip) res.setHeader("Content-Encoding", "gzip");
    res.setHeader("Content-Length", String(body.length));
    res.status(page.status);
    res.end(req.method === "HEAD" ? undefined : body);
  }

  return { lookup, serve, clear: () => cache.clear() };
}
