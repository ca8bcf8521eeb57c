import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** sha256 as lowercase hex without 0x: the name of an artifact. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** sha256 of a file, streamed in chunks so a large file never blocks the event loop for long. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest("hex");
}
