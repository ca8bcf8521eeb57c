import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  type Address,
  createPublicClient,
  formatUnits,
  getAddress,
  type Hex,
  http,
  type PublicClient,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bountyBoardAbi, testTokenAbi } from "../../contracts/abi.js";
import { BOARD_ROLES, type BoardRole } from "../../core/board.js";
import { anvilAccount, DEV_TOKEN } from "../../core/dev-chain.js";
import { deployContracts } from "../../jobs/deployments/deploy.js";
import { buildContracts, renderAbiModule } from "../../scripts/lib/contracts-build.js";
import { readDeployment } from "../../server/chain.js";
import { startTestAnvil, type TestService, tempDir } from "../setup/fixtures.js";

const root = path.resolve(import.meta.dirname, "../..");
/** anvil account 0's well-known key, to deploy on a non-31337 anvil as on a real chain. */
const ANVIL_KEY_0: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const account = (index: number) => anvilAccount(index).address;

/** Which of `candidates` hold `role` on the board, read from the chain. */
async function holders(client: PublicClient, board: Address, role: BoardRole, candidates: Address[]) {
  const held: Address[] = [];
  for (const candidate of candidates) {
    const has = await client.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "hasRole",
      args: [BOARD_ROLES[role], candidate],
    });
    if (has) held.push(candidate);
  }
  return held;
}

