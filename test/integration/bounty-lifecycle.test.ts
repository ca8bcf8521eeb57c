/**
 * BountyBoard (protocol v2, ADR 016) end to end on a real anvil, deployed by
 * `deployContracts` as `npm run dev` does: real transactions from anvil's
 * accounts, exact token balances and bounty views after each step, events
 * decoded with the typed ABI from contracts/abi.ts. The fulfilled bounty goes
 * claim -> commit -> reveal (a later block) -> evaluation -> finalize
 * (Verifying) -> eval-set reveal -> verification period -> unlockPayout
 * (Fulfilled) -> withdrawals.
 *
 * Parts: account 0 deploys and receives fees, 1 is the DAO (and each bounty's
 * arbiter), 2 the evaluator (the dev defaults), 3 and 4 back bounties, 5 trains.
 */
import {
  type Address,
  BaseError,
  type ContractFunctionName,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  getAddress,
  type Hash,
  http,
  isAddressEqual,
  keccak256,
  type Log,
  parseEventLogs,
  parseSignature,
  parseUnits,
  sha256,
  toBytes,
  zeroAddress,
  zeroHash,
} from "viem";
import type { HDAccount } from "viem/accounts";
import { anvil as anvilChain } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bountyBoardAbi, testTokenAbi } from "../../contracts/abi.js";
import {
  BOARD_ROLES,
  BOND_STATE,
  BOUNTY_STATUS,
  enumValue,
  SCORE_DIRECTION,
  VERDICT,
} from "../../core/board.js";
import { checkpointCommitment } from "../../core/commitment.js";
import { anvilAccount, DEV_TOKEN } from "../../core/dev-chain.js";
import { permitTypedData } from "../../core/permit.js";
import { metricIdOf } from "../../core/spec.js";
import { deployContracts } from "../../jobs/deployments/deploy.js";
import { evalSetCommitment } from "../../ml/evalset.js";
import { DEV_BOUNTY_PERIODS } from "../../scripts/lib/board-client.js";
import { boardAddress } from "../../server/chain.js";
import { startTestAnvil, type TestService, tempDir } from "../setup/fixtures.js";

const DAY = 86_400n;
/** ctUSD amounts, in base units. */
const usd = (amount: string) => parseUnits(amount, DEV_TOKEN.decimals);
const status = (name: (typeof BOUNTY_STATUS)[number]) => enumValue(BOUNTY_STATUS, name);

const feeRecipient = anvilAccount(0);
const dao = anvilAccount(1);
const evaluator = anvilAccount(2);
const backerA = anvilAccount(3);
const backerB = anvilAccount(4);
const trainer = anvilAccount(5);

/** The held-out eval set the bounties commit to (sha256(salt ‖ sha256)), revealed after finalization. */
const EVAL_SET = {
  sha256: sha256(toBytes("held-out set bytes")),
  salt: keccak256(toBytes("eval-set salt")),
  uri: "ipfs://bafybeievalset/held-out.jsonl",
} as const;
/** The highest fee the DAO accepts when creating (the dev fee is 250 bps). */
const MAX_FEE_BPS = 300;

let anvil: TestService;
const dir = tempDir("bounty-lifecycle");
let board: Address;
let token: Address;

function clients(url: string) {
  const transport = http(url, { retryCount: 0 });
  const chain = anvilChain;
  return {
    publicClient: createPublicClient({ chain, transport }),
    testClient: createTestClient({ chain, transport, mode: "anvil" }),
    wallet: (account: HDAccount) => createWalletClient({ account, chain, transport }),
  };
}
let c: ReturnType<typeof clients>;

/** One board transaction from `account`, mined; returns its receipt. */
async function boardTx(
  account: HDAccount,
  functionName: ContractFunctionName<typeof bountyBoardAbi, "nonpayable">,
  args: readonly unknown[],
) {
  return mined(
    await c
      .wallet(account)
      .writeContract({ address: board, abi: bountyBoardAbi, functionName, args } as never),
  );
}

beforeAll(async () => {
  anvil = await startTestAnvil();
  const { deployment } = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir });
  board = boardAddress(deployment);
  token = getAddress(deployment.contracts.TestToken?.address ?? zeroAddress);
  c = clients(anvil.url);
});

