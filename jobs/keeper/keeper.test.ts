import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { anvilAccount, anvilPrivateKey } from "../../core/dev-chain.js";
import { createLogger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { createChainClient } from "../../server/chain.js";
import { EnvError, parseEnv } from "../../server/env.js";
import { keeperFromEnv } from "./keeper.js";

const minimal = { REDIS_URL: "redis://127.0.0.1:6379", RPC_URL: "http://127.0.0.1:8545" };
// Nothing here talks to them: building a keeper opens no connection.
const redis = new Redis({ lazyConnect: true });
const deps = {
  db: {} as Database,
  chain: createChainClient("http://127.0.0.1:8545"),
  redis,
  log: createLogger("test", "silent"),
};

afterAll(() => redis.disconnect());

describe("the keeper's configuration", () => {
  it("runs every 30 s by default; 0 turns it off; less than a second is refused", () => {
    expect(parseEnv(minimal).KEEPER_INTERVAL_MS).toBe(30_000);
    expect(parseEnv({ ...minimal, KEEPER_INTERVAL_MS: "0" }).KEEPER_INTERVAL_MS).toBe(0);
    for (const bad of ["500", "-1", "soon"]) {
      expect(() => parseEnv({ ...minimal, KEEPER_INTERVAL_MS: bad })).toThrow(EnvError);
    }
    expect(() => parseEnv({ ...minimal, KEEPER_PRIVATE_KEY: "0x1234" })).toThrow(/KEEPER_PRIVATE_KEY/);
  });

  it("signs with the evaluator's anvil account on anvil, with KEEPER_PRIVATE_KEY when set", () => {
    const config = parseEnv(minimal);
    expect(keeperFromEnv(config, deps)?.address).toBe(anvilAccount(2).address);
    const own = parseEnv({ ...minimal, KEEPER_PRIVATE_KEY: anvilPrivateKey(9) });
    expect(keeperFromEnv(own, deps)?.address).toBe(anvilAccount(9).address);
  });

  it("is off with interval 0, and off chain 31337 without a key of its own", () => {
    expect(keeperFromEnv(parseEnv({ ...minimal, KEEPER_INTERVAL_MS: "0" }), deps)).toBeUndefined();
    expect(keeperFromEnv(parseEnv({ ...minimal, CHAIN_ID: "1" }), deps)).toBeUndefined();
    const keyed = parseEnv({ ...minimal, CHAIN_ID: "1", KEEPER_PRIVATE_KEY: anvilPrivateKey(9) });
    expect(keeperFromEnv(keyed, deps)?.address).toBe(anvilAccount(9).address);
  });
});
