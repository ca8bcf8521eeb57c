import { createHash } from "node:crypto";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";

/** sha256 as lowercase hex without 0x: the name of an artifact. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Slices hashed between two turns of the event loop: about 2 ms of work each. */
const SLICE = 1024 * 1024;

/**
 * sha256Hex of possibly large bytes (a checkpoint), hashed slice by slice with a turn of the event
 * loop between slices, so a worker never stops answering for the whole hash.
 */
export async function sha256HexYielding(bytes: Uint8Array): Promise<string> {
  const hash = createHash("sha256");
  for (let at = 0; at < bytes.length; at += SLICE) {
    hash.update(bytes.subarray(at, at + SLICE));
    if (at + SLICE < bytes.length) await yieldToEventLoop();
  }
  return hash.digest("hex");
}
