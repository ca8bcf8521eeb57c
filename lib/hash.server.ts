import { createHash } from "node:crypto";

/** sha256 as lowercase hex without 0x: the name of an artifact. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}