const allAccounts = Array.from({ length: 10 }, (_, i) => account(i));

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

  it("deploys the test token and the board, funds anvil's accounts and writes the deployment file", async () => {
    const result = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir });
    expect(result.reused).toBe(false);
    expect(result.file).toBe(path.join(dir.dir, "31337.json"));
    expect(await readDeployment({ DEPLOYMENTS_DIR: dir.dir }, 31_337)).toEqual(result.deployment);
    expect(Object.keys(result.deployment.contracts)).toEqual(["TestToken", "BountyLogic", "BountyBoard"]);

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

  it("deploys the BountyBoard with the dev defaults: token allowlisted, fee 250 bps, roles granted and recorded", async () => {
    const deployment = await readDeployment({ DEPLOYMENTS_DIR: dir.dir }, 31_337);
    if (!deployment) throw new Error("no deployment file");
    const token = getAddress(deployment.contracts.TestToken?.address ?? "");
    const boardRecord = deployment.contracts.BountyBoard;
    if (!boardRecord) throw new Error("no BountyBoard in the deployment");
    const board = getAddress(boardRecord.address);
    expect(deployment.bountyBoard).toEqual({
      feeRecipient: account(0),
      feeBps: 250,
      allowedTokens: [token],
      roles: { DEFAULT_ADMIN_ROLE: [account(0)], DAO_ROLE: [account(1)], EVALUATOR_ROLE: [account(2)] },
    });
    // The board comes after the token, and the deployment file's readers without the section still parse it.
    expect(boardRecord.blockNumber).toBeGreaterThan(deployment.contracts.TestToken?.blockNumber ?? Infinity);

    const client = createPublicClient({ transport: http(anvil.url) }) as PublicClient;
    const receipt = await client.getTransactionReceipt({ hash: boardRecord.txHash as Hex });
    expect(receipt.contractAddress && getAddress(receipt.contractAddress)).toBe(board);
    const read = { address: board, abi: bountyBoardAbi } as const;
    expect(await client.readContract({ ...read, functionName: "DAO_ROLE" })).toBe(BOARD_ROLES.DAO_ROLE);
    expect(await client.readContract({ ...read, functionName: "EVALUATOR_ROLE" })).toBe(
      BOARD_ROLES.EVALUATOR_ROLE,
    );
    expect(await client.readContract({ ...read, functionName: "feeConfig" })).toEqual([250, account(0)]);
    expect(await client.readContract({ ...read, functionName: "isTokenAllowed", args: [token] })).toBe(true);
    expect(await client.readContract({ ...read, functionName: "counts" })).toEqual([0n, 0n, 0n]);
    expect(await holders(client, board, "DEFAULT_ADMIN_ROLE", allAccounts)).toEqual([account(0)]);
    expect(await holders(client, board, "DAO_ROLE", allAccounts)).toEqual([account(1)]);
    expect(await holders(client, board, "EVALUATOR_ROLE", allAccounts)).toEqual([account(2)]);
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

  it("redeploys when the deployment file has no BountyBoard (a file from before the board)", async () => {
    const current = await readDeployment({ DEPLOYMENTS_DIR: dir.dir }, 31_337);
    if (!current?.contracts.BountyBoard) throw new Error("no BountyBoard in the deployment");
    const { BountyBoard: _, ...tokenOnly } = current.contracts;
    const { bountyBoard: __, ...old } = current;
    writeFileSync(path.join(dir.dir, "31337.json"), JSON.stringify({ ...old, contracts: tokenOnly }));
    const messages: string[] = [];
    const result = await deployContracts({
      rpcUrl: anvil.url,
      deploymentsDir: dir.dir,
      log: (m) => messages.push(m),
    });
    expect(result.reused).toBe(false);
    expect(messages[0]).toMatch(/^redeploying: .* cannot be reused \(it has no BountyBoard\)$/);
    expect(result.deployment.contracts.BountyBoard?.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(result.deployment.contracts.BountyBoard?.address).not.toBe(current.contracts.BountyBoard.address);
    expect((await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir })).reused).toBe(true);
  });

  it("deploys with configured settings, hands the admin role over, and redeploys on anvil when they change", async () => {
    const other = tempDir("deploy-config");
    try {
      const options = {
        rpcUrl: anvil.url,
        deploymentsDir: other.dir,
        boardAdmin: account(3),
        daoAddresses: [account(4), account(5)],
        evaluatorAddresses: [account(6)],
        feeRecipient: account(7),
        platformFeeBps: 0,
      };
      const result = await deployContracts(options);
      expect(result.reused).toBe(false);
      const board = getAddress(result.deployment.contracts.BountyBoard?.address ?? "");
      expect(result.deployment.bountyBoard?.roles).toEqual({
        DEFAULT_ADMIN_ROLE: [account(3)],
        DAO_ROLE: [account(4), account(5)],
        EVALUATOR_ROLE: [account(6)],
      });
      const client = createPublicClient({ transport: http(anvil.url) }) as PublicClient;
      // The deployer set the board up, then renounced its admin role to the configured admin.
      expect(await holders(client, board, "DEFAULT_ADMIN_ROLE", allAccounts)).toEqual([account(3)]);
      expect(await holders(client, board, "DAO_ROLE", allAccounts)).toEqual([account(4), account(5)]);
      expect(await holders(client, board, "EVALUATOR_ROLE", allAccounts)).toEqual([account(6)]);
      expect(
        await client.readContract({ address: board, abi: bountyBoardAbi, functionName: "feeConfig" }),
      ).toEqual([0, account(7)]);

      expect((await deployContracts(options)).reused).toBe(true);
      // Another order of the same accounts is the same configuration.
      expect((await deployContracts({ ...options, daoAddresses: [account(5), account(4)] })).reused).toBe(
        true,
      );

      const messages: string[] = [];
      const changed = await deployContracts({
        ...options,
        platformFeeBps: 100,
        log: (m) => messages.push(m),
      });
      expect(changed.reused).toBe(false);
      expect(messages[0]).toContain("its BountyBoard was deployed with fee 0 bps, now 100");
      expect(changed.deployment.bountyBoard?.feeBps).toBe(100);
    } finally {
      other.remove();
    }
  });

  it("rejects a fee above the contract's maximum before sending anything", async () => {
    const other = tempDir("deploy-fee");
    try {
      await expect(
        deployContracts({ rpcUrl: anvil.url, deploymentsDir: other.dir, platformFeeBps: 1001 }),
      ).rejects.toThrow("PLATFORM_FEE_BPS must be a whole number from 0 to 1000, not 1001");
      expect(await readDeployment({ DEPLOYMENTS_DIR: other.dir }, 31_337)).toBeUndefined();
    } finally {
      other.remove();
    }
  });

  it("on another chain: requires a fee recipient, deploys only the board, and never replaces it on a settings change", async () => {
    const chain = await startTestAnvil(1_337);
    const other = tempDir("deploy-chain");
    try {
      const base = { rpcUrl: chain.url, deploymentsDir: other.dir, privateKey: ANVIL_KEY_0 };
      await expect(deployContracts(base)).rejects.toThrow(
        "FEE_RECIPIENT is required to deploy on chain 1337 (only anvil has a default)",
      );
      const result = await deployContracts({ ...base, feeRecipient: account(8) });
      expect(Object.keys(result.deployment.contracts)).toEqual(["BountyLogic", "BountyBoard"]);
      expect(result.deployment.bountyBoard).toEqual({
        feeRecipient: account(8),
        feeBps: 250,
        allowedTokens: [],
        roles: { DEFAULT_ADMIN_ROLE: [account(0)], DAO_ROLE: [], EVALUATOR_ROLE: [] },
      });
      expect((await deployContracts({ ...base, feeRecipient: account(8) })).reused).toBe(true);
      await expect(
        deployContracts({ ...base, feeRecipient: account(8), daoAddresses: [account(1)] }),
      ).rejects.toThrow(
        /was deployed with DAO_ROLE holders none, now 0x70997970C51812dc3A010C7d01b50e0d17dc79C8; .* --force/,
      );
    } finally {
      await chain.stop();
      other.remove();
    }
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