afterAll(async () => {
  await anvil?.stop();
  dir.remove();
});

/** Waits for a transaction and checks it succeeded. */
async function mined(hash: Hash) {
  const receipt = await c.publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return receipt;
}

/** The board's events of one kind in `logs`, decoded with the typed ABI. */
function boardEvents<
  const N extends Parameters<typeof parseEventLogs<typeof bountyBoardAbi>>[0]["eventName"],
>(logs: Log[], eventName: N) {
  return parseEventLogs({
    abi: bountyBoardAbi,
    eventName,
    logs: logs.filter((log) => isAddressEqual(log.address, board)),
  });
}

const read = {
  balance: (account: Address) =>
    c.publicClient.readContract({
      address: token,
      abi: testTokenAbi,
      functionName: "balanceOf",
      args: [account],
    }),
  shares: (account: Address, bountyId: bigint) =>
    c.publicClient.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "balanceOf",
      args: [account, bountyId],
    }),
  bounty: (bountyId: bigint) =>
    c.publicClient.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "getBounty",
      args: [bountyId],
    }),
  payoutOwed: (bountyId: bigint) =>
    c.publicClient.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "payoutOwed",
      args: [bountyId],
    }),
  liabilities: () =>
    c.publicClient.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "liabilities",
      args: [token],
    }),
};

async function balances(accounts: Address[]) {
  return Promise.all(accounts.map((account) => read.balance(account)));
}

async function now() {
  return (await c.publicClient.getBlock()).timestamp;
}

/** Moves the chain's clock forward to `timestamp` (or just past it) and mines a block there. */
async function travelTo(timestamp: bigint) {
  const seconds = timestamp - (await now());
  if (seconds > 0n) await c.testClient.increaseTime({ seconds: Number(seconds) });
  await c.testClient.mine({ blocks: 1 });
  expect(await now()).toBeGreaterThanOrEqual(timestamp);
}

/** The bounty parameters of these tests, deadlines relative to the chain's clock. */
async function bountyParams(overrides: { goal?: bigint; bond?: bigint } = {}) {
  const start = await now();
  return {
    token,
    goal: overrides.goal ?? usd("1000"),
    fundingDeadline: start + DAY,
    deliveryDeadline: start + 8n * DAY,
    specHash: keccak256(toBytes('{"model":"Hindi GPT","version":1}')),
    evalSetCommitment: evalSetCommitment(EVAL_SET.sha256, EVAL_SET.salt),
    metricId: metricIdOf("perplexity"),
    // Perplexity scaled by 1e9 (the board's score scale): a submission qualifies at 25.0 or lower.
    targetScore: 25_000_000_000n,
    direction: enumValue(SCORE_DIRECTION, "LowerIsBetter"),
    bond: overrides.bond ?? usd("50"),
    challengeWindow: Number(2n * DAY),
    arbiter: dao.address,
    disputeBond: usd("10"),
    revealPeriod: DEV_BOUNTY_PERIODS.revealPeriod,
    evaluationPeriod: DEV_BOUNTY_PERIODS.evaluationPeriod,
    verificationPeriod: DEV_BOUNTY_PERIODS.verificationPeriod,
    allowOverfunding: false,
  };
}

async function createBounty(params: Awaited<ReturnType<typeof bountyParams>>) {
  const receipt = await boardTx(dao, "createBounty", [params, MAX_FEE_BPS]);
  const [created] = boardEvents(receipt.logs, "BountyCreated");
  if (!created) throw new Error("no BountyCreated event");
  return created;
}

/** Approve, then fund. */
async function fundWithApproval(backer: HDAccount, bountyId: bigint, amount: bigint) {
  await mined(
    await c.wallet(backer).writeContract({
      address: token,
      abi: testTokenAbi,
      functionName: "approve",
      args: [board, amount],
    }),
  );
  return mined(
    await c.wallet(backer).writeContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "fund",
      args: [bountyId, amount],
    }),
  );
}

