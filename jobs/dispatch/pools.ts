/**
 * The pool registry: GPU pools, their operators and capabilities, and their
 * API tokens. A token is 32 random bytes shown once at creation; only its
 * sha256 is stored, so a database leak reveals no usable token.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { and, asc, eq, isNull } from "drizzle-orm";
import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";
import type { Database } from "../../db/client.js";
import { type PoolRow, pools, poolTokens } from "../../db/schema/index.js";

const TOKEN_PREFIX = "ctp_";

/** A new pool's fields, validated: every entry point (CLI, web) goes through this schema. */
const count = (max: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(0, "must be >= 0")
    .max(max, `must be <= ${max}`);

export const newPoolSchema = z.object({
  name: z
    .string({ error: "is required" })
    .trim()
    .regex(
      /^[a-z0-9][a-z0-9-]{1,62}$/,
      "2-63 characters: lower-case letters, digits and -, starting alphanumeric",
    ),
  operator: z
    .string({ error: "is required" })
    .trim()
    .refine((value) => isAddress(value, { strict: false }), "must be a 0x-prefixed 20-byte address")
    .transform((value) => getAddress(value) as Address),
  gpuModel: z.string({ error: "is required" }).trim().min(1, "is required").max(80),
  gpuCount: count(1_024),
  vramGb: z.coerce.number({ error: "must be a number" }).min(0, "must be >= 0").max(4_096, "must be <= 4096"),
  maxLeases: count(1_000).min(1, "must be >= 1"),
});

export type NewPool = z.input<typeof newPoolSchema>;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** Creates a pool and its first token. The token is returned once and never stored. */
export async function createPool(db: Database, input: NewPool): Promise<{ pool: PoolRow; token: string }> {
  const fields = newPoolSchema.parse(input);
  const token = newToken();
  const pool = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(pools)
      .values({ id: randomUUID(), ...fields })
      .returning();
    if (!row) throw new Error("unreachable: insert returned no row");
    await tx.insert(poolTokens).values({ id: randomUUID(), poolId: row.id, tokenHash: hashToken(token) });
    return row;
  });
  return { pool, token };
}

/** Revokes every live token of the pool and issues a new one (shown once). */
export async function rotatePoolToken(db: Database, poolId: string): Promise<string> {
  const token = newToken();
  await db.transaction(async (tx) => {
    await tx
      .update(poolTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(poolTokens.poolId, poolId), isNull(poolTokens.revokedAt)));
    await tx.insert(poolTokens).values({ id: randomUUID(), poolId, tokenHash: hashToken(token) });
  });
  return token;
}

/** Revokes every live token of the pool; its agents get 401 from then on. */
export async function revokePoolTokens(db: Database, poolId: string): Promise<number> {
  const revoked = await db
    .update(poolTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(poolTokens.poolId, poolId), isNull(poolTokens.revokedAt)))
    .returning({ id: poolTokens.id });
  return revoked.length;
}

export async function setPoolStatus(
  db: Database,
  poolId: string,
  status: "active" | "disabled",
): Promise<void> {
  await db.update(pools).set({ status }).where(eq(pools.id, poolId));
}

export async function listPools(db: Database): Promise<PoolRow[]> {
  return db.select().from(pools).orderBy(asc(pools.name));
}

export async function poolByName(db: Database, name: string): Promise<PoolRow | undefined> {
  const [row] = await db.select().from(pools).where(eq(pools.name, name));
  return row;
}

/**
 * The active pool a bearer token belongs to, or undefined for an unknown, revoked or malformed token
 * or a disabled pool.
 */
export async function poolForToken(db: Database, token: string): Promise<PoolRow | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const [row] = await db
    .select({ pool: pools })
    .from(poolTokens)
    .innerJoin(pools, eq(pools.id, poolTokens.poolId))
    .where(and(eq(poolTokens.tokenHash, hashToken(token)), isNull(poolTokens.revokedAt)));
  if (row?.pool.status !== "active") return undefined;
  return row.pool;
}
