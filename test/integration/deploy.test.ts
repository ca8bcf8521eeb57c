import { readFileSync } from "node:fs";
import path from "node:path";
import { createPublicClient, formatUnits, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTokenAbi } from "../../contracts/abi.js";
import { readDeployment } from "../../lib/chain.server.js";
import { anvilAccount, DEV_TOKEN, deployContracts } from "../../lib/deploy.server.js";
import { buildContracts, renderAbiModule } from "../../scripts/gen-abi.js";
import { startTestAnvil, type TestService, tempDir } from "../setup/fixtures.js";

const root = path.resolve(import.meta.dirname, "../..");

describe("typed ABIs", () => {
  it("contracts/abi.ts matches the current forge build (run `npm run contracts:gen` if not)", async () => {
    buildContracts();
    expect(readFileSync(path.join(root, "contracts/abi.ts"), "utf8")).toBe(renderAbiModule());
  });
});

describe("deployContracts on anvil", () => {
  let anvil: TestService;
  const dir = tempDir("deploy");

  beforeAll(async () => {
    anvil = await startTestAnvil();
  });
  afterAll(async () => {
    await anvil?.stop();
    dir.remove();
  });

  it("deploys the test token, funds anvil's accounts and writes the deployment file", async () => {
    const result = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir });
    expect(result.reused).toBe(false);
    expect(result.file).toBe(path.join(dir.dir, "31337.json"));
    expect(await readDeployment({ DEPLOYMENTS_DIR: dir.dir }, 31_337)).toEqual(result.deployment);

    const token = result.deployment.contracts.TestToken;
    if (!token) throw new Error("no TestToken in the deployment");
    const client = createPublicClient({ transport: http(anvil.url) });
    const read = (functionName: "symbol" | "decimals" | "totalSupply") =>
      client.readContract({ address: token.address as `0x${string}`, abi: testTokenAbi, functionName });
    expect(await read("symbol")).toBe(DEV_TOKEN.symbol);
    expect(await read("decimals")).toBe(DEV_TOKEN.decimals);
    const balance = await client.readContract({
      address: token.address as `0x${string}`,
      abi: testTokenAbi,
      functionName: "balanceOf",
      args: [anvilAccount(9).address],
    });
    expect(formatUnits(balance, DEV_TOKEN.decimals)).toBe(DEV_TOKEN.mintPerAccount);
    expect(await read("totalSupply")).toBe(balance * 10n);
  });

  it("reuses a live deployment, and redeploys with force", async () => {
    const first = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir });
    expect(first.reused).toBe(true);
    const forced = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir, force: true });
    expect(forced.reused).toBe(false);
    expect(forced.deployment.contracts.TestToken?.address).not.toBe(
      first.deployment.contracts.TestToken?.address,
    );
  });

  it("redeploys when the recorded contracts are gone from the chain", async () => {
    const other = tempDir("deploy-stale");
    const fresh = await startTestAnvil();
    try {
      // A deployment file from `anvil` points at nothing on the fresh chain.
      const stale = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: other.dir, force: true });
      const result = await deployContracts({ rpcUrl: fresh.url, deploymentsDir: other.dir });
      expect(result.reused).toBe(false);
      expect(result.deployment.deployedAt >= stale.deployment.deployedAt).toBe(true);
    } finally {
      await fresh.stop();
      other.remove();
    }
  });

  it("refuses to guess a deployer key on a chain that is not anvil", async () => {
    const other = await startTestAnvil(1_337);
    try {
      await expect(deployContracts({ rpcUrl: other.url, deploymentsDir: dir.dir })).rejects.toThrow(
        "DEPLOYER_PRIVATE_KEY is required to deploy on chain 1337",
      );
    } finally {
      await other.stop();
    }
  });
});
