import { describe, expect, it } from "vitest";
import { devWalletEnabled, EnvError, envSchema, parseEnv, publicEnv } from "./env.js";

const minimal = { REDIS_URL: "redis://127.0.0.1:6379", RPC_URL: "http://127.0.0.1:8545" };

function errorOf(source: Record<string, string | undefined>): EnvError {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error;
    throw error;
  }
  throw new Error("expected parseEnv to throw");
}

describe("parseEnv", () => {
  it("fills documented defaults", () => {
    const config = parseEnv(minimal);
    expect(config).toMatchObject({
      PORT: 3000,
      DEV_DATA_DIR: ".data",
      QUEUE_PREFIX: "crowdtrain",
      CHAIN_ID: 31_337,
      LOG_LEVEL: "info",
      SHUTDOWN_TIMEOUT_MS: 10_000,
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it("names every missing required variable", () => {
    const error = errorOf({});
    expect(error.issues.map((i) => i.variable).sort()).toEqual(["REDIS_URL", "RPC_URL"]);
    expect(error.message).toContain("REDIS_URL: is required");
    expect(error.message).toContain("RPC_URL: is required");
  });

  it("names a malformed variable and says what is wrong", () => {
    const error = errorOf({ ...minimal, PORT: "eighty", REDIS_URL: "http://localhost:6379" });
    expect(error.issues.map((i) => i.variable).sort()).toEqual(["PORT", "REDIS_URL"]);
    expect(error.message).toMatch(/REDIS_URL: must use redis:\/\/ or rediss:\/\//);
    // A present but malformed value is not reported as missing.
    expect(error.message).not.toContain("PORT: is required");
  });

  it("rejects a DATABASE_URL that is not Postgres", () => {
    expect(errorOf({ ...minimal, DATABASE_URL: "mysql://x@y/z" }).issues[0]?.variable).toBe("DATABASE_URL");
  });

  it("says that PGLITE_DIR is no longer used, and where the embedded database is now", () => {
    const error = errorOf({ ...minimal, PGLITE_DIR: ".data/pglite" });
    expect(error.issues.map((i) => i.variable)).toEqual(["PGLITE_DIR"]);
    expect(error.message).toContain("PGLITE_DIR: is no longer used");
    expect(error.message).toContain("DEV_DATA_DIR/postgres");
    // A CLI's subset that names it refuses it too.
    expect(() =>
      parseEnv({ PGLITE_DIR: "x" }, envSchema.pick({ DATABASE_URL: true, PGLITE_DIR: true })),
    ).toThrow(/PGLITE_DIR: is no longer used/);
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ ...minimal, DATABASE_URL: "", PORT: "" }).PORT).toBe(3000);
  });

  it("parses a subset for a CLI", () => {
    const config = parseEnv(
      { RPC_URL: "http://x:1" },
      envSchema.pick({ RPC_URL: true, DEPLOYMENTS_DIR: true }),
    );
    expect(config).toEqual({ RPC_URL: "http://x:1", DEPLOYMENTS_DIR: ".data/deployments" });
  });
});

describe("BountyBoard settings", () => {
  // anvil accounts 1 and 2, checksummed and lower-cased.
  const dao = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const evaluator = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

  it("leaves the chain-dependent defaults to the deploy step and defaults the fee to 250 bps", () => {
    const config = parseEnv(minimal);
    expect(config.PLATFORM_FEE_BPS).toBe(250);
    expect(config.BOARD_ADMIN).toBeUndefined();
    expect(config.DAO_ADDRESSES).toBeUndefined();
    expect(config.EVALUATOR_ADDRESSES).toBeUndefined();
    expect(config.FEE_RECIPIENT).toBeUndefined();
  });

  it("parses addresses and comma-separated lists, checksummed, with spaces and duplicates dropped", () => {
    const config = parseEnv({
      ...minimal,
      BOARD_ADMIN: ` ${dao.toLowerCase()} `,
      DAO_ADDRESSES: `${dao}, ${evaluator.toLowerCase()},${dao.toUpperCase().replace("0X", "0x")}`,
      EVALUATOR_ADDRESSES: evaluator,
      FEE_RECIPIENT: evaluator.toLowerCase(),
      PLATFORM_FEE_BPS: "0",
    });
    expect(config.BOARD_ADMIN).toBe(dao);
    expect(config.DAO_ADDRESSES).toEqual([dao, evaluator]);
    expect(config.EVALUATOR_ADDRESSES).toEqual([evaluator]);
    expect(config.FEE_RECIPIENT).toBe(evaluator);
    expect(config.PLATFORM_FEE_BPS).toBe(0);
    expect(parseEnv({ ...minimal, PLATFORM_FEE_BPS: "1000" }).PLATFORM_FEE_BPS).toBe(1000);
  });

  it("names a malformed, mis-checksummed or zero address", () => {
    const error = errorOf({
      ...minimal,
      BOARD_ADMIN: "0x1234",
      FEE_RECIPIENT: "0x0000000000000000000000000000000000000000",
      // One character of a checksummed address flipped in case.
      DAO_ADDRESSES: dao.replace("C51812dc", "c51812dc"),
    });
    expect(error.issues.map((i) => i.variable).sort()).toEqual([
      "BOARD_ADMIN",
      "DAO_ADDRESSES",
      "FEE_RECIPIENT",
    ]);
    expect(error.message).toContain("BOARD_ADMIN: must be a 0x-prefixed 20-byte hex address");
    expect(error.message).toContain("FEE_RECIPIENT: must not be the zero address");
    expect(error.message).toMatch(/DAO_ADDRESSES: entry 1 \(0x[0-9a-fA-F]{40}\) has a bad EIP-55 checksum/);
  });

  it("names the bad entries of an address list", () => {
    const error = errorOf({ ...minimal, EVALUATOR_ADDRESSES: `${evaluator},,nope` });
    expect(error.issues.map((i) => i.variable)).toEqual(["EVALUATOR_ADDRESSES", "EVALUATOR_ADDRESSES"]);
    expect(error.message).toContain(
      "EVALUATOR_ADDRESSES: entry 2 is empty; expected comma-separated addresses",
    );
    expect(error.message).toContain(
      "EVALUATOR_ADDRESSES: entry 3 (nope) must be a 0x-prefixed 20-byte hex address; expected comma-separated addresses",
    );
  });

  it.each([
    ["1001", "must be at most 1000 (10%), the contract's MAX_FEE_BPS"],
    ["-1", "must be at least 0"],
    ["2.5", "must be a whole number of basis points"],
    ["lots", "must be a whole number of basis points"],
  ])("rejects PLATFORM_FEE_BPS=%s", (value, message) => {
    const error = errorOf({ ...minimal, PLATFORM_FEE_BPS: value });
    expect(error.issues).toEqual([{ variable: "PLATFORM_FEE_BPS", message }]);
  });
});

describe("publicEnv", () => {
  it("exposes only the chain id, the browser RPC URL and whether the dev wallet is on", () => {
    const config = parseEnv({ ...minimal, DEPLOYER_PRIVATE_KEY: `0x${"11".repeat(32)}` });
    expect(publicEnv(config)).toEqual({
      chainId: 31_337,
      rpcUrl: "http://127.0.0.1:8545",
      devWallet: true,
      explorerUrl: null,
    });
    expect(publicEnv(parseEnv({ ...minimal, PUBLIC_RPC_URL: "https://rpc.example.org" })).rpcUrl).toBe(
      "https://rpc.example.org",
    );
  });
});

describe("devWalletEnabled", () => {
  it.each([
    [{ NODE_ENV: "development" }, true],
    [{ NODE_ENV: "production" }, false],
    [{ NODE_ENV: "production", DEV_WALLET: "1" }, true],
    [{ NODE_ENV: "development", DEV_WALLET: "0" }, false],
    // anvil's keys are public: never offered on another chain, whatever DEV_WALLET says.
    [{ NODE_ENV: "development", CHAIN_ID: "1" }, false],
    [{ NODE_ENV: "production", CHAIN_ID: "10", DEV_WALLET: "1" }, false],
  ])("%j -> %s", (vars, enabled) => {
    expect(devWalletEnabled(parseEnv({ ...minimal, ...vars }))).toBe(enabled);
  });

  it("rejects an unknown DEV_WALLET value", () => {
    expect(errorOf({ ...minimal, DEV_WALLET: "yes" }).issues).toEqual([
      { variable: "DEV_WALLET", message: 'must be "auto", "0" or "1"' },
    ]);
  });
});
