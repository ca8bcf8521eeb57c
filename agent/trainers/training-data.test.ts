import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LeaseView } from "../../core/pool-api.js";
import { blobsClassifierSpec, hindiGptSpec } from "../../core/spec.examples.js";
import type { BountySpec } from "../../core/spec.js";
import { hindiSplitSentences } from "../../ml/data.js";
import { createCommandTrainer } from "./command.js";
import { DATA_FILE, writeTrainingText } from "./training-data.js";

let root: string;
let dirs = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "agent-training-data-test-"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function workDir(): Promise<string> {
  const dir = path.join(root, `work-${++dirs}`);
  await mkdir(dir);
  return dir;
}

const withData = (spec: BountySpec, uri: string): BountySpec => ({ ...spec, trainingData: [{ uri }] });

describe("writeTrainingText", () => {
  it("writes the public training split of builtin:hindi, one sentence per line, and no held-out sentence", async () => {
    const dir = await workDir();
    const file = await writeTrainingText(hindiGptSpec, dir);
    expect(file).toBe(path.join(dir, DATA_FILE));
    const { train, heldOut } = hindiSplitSentences();
    const text = await readFile(path.join(dir, DATA_FILE), "utf8");
    expect(text.split("\n").slice(0, -1)).toEqual(train);
    for (const sentence of heldOut) expect(text).not.toContain(sentence);
  });

  it("follows the URI's seed", async () => {
    const dir = await workDir();
    await writeTrainingText(withData(hindiGptSpec, "builtin:hindi?seed=2"), dir);
    expect(await readFile(path.join(dir, DATA_FILE), "utf8")).toBe(
      `${hindiSplitSentences(2).train.join("\n")}\n`,
    );
  });

  it("writes nothing for data that is not built-in text", async () => {
    for (const spec of [
      blobsClassifierSpec,
      withData(hindiGptSpec, "https://example.com/hindi.txt"),
      withData(hindiGptSpec, "builtin:nonexistent"),
    ]) {
      expect(await writeTrainingText(spec, await workDir())).toBeUndefined();
    }
  });
});

describe("the command trainer's CROWDTRAIN_DATA", () => {
  const script = () => path.join(root, "print-data.mjs");
  beforeAll(async () => {
    await writeFile(
      script(),
      `import { writeFileSync } from "node:fs";
writeFileSync(process.env.CROWDTRAIN_OUT, "data=" + (process.env.CROWDTRAIN_DATA ?? "unset"));
`,
    );
  });

  async function dataSeen(spec: BountySpec): Promise<{ seen: string; dir: string }> {
    const trainer = createCommandTrainer({
      template: `${JSON.stringify(process.execPath)} ${JSON.stringify(script())}`,
      env: { ...process.env, CROWDTRAIN_DATA: "/inherited/by/the/agent.txt" },
    });
    const dir = await workDir();
    const lease = { leaseId: "lease-1", bounty: { bountyId: "1" }, spec } as unknown as LeaseView;
    const bytes = await trainer.train({
      lease,
      spec,
      workDir: dir,
      signal: new AbortController().signal,
      onProgress: () => {},
      logger: pino({ level: "silent" }),
    });
    return { seen: Buffer.from(bytes).toString(), dir };
  }

  it("is the training text's path for builtin:hindi, and unset otherwise (never inherited)", async () => {
    const hindi = await dataSeen(hindiGptSpec);
    expect(hindi.seen).toBe(`data=${path.join(hindi.dir, DATA_FILE)}`);
    expect((await dataSeen(blobsClassifierSpec)).seen).toBe("data=unset");
  });
});
