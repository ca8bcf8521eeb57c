/**
 * The agent's durable record of its checkpoint commitments. A commit hides the checkpoint's hash behind a
 * random salt; without that salt the commit can never be revealed, so the salt is written to disk (and
 * fsynced) before the commit is sent, and the record is removed only once the reveal is mined. An agent that
 * crashed between the two reveals on its next start (`ChainOps.recoverCommits`).
 *
 * One JSON file per (chain, board, bounty, trainer, checkpoint) in `dir`, written to a temporary file and
 * renamed, so a crash never leaves half a record.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Address, Hex } from "viem";
import { z } from "zod";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);

const commitRecordSchema = z.object({
  chainId: z.number().int().positive(),
  board: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  bountyId: z.string().regex(/^\d+$/),
  trainer: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  checkpointHash: hex32,
  uri: z.string().min(1),
  salt: hex32,
  commitment: hex32,
  /** Set once the commit is mined. */
  submissionId: z.string().regex(/^\d+$/).optional(),
  commitTx: hex32.optional(),
  createdAt: z.string(),
});

export type CommitRecord = Omit<
  z.infer<typeof commitRecordSchema>,
  "board" | "trainer" | "checkpointHash"
> & {
  board: Address;
  trainer: Address;
  checkpointHash: Hex;
  salt: Hex;
  commitment: Hex;
  commitTx?: Hex;
};

/** A fresh random 32-byte salt. */
export function newSalt(): Hex {
  return `0x${randomBytes(32).toString("hex")}`;
}

export class CommitStore {
  constructor(readonly dir: string) {}

  private file(
    key: Pick<CommitRecord, "chainId" | "board" | "bountyId" | "trainer" | "checkpointHash">,
  ): string {
    const name = [key.chainId, key.board, key.bountyId, key.trainer, key.checkpointHash]
      .map((part) => String(part).toLowerCase())
      .join("-");
    return path.join(this.dir, `${name}.json`);
  }

  /** The record of this checkpoint's commitment, if one was made. */
  async find(
    key: Pick<CommitRecord, "chainId" | "board" | "bountyId" | "trainer" | "checkpointHash">,
  ): Promise<CommitRecord | undefined> {
    return this.read(this.file(key));
  }

  private async read(file: string): Promise<CommitRecord | undefined> {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    const parsed = commitRecordSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`malformed commit record ${file}: ${parsed.error.message}`);
    return parsed.data as CommitRecord;
  }

  /** Writes `record` durably: a temporary file, fsynced, renamed over the old one, and the directory fsynced. */
  async save(record: CommitRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = this.file(record);
    const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
    const handle = await open(tmp, "w", 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(record, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
    const dir = await open(this.dir, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** Forgets a record (its reveal is mined, or it can never be revealed). */
  async remove(record: CommitRecord): Promise<void> {
    await rm(this.file(record), { force: true });
  }

  /** Every record still waiting for its reveal, oldest first. */
  async list(): Promise<CommitRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const records: CommitRecord[] = [];
    for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
      const record = await this.read(path.join(this.dir, name));
      if (record) records.push(record);
    }
    return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}
