/**
 * Sign-In with Ethereum (EIP-4361) sessions, CSRF tokens and role checks.
 *
 * - A nonce is single-use and lives NONCE_TTL_S in Redis (`issueNonce`; `signIn` takes it with GETDEL).
 * - `signIn` checks the message's domain (this host), URI (this origin), chain (CHAIN_ID), nonce, time
 *   window and signature (viem's verifySiweMessage: EOAs, and contract accounts via ERC-1271/6492).
 * - The session lives in Redis (`<prefix>:session:<id>`, expiring with it); the cookie holds only its
 *   random id, signed with SESSION_SECRETS (rotatable: the first signs, all verify): httpOnly, sameSite
 *   lax, secure outside development and test. Logging out deletes the record, so a copied cookie is
 *   dead at once; dropping a secret ends every session it signed.
 * - A Redis that fails or stalls (commands time out, services.server.ts) reads as signed out: pages
 *   still render, actions answer 401, nothing hangs.
 * - Every form action checks the session's CSRF token (`requireCsrf`); a mismatch is a 403.
 * - Roles are checked server-side against the indexed on-chain role holders (`requireRole`).
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createSessionStorage, redirect, type SessionStorage } from "@remix-run/node";
import { and, eq, sql } from "drizzle-orm";
import { type Address, getAddress, type Hex, isAddressEqual } from "viem";
import { generateSiweNonce, parseSiweMessage, verifySiweMessage } from "viem/siwe";
import { BOARD_ROLES, type BoardRole } from "../../core/board.js";
import { roles } from "../../db/schema/index.js";
import { type Services, services } from "../services.server.js";
import { apiError } from "./api.server.js";

export const NONCE_TTL_S = 300;
const SESSION_MAX_AGE_S = 7 * 24 * 3600;
const DEV_SECRET = "crowdtrain-development-session-secret-not-for-production";

type SessionData = { address: Address; csrf: string; signedInAt: number };

let storage: SessionStorage<SessionData> | undefined;

function sessionStorage({ config, redis }: Pick<Services, "config" | "redis">): SessionStorage<SessionData> {
  if (!storage) {
    const secrets =
      config.SESSION_SECRETS?.split(",").map((s) => s.trim()) ??
      (config.NODE_ENV === "production" ? [randomBytes(32).toString("hex")] : [DEV_SECRET]);
    const key = (id: string) => `${config.QUEUE_PREFIX}:session:${id}`;
    const ttl = (expires: Date | undefined) =>
      Math.max(
        1,
        Math.ceil(((expires?.getTime() ?? Date.now() + SESSION_MAX_AGE_S * 1_000) - Date.now()) / 1_000),
      );
    storage = createSessionStorage<SessionData>({
      cookie: {
        name: "__crowdtrain_session",
        httpOnly: true,
        sameSite: "lax",
        secure: config.NODE_ENV === "production" && !config.PUBLIC_URL?.startsWith("http://"),
        path: "/",
        maxAge: SESSION_MAX_AGE_S,
        secrets,
      },
      async createData(data, expires) {
        const id = randomBytes(32).toString("base64url");
        await redis.set(key(id), JSON.stringify(data), "EX", ttl(expires));
        return id;
      },
      async readData(id) {
        const stored = await redis.get(key(id));
        return stored ? (JSON.parse(stored) as SessionData) : null;
      },
      async updateData(id, data, expires) {
        await redis.set(key(id), JSON.stringify(data), "EX", ttl(expires));
      },
      async deleteData(id) {
        await redis.del(key(id));
      },
    });
  }
  return storage;
}

/** The signed-in account and its CSRF token, or undefined. */
export async function currentUser(request: Request): Promise<{ address: Address; csrf: string } | undefined> {
  const cookie = request.headers.get("cookie");
  if (!cookie?.includes("__crowdtrain_session=")) return undefined;
  const all = await services();
  let session: Awaited<ReturnType<SessionStorage<SessionData>["getSession"]>>;
  try {
    session = await sessionStorage(all).getSession(cookie);
  } catch (error) {
    all.log.warn({ err: error }, "session store unavailable: treating the request as signed out");
    return undefined;
  }
  const address = session.get("address");
  const csrf = session.get("csrf");
  return address && csrf ? { address, csrf } : undefined;
}

