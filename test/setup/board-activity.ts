/**
 * Real BountyBoard activity on anvil for the indexer tests and benchmark:
 * bounties created, funded by many backers, claimed, submitted, scored,
 * finalized, paid out, refunded, cancelled; revenue deposited and claimed;
 * shares moved. Every call is a real transaction from anvil's accounts.
 */
import { type Address, createTestClient, http, keccak256, stringToHex } from "viem";
import type { HDAccount } from "viem/accounts";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { boardClients as liveBoardClients, usd } from "../../lib/board-client.server.js";
import type { Deployment } from "../../lib/chain.server.js";
import { anvilAccount } from "../../lib/deploy.server.js";

export { usd };

/** The board clients of lib/board-client.server.ts, plus anvil's test client and placeholder bounties. */
export function boardClients(rpcUrl: string, deployment: Deployment) {
  const c = liveBoardClients(rpcUrl, deployment);
  const testClient = createTestClient({
    chain: c.chain,
    transport: http(rpcUrl, { retryCount: 0 }),
    mode: "anvil",
  });
  const { publicClient, board, token, send, approveAll } = c;
  /** A bounty with placeholder spec and eval-set hashes (nothing trains it). */
  async function createBounty(
    dao: HDAccount,
    goal: bigint,
    fundingDays = 7,
    deliveryDays = 30,
  ): Promise<bigint> {
    const now = (await publicClient.getBlock()).timestamp;
    await send(dao, "createBounty", [
      {
        token,
        goal,
        fundingDeadline: now + BigInt(fundingDays) * 86_400n,
        deliveryDeadline: now + BigInt(deliveryDays) * 86_400n,
        specHash: keccak256(stringToHex(`spec ${now}`)),
        evalSetCommitment: keccak256(stringToHex(`eval ${now}`)),
        metricId: stringToHex("accuracy", { size: 32 }),
        targetScore: 800_000n,
        direction: 0,
        bond: usd(5),
        challengeWindow: 3_600,
      },
    ]);
    return c.bountyCount();
  }
  return { publicClient, testClient, board, token, send, approveAll, createBounty };
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
  let submission = 0n;
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
    for (const [t, trainer] of trainers.entries()) {
      await c.send(trainer, "claim", [id]);
      await c.send(trainer, "submitCheckpoint", [
        id,
        keccak256(stringToHex(`ckpt ${id} ${t}`)),
        `crowdtrain://ckpt/${id}/${t}`,
      ]);
      submission++;
      sent += 2;
      if (t === 0 || i % 3 !== 0) {
        await c.send(evaluator, "publishEvaluation", [
          submission,
          BigInt(700_000 + 100_000 * t + i),
          keccak256(stringToHex(`report ${submission}`)),
        ]);
      } else {
        await c.send(evaluator, "disqualifySubmission", [
          submission,
          keccak256(stringToHex(`copy ${submission}`)),
        ]);
      }
      sent++;
    }
    // A share transfer between backers (and one to oneself).
    await c.send(backers[0] as HDAccount, "transfer", [backers[1]?.address as Address, id, usd(1)]);
    await c.send(backers[2] as HDAccount, "transfer", [backers[2]?.address as Address, id, 0n]);
    sent += 2;
  }
  await c.testClient.increaseTime({ seconds: 31 * 86_400 });
  await c.testClient.mine({ blocks: 1 });
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
    if (after.status === 3) {
      const sub = await c.publicClient.readContract({
        address: c.board,
        abi: bountyBoardAbi,
        functionName: "getSubmission",
        args: [after.bestSubmissionId],
      });
      const payee = trainers.find((t) => t.address === sub.trainer);
      if (payee) {
        await c.send(payee, "withdrawPayout", [id]);
        sent++;
      }
      await c.send(backers[3] as HDAccount, "depositRevenue", [id, usd(20)]);
      await c.send(backers[0] as HDAccount, "claimRevenue", [id]);
      sent += 2;
    } else if (after.status === 4 || after.status === 5) {
      for (const backer of backers.slice(0, 2)) {
        await c.send(backer, "refund", [id]);
        sent++;
      }
    }
  }
  return { sent, ids };
}