/** One transaction: an EIP-2612 permit signed off-chain with viem's signTypedData, then fundWithPermit. */
async function fundWithPermit(backer: HDAccount, bountyId: bigint, amount: bigint) {
  const { domain } = await c.publicClient.getEip712Domain({ address: token });
  expect(domain.name).toBe(DEV_TOKEN.name);
  const nonce = await c.publicClient.readContract({
    address: token,
    abi: testTokenAbi,
    functionName: "nonces",
    args: [backer.address],
  });
  const deadline = (await now()) + 3_600n;
  const signature = await c.wallet(backer).signTypedData(
    permitTypedData({
      domain: {
        name: domain.name,
        version: domain.version,
        chainId: Number(domain.chainId),
        verifyingContract: domain.verifyingContract,
      },
      owner: backer.address,
      spender: board,
      value: amount,
      nonce,
      deadline,
    }),
  );
  const { r, s, v } = parseSignature(signature);
  if (v === undefined) throw new Error("signature without v");
  const receipt = await boardTx(backer, "fundWithPermit", [bountyId, amount, deadline, Number(v), r, s]);
  // The permit itself was used (fundWithPermit ignores a failed one and falls back to an allowance).
  expect(
    await c.publicClient.readContract({
      address: token,
      abi: testTokenAbi,
      functionName: "nonces",
      args: [backer.address],
    }),
  ).toBe(nonce + 1n);
  return receipt;
}

/** The custom error a call reverts with, decoded by viem from the typed ABI. */
async function revertOf(call: () => Promise<unknown>) {
  try {
    await call();
  } catch (error) {
    const reverted =
      error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    if (reverted instanceof ContractFunctionRevertedError && reverted.data) {
      return { errorName: reverted.data.errorName, args: reverted.data.args };
    }
    throw error;
  }
  throw new Error("expected the call to revert");
}

