/**
 * The HTTP front of the web process, in front of Remix: the checks every request passes before any route
 * runs, so bad input is answered with a 4xx that names the problem instead of reaching a loader.
 *
 * - the request target is a path (no absolute-form `GET http://…`), without NUL or control characters,
 *   and of bounded length;
 * - an unsafe method (POST, PUT, …) from another origin is refused (403): pages are same-origin only;
 * - bodies are bounded per route by Content-Length, and a body without one is refused where a length is
 *   required; Node stops reading at the announced length, so the cap holds while streaming;
 * - rate limits on nonces, sign-ins, the pool API and uploads (rate-limiter-flexible on Redis), 429 with
 *   Retry-After; without Redis they fall back to a per-process limiter rather than hang;
 * - security headers (helmet): a CSP with a per-request script nonce that works with wagmi,
 *   frame-ancestors 'none', a same-origin referrer policy, and HSTS in production.
 */
import { randomBytes } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import helmet from "helmet";
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

/** The JSON error body every API answers with (core/pool-api.ts's shape). */
function refuse(res: Response, status: number, error: string, headers: Record<string, string> = {}) {
  res
    .status(status)
    .set({ "Cache-Control": "no-store", ...headers })
    .json({ error });
}

const MAX_TARGET = 4_096;

/** A request target Remix can route: origin-form, no NUL or control characters once decoded. */
export function checkTarget(req: Request, res: Response, next: NextFunction) {
  const target = req.originalUrl;
  if (!target.startsWith("/")) {
    return refuse(res, 400, "the request target must be a path such as /bounties, not an absolute URL");
  }
  if (target.length > MAX_TARGET) return refuse(res, 414, `the URL is longer than ${MAX_TARGET} characters`);
  let decoded: string;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    return refuse(res, 400, "the URL has a malformed %-escape");
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(decoded)) {
    return refuse(res, 400, "the URL holds a NUL or control character");
  }
  next();
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Unsafe methods from a browser on another site are refused: every form and fetch of this app is
 * same-origin. A request without Origin (curl, the pool agent) passes; its auth is a bearer token or a
 * CSRF-checked session, never a cookie alone.
 */
export function sameOriginWrites(publicOrigin: string | undefined) {
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.get("origin");
    if (SAFE_METHODS.has(req.method) || origin === undefined) return next();
    const own = publicOrigin ?? `${req.protocol}://${req.get("host")}`;
    if (origin !== own) {
      return refuse(
        res,
        403,
        `cross-origin ${req.method} refused: this site accepts changes from ${own} only`,
      );
    }
    next();
  };
}

export interface BodyLimit {
  /** Path prefix (or exact path) it applies to. */
  path: string;
  maxBytes: number;
  /** Whether a body without Content-Length (chunked) may stream in; the route then enforces the cap. */
  streaming?: boolean;
}

/** Caps each request body by its route's limit; the first matching prefix wins, else `fallback`. */
export function bodyLimits(limits: BodyLimit[], fallback: number) {
  return (req: Request, res: Response, next: NextFunction) => {
    const limit = limits.find((l) => req.path === l.path || req.path.startsWith(`${l.path}/`)) ?? {
      path: "",
      maxBytes: fallback,
    };
    const length = req.get("content-length");
    const chunked = req.get("transfer-encoding") !== undefined;
    if (length !== undefined) {
      const bytes = Number(length);
      if (!Number.isSafeInteger(bytes) || bytes < 0)
        return refuse(res, 400, "Content-Length is not a number");
      if (bytes > limit.maxBytes) {
        return refuse(res, 413, `the body is ${bytes} bytes; ${req.path} takes at most ${limit.maxBytes}`);
      }
    } else if (chunked && !limit.streaming) {
      return refuse(res, 411, `${req.path} needs a Content-Length (at most ${limit.maxBytes} bytes)`);
    }
    next();
  };
}

export interface RateLimit {
  name: string;
  /** Which requests count: method and path prefix. */
  method: string;
  path: string;
  points: number;
  durationSeconds: number;
}

/**
 * Fixed-window rate limits per client address (and per bearer token on the pool API), counted in Redis so
 * every web process shares them. A Redis that does not answer in time falls back to a limiter in this
 * process (rate-limiter-flexible's insurance limiter): limits stay on and requests never wait on Redis.
 */
export function rateLimits(redis: Redis | undefined, limits: RateLimit[], prefix: string) {
  const limiters = limits.map((limit) => {
    const memory = new RateLimiterMemory({ points: limit.points, duration: limit.durationSeconds });
    const limiter = redis
      ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `${prefix}:rl:${limit.name}`,
          points: limit.points,
          duration: limit.durationSeconds,
          insuranceLimiter: memory,
        })
      : memory;
    return { limit, limiter };
  });
  return async (req: Request, res: Response, next: NextFunction) => {
    const applies = limiters.filter(
      ({ limit }) =>
        req.method === limit.method && (req.path === limit.path || req.path.startsWith(limit.path)),
    );
    for (const { limit, limiter } of applies) {
      const token = req.get("authorization");
      const key = `${req.ip ?? "unknown"}${token ? `:${token.slice(-16)}` : ""}`;
      try {
        await limiter.consume(key);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) return next(error);
        const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1_000));
        return refuse(
          res,
          429,
          `too many ${limit.name} requests: at most ${limit.points} per ${limit.durationSeconds} s; try again in ${seconds} s`,
          { "Retry-After": String(seconds) },
        );
      }
    }
    next();
  };
}

/** A fresh script nonce per response, for the CSP and for Remix's inline scripts (res.locals.cspNonce). */
export function cspNonce(_req: Request, res: Response, next: NextFunction) {
  // A page from the shared cache (server/page-cache.ts) keeps the nonce it was rendered with.
  res.locals.cspNonce ??= randomBytes(16).toString("base64");
  next();
}

/**
 * Security headers. Scripts run only from this origin or with the response's nonce; connections go to
 * this origin and the chain's public RPC (wagmi reads the chain from the browser); nothing frames the site.
 */
export function securityHeaders(options: { production: boolean; rpcUrl: string | undefined }) {
  const connect = ["'self'"];
  if (options.rpcUrl) {
    const rpc = new URL(options.rpcUrl);
    connect.push(rpc.origin, `${rpc.protocol === "https:" ? "wss:" : "ws:"}//${rpc.host}`);
  }
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        "default-src": ["'self'"],
        "script-src": ["'self'", (_req, res) => `'nonce-${(res as Response).locals.cspNonce as string}'`],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": options.production ? connect : [...connect, "ws:", "wss:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
      },
    },
    referrerPolicy: { policy: "same-origin" },
    strictTransportSecurity: options.production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
}
