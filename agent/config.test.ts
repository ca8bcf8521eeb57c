import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";

const KEY = `0x${"ab".repeat(32)}`;
const required = ["--token", "tok", "--trainer-key", KEY, "--rpc-url", "http://127.0.0.1:8545"];

describe("parseConfig", () => {
  it("applies the defaults", () => {
    expect(parseConfig(required, {})).toEqual({
      kind: "config",
      config: {
        apiUrl: "http://127.0.0.1:3000",
        token: "tok",
        trainerKey: KEY,
        rpcUrl: "http://127.0.0.1:8545",
        trainer: "reference",
        command: undefined,
        workDir: undefined,
        concurrency: 1,
        once: false,
        seed: undefined,
        logLevel: "info",
      },
    });
  });

  it("reads every option from the environment, and a flag wins over its variable", () => {
    const env = {
      POOL_API_URL: "https://crowdtrain.example",
      POOL_TOKEN: "env-token",
      TRAINER_PRIVATE_KEY: KEY,
      RPC_URL: "wss://rpc.example",
      POOL_TRAINER: "command",
      POOL_TRAINER_COMMAND: "python train.py --spec {spec} --out {out}",
      POOL_WORK_DIR: "/data/agent",
      POOL_CONCURRENCY: "3",
      POOL_ONCE: "1",
      POOL_SEED: "42",
      LOG_LEVEL: "debug",
    };
    const fromEnv = parseConfig([], env);
    expect(fromEnv).toMatchObject({
      kind: "config",
      config: {
        apiUrl: "https://crowdtrain.example",
        token: "env-token",
        rpcUrl: "wss://rpc.example",
        trainer: "command",
        command: "python train.py --spec {spec} --out {out}",
        workDir: "/data/agent",
        concurrency: 3,
        once: true,
        seed: 42,
        logLevel: "debug",
      },
    });
    expect(parseConfig(["--token", "flag-token", "--concurrency", "5"], env)).toMatchObject({
      config: { token: "flag-token", concurrency: 5 },
    });
    // An empty variable is unset.
    expect(parseConfig(required, { POOL_API_URL: "" })).toMatchObject({
      config: { apiUrl: "http://127.0.0.1:3000" },
    });
  });

  it("names every bad option with its variable and never echoes a secret", () => {
    const result = parseConfig(
      ["--trainer-key", "0xdeadbeef", "--concurrency", "0", "--api-url", "ftp://x", "--seed", "1.5"],
      {},
    );
    expect(result.kind).toBe("error");
    const message = result.kind === "error" ? result.message : "";
    expect(message).toContain("--token (POOL_TOKEN) is required");
    expect(message).toContain("--trainer-key (TRAINER_PRIVATE_KEY) must be 0x followed by 64 hex digits");
    expect(message).toContain("--rpc-url (RPC_URL) is required");
    expect(message).toContain("--concurrency (POOL_CONCURRENCY) must be at least 1");
    expect(message).toContain("--api-url (POOL_API_URL) must be an http(s) URL");
    expect(message).toContain("--seed (POOL_SEED) must be a whole number");
    expect(message).not.toContain("deadbeef");
  });

  it("requires a valid command template with --trainer command", () => {
    const missing = parseConfig([...required, "--trainer", "command"], {});
    expect(missing).toEqual({
      kind: "error",
      message: "--command (POOL_TRAINER_COMMAND) is required with --trainer command",
    });
    const typo = parseConfig([...required, "--trainer", "command", "--command", "python t.py {output}"], {});
    expect(typo.kind === "error" && typo.message).toMatch(/unknown placeholder \{output\}/);
    const unterminated = parseConfig([...required, "--trainer", "command", "--command", `python "t.py`], {});
    expect(unterminated.kind === "error" && unterminated.message).toMatch(/unterminated " quote/);
    expect(parseConfig([...required, "--trainer", "gpu"], {})).toMatchObject({
      kind: "error",
      message: "--trainer (POOL_TRAINER) must be reference or command",
    });
  });

  it("ignores --command with the reference trainer", () => {
    expect(parseConfig([...required, "--command", "python x.py"], {})).toMatchObject({
      config: { trainer: "reference", command: undefined },
    });
  });

  it("reports unknown options, positionals and --help", () => {
    expect(parseConfig(["--tokn", "x"], {})).toMatchObject({
      kind: "error",
      message: expect.stringMatching(/--tokn/),
    });
    expect(parseConfig(["extra"], {})).toMatchObject({ kind: "error" });
    expect(parseConfig(["--once=maybe"], {})).toMatchObject({ kind: "error" });
    expect(parseConfig(["-h"], {})).toEqual({ kind: "help" });
    expect(parseConfig([...required], { POOL_ONCE: "maybe" })).toMatchObject({
      kind: "error",
      message: "--once (POOL_ONCE) must be 1/true or 0/false",
    });
  });
});
