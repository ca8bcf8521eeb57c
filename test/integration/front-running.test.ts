/**
 * Front-running a reveal on anvil (protocol v2, ADR 016): a second trainer watches the mempool (automine off,
 * a pending-transaction filter), sees the victim's `revealCheckpoint`, copies its (hash, uri, salt) into a
 * commit of its own, paid to land first, and reveals it in the next block. Precedence is commit order: the
 * victim's commit came first, so the copier's reveal is disqualified by the board as a duplicate
 * (DUPLICATE_REPORT, copyOf = the victim), its bond is forfeit, and the victim is scored, wins and is paid.
 */
import { decodeFunctionData, type Hex, parseGwei } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bountyBoardAbi, testTokenAbi } from "../../contracts/abi.js";
import { DUPLICATE_REPORT } from "../../core/board.js";
import { anvilAccount } from "../../core/dev-chain.js";
import { type DeployResult, deployContracts } from "../../jobs/deployments/deploy.js";
import {
  type BoardClients,
  boardClients,
  checkpointCommitment,
  DEV_BOUNTY_PERIODS,
  randomSalt,
  usd,
} from "../setup/board-activity.js";
import { startTestAnvil, type TestService, tempDir, waitUntil } from "../setup/fixtures.js";

const dir = tempDir("front-running");
const dao = anvilAccount(1);
const evaluator = anvilAccount(2);
const backer = anvilAccount(3);
const victim = anvilAccount(7);
const copier = anvilAccount(8);
let anvil: TestService;
let deployed: DeployResult;
let c: BoardClients;

beforeAll(async () => {
  anvil = await startTestAnvil();
  deployed = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir });
  c = boardClients(anvil.url, deployed.deployment);
  await c.approveAll([backer, victim, copier]);
}, 120_000);

afterAll(async () => {
  await c?.testClient.setAutomine(true).catch(() => {});
  await anvil?.stop();
  dir.remove();
});

const read = <T>(functionName: string, args: readonly unknown[]): Promise<T> =>
  c.publicClient.readContract({
    address: c.board,
    abi: bountyBoardAbi,
    functionName: functionName as never,
    args: args as never,
  }) as Promise<T>;

const balanceOf = (account: Hex) =>
  c.publicClient.readContract({
    address: c.token,
    abi: testTokenAbi,
    functionName: "balanceOf",
    args: [account],
  });

