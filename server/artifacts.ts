/**
 * Content-addressed artifact store on local disk: a file is named by the
 * sha256 of its bytes, so the same checkpoint uploaded twice is stored once and
 * a name always means the same bytes. Two areas:
 * - `public/`: checkpoints and evaluation reports, served at /artifacts/<sha256>. A checkpoint a pool uploaded
 *   (`owners/` records which pools did) is gated: served to everyone only once a submission revealed its hash
 *   on-chain (`isCheckpointRevealed`), before that only to the pools that uploaded it; the evaluator reads the
 *   store directly. So nobody can copy a checkpoint between its upload and its reveal (ADR 016).
 * - `private/`: eval sets, never served (only their commitment is public until reveal).
 * A deployment that outgrows one machine swaps this for an S3-compatible store
 * behind the same calls (put, has, read; list and remove for the GC in jobs/artifacts/).
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

export type ArtifactArea = "public" | "private";

const SHA256 = /^[0-9a-f]{64}$/;

export function isSha256(value: string): boolean {
  return SHA256.test(value);
}

/** Why an upload was refused; `status` is the HTTP answer (400 hash mismatch, 413 too large). */
export class ArtifactError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = "ArtifactError";
  }
}

export class ArtifactStore {
  constructor(readonly dir: string) {}

  path(area: ArtifactArea, sha256: string): string {
    if (!isSha256(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.dir, area, sha256.slice(0, 2), sha256);
  }

  async has(area: ArtifactArea, sha256: string): Promise<{ size: number } | undefined> {
    try {
      const info = await stat(this.path(area, sha256));
      return { size: info.size };
    } catch {
      return undefined;
    }
  }

  /** Records that `poolId` uploaded checkpoint `sha256` (it may read it back before the reveal). */
  async addOwner(sha256: string, poolId: string): Promise<void> {
    const file = this.ownerPath(sha256, poolId);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, "");
  }

  /** Whether any pool uploaded `sha256`: a checkpoint, gated until its reveal. */
  async hasOwners(sha256: string): Promise<boolean> {
    if (!isSha256(sha256)) return false;
    try {
      await stat(path.join(this.dir, "owners", sha256.slice(0, 2), sha256));
      return true;
    } catch {
      return false;
    }
  }

  /** Whether `poolId` uploaded checkpoint `sha256`. */
  async isOwner(sha256: string, poolId: string): Promise<boolean> {
    try {
      await stat(this.ownerPath(sha256, poolId));
      return true;
    } catch {
      return false;
    }
  }

  private ownerPath(sha256: string, poolId: string): string {
    if (!isSha256(sha256)) throw new Error(`not a sha256: ${sha256}`);
    // Pool ids are the platform's own; hex-encoded so no id can name another path.
    return path.join(this.dir, "owners", sha256.slice(0, 2), sha256, Buffer.from(poolId).toString("hex"));
  }

  /** Every artifact of `area`, with its size and when it was last written. */
  async *list(area: ArtifactArea): AsyncGenerator<{ sha256: string; size: number; mtimeMs: number }> {
    const root = path.join(this.dir, area);
    let shards: string[];
    try {
      shards = await readdir(root);
    } catch {
      return; // nothing stored yet
    }
    for (const shard of shards) {
      for (const name of await readdir(path.join(root, shard)).catch(() => [] as string[])) {
        if (!isSha256(name) || name.slice(0, 2) !== shard) continue;
        const info = await stat(path.join(root, shard, name)).catch(() => undefined);
        if (info?.isFile()) yield { sha256: name, size: info.size, mtimeMs: info.mtimeMs };
      }
    }
  }

  /**
   * Deletes artifact `sha256` of `area` unless it was written at or after `unlessWrittenSince` (ms since
   * epoch): bytes uploaded again meanwhile stay. The record of its owners stays (see jobs/artifacts/gc.ts).
   * Resolves whether it was deleted.
   */
  async remove(area: ArtifactArea, sha256: string, unlessWrittenSince: number): Promise<boolean> {
    const file = this.path(area, sha256);
    const info = await stat(file).catch(() => undefined);
    if (!info || info.mtimeMs >= unlessWrittenSince) return false;
    await rm(file, { force: true });
    return true;
  }

  /** Deletes uploads that never finished (a crashed process's temporary files) older than `before`. */
  async removeStaleTemporaries(before: number): Promise<number> {
    const tmpDir = path.join(this.dir, "tmp");
    let removed = 0;
    for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
      const file = path.join(tmpDir, name);
      const info = await stat(file).catch(() => undefined);
      if (info && info.mtimeMs < before) {
        await rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }

  read(area: ArtifactArea, sha256: string): Readable {
    return createReadStream(this.path(area, sha256));
  }

  /**
   * Streams `body` to a temporary file while hashing and counting it; refuses it past `maxBytes` (413)
   * or when its sha256 is not `expectedSha256` (400), leaving nothing behind. Otherwise moves it to its
   * content address (atomically; a second upload of the same bytes changes nothing).
   */
  async put(
    area: ArtifactArea,
    body: Readable | ReadableStream<Uint8Array> | Uint8Array,
    expectedSha256: string,
    maxBytes: number,
  ): Promise<{ sha256: string; size: number }> {
    const target = this.path(area, expectedSha256);
    const tmpDir = path.join(this.dir, "tmp");
    await mkdir(tmpDir, { recursive: true });
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = path.join(tmpDir, randomUUID());
    const hash = createHash("sha256");
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxBytes) {
          callback(new ArtifactError(413, `artifact is larger than the ${maxBytes}-byte limit`));
          return;
        }
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    const source =
      body instanceof Uint8Array
        ? Readable.from([Buffer.from(body)])
        : body instanceof Readable
          ? body
          : Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>);
    try {
      await pipeline(source, meter, createWriteStream(tmp));
      const sha256 = hash.digest("hex");
      if (sha256 !== expectedSha256) {
        throw new ArtifactError(400, `content sha256 is ${sha256}, not the declared ${expectedSha256}`);
      }
      await rename(tmp, target);
      return { sha256, size };
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }
}
