/**
 * `npm run bench:gas`: what each BountyBoard call costs a user, measured as
 * whole transactions (receipt gasUsed, so the 21,000 base and calldata are
 * included) on a private anvil, with the contracts deployed as `npm run dev`
 * deploys them and the dev test token (an OpenZeppelin ERC20Permit, 6 decimals).
 *
 * Fund figures are also given as a ratio to their floor, measured in the same
 * run: 21,000 + the token's own transferFrom (a standalone transferFrom
 * transaction of the same amount, minus 21,000) + one new storage slot
 * (22,100: 20,000 set + 2,100 cold access) for a first contribution.
 *
 * Prints a table, then one JSON line: {"bench":"gas",...}.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  getAddress,
  type Hash,
  http,
  keccak256,
  maxUint256,
  parseSignature,
  parseUnits,
  stringToHex,
} from "viem";
import type { HDAccount } from "viem/accounts";
import { anvil as anvilChain } from "viem/chains";
import { bountyBoardAbi, testTokenAbi } from "../contracts/abi.js";
import { anvilAccount, DEV_TOKEN } from "../core/dev-chain.js";
import { permitTypedData } from "../core/permit.js";
import { deployContracts } from "../jobs/deployments/index.js";
import { evalSetCommitment } from "../ml/evalset.js";
import { checkpointCommitment, createBountyArgs } from "../scripts/lib/board-client.js";
import { freePort } from "../scripts/lib/processes.js";
import { startAnvil } from "../scripts/lib/services.js";
import { boardAddress } from "../server/chain.js";

/** Issue 18's targets; commit + reveal against v1's submitCheckpoint (173,650) + 30,000. */
const V1_SUBMIT_CHECKPOINT = 173_650;
const TARGETS = {
  fundFirst: 80_000,
  fundRepeat: 62_000,
  refund: 48_000,
  commitAndReveal: V1_SUBMIT_CHECKPOINT + 30_000,
} as const;
const NEW_SLOT = 22_100;
const usd = (amount: string) => parseUnits(amount, DEV_TOKEN.decimals);

const dao = anvilAccount(1);
const evaluator = anvilAccount(2);
const [backer1, backer2, backer3, trainer, spender, trainer2] = [3, 4, 5, 6, 7, 8].map(anvilAccount) as [
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
];