describe("a copier watching the mempool", () => {
  it("copies a pending reveal into its own commit and reveal, and cannot win", async () => {
    const bountyId = await c.createBounty(dao, usd(100));
    await c.send(backer, "fund", [bountyId, usd(100)]);
    await c.send(victim, "claim", [bountyId]);
    await c.send(copier, "claim", [bountyId]);

    // The victim commits (mined), then reveals: with automine off, the reveal waits in the mempool.
    const checkpointHash = `0x${"5e".repeat(32)}` as Hex;
    const uri = "http://127.0.0.1:3000/artifacts/5e5e";
    const salt = randomSalt();
    await c.commit(victim, bountyId, checkpointHash, salt);
    const [victimId] = await read<[bigint, bigint]>("submissionOfCommitment", [
      bountyId,
      checkpointCommitment(checkpointHash, victim.address, salt),
    ]);
    expect(victimId).toBeGreaterThan(0n);

    await c.testClient.setAutomine(false);
    const filter = await c.publicClient.createPendingTransactionFilter();
    const revealTx = await c.wallet(victim).writeContract({
      address: c.board,
      abi: bountyBoardAbi,
      functionName: "revealCheckpoint",
      args: [bountyId, checkpointHash, uri, salt],
      gas: 500_000n,
      maxFeePerGas: parseGwei("10"),
      maxPriorityFeePerGas: parseGwei("1"),
    });

    // The copier sees it, decodes it, and commits to the same checkpoint with a higher tip, to land first.
    const seen = await waitUntil(
      "the victim's reveal in the mempool",
      async () => {
        const hashes = await c.publicClient.getFilterChanges({ filter });
        for (const hash of hashes) {
          const tx = await c.publicClient.getTransaction({ hash });
          if (tx.to?.toLowerCase() !== c.board.toLowerCase()) continue;
          const call = decodeFunctionData({ abi: bountyBoardAbi, data: tx.input });
          if (call.functionName === "revealCheckpoint") return { hash, args: call.args };
        }
        return undefined;
      },
      10_000,
    );
    expect(seen.hash).toBe(revealTx);
    const [, copiedHash, copiedUri, copiedSalt] = seen.args as readonly [bigint, Hex, string, Hex];
    expect(copiedHash).toBe(checkpointHash);
    const copierSalt = randomSalt();
    const copierCommit = await c.wallet(copier).writeContract({
      address: c.board,
      abi: bountyBoardAbi,
      functionName: "commitCheckpoint",
      args: [bountyId, checkpointCommitment(copiedHash, copier.address, copierSalt)],
      gas: 500_000n,
      maxFeePerGas: parseGwei("50"),
      maxPriorityFeePerGas: parseGwei("40"),
    });
    // The copier could also reuse the victim's salt: the commitment binds the trainer, so it cannot be the same.
    expect(checkpointCommitment(copiedHash, copier.address, copiedSalt)).not.toBe(
      checkpointCommitment(checkpointHash, victim.address, salt),
    );

    // One block holds both: the copier's commit first (its tip), then the victim's reveal.
    await c.testClient.mine({ blocks: 1 });
    const [commitReceipt, revealReceipt] = await Promise.all([
      c.publicClient.getTransactionReceipt({ hash: copierCommit }),
      c.publicClient.getTransactionReceipt({ hash: revealTx }),
    ]);
    expect(commitReceipt.status).toBe("success");
    expect(revealReceipt.status).toBe("success");
    expect(commitReceipt.blockNumber).toBe(revealReceipt.blockNumber);
    expect(commitReceipt.transactionIndex).toBeLessThan(revealReceipt.transactionIndex);
    await c.testClient.setAutomine(true);

    // The copier reveals in the next block: its commit came after the victim's, so it is the copy.
    const [copierId] = await read<[bigint, bigint]>("submissionOfCommitment", [
      bountyId,
      checkpointCommitment(copiedHash, copier.address, copierSalt),
    ]);
    expect(copierId).toBeGreaterThan(victimId);
    await c.send(copier, "revealCheckpoint", [bountyId, copiedHash, copiedUri, copierSalt]);
    const copy = await read<{ verdict: number; copyOf: bigint; reportHash: Hex; marked: boolean }>(
      "getSubmission",
      [copierId],
    );
    expect(copy).toMatchObject({ verdict: 2, copyOf: victimId, reportHash: DUPLICATE_REPORT, marked: true });
    expect(await read<bigint>("submissionOf", [bountyId, checkpointHash])).toBe(victimId);

    // The evaluator scores the victim; the bounty finalizes to it, and after verification pays it.
    await c.send(evaluator, "publishEvaluation", [victimId, 900_000_000n, `0x${"a1".repeat(32)}`]);
    await expect(
      c.send(evaluator, "publishEvaluation", [copierId, 950_000_000n, `0x${"a2".repeat(32)}`]),
    ).rejects.toThrow();
    await c.testClient.increaseTime({ seconds: DEV_BOUNTY_PERIODS.challengeWindow + 1 });
    await c.testClient.mine({ blocks: 1 });
    await c.send(dao, "finalize", [bountyId]);
    const verifying = await read<{ status: number; bestSubmissionId: bigint }>("getBounty", [bountyId]);
    expect(verifying).toMatchObject({ status: 6, bestSubmissionId: victimId });
    await c.revealEvalSet(dao, bountyId);
    await c.testClient.increaseTime({ seconds: DEV_BOUNTY_PERIODS.verificationPeriod + 1 });
    await c.testClient.mine({ blocks: 1 });
    await c.send(dao, "unlockPayout", [bountyId]);

    const before = await balanceOf(victim.address);
    await c.send(victim, "withdrawPayout", [bountyId, victim.address]);
    expect((await balanceOf(victim.address)) - before).toBe(usd(100) - (usd(100) * 250n) / 10_000n);
    await expect(c.send(copier, "withdrawPayout", [bountyId, copier.address])).rejects.toThrow();

    // The victim's bond comes back; the copier's goes to the backers.
    await c.send(victim, "withdrawBond", [bountyId, victim.address]);
    await expect(c.send(copier, "withdrawBond", [bountyId, copier.address])).rejects.toThrow();
    await c.send(backer, "forfeitBond", [bountyId, copier.address]);
    expect(await read<bigint>("claimableRevenue", [bountyId, backer.address])).toBe(usd(5));
  });
});