describe("a bounty that is fulfilled", () => {
  const goal = usd("1000");
  const fromA = usd("600");
  const fromB = usd("400");
  const bond = usd("50");
  const fee = (goal * 250n) / 10_000n; // 25 ctUSD at the dev fee of 250 bps
  const payout = goal - fee; // 975 ctUSD
  const checkpointHash = sha256(toBytes("hindi-gpt.onnx bytes"));
  const salt = keccak256(toBytes("the trainer's commitment salt"));
  const uri = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/hindi-gpt.onnx";
  const score = 18_420_000_000n; // perplexity 18.42
  const reportHash = sha256(toBytes("evaluation report"));

  let bountyId: bigint;
  let submissionId: bigint;
  let commitBlock: bigint;
  let start: { a: bigint; b: bigint; trainer: bigint; fees: bigint };
  let feesBefore: bigint;

  const submission = (id: bigint) =>
    c.publicClient.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "getSubmission",
      args: [id],
    });
  const claimOf = (id: bigint) =>
    c.publicClient.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "getClaim",
      args: [id, trainer.address],
    });
  const accruedFees = () =>
    c.publicClient.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "accruedFees",
      args: [token],
    });
  const unlockAt = (id: bigint) =>
    c.publicClient.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "unlockAt",
      args: [id],
    });

  it("the DAO creates it, with every parameter in the BountyCreated event", async () => {
    const [a, b, t, f] = await balances([
      backerA.address,
      backerB.address,
      trainer.address,
      feeRecipient.address,
    ]);
    start = { a: a ?? 0n, b: b ?? 0n, trainer: t ?? 0n, fees: f ?? 0n };
    expect(start.a).toBe(usd(DEV_TOKEN.mintPerAccount));
    feesBefore = await accruedFees();

    const params = await bountyParams({ goal, bond });
    const created = await createBounty(params);
    bountyId = created.args.bountyId;
    expect(bountyId).toBe(1n);
    expect(created.args).toEqual({ bountyId: 1n, dao: dao.address, token, params, feeBps: 250 });

    expect(await read.bounty(bountyId)).toMatchObject({
      token,
      dao: dao.address,
      status: status("Funding"),
      feeBps: 250,
      goal,
      raised: 0n,
      bond,
      fundingDeadline: params.fundingDeadline,
      deliveryDeadline: params.deliveryDeadline,
      specHash: params.specHash,
      evalSetCommitment: params.evalSetCommitment,
      metricId: params.metricId,
      targetScore: params.targetScore,
      direction: params.direction,
      challengeWindow: params.challengeWindow,
      arbiter: dao.address,
      disputeBond: params.disputeBond,
      revealPeriod: params.revealPeriod,
      evaluationPeriod: params.evaluationPeriod,
      verificationPeriod: params.verificationPeriod,
      allowOverfunding: false,
    });
    expect(
      await c.publicClient.readContract({ address: board, abi: bountyBoardAbi, functionName: "counts" }),
    ).toEqual([1n, 0n, 0n]);
  });

  it("backer A funds with approve + fund and gets shares 1:1", async () => {
    const receipt = await fundWithApproval(backerA, bountyId, fromA);
    // The ERC-6909 mint: shares from the zero address.
    expect(boardEvents(receipt.logs, "Transfer").map((e) => e.args)).toEqual([
      {
        caller: backerA.address,
        sender: zeroAddress,
        receiver: backerA.address,
        id: bountyId,
        amount: fromA,
      },
    ]);
    expect(boardEvents(receipt.logs, "BountyFunded")).toEqual([]);
    expect(await read.balance(backerA.address)).toBe(start.a - fromA);
    expect(await read.balance(board)).toBe(fromA);
    expect(await read.shares(backerA.address, bountyId)).toBe(fromA);
    expect(await read.bounty(bountyId)).toMatchObject({ status: status("Funding"), raised: fromA });
  });

  it("backer B funds with an EIP-2612 permit, reaching the goal", async () => {
    const receipt = await fundWithPermit(backerB, bountyId, fromB);
    expect(boardEvents(receipt.logs, "Transfer").map((e) => e.args)).toEqual([
      {
        caller: backerB.address,
        sender: zeroAddress,
        receiver: backerB.address,
        id: bountyId,
        amount: fromB,
      },
    ]);
    expect(boardEvents(receipt.logs, "BountyFunded").map((e) => e.args)).toEqual([
      { bountyId, raised: goal },
    ]);
    expect(await read.balance(backerB.address)).toBe(start.b - fromB);
    expect(await read.balance(board)).toBe(goal);
    expect(await read.shares(backerB.address, bountyId)).toBe(fromB);
    // The permit's allowance was spent in full.
    expect(
      await c.publicClient.readContract({
        address: token,
        abi: testTokenAbi,
        functionName: "allowance",
        args: [backerB.address, board],
      }),
    ).toBe(0n);
    expect(await read.bounty(bountyId)).toMatchObject({ status: status("Funded"), raised: goal });
  });

  it("the trainer claims it, posting the bond", async () => {
    await mined(
      await c.wallet(trainer).writeContract({
        address: token,
        abi: testTokenAbi,
        functionName: "approve",
        args: [board, bond],
      }),
    );
    const receipt = await boardTx(trainer, "claim", [bountyId]);
    expect(boardEvents(receipt.logs, "BountyClaimed").map((e) => e.args)).toEqual([
      { bountyId, trainer: trainer.address, bond },
    ]);
    expect(await read.balance(trainer.address)).toBe(start.trainer - bond);
    expect(await read.balance(board)).toBe(goal + bond);
    expect(await claimOf(bountyId)).toEqual({
      bond,
      bondState: enumValue(BOND_STATE, "Posted"),
      commits: 0,
      pending: 0,
      scored: 0,
      marks: 0,
    });
  });

  it("the trainer commits to a checkpoint without revealing its hash", async () => {
    const commitment = checkpointCommitment(checkpointHash, trainer.address, salt);
    const receipt = await boardTx(trainer, "commitCheckpoint", [bountyId, commitment]);
    commitBlock = receipt.blockNumber;
    const block = await c.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const [committed] = boardEvents(receipt.logs, "CheckpointCommitted");
    if (!committed) throw new Error("no CheckpointCommitted event");
    submissionId = committed.args.submissionId;
    expect(committed.args).toEqual({ bountyId, submissionId: 1n, trainer: trainer.address, commitment });
    expect(await submission(submissionId)).toMatchObject({
      trainer: trainer.address,
      bountyId: Number(bountyId),
      verdict: enumValue(VERDICT, "Pending"),
      revealedAt: 0,
      score: 0n,
      reportHash: zeroHash,
    });
    // The board keeps the commit's time beside the id, for the reveal period.
    expect(
      await c.publicClient.readContract({
        address: board,
        abi: bountyBoardAbi,
        functionName: "submissionOfCommitment",
        args: [bountyId, commitment],
      }),
    ).toEqual([submissionId, block.timestamp]);
    // The checkpoint hash is not on-chain yet: nobody can look it up (or copy it).
    expect(
      await c.publicClient.readContract({
        address: board,
        abi: bountyBoardAbi,
        functionName: "submissionOf",
        args: [bountyId, checkpointHash],
      }),
    ).toBe(0n);
    expect(await read.bounty(bountyId)).toMatchObject({ unrevealed: 1, reveals: 0, pending: 0 });
    expect(await claimOf(bountyId)).toMatchObject({ commits: 1 });
    expect(
      await c.publicClient.readContract({ address: board, abi: bountyBoardAbi, functionName: "counts" }),
    ).toEqual([1n, 1n, 0n]);
  });

  it("a reveal with the wrong salt does not match the commitment", async () => {
    const wrongSalt = keccak256(toBytes("not the salt"));
    const error = await revertOf(() =>
      c.publicClient.simulateContract({
        account: trainer,
        address: board,
        abi: bountyBoardAbi,
        functionName: "revealCheckpoint",
        args: [bountyId, checkpointHash, uri, wrongSalt],
      }),
    );
    expect(error).toEqual({
      errorName: "BountyBoard_UnknownCommitment",
      args: [bountyId, checkpointCommitment(checkpointHash, trainer.address, wrongSalt)],
    });
  });

  it("the trainer reveals the checkpoint in a later block", async () => {
    const receipt = await boardTx(trainer, "revealCheckpoint", [bountyId, checkpointHash, uri, salt]);
    expect(receipt.blockNumber).toBeGreaterThan(commitBlock);
    const block = await c.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(boardEvents(receipt.logs, "CheckpointRevealed").map((e) => e.args)).toEqual([
      {
        bountyId,
        submissionId,
        trainer: trainer.address,
        checkpointHash,
        uri,
        revealedAt: block.timestamp,
      },
    ]);
    expect(await submission(submissionId)).toMatchObject({
      trainer: trainer.address,
      verdict: enumValue(VERDICT, "Pending"),
      revealedAt: Number(block.timestamp),
      score: 0n,
      reportHash: zeroHash,
    });
    expect(
      await c.publicClient.readContract({
        address: board,
        abi: bountyBoardAbi,
        functionName: "submissionOf",
        args: [bountyId, checkpointHash],
      }),
    ).toBe(submissionId);
    expect(await read.bounty(bountyId)).toMatchObject({ unrevealed: 0, reveals: 1, pending: 1 });
  });

  it("the evaluator publishes a qualifying score, which becomes the best", async () => {
    const receipt = await boardTx(evaluator, "publishEvaluation", [submissionId, score, reportHash]);
    const block = await c.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(boardEvents(receipt.logs, "EvaluationPublished").map((e) => e.args)).toEqual([
      { bountyId, submissionId, score, reportHash, qualifies: true, best: true },
    ]);
    expect(await submission(submissionId)).toMatchObject({
      verdict: enumValue(VERDICT, "Scored"),
      score,
      reportHash,
      verdictAt: Number(block.timestamp),
    });
    const bounty = await read.bounty(bountyId);
    expect(bounty).toMatchObject({
      status: status("Funded"),
      bestScore: score,
      bestSubmissionId: submissionId,
      lastVerdictAt: block.timestamp,
      pending: 0,
    });
    // The verdict must stand for the challenge window (before the delivery deadline here).
    expect(
      await c.publicClient.readContract({
        address: board,
        abi: bountyBoardAbi,
        functionName: "finalizableAt",
        args: [bountyId],
      }),
    ).toBe(block.timestamp + BigInt(bounty.challengeWindow));
  });

  it("cannot be finalized before the challenge window has passed", async () => {
    const readyAt = await c.publicClient.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "finalizableAt",
      args: [bountyId],
    });
    const error = await revertOf(() =>
      c.publicClient.simulateContract({
        account: backerA,
        address: board,
        abi: bountyBoardAbi,
        functionName: "finalize",
        args: [bountyId],
      }),
    );
    expect(error).toEqual({
      errorName: "BountyBoard_NotFinalizable",
      args: [bountyId, status("Funded"), readyAt],
    });
  });

  it("after the challenge window anyone finalizes it: Verifying, nothing paid or accrued yet", async () => {
    const readyAt = await c.publicClient.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "finalizableAt",
      args: [bountyId],
    });
    await travelTo(readyAt);
    const receipt = await boardTx(backerA, "finalize", [bountyId]);
    const block = await c.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(boardEvents(receipt.logs, "BountyFinalized").map((e) => e.args)).toEqual([
      { bountyId, status: status("Verifying"), winningSubmissionId: submissionId },
    ]);
    const bounty = await read.bounty(bountyId);
    expect(bounty).toMatchObject({ status: status("Verifying"), finalizedAt: Number(block.timestamp) });
    // Without an eval-set reveal, the payout would unlock at the end of the reveal period.
    expect(await unlockAt(bountyId)).toBe(block.timestamp + BigInt(bounty.revealPeriod));
    expect(await read.payoutOwed(bountyId)).toBe(0n);
    expect(await accruedFees()).toBe(feesBefore);
    expect(await read.balance(board)).toBe(goal + bond);
    expect(await read.liabilities()).toBe(goal + bond);
    // The winner cannot take the payout while the bounty is verified.
    expect(
      await revertOf(() =>
        c.publicClient.simulateContract({
          account: trainer,
          address: board,
          abi: bountyBoardAbi,
          functionName: "unlockPayout",
          args: [bountyId],
        }),
      ),
    ).toEqual({
      errorName: "BountyBoard_PayoutLocked",
      args: [bountyId, block.timestamp + BigInt(bounty.revealPeriod)],
    });
  });

  it("the eval set is revealed against its commitment, starting the verification period", async () => {
    const wrong = await revertOf(() =>
      c.publicClient.simulateContract({
        account: dao,
        address: board,
        abi: bountyBoardAbi,
        functionName: "revealEvalSet",
        args: [bountyId, EVAL_SET.sha256, keccak256(toBytes("wrong salt")), EVAL_SET.uri],
      }),
    );
    expect(wrong).toEqual({
      errorName: "BountyBoard_EvalSetMismatch",
      args: [bountyId, evalSetCommitment(EVAL_SET.sha256, EVAL_SET.salt)],
    });

    const receipt = await boardTx(dao, "revealEvalSet", [
      bountyId,
      EVAL_SET.sha256,
      EVAL_SET.salt,
      EVAL_SET.uri,
    ]);
    const block = await c.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const unlocksAt = block.timestamp + BigInt(DEV_BOUNTY_PERIODS.verificationPeriod);
    expect(boardEvents(receipt.logs, "EvalSetRevealed").map((e) => e.args)).toEqual([
      {
        bountyId,
        evalSetSha256: EVAL_SET.sha256,
        salt: EVAL_SET.salt,
        uri: EVAL_SET.uri,
        unlockAt: unlocksAt,
      },
    ]);
    expect(await unlockAt(bountyId)).toBe(unlocksAt);
    expect(await read.bounty(bountyId)).toMatchObject({
      status: status("Verifying"),
      evalSetRevealedAt: Number(block.timestamp),
    });
    expect(
      await revertOf(() =>
        c.publicClient.simulateContract({
          account: backerA,
          address: board,
          abi: bountyBoardAbi,
          functionName: "unlockPayout",
          args: [bountyId],
        }),
      ),
    ).toEqual({ errorName: "BountyBoard_PayoutLocked", args: [bountyId, unlocksAt] });
  });

  it("after the verification period anyone unlocks the payout: Fulfilled, the fee taken from the raised amount", async () => {
    await travelTo(await unlockAt(bountyId));
    const receipt = await boardTx(backerA, "unlockPayout", [bountyId]);
    expect(boardEvents(receipt.logs, "PayoutUnlocked").map((e) => e.args)).toEqual([
      { bountyId, winningSubmissionId: submissionId, payout, fee },
    ]);
    expect(await read.bounty(bountyId)).toMatchObject({ status: status("Fulfilled"), payout });
    expect(await read.payoutOwed(bountyId)).toBe(payout);
    expect(await accruedFees()).toBe(feesBefore + fee);
    // Nothing moved yet: the board holds the escrow and the bond.
    expect(await read.balance(board)).toBe(goal + bond);
    expect(await read.liabilities()).toBe(goal + bond);
  });

  it("the winner withdraws the payout and the bond, the fee goes to the fee recipient", async () => {
    const payoutReceipt = await boardTx(trainer, "withdrawPayout", [bountyId, trainer.address]);
    expect(boardEvents(payoutReceipt.logs, "PayoutWithdrawn").map((e) => e.args)).toEqual([
      { bountyId, winner: trainer.address, to: trainer.address, amount: payout },
    ]);
    expect(await read.balance(trainer.address)).toBe(start.trainer - bond + payout);

    const bondReceipt = await boardTx(trainer, "withdrawBond", [bountyId, trainer.address]);
    expect(boardEvents(bondReceipt.logs, "BondReturned").map((e) => e.args)).toEqual([
      { bountyId, trainer: trainer.address, to: trainer.address, amount: bond },
    ]);
    expect(await read.balance(trainer.address)).toBe(start.trainer + payout);

    // Anyone may send the fees on; they always go to the configured recipient (anvil account 0 in dev).
    const feeReceipt = await boardTx(dao, "withdrawFees", [token]);
    expect(boardEvents(feeReceipt.logs, "FeesWithdrawn").map((e) => e.args)).toEqual([
      { token, recipient: feeRecipient.address, amount: fee },
    ]);
    expect(await read.balance(feeRecipient.address)).toBe(start.fees + fee);

    // Everything paid out: the board holds and owes nothing; the backers keep their shares of the model.
    expect(await read.balance(board)).toBe(0n);
    expect(await read.liabilities()).toBe(0n);
    expect(await read.balance(backerA.address)).toBe(start.a - fromA);
    expect(await read.balance(backerB.address)).toBe(start.b - fromB);
    expect(await read.shares(backerA.address, bountyId)).toBe(fromA);
    expect(await read.shares(backerB.address, bountyId)).toBe(fromB);
    expect(await claimOf(bountyId)).toMatchObject({
      bondState: enumValue(BOND_STATE, "Returned"),
      scored: 1,
      marks: 0,
    });
    expect(await read.payoutOwed(bountyId)).toBe(0n);
  });
});

