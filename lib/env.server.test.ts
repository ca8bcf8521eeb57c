import { describe, expect, it } from "vitest";
import { EnvError, envSchema, parseEnv, publicEnv } from "./env.server.js";

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
      PGLITE_DIR: ".data/pglite",
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
  });

  it("rejects a DATABASE_URL that is not Postgres", () => {
    expect(errorOf({ ...minimal, DATABASE_URL: "mysql://x@y/z" }).issues[0]?.variable).toBe("DATABASE_URL");
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

describe("publicEnv", () => {
  it("exposes only the chain id and the browser RPC URL", () => {
    const config = parseEnv({ ...minimal, DEPLOYER_PRIVATE_KEY: `0x${"11".repeat(32)}` });
    expect(publicEnv(config)).toEqual({ chainId: 31_337, rpcUrl: "http://127.0.0.1:8545" });
    expect(publicEnv(parseEnv({ ...minimal, PUBLIC_RPC_URL: "https://rpc.example.org" })).rpcUrl).toBe(
      "https://rpc.example.org",
    );
  });
});
