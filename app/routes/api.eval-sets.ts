import type { ActionFunctionArgs } from "@remix-run/node";
import { EvalSetError } from "../../ml/evalset.js";
import {
  DATA_FORMATS,
  type DataFormat,
  DataImportError,
  DEFAULT_HELD_OUT,
  EVAL_SET_MAX_BYTES,
  IMPORT_LIMITS,
  importDataset,
  randomSplitSalt,
  storeEvalSet,
  storeImportedData,
} from "../models/eval-set.server.js";
import { findSpec } from "../models/spec.server.js";
import { services } from "../services.server.js";
import { apiError, onlyMethods, readBodyCapped, requireMethod } from "../utils/api.server.js";

/** The web server's body cap for this route (server/web.ts). */
const HTTP_MAX_BYTES = 64 * 1024 * 1024;

import { requireCsrf, requireRole, requireUser } from "../utils/session.server.js";

/**
 * POST /api/eval-sets?specHash=0x… (a DAO, signed in; CSRF token in x-csrf-token): stores a private eval
 * set for a registered spec. 201 `{commitment, samples}`: the evalSetCommitment the DAO's wallet then
 * signs into createBounty.
 *
 * - Without `format`: the body is an eval-set file (CTEVAL01), validated against the spec and stored with
 *   a fresh salt.
 * - With `format=csv|jsonl|text` (and optionally `heldOut=0.2`, `labelColumn=NAME[,NAME…]`): the body is
 *   the DAO's own data (docs/data-import.md), split here by a fresh secret salt; the held-out part is
 *   stored as the eval set and the training part published at /artifacts/<sha256>, whose address and
 *   sha256 the answer adds as `training: {url, sha256, rows}`. The spec was registered before the split,
 *   so its training data entry is the DAO's to point at that file (or at its own copy).
 */
export async function action({ request }: ActionFunctionArgs) {
  requireMethod(request, "POST");
  const user = await requireUser(request, "api");
  requireCsrf(request, user);
  await requireRole(user.address, "DAO_ROLE");
  const params = new URL(request.url).searchParams;
  const specHash = params.get("specHash") ?? "";
  if (!/^0x[0-9a-f]{64}$/.test(specHash))
    throw apiError(400, "specHash must be the spec's 0x-prefixed sha256");
  const importing = importOptions(params);
  const { db, artifacts, config } = await services();
  const spec = await findSpec(db.db, specHash);
  if (!spec) throw apiError(404, `no spec ${specHash} is registered: POST it to /api/specs first`);
  // Over HTTP at most what server/web.ts lets in for this route (larger sets: npm run evalset -- register).
  const limit = Math.min(importing ? IMPORT_LIMITS.maxBytes : EVAL_SET_MAX_BYTES, HTTP_MAX_BYTES);
  const what = importing ? "a data file" : "an eval set";
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > limit) throw apiError(413, `${what} is at most ${limit} bytes`);
  // Counted while it streams: a chunked body past the cap is refused without being read whole.
  const bytes = await readBodyCapped(request, limit, what);
  try {
    if (!importing) {
      const row = await storeEvalSet(db.db, artifacts, bytes, { spec, specHash });
      return Response.json({ commitment: row.commitment, samples: row.samples }, { status: 201 });
    }
    const imported = importDataset(bytes, spec.task, { ...importing, salt: randomSplitSalt() });
    const { row, trainingSha256 } = await storeImportedData(db.db, artifacts, imported, { spec, specHash });
    const origin = config.PUBLIC_URL ?? new URL(request.url).origin;
    return Response.json(
      {
        commitment: row.commitment,
        samples: row.samples,
        rows: imported.rows,
        ...(imported.classes ? { classes: imported.classes } : {}),
        training: {
          url: `${origin}/artifacts/${trainingSha256}`,
          sha256: trainingSha256,
          rows: imported.rows.train,
        },
      },
      { status: 201 },
    );
  } catch (error) {
    if (error instanceof DataImportError) throw apiError(400, `invalid data: ${error.message}`);
    if (error instanceof EvalSetError) throw apiError(400, `invalid eval set: ${error.message}`);
    throw error;
  }
}

/** The import options of the query string, or undefined for an eval-set upload; a 400 for a bad one. */
function importOptions(
  params: URLSearchParams,
): { format: DataFormat; heldOutFraction: number; labelColumns: string[] } | undefined {
  const format = params.get("format");
  if (format === null) {
    if (params.has("heldOut") || params.has("labelColumn")) {
      throw apiError(400, `heldOut and labelColumn go with format=${DATA_FORMATS.join("|")}`);
    }
    return undefined;
  }
  if (!(DATA_FORMATS as readonly string[]).includes(format)) {
    throw apiError(400, `format must be one of ${DATA_FORMATS.join(", ")}`);
  }
  const share = params.get("heldOut");
  const heldOutFraction = share === null ? DEFAULT_HELD_OUT : Number(share);
  const { minHeldOut, maxHeldOut } = IMPORT_LIMITS;
  if (share === "" || !(heldOutFraction >= minHeldOut && heldOutFraction <= maxHeldOut)) {
    throw apiError(400, `heldOut must be a number from ${minHeldOut} to ${maxHeldOut}`);
  }
  const labelColumns = (params.get("labelColumn") ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  return { format: format as DataFormat, heldOutFraction, labelColumns };
}

/** Any other method: 405 with `Allow`. */
export const loader = onlyMethods("POST");