describe("a bounty that fails to reach its goal", () => {
  const fromA = usd("300");
  const fromB = usd("200");
  let bountyId: bigint;
  let fundingDeadline: bigint;
  // Balances before, the board's included: this describe does not rely on the one above having emptied it.
  let before: { a: bigint; b: bigint; board: bigint; liabilities: bigint };

  it("is funded by two backers, short of the goal", async () => {
    const [a, b, held] = await balances([backerA.address, backerB.address, board]);
    before = { a: a ?? 0n, b: b ?? 0n, board: held ?? 0n, liabilities: await read.liabilities() };
    const params = await bountyParams({ goal: usd("1000") });
    fundingDeadline = params.fundingDeadline;
    bountyId = (await createBounty(params)).args.bountyId;
    expect(bountyId).toBe(2n);

    await fundWithApproval(backerA, bountyId, fromA);
    const receipt = await fundWithPermit(backerB, bountyId, fromB);
    expect(boardEvents(receipt.logs, "Transfer").map((e) => e.args)).toEqual([
      {
        caller: backerB.address,
        sender: zeroAddress,
        receiver: backerB.address,
        id: bountyId,
        amount: fromB,
      },
    ]);
    expect(boardEvents(receipt.logs, "BountyFunded")).toEqual([]);
    expect(await read.bounty(bountyId)).toMatchObject({ status: status("Funding"), raised: fromA + fromB });
    expect(await read.balance(board)).toBe(before.board + fromA + fromB);
    expect(await read.liabilities()).toBe(before.liabilities + fromA + fromB);
    expect(await read.balance(backerA.address)).toBe(before.a - fromA);
    expect(await read.balance(backerB.address)).toBe(before.b - fromB);
  });

  it("fails at the funding deadline, and refunds each backer in full, burning their shares", async () => {
    const early = await revertOf(() =>
      c.publicClient.simulateContract({
        account: backerA,
        address: board,
        abi: bountyBoardAbi,
        functionName: "finalize",
        args: [bountyId],
      }),
    );
    expect(early).toEqual({
      errorName: "BountyBoard_NotFinalizable",
      args: [bountyId, status("Funding"), fundingDeadline],
    });

    await travelTo(fundingDeadline);
    const receipt = await boardTx(dao, "finalize", [bountyId]);
    expect(boardEvents(receipt.logs, "BountyFinalized").map((e) => e.args)).toEqual([
      { bountyId, status: status("Failed"), winningSubmissionId: 0n },
    ]);
    expect(await read.bounty(bountyId)).toMatchObject({ status: status("Failed") });

    for (const [backer, amount] of [
      [backerA, fromA],
      [backerB, fromB],
    ] as const) {
      expect(
        await c.publicClient.readContract({
          address: board,
          abi: bountyBoardAbi,
          functionName: "refundable",
          args: [bountyId, backer.address],
        }),
      ).toBe(amount);
      const refund = await boardTx(backer, "refund", [bountyId, backer.address]);
      expect(boardEvents(refund.logs, "Refunded").map((e) => e.args)).toEqual([
        { bountyId, backer: backer.address, to: backer.address, amount },
      ]);
      // The ERC-6909 burn: shares sent to the zero address.
      expect(boardEvents(refund.logs, "Transfer").map((e) => e.args)).toEqual([
        { caller: backer.address, sender: backer.address, receiver: zeroAddress, id: bountyId, amount },
      ]);
      expect(await read.shares(backer.address, bountyId)).toBe(0n);
    }
    expect(await read.balance(backerA.address)).toBe(before.a);
    expect(await read.balance(backerB.address)).toBe(before.b);
    expect(await read.balance(board)).toBe(before.board);
    expect(await read.liabilities()).toBe(before.liabilities);

    // Refunded once: a second refund has nothing left to pay.
    expect(
      await revertOf(() =>
        c.publicClient.simulateContract({
          account: backerA,
          address: board,
          abi: bountyBoardAbi,
          functionName: "refund",
          args: [bountyId, backerA.address],
        }),
      ),
    ).toEqual({ errorName: "BountyBoard_NothingToWithdraw", args: [bountyId, backerA.address] });
  });
});

