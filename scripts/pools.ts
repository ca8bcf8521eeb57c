/**
 * The pools admin CLI: `npm run pools -- <command>`.
 *
 *   create --name gpu-a --operator 0x... --gpu-model A100 --gpus 8 --vram-gb 80 --max-leases 4
 *   list
 *   rotate-token <name>      revoke the pool's tokens and print a new one (shown once)
 *   revoke <name>            revoke every token of the pool (its agents get 401)
 *   disable <name> | enable <name>
 *
 * Database: DATABASE_URL, else the one of a running `npm run dev`, else the embedded PostgreSQL in
 * DEV_DATA_DIR/postgres, started for the command.
 * Exit codes: 0 done, 1 failed, 2 bad usage or input (the message says what).
 */
import { parseArgs } from "node:util";
import { migrateDb } from "../db/client.js";
import {
  createPool,
  listPools,
  newPoolSchema,
  poolByName,
  revokePoolTokens,
  rotatePoolToken,
  setPoolStatus,
} from "../jobs/dispatch/index.js";
import { openCliDb } from "./lib/dev-services.js";

const USAGE = `usage: npm run pools -- <command>
  create --name <name> --operator <0x address> --gpu-model <model> --gpus <n> --vram-gb <GB per GPU> --max-leases <n>
  list
  rotate-token <name>
  revoke <name>
  disable <name>
  enable <name>`;

function usage(message: string): never {
  console.error(`pools: ${message}\n${USAGE}`);
  process.exit(2);
}

function args() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        name: { type: "string" },
        operator: { type: "string" },
        "gpu-model": { type: "string" },
        gpus: { type: "string" },
        "vram-gb": { type: "string" },
        "max-leases": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    usage((error as Error).message);
  }
}
const { values, positionals } = args();
const say = (line: string) => process.stdout.write(`${line}\n`);
const [command, name] = positionals;
if (values.help || !command) usage(command ? "help" : "missing command");

const handle = await openCliDb();
try {
  await migrateDb(handle);
  const db = handle.db;
  const named = async () => {
    if (!name) usage(`${command} needs a pool name`);
    const pool = await poolByName(db, name);
    if (!pool) {
      console.error(`pools: no pool named "${name}" (see npm run pools -- list)`);
      process.exit(1);
    }
    return pool;
  };
  switch (command) {
    case "create": {
      const input = newPoolSchema.safeParse({
        name: values.name,
        operator: values.operator,
        gpuModel: values["gpu-model"],
        gpuCount: values.gpus,
        vramGb: values["vram-gb"],
        maxLeases: values["max-leases"],
      });
      if (!input.success) {
        const flag = (key: string) =>
          ({ gpuModel: "--gpu-model", gpuCount: "--gpus", vramGb: "--vram-gb", maxLeases: "--max-leases" })[
            key
          ] ?? `--${key}`;
        usage(input.error.issues.map((i) => `${flag(String(i.path[0]))} ${i.message}`).join("; "));
      }
      if (await poolByName(db, input.data.name)) usage(`a pool named "${input.data.name}" already exists`);
      const { pool, token } = await createPool(db, input.data);
      say(`created pool ${pool.name} (${pool.id})`);
      say(`API token (shown once, store it now): ${token}`);
      break;
    }
    case "list": {
      const rows = await listPools(db);
      if (rows.length === 0) say("no pools yet: npm run pools -- create ...");
      for (const p of rows) {
        const seen = p.lastHeartbeatAt ? p.lastHeartbeatAt.toISOString() : "never";
        say(
          `${p.name}\t${p.status}\t${p.gpuCount}x ${p.gpuModel} ${p.vramGb} GB\tmax ${p.maxLeases} leases\toperator ${p.operator}\tlast seen ${seen}`,
        );
      }
      break;
    }
    case "rotate-token": {
      const pool = await named();
      say(
        `new API token for ${pool.name} (shown once; the old ones no longer work): ${await rotatePoolToken(db, pool.id)}`,
      );
      break;
    }
    case "revoke": {
      const pool = await named();
      say(`revoked ${await revokePoolTokens(db, pool.id)} token(s) of ${pool.name}`);
      break;
    }
    case "disable":
    case "enable": {
      const pool = await named();
      await setPoolStatus(db, pool.id, command === "disable" ? "disabled" : "active");
      say(`${pool.name} is ${command === "disable" ? "disabled" : "active"}`);
      break;
    }
    default:
      usage(`unknown command "${command}"`);
  }
} catch (error) {
  console.error(`pools: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await handle.close();
}