/** The signed-in account; a page redirects to sign in, an API call gets a 401. */
export async function requireUser(request: Request, as: "page" | "api" = "page") {
  const user = await currentUser(request);
  if (user) return user;
  if (as === "api") throw apiError(401, "sign in first (Sign-In with Ethereum)");
  const url = new URL(request.url);
  throw redirect(`/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`);
}

/** Throws 403 unless `form`'s `csrf` field (or the x-csrf-token header) is the session's token. */
export function requireCsrf(request: Request, user: { csrf: string }, form?: FormData): void {
  const sent = String(form?.get("csrf") ?? request.headers.get("x-csrf-token") ?? "");
  const a = Buffer.from(sent);
  const b = Buffer.from(user.csrf);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw apiError(403, "the form's CSRF token is missing or wrong: reload the page and try again");
  }
}

/** Throws 403 unless `address` holds `role` on the board (as indexed from RoleGranted/RoleRevoked). */
export async function requireRole(address: Address, role: BoardRole): Promise<void> {
  const { db, config } = await services();
  const [row] = await db.db
    .select({ granted: roles.granted })
    .from(roles)
    .where(
      and(
        eq(roles.chainId, config.CHAIN_ID),
        eq(roles.role, BOARD_ROLES[role]),
        sql`lower(${roles.account}) = ${address.toLowerCase()}`,
      ),
    );
  if (!row?.granted) throw apiError(403, `${address} does not hold ${role} on this board`);
}

/** A fresh single-use nonce for a SIWE message. */
export async function issueNonce(): Promise<string> {
  const { redis, config } = await services();
  const nonce = generateSiweNonce();
  await redis.set(`${config.QUEUE_PREFIX}:siwe:nonce:${nonce}`, "1", "EX", NONCE_TTL_S);
  return nonce;
}

/** Why a sign-in was refused: the HTTP answer is a 400 naming it (401 for a bad signature). */
export class SignInError extends Error {
  constructor(
    readonly status: 400 | 401,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Verifies a signed SIWE message for this site and starts a session; returns the Set-Cookie header.
 * The origin is this request's (or PUBLIC_URL when set, behind a proxy).
 */
export async function signIn(
  request: Request,
  message: string,
  signature: Hex,
): Promise<{ address: Address; cookie: string; csrf: string }> {
  const all = await services();
  const { config, redis, chain } = all;
  const origin = new URL(config.PUBLIC_URL ?? request.url).origin;
  const host = new URL(origin).host;
  const fields = parseSiweMessage(message);
  if (!fields.address || !fields.nonce || !fields.domain || !fields.uri || !fields.chainId) {
    throw new SignInError(400, "not a Sign-In with Ethereum message (EIP-4361)");
  }
  if (fields.domain !== host) throw new SignInError(400, `the message is for ${fields.domain}, not ${host}`);
  if (!URL.canParse(fields.uri) || new URL(fields.uri).origin !== origin) {
    throw new SignInError(400, `the message's URI ${fields.uri} is not on ${origin}`);
  }
  if (fields.chainId !== config.CHAIN_ID) {
    throw new SignInError(
      400,
      `the message is for chain ${fields.chainId}; this platform runs on ${config.CHAIN_ID}`,
    );
  }
  // Single use: taken before the signature is checked, so a replay finds nothing.
  const known = await redis.getdel(`${config.QUEUE_PREFIX}:siwe:nonce:${fields.nonce}`);
  if (!known) throw new SignInError(400, "the nonce is unknown, used or expired: ask for a new one");
  const valid = await verifySiweMessage(chain, {
    message,
    signature,
    domain: host,
    nonce: fields.nonce,
    time: new Date(),
  });
  if (!valid)
    throw new SignInError(401, "the signature does not match the message's address, or the message expired");
  const session = await sessionStorage(all).getSession();
  const address = getAddress(fields.address);
  session.set("address", address);
  const csrf = randomBytes(24).toString("base64url");
  session.set("csrf", csrf);
  session.set("signedInAt", Date.now());
  return { address, csrf, cookie: await sessionStorage(all).commitSession(session) };
}

/** Ends the session; returns the Set-Cookie header. */
export async function signOut(request: Request): Promise<string> {
  const s = sessionStorage(await services());
  return s.destroySession(await s.getSession(request.headers.get("cookie")));
}

/** Whether `address` is `other` (checksum-insensitive). */
export function sameAccount(address: string, other: string): boolean {
  return isAddressEqual(address as Address, other as Address);
}
