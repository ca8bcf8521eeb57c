/**
 * The artifact store CLI, for operators: `npm run artifacts -- gc [--dry-run]`.
 *
 *   gc            delete unreferenced artifacts older than ARTIFACT_RETENTION_DAYS (jobs/artifacts/gc.ts)
 *   gc --dry-run  list what would be deleted, delete nothing
 *
 * The database is DATABASE_URL, else that of a running `npm run dev` (never a fresh one: it would refer to
 * nothing); ARTIFACTS_DIR as the platform's (a running dev's by default). Exit codes: 0 done, 1 failed,
 * 2 bad usage.
 */
import { parseArgs } from "node:util";
import { openDb } from "../db/client.js";
import { collectArtifacts } from "../jobs/artifacts/index.js";
import { ArtifactStore } from "../server/artifacts.js";
import { envOrExit, envSchema } from "../server/env.js";
import { readDevServices } from "./lib/dev-services.js";

const USAGE = "usage: npm run artifacts -- gc [--dry-run]";

function usage(message: string): never {
  console.error(`artifacts: ${message}\n${USAGE}`);
  process.exit(2);
}

let parsed: ReturnType<
  typeof parseArgs<{ allowPositionals: true; options: { "dry-run": { type: "boolean" } } }>
>;
try {
  parsed = parseArgs({ allowPositionals: true, options: { "dry-run": { type: "boolean" } } });
} catch (error) {
  usage((error as Error).message);
}
const [command, ...extra] = parsed.positionals;
if (command !== "gc") usage(command ? `unknown command "${command}"` : "missing command");
if (extra.length > 0) usage(`unexpected argument "${extra[0]}"`);

const config = envOrExit(
  envSchema.pick({
    ARTIFACTS_DIR: true,
    ARTIFACT_RETENTION_DAYS: true,
    DATABASE_URL: true,
    DEV_DATA_DIR: true,
  }),
);
const dryRun = parsed.values["dry-run"] === true;
// The platform's own database, never a fresh embedded one: against an empty database everything would look
// unreferenced.
const dev = readDevServices(config.DEV_DATA_DIR);
const databaseUrl = config.DATABASE_URL ?? dev?.databaseUrl;
if (!databaseUrl) {
  console.error(
    "artifacts: gc needs the platform's database: set DATABASE_URL, or run it beside `npm run dev`",
  );
  process.exit(1);
}
const artifactsDir = process.env.ARTIFACTS_DIR
  ? config.ARTIFACTS_DIR
  : (dev?.artifactsDir ?? config.ARTIFACTS_DIR);
const handle = await openDb({ kind: "postgres", url: databaseUrl });
try {
  const result = await collectArtifacts(handle.db, new ArtifactStore(artifactsDir), {
    retentionMs: config.ARTIFACT_RETENTION_DAYS * 86_400_000,
    dryRun,
  });
  for (const artifact of result.removed) {
    process.stdout.write(
      `${dryRun ? "would delete" : "deleted"} ${artifact.area}/${artifact.sha256} (${artifact.size} bytes)\n`,
    );
  }
  const bytes = result.removed.reduce((sum, a) => sum + a.size, 0);
  process.stdout.write(
    `${dryRun ? "would delete" : "deleted"} ${result.removed.length} artifact(s), ${bytes} bytes; kept ${result.kept}` +
      (dryRun ? "\n" : `; ${result.temporaries} unfinished upload(s) removed\n`),
  );
} catch (error) {
  console.error(`artifacts: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await handle.close();
}
