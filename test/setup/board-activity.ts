/**
 * Real BountyBoard activity (protocol v2) on anvil for the indexer tests and
 * benchmark: bounties created, funded by many backers, claimed, checkpoints
 * committed and revealed (one a duplicate the board disqualifies itself),
 * scored, disqualified as copies, finalized, unlocked, paid out, refunded,
 * cancelled; revenue deposited and claimed; shares moved. Every call is a real
 * transaction from anvil's accounts.
 */
import { type Address, createTestClient, type Hex, http, keccak256, stringToHex } from "viem";
import type { HDAccount } from "viem/accounts";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { anvilAccount } from "../../core/dev-chain.js";
import { evalSetCommitment } from "../../ml/evalset.js";
import {
  checkpointCommitment,
  createBountyArgs,
  DEV_BOUNTY_PERIODS,
  boardClients as liveBoardClients,
  randomSalt,
  usd,
} from "../../scripts/lib/board-client.js";
import type { Deployment } from "../../server/chain.js";

export { checkpointCommitment, createBountyArgs, DEV_BOUNTY_PERIODS, randomSalt, usd };

/** The placeholder eval set of `createBounty`'s bounties: its sha256 and salt, so `revealEvalSet` checks out. */
export const PLACEHOLDER_EVAL_SET = {
  sha256: keccak256(stringToHex("placeholder eval set")),
  salt: keccak256(stringToHex("placeholder eval-set salt")),
  uri: "crowdtrain://eval-sets/placeholder",
} as const;

/** The DAO account of the tests (anvil 1); it is also each test bounty's arbiter (never an evaluator). */
export const TEST_ARBITER = anvilAccount(1);

/** The board clients of scripts/lib/board-client.ts, plus anvil's test client and placeholder bounties. */
export function boardClients(rpcUrl: string, deployment: Deployment) {
  const c = liveBoardClients(rpcUrl, deployment);
  const testClient = createTestClient({
    chain: c.chain,
    transport: http(rpcUrl, { retryCount: 0 }),
    mode: "anvil",
  });
  const { publicClient, board, token, send, approveAll, commit, commitAndReveal, wallet } = c;
  /**
   * A bounty with a placeholder spec and eval set (PLACEHOLDER_EVAL_SET; nothing trains it), scored by accuracy
   * (target 0.8), a bond of 5 ctUSD, the DAO as its arbiter, an hour for each period, and overfunding allowed.
   */
  async function createBounty(
    dao: HDAccount,
    goal: bigint,
    fundingDays = 7,
    deliveryDays = 30,
  ): Promise<bigint> {
    const now = (await publicClient.getBlock()).timestamp;
    await send(
      dao,
      "createBounty",
      createBountyArgs({
        token,
        goal,
        fundingDeadline: now + BigInt(fundingDays) * 86_400n,
        deliveryDeadline: now + BigInt(deliveryDays) * 86_400n,
        specHash: keccak256(stringToHex(`spec ${now}`)),
        evalSetCommitment: evalSetCommitment(PLACEHOLDER_EVAL_SET.sha256, PLACEHOLDER_EVAL_SET.salt),
        metricId: stringToHex("accuracy", { size: 32 }),
        targetScore: 800_000_000n,
        direction: 0,
        bond: usd(5),
        arbiter: dao.address,
        // Backers fund in many rounds, past the goal too (the indexer's projections see every contribution).
        allowOverfunding: true,
      }),
    );
    return c.bountyCount();
  }
  /** Reveals a placeholder bounty's eval set (PLACEHOLDER_EVAL_SET) from `from`. */
  function revealEvalSet(from: HDAccount, bountyId: bigint): Promise<Hex> {
    return send(from, "revealEvalSet", [
      bountyId,
      PLACEHOLDER_EVAL_SET.sha256,
      PLACEHOLDER_EVAL_SET.salt,
      PLACEHOLDER_EVAL_SET.uri,
    ]);
  }
  return {
    publicClient,
    testClient,
    board,
    token,
    send,
    wallet,
    approveAll,
    createBounty,
    commit,
    commitAndReveal,
    revealEvalSet,
  };
}

export type BoardClients = ReturnType<typeof boardClients>;

/**
 * A mixed history: `bounties` bounties, each funded `rounds` times by each of the backers, then
 * taken through a different ending. Returns how many transactions it sent.
 */
