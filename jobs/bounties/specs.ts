/**
 * Stored bounty specs, keyed by their hash: a DAO registers its spec before
 * proposing (the hash goes on-chain), and the dispatcher, the trainers and the
 * evaluator read it back by the hash a bounty carries.
 */
import { eq } from "drizzle-orm";
import type { Hex } from "viem";
import { type BountySpec, bountySpecSchema, specHash } from "../../core/spec.js";
import type { Database } from "../../db/client.js";
import { specs } from "../../db/schema/index.js";

/** Validates and stores a spec (idempotent); returns its hash. Throws the zod error for a bad spec. */
export async function registerSpec(
  db: Database,
  input: unknown,
): Promise<{ specHash: Hex; spec: BountySpec }> {
  const spec = bountySpecSchema.parse(input);
  const hash = specHash(spec);
  await db.insert(specs).values({ specHash: hash.toLowerCase(), spec }).onConflictDoNothing();
  return { specHash: hash, spec };
}

export async function findSpec(db: Database, hash: string): Promise<BountySpec | undefined> {
  const [row] = await db.select().from(specs).where(eq(specs.specHash, hash.toLowerCase()));
  return row ? bountySpecSchema.parse(row.spec) : undefined;
}
