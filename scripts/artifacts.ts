/**
 * The artifact store CLI, for operators: `npm run artifacts -- gc [--dry-run]`.
 *
 *   gc            delete unreferenced artifacts older than ARTIFACT_RETENTION_DAYS (jobs/artifacts/gc.ts)
 *   gc --dry-run  list what would be deleted, delete nothing
 *
 * ARTIFACTS_DIR as the platform's; the database is DATABASE_URL, else the one of a running `npm run dev`,
 * else the embedded PostgreSQL in DEV_DATA_DIR/postgres. Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { parseArgs } from "node:util";
import { migrateDb } from "../db/client.js";
import { collectArtifacts } from "../jobs/artifacts/index.js";
import { ArtifactStore } from "../server/artifacts.js";
import { envOrExit, envSchema } from "../server/env.js";
import { openCliDb } from "./lib/dev-services.js";

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

const config = envOrExit(envSchema.pick({ ARTIFACTS_DIR: true, ARTIFACT_RETENTION_DAYS: true }));
const dryRun = parsed.values["dry-run"] === true;
const handle = await openCliDb();
try {
  await migrateDb(handle);
  const result = await collectArtifacts(handle.db, new ArtifactStore(config.ARTIFACTS_DIR), {
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
