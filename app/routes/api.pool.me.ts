/** GET /api/pool/me: the pool a token belongs to (agents check their token and capabilities with it). */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requirePool } from "../models/pool.server.js";
import { onlyMethods } from "../utils/api.server.js";

export async function loader({ request }: LoaderFunctionArgs) {
  const { pool } = await requirePool(request);
  const { id, name, operator, gpuModel, gpuCount, vramGb, maxLeases, status } = pool;
  return Response.json(
    { pool: { id, name, operator, gpuModel, gpuCount, vramGb, maxLeases, status } },
    { headers: { "Cache-Control": "no-store" } },
  );
}

/** Read-only: anything but GET and HEAD is answered 405 with `Allow`. */
export const action = onlyMethods("GET", "HEAD");
