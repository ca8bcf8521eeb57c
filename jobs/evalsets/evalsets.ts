/**
 * Private eval sets: stored when a DAO proposes a bounty, checked against the
 * on-chain commitment before every evaluation, revealed after finalization.
 * The bytes live in the artifact store's private area (never served); the
 * salt stays in `eval_sets` until reveal.
 */

import { stat } from "node:fs/promises";
import { eq } from "drizzle-orm";
import type { Hex } from "viem";
import type { BountySpec } from "../../core/spec.js";
import type { Database } from "../../db/client.js";
import { type EvalSetRow, evalSets } from "../../db/schema/index.js";
import { heldOutSplit, hindiSplitSentences, parseBuiltinUri } from "../../ml/data.js";
import {
  decodeEvalSet,
  EvalSetError,
  encodeEvalSet,
  evalSetCommitment,
  evalSetFitsSpec,
  randomSalt,
} from "../../ml/evalset.js";
import { alphabetOf, IMPORT_LIMITS, type ImportResult } from "../../ml/import.js";
import type { ArtifactStore } from "../../server/artifacts.js";
import { sha256Hex } from "../../server/hash.js";

/** Largest eval set accepted, in bytes. */
export const EVAL_SET_MAX_BYTES = 1024 ** 3;

export class EvalSetMismatch extends Error {
  override name = "EvalSetMismatch";
}

/**
 * Validates `bytes` as an eval set (and against `spec` when given), stores it privately with a fresh salt
 * and returns its commitment: the `evalSetCommitment` of `createBounty`. Throws EvalSetError when it is
 * malformed or does not fit the spec; nothing is stored then.
 */
export async function storeEvalSet(
  db: Database,
  store: ArtifactStore,
  bytes: Uint8Array,
  options: { spec?: BountySpec; specHash?: string } = {},
): Promise<EvalSetRow> {
  const split = decodeEvalSet(bytes);
  if (options.spec) {
    const problems = evalSetFitsSpec(split, options.spec);
    if (problems.length > 0)
      throw new EvalSetError(`the eval set does not fit the spec: ${problems.join("; ")}`);
  }
  const sha256 = sha256Hex(bytes);
  const salt = randomSalt();
  const commitment = evalSetCommitment(`0x${sha256}`, salt);
  await store.put("private", bytes, sha256, EVAL_SET_MAX_BYTES);
  const [row] = await db
    .insert(evalSets)
    .values({
      commitment,
      sha256,
      salt,
      byteLength: bytes.length,
      task: split.task,
      samples: split.count,
      specHash: options.specHash ?? null,
    })
    .returning();
  return row as EvalSetRow;
}

/**
 * The stored eval set of an on-chain commitment: its file path and row, once the row's sha256 and salt
 * are checked to make that commitment. The bytes themselves are checked against that sha256 where they
 * are read for the evaluation (jobs/evaluation/child.ts), so they are read once, and the bytes scored are
 * the bytes checked. Throws EvalSetMismatch when the set is missing or does not make the commitment.
 */
export async function verifiedEvalSet(
  db: Database,
  store: ArtifactStore,
  commitment: Hex,
): Promise<{ path: string; row: EvalSetRow }> {
  const [row] = await db.select().from(evalSets).where(eq(evalSets.commitment, commitment.toLowerCase()));
  if (!row) throw new EvalSetMismatch(`no eval set is stored for commitment ${commitment}`);
  const path = store.path("private", row.sha256);
  if (!(await stat(path).catch(() => undefined))) {
    throw new EvalSetMismatch(`the eval set ${row.sha256} of commitment ${commitment} is missing`);
  }
  if (evalSetCommitment(`0x${row.sha256}`, row.salt as Hex) !== commitment.toLowerCase()) {
    throw new EvalSetMismatch(
      `the stored eval set (sha256 ${row.sha256}) does not make the on-chain commitment ${commitment}`,
    );
  }
  return { path, row };
}

/* ------------------------------------------------------------------------ */
/* A DAO's own data (ml/import.ts) and the built-in demo data                */
/* ------------------------------------------------------------------------ */

// The web app reaches the import module through here, so it stays out of the browser bundle.
export {
  DATA_FORMATS,
  type DataFormat,
  DataImportError,
  DEFAULT_HELD_OUT,
  deriveAlphabet,
  formatOfFileName,
  IMPORT_LIMITS,
  type ImportResult,
  importDataset,
  randomSplitSalt,
} from "../../ml/import.js";

/**
 * Stores imported data: the held-out part as the private eval set (as `storeEvalSet`: checked against
 * `spec`, a fresh commitment salt) and then the training part publicly (served at /artifacts/<sha256>).
 * Returns the eval set's row and the training part's sha256.
 */
export async function storeImportedData(
  db: Database,
  store: ArtifactStore,
  imported: ImportResult,
  options: { spec: BountySpec; specHash?: string },
): Promise<{ row: EvalSetRow; trainingSha256: string }> {
  const stored = await storeEvalSet(db, store, encodeEvalSet(imported.heldOut), options);
  const trainingSha256 = sha256Hex(imported.trainingFile);
  await store.put("public", imported.trainingFile, trainingSha256, IMPORT_LIMITS.maxBytes);
  // Recorded with the eval set: the artifact GC keeps a training part as long as its set is kept.
  const [row] = await db
    .update(evalSets)
    .set({ trainingSha256 })
    .where(eq(evalSets.commitment, stored.commitment))
    .returning();
  return { row: row ?? stored, trainingSha256 };
}

/**
 * The eval-set bytes of a spec whose training data is built in (`builtin:`): the generator's held-out
 * split. Anyone can regenerate it, so it is for demos only. Throws an Error naming the problem for a
 * URI that is not built in or a data set of another task.
 */
export function builtinEvalSet(spec: BountySpec): Uint8Array {
  return encodeEvalSet(heldOutSplit(spec));
}

/** The alphabet of a built-in corpus's training sentences (`builtin:hindi`), as `deriveAlphabet` makes one. */
export function builtinAlphabet(uri: string): string {
  const { name, params } = parseBuiltinUri(uri);
  if (name !== "hindi") throw new Error(`builtin:${name} is not a text corpus`);
  return alphabetOf(hindiSplitSentences(params.seed).train);
}