export async function generateActivity(c: BoardClients, options: { bounties: number; rounds: number }) {
  const dao = anvilAccount(1);
  const evaluator = anvilAccount(2);
  const backers = [3, 4, 5, 6].map(anvilAccount);
  const trainers = [7, 8].map(anvilAccount);
  await c.approveAll([...backers, ...trainers]);
  let sent = 0;
  const ids: bigint[] = [];
  for (let i = 0; i < options.bounties; i++) {
    // Most reach their goal; every fourth cannot (it fails or is cancelled).
    ids.push(await c.createBounty(dao, i % 4 === 3 ? usd(10_000) : usd(40 + 10 * i)));
    sent++;
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const [i, id] of ids.entries()) {
      for (const [b, backer] of backers.entries()) {
        await c.send(backer, "fund", [id, usd(5 + ((i + b + round) % 7))]);
        sent++;
      }
    }
  }
  for (const [i, id] of ids.entries()) {
    const bounty = await c.publicClient.readContract({
      address: c.board,
      abi: bountyBoardAbi,
      functionName: "getBounty",
      args: [id],
    });
    if (bounty.status === 1) {
      // Not funded: the DAO cancels every other one; the rest fail at the deadline later.
      if (i % 8 === 3) {
        await c.send(dao, "cancelBounty", [id]);
        sent++;
      }
      continue;
    }
    const revealed: bigint[] = [];
    for (const [t, trainer] of trainers.entries()) {
      await c.send(trainer, "claim", [id]);
      const { submissionId } = await c.commitAndReveal(
        trainer,
        id,
        keccak256(stringToHex(`ckpt ${id} ${t}`)),
        `crowdtrain://ckpt/${id}/${t}`,
      );
      revealed.push(submissionId);
      sent += 3;
      if (t === 0 || i % 3 !== 0) {
        await c.send(evaluator, "publishEvaluation", [
          submissionId,
          BigInt(700_000_000 + 100_000_000 * t + i),
          keccak256(stringToHex(`report ${submissionId}`)),
        ]);
      } else {
        // The evaluator found a copy of the earlier submission.
        await c.send(evaluator, "disqualifySubmission", [
          submissionId,
          keccak256(stringToHex(`copy ${submissionId}`)),
          revealed[0] as bigint,
        ]);
      }
      sent++;
    }
    if (i % 4 === 1) {
      // A later commit revealing the first trainer's checkpoint: the board disqualifies it as a duplicate.
      const copier = trainers[1] as HDAccount;
      await c.commitAndReveal(
        copier,
        id,
        keccak256(stringToHex(`ckpt ${id} 0`)),
        `crowdtrain://ckpt/${id}/0`,
      );
      sent += 2;
    }
    // A share transfer between backers (and one to oneself).
    await c.send(backers[0] as HDAccount, "transfer", [backers[1]?.address as Address, id, usd(1)]);
    await c.send(backers[2] as HDAccount, "transfer", [backers[2]?.address as Address, id, 0n]);
    sent += 2;
  }
  await c.testClient.increaseTime({ seconds: 31 * 86_400 });
  await c.testClient.mine({ blocks: 1 });
  const verifying: bigint[] = [];
  for (const id of ids) {
    const bounty = await c.publicClient.readContract({
      address: c.board,
      abi: bountyBoardAbi,
      functionName: "getBounty",
      args: [id],
    });
    if (bounty.status === 1 || bounty.status === 2) {
      await c.send(dao, "finalize", [id]);
      sent++;
    }
    const after = await c.publicClient.readContract({
      address: c.board,
      abi: bountyBoardAbi,
      functionName: "getBounty",
      args: [id],
    });
    if (after.status === 6) {
      // Verifying: the eval set is revealed; the payout unlocks after the verification period.
      await c.revealEvalSet(dao, id);
      verifying.push(id);
      sent++;
    } else if (after.status === 4 || after.status === 5) {
      for (const backer of backers.slice(0, 2)) {
        await c.send(backer, "refund", [id, backer.address]);
        sent++;
      }
    }
  }
  await c.testClient.increaseTime({ seconds: DEV_BOUNTY_PERIODS.verificationPeriod + 1 });
  await c.testClient.mine({ blocks: 1 });
  for (const id of verifying) {
    await c.send(dao, "unlockPayout", [id]);
    sent++;
    const after = await c.publicClient.readContract({
      address: c.board,
      abi: bountyBoardAbi,
      functionName: "getBounty",
      args: [id],
    });
    if (after.status === 3) {
      const sub = await c.publicClient.readContract({
        address: c.board,
        abi: bountyBoardAbi,
        functionName: "getSubmission",
        args: [after.bestSubmissionId],
      });
      const payee = trainers.find((t) => t.address === sub.trainer);
      if (payee) {
        await c.send(payee, "withdrawPayout", [id, payee.address]);
        sent++;
      }
      await c.send(backers[3] as HDAccount, "depositRevenue", [id, usd(20)]);
      await c.send(backers[0] as HDAccount, "claimRevenue", [id, (backers[0] as HDAccount).address]);
      sent += 2;
    }
  }
  return { sent, ids };
}