const dir = mkdtempSync(path.join(tmpdir(), "crowdtrain-bench-gas-"));
const anvil = await startAnvil({ port: await freePort() });
try {
  const transport = http(anvil.url, { retryCount: 0 });
  const publicClient = createPublicClient({ chain: anvilChain, transport });
  const testClient = createTestClient({ chain: anvilChain, transport, mode: "anvil" });
  const wallet = (account: HDAccount) => createWalletClient({ account, chain: anvilChain, transport });

  const { deployment } = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir });
  const board = boardAddress(deployment);
  const token = getAddress(deployment.contracts.TestToken?.address ?? "");

  async function gas(hash: Hash): Promise<number> {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return Number(receipt.gasUsed);
  }
  const boardCall = (account: HDAccount) => ({ address: board, abi: bountyBoardAbi, account }) as const;
  const approve = (account: HDAccount, spenderAddress: Address) =>
    wallet(account).writeContract({
      address: token,
      abi: testTokenAbi,
      functionName: "approve",
      args: [spenderAddress, maxUint256],
    });

  for (const account of [backer1, backer2, trainer, trainer2]) await gas(await approve(account, board));

  const evalSet = { sha256: keccak256(stringToHex("eval set")), salt: keccak256(stringToHex("salt")) };
  async function createBounty(): Promise<bigint> {
    const now = (await publicClient.getBlock()).timestamp;
    const hash = await wallet(dao).writeContract({
      ...boardCall(dao),
      functionName: "createBounty",
      args: createBountyArgs({
        token,
        goal: usd("1000"),
        fundingDeadline: now + 7n * 86_400n,
        deliveryDeadline: now + 30n * 86_400n,
        specHash: keccak256(stringToHex("spec")),
        evalSetCommitment: evalSetCommitment(evalSet.sha256, evalSet.salt),
        metricId: stringToHex("accuracy", { size: 32 }),
        targetScore: 800_000_000n,
        direction: 0,
        bond: usd("10"),
        arbiter: dao.address,
        disputeBond: usd("5"),
        challengeWindow: 86_400,
        revealPeriod: 86_400,
        evaluationPeriod: 86_400,
        verificationPeriod: 2 * 86_400,
      }),
    });
    const used = await gas(hash);
    figures.createBounty ??= used;
    const [bounties] = await publicClient.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "counts",
    });
    return bounties;
  }
  const fund = async (account: HDAccount, id: bigint, amount: string) =>
    gas(
      await wallet(account).writeContract({
        ...boardCall(account),
        functionName: "fund",
        args: [id, usd(amount)],
      }),
    );

  const figures: Record<string, number> = {};

  // Fulfilled path.
  const id = await createBounty();
  figures.fundFirstOfBounty = await fund(backer1, id, "100"); // the bounty's first contribution
  figures.fundFirst = await fund(backer2, id, "300"); // a backer's first contribution to a funded-into bounty
  figures.fundRepeat = await fund(backer2, id, "100");

  // Permit: sign, then fund in one transaction (backer3 has no allowance).
  const deadline = (await publicClient.getBlock()).timestamp + 3600n;
  const nonce = await publicClient.readContract({
    address: token,
    abi: testTokenAbi,
    functionName: "nonces",
    args: [backer3.address],
  });
  const signature = await backer3.signTypedData(
    permitTypedData({
      domain: { name: DEV_TOKEN.name, version: "1", chainId: anvilChain.id, verifyingContract: token },
      owner: backer3.address,
      spender: board,
      value: usd("600"),
      nonce,
      deadline,
    }),
  );
  const { v, r, s } = parseSignature(signature);
  figures.fundWithPermit = await gas(
    await wallet(backer3).writeContract({
      ...boardCall(backer3),
      functionName: "fundWithPermit",
      args: [id, usd("600"), deadline, Number(v), r, s],
    }),
  );

  const send = async (account: HDAccount, functionName: string, args: readonly unknown[]) =>
    gas(
      await wallet(account).writeContract({
        ...boardCall(account),
        functionName: functionName as never,
        args: args as never,
      }),
    );
  const latestSubmission = async () =>
    (await publicClient.readContract({ address: board, abi: bountyBoardAbi, functionName: "counts" }))[1];

  figures.claim = await send(trainer, "claim", [id]);
  const checkpoint = keccak256(stringToHex("checkpoint"));
  const salt = keccak256(stringToHex("trainer's salt"));
  figures.commitCheckpoint = await send(trainer, "commitCheckpoint", [
    id,
    checkpointCommitment(checkpoint, trainer.address, salt),
  ]);
  const first = await latestSubmission();
  figures.revealCheckpoint = await send(trainer, "revealCheckpoint", [
    id,
    checkpoint,
    "crowdtrain://artifacts/sha256/ab12",
    salt,
  ]);
  figures.commitAndReveal = figures.commitCheckpoint + figures.revealCheckpoint;
  figures.publishEvaluation = await send(evaluator, "publishEvaluation", [
    first,
    900_000_000n,
    keccak256(stringToHex("report")),
  ]);
  // A second trainer's copy, found by the evaluator.
  await send(trainer2, "claim", [id]);
  const copy = keccak256(stringToHex("a near copy"));
  await send(trainer2, "commitCheckpoint", [id, checkpointCommitment(copy, trainer2.address, salt)]);
  const second = await latestSubmission();
  await send(trainer2, "revealCheckpoint", [id, copy, "crowdtrain://artifacts/sha256/cd34", salt]);
  figures.disqualifySubmission = await send(evaluator, "disqualifySubmission", [
    second,
    keccak256(stringToHex("copy report")),
    first,
  ]);
  // A dispute of the score, rejected by the arbiter: its bond goes to the trainer.
  figures.dispute = await send(backer1, "dispute", [first, keccak256(stringToHex("my verify output"))]);
  figures.resolveDispute = await send(dao, "resolveDispute", [
    1n,
    false,
    false,
    0n,
    keccak256(stringToHex("arbiter's report")),
  ]);
  figures.withdrawDisputeBond = await send(trainer, "withdrawDisputeBond", [1n, trainer.address]);
  await testClient.increaseTime({ seconds: 86_400 });
  await testClient.mine({ blocks: 1 });
  figures.finalize = await send(trainer, "finalize", [id]);
  figures.revealEvalSet = await send(dao, "revealEvalSet", [
    id,
    evalSet.sha256,
    evalSet.salt,
    "crowdtrain://e",
  ]);
  await testClient.increaseTime({ seconds: 2 * 86_400 });
  await testClient.mine({ blocks: 1 });
  figures.unlockPayout = await send(trainer, "unlockPayout", [id]);
  figures.withdrawPayout = await send(trainer, "withdrawPayout", [id, trainer.address]);
  figures.withdrawBond = await send(trainer, "withdrawBond", [id, trainer.address]);
  figures.forfeitBond = await send(backer1, "forfeitBond", [id, trainer2.address]);
  figures.depositRevenue = await send(trainer, "depositRevenue", [id, usd("50")]);
  figures.claimRevenue = await send(backer1, "claimRevenue", [id, backer1.address]);

  // Failed path: refunds.
  const failed = await createBounty();
  await fund(backer1, failed, "10");
  await fund(backer2, failed, "20");
  await testClient.increaseTime({ seconds: 8 * 86_400 });
  await testClient.mine({ blocks: 1 });
  await gas(
    await wallet(backer1).writeContract({ ...boardCall(backer1), functionName: "finalize", args: [failed] }),
  );
  figures.refund = await gas(
    await wallet(backer1).writeContract({
      ...boardCall(backer1),
      functionName: "refund",
      args: [failed, backer1.address],
    }),
  );

  // The floor: the token's own transferFrom, as a standalone transaction under the same conditions
  // (sender and receiver balances already set, a standing allowance).
  await gas(await approve(backer2, spender.address));
  const transferFrom = await gas(
    await wallet(spender).writeContract({
      address: token,
      abi: testTokenAbi,
      functionName: "transferFrom",
      args: [backer2.address, board, usd("100")],
    }),
  );
  const tokenTransferFrom = transferFrom - 21_000;
  const floorFirst = 21_000 + tokenTransferFrom + NEW_SLOT;
  const floorRepeat = 21_000 + tokenTransferFrom;

  const rows: [string, number, string][] = [
    ["createBounty", figures.createBounty ?? 0, ""],
    ["fund: first contribution to the bounty", figures.fundFirstOfBounty ?? 0, ""],
    ["fund: a backer's first contribution", figures.fundFirst ?? 0, `target ≤ ${TARGETS.fundFirst}`],
    ["fund: repeat contribution", figures.fundRepeat ?? 0, `target ≤ ${TARGETS.fundRepeat}`],
    ["fundWithPermit (first contribution)", figures.fundWithPermit ?? 0, ""],
    ["claim (bond posted)", figures.claim ?? 0, ""],
    ["commitCheckpoint", figures.commitCheckpoint ?? 0, ""],
    ["revealCheckpoint", figures.revealCheckpoint ?? 0, ""],
    [
      "commitCheckpoint + revealCheckpoint",
      figures.commitAndReveal ?? 0,
      `target ≤ ${TARGETS.commitAndReveal} (v1 submitCheckpoint ${V1_SUBMIT_CHECKPOINT} + 30000)`,
    ],
    ["publishEvaluation (new best)", figures.publishEvaluation ?? 0, ""],
    ["disqualifySubmission (a copy)", figures.disqualifySubmission ?? 0, ""],
    ["dispute (bond posted)", figures.dispute ?? 0, ""],
    ["resolveDispute (rejected)", figures.resolveDispute ?? 0, ""],
    ["withdrawDisputeBond", figures.withdrawDisputeBond ?? 0, ""],
    ["finalize (to Verifying)", figures.finalize ?? 0, ""],
    ["revealEvalSet", figures.revealEvalSet ?? 0, ""],
    ["unlockPayout", figures.unlockPayout ?? 0, ""],
    ["withdrawPayout", figures.withdrawPayout ?? 0, ""],
    ["withdrawBond", figures.withdrawBond ?? 0, ""],
    ["forfeitBond (to the backers)", figures.forfeitBond ?? 0, ""],
    ["refund", figures.refund ?? 0, `target ≤ ${TARGETS.refund}`],
    ["depositRevenue", figures.depositRevenue ?? 0, ""],
    ["claimRevenue", figures.claimRevenue ?? 0, ""],
  ];
  process.stdout.write("BountyBoard gas per transaction (receipt gasUsed, includes the 21,000 base)\n");
  for (const [name, value, note] of rows) {
    process.stdout.write(`  ${name.padEnd(40)} ${String(value).padStart(8)}  ${note}\n`);
  }
  const ratioFirst = (figures.fundFirst ?? 0) / floorFirst;
  const ratioRepeat = (figures.fundRepeat ?? 0) / floorRepeat;
  process.stdout.write(
    `  floor, first fund: 21000 + transferFrom ${tokenTransferFrom} + new slot ${NEW_SLOT} = ${floorFirst}; ratio ${ratioFirst.toFixed(2)}\n` +
      `  floor, repeat fund: 21000 + transferFrom ${tokenTransferFrom} = ${floorRepeat}; ratio ${ratioRepeat.toFixed(2)}\n`,
  );
  process.stdout.write(
    `${JSON.stringify({
      bench: "gas",
      ...figures,
      tokenTransferFrom,
      fund_first_floor: floorFirst,
      fund_first_ratio: Number(ratioFirst.toFixed(3)),
      fund_repeat_floor: floorRepeat,
      fund_repeat_ratio: Number(ratioRepeat.toFixed(3)),
      targets_met:
        (figures.fundFirst ?? Infinity) <= TARGETS.fundFirst &&
        (figures.fundRepeat ?? Infinity) <= TARGETS.fundRepeat &&
        (figures.refund ?? Infinity) <= TARGETS.refund &&
        (figures.commitAndReveal ?? Infinity) <= TARGETS.commitAndReveal,
    })}\n`,
  );
} finally {
  await anvil.process.stop(5_000);
  rmSync(dir, { recursive: true, force: true });
}
