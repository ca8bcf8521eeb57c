/**
 * The training data the command trainer hands its program, for data only the
 * platform can produce: when the spec's first training data set is a built-in
 * text data set (`builtin:hindi`), its public training split, written into the
 * lease's work dir as UTF-8 text, one sentence per line, in the platform's
 * order. The program gets its path as CROWDTRAIN_DATA. The held-out split (the
 * private eval data) is never written.
 *
 * Any other data (`https:`, `ipfs:`, the numeric built-ins `builtin:blobs` and
 * `builtin:linear`) is the program's to read from the spec's `trainingData`.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { BountySpec } from "../../core/spec.js";

/** The file name inside a lease's work dir. */
export const DATA_FILE = "train.txt";

/** Writes the training text when the spec's data is a built-in text set; its path, or undefined. */
export async function writeTrainingText(spec: BountySpec, workDir: string): Promise<string | undefined> {
  const uri = spec.trainingData[0]?.uri;
  if (!uri?.startsWith("builtin:")) return undefined;
  // Loaded lazily: agents whose bounties bring their own data never load the ML code.
  const { hindiSplitSentences, parseBuiltinUri } = await import("../../ml/data.js");
  let parsed: ReturnType<typeof parseBuiltinUri>;
  try {
    parsed = parseBuiltinUri(uri);
  } catch {
    return undefined; // an unknown built-in: nothing to hand over; the program says what it misses
  }
  if (parsed.name !== "hindi") return undefined;
  const file = path.join(workDir, DATA_FILE);
  await writeFile(file, `${hindiSplitSentences(parsed.params.seed).train.join("\n")}\n`);
  return file;
}
