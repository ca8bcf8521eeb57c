#!/usr/bin/env node
// The `crowdtrain-pool-agent` bin: runs the built CLI (dist/cli.js, from `npm run build` in this package).
import { existsSync } from "node:fs";

const built = new URL("./dist/cli.js", import.meta.url);
if (!existsSync(built)) {
  console.error(
    "crowdtrain-pool-agent is not built yet: run `npm run build --workspace crowdtrain-pool-agent` " +
      "(or `npm run build` in agent/), or run it from source with `npm run pool-agent -- …`.",
  );
  process.exit(1);
}
await import(built.href);