describe("bad input", () => {
  it("createBounty with a past funding deadline reverts with the decoded custom error", async () => {
    const countsBefore = await c.publicClient.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "counts",
    });
    const params = await bountyParams();
    const latest = await now();
    const past = latest - 60n;
    const error = await revertOf(() =>
      c.wallet(dao).writeContract({
        address: board,
        abi: bountyBoardAbi,
        functionName: "createBounty",
        args: [{ ...params, fundingDeadline: past }, MAX_FEE_BPS],
      }),
    );
    expect(error.errorName).toBe("BountyBoard_FundingDeadlineNotInFuture");
    const [deadline, nowTimestamp] = (error.args ?? []) as readonly [bigint, bigint];
    expect(deadline).toBe(past);
    // The timestamp of the block the call was simulated in: the latest one's, or a little later.
    expect(nowTimestamp).toBeGreaterThanOrEqual(latest);
    expect(nowTimestamp).toBeLessThan(latest + 60n);
    expect(
      await c.publicClient.readContract({ address: board, abi: bountyBoardAbi, functionName: "counts" }),
    ).toEqual(countsBefore);
  });

  it("createBounty from an account without DAO_ROLE reverts with AccessControl's error", async () => {
    const params = await bountyParams();
    const error = await revertOf(() =>
      c.publicClient.simulateContract({
        account: backerA,
        address: board,
        abi: bountyBoardAbi,
        functionName: "createBounty",
        args: [params, MAX_FEE_BPS],
      }),
    );
    expect(error).toEqual({
      errorName: "AccessControlUnauthorizedAccount",
      args: [backerA.address, BOARD_ROLES.DAO_ROLE],
    });
  });

  it("createBounty reverts when the board's fee is above the DAO's maxFeeBps", async () => {
    const params = await bountyParams();
    const error = await revertOf(() =>
      c.publicClient.simulateContract({
        account: dao,
        address: board,
        abi: bountyBoardAbi,
        functionName: "createBounty",
        args: [params, 249],
      }),
    );
    expect(error).toEqual({ errorName: "BountyBoard_FeeAboveMax", args: [250, 249] });
  });
});
