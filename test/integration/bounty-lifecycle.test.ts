/**
 * BountyBoard end to end on a real anvil, deployed by `deployContracts` as
 * `npm run dev` does: real transactions from anvil's accounts, exact token
 * balances and bounty views after each step, events decoded with the typed
 * ABI from contracts/abi.ts.
 *
 * Parts: account 0 deploys and receives fees, 1 is the DAO, 2 the evaluator
 * (the dev defaults), 3 and 4 back bounties, 5 trains.
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
  stringToHex,
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
  boardAddress,
  enumValue,
  SCORE_DIRECTION,
  VERDICT,
} from "../../lib/board.server.js";
import { anvilAccount, DEV_TOKEN, deployContracts } from "../../lib/deploy.server.js";
import { permitTypedData } from "../../lib/permit.js";
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
    evalSetCommitment: keccak256(toBytes("held-out set + salt")),
    metricId: stringToHex("perplexity", { size: 32 }),
    // Perplexity with 6 decimals: a submission qualifies at 25.0 or lower.
    targetScore: 25_000_000n,
    direction: enumValue(SCORE_DIRECTION, "LowerIsBetter"),
    bond: overrides.bond ?? usd("50"),
    challengeWindow: Number(2n * DAY),
  };
}

async function createBounty(params: Awaited<ReturnType<typeof bountyParams>>) {
  const receipt = await boardTx(dao, "createBounty", [params]);
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
  const uri = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/hindi-gpt.onnx";
  const score = 18_420_000n; // perplexity 18.42
  const reportHash = sha256(toBytes("evaluation report"));

  let bountyId: bigint;
  let submissionId: bigint;
  let start: { a: bigint; b: bigint; trainer: bigint; fees: bigint };

  it("the DAO creates it, with every parameter in the BountyCreated event", async () => {
    const [a, b, t, f] = await balances([
      backerA.address,
      backerB.address,
      trainer.address,
      feeRecipient.address,
    ]);
    start = { a: a ?? 0n, b: b ?? 0n, trainer: t ?? 0n, fees: f ?? 0n };
    expect(start.a).toBe(usd(DEV_TOKEN.mintPerAccount));

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
      metricId: params.metricId,
      targetScore: params.targetScore,
      direction: params.direction,
    });
    expect(
      await c.publicClient.readContract({ address: board, abi: bountyBoardAbi, functionName: "counts" }),
    ).toEqual([1n, 0n]);
  });

  it("backer A funds with approve + fund and gets shares 1:1", async () => {
    const receipt = await fundWithApproval(backerA, bountyId, fromA);
    expect(boardEvents(receipt.logs, "Contributed").map((e) => e.args)).toEqual([
      { bountyId, backer: backerA.address, amount: fromA, raised: fromA },
    ]);
    expect(boardEvents(receipt.logs, "BountyFunded")).toEqual([]);
    expect(await read.balance(backerA.address)).toBe(start.a - fromA);
    expect(await read.balance(board)).toBe(fromA);
    expect(await read.shares(backerA.address, bountyId)).toBe(fromA);
    expect(await read.bounty(bountyId)).toMatchObject({ status: status("Funding"), raised: fromA });
  });

  it("backer B funds with an EIP-2612 permit, reaching the goal", async () => {
    const receipt = await fundWithPermit(backerB, bountyId, fromB);
    expect(boardEvents(receipt.logs, "Contributed").map((e) => e.args)).toEqual([
      { bountyId, backer: backerB.address, amount: fromB, raised: goal },
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
    expect(
      await c.publicClient.readContract({
        address: board,
        abi: bountyBoardAbi,
        functionName: "getClaim",
        args: [bountyId, trainer.address],
      }),
    ).toEqual({
      bond,
      bondState: enumValue(BOND_STATE, "Posted"),
      submissions: 0,
      pending: 0,
      passed: false,
    });
  });

  it("the trainer submits a checkpoint", async () => {
    const receipt = await boardTx(trainer, "submitCheckpoint", [bountyId, checkpointHash, uri]);
    const block = await c.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const [submitted] = boardEvents(receipt.logs, "CheckpointSubmitted");
    if (!submitted) throw new Error("no CheckpointSubmitted event");
    submissionId = submitted.args.submissionId;
    expect(submitted.args).toEqual({
      bountyId,
      submissionId: 1n,
      trainer: trainer.address,
      checkpointHash,
      uri,
      submittedAt: block.timestamp,
    });
    expect(
      await c.publicClient.readContract({
        address: board,
        abi: bountyBoardAbi,
        functionName: "getSubmission",
        args: [submissionId],
      }),
    ).toEqual({
      trainer: trainer.address,
      bountyId,
      verdict: enumValue(VERDICT, "Pending"),
      submittedAt: block.timestamp,
      score: 0n,
      checkpointHash,
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
    expect(await read.bounty(bountyId)).toMatchObject({ pendingEvaluations: 1n, submissionCount: 1n });
  });

  it("the evaluator publishes a qualifying score, which becomes the best", async () => {
    const receipt = await boardTx(evaluator, "publishEvaluation", [submissionId, score, reportHash]);
    const block = await c.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(boardEvents(receipt.logs, "EvaluationPublished").map((e) => e.args)).toEqual([
      { bountyId, submissionId, score, reportHash, qualifies: true, best: true },
    ]);
    const bounty = await read.bounty(bountyId);
    expect(bounty).toMatchObject({
      status: status("Funded"),
      bestScore: score,
      bestSubmissionId: submissionId,
      bestSince: block.timestamp,
      pendingEvaluations: 0n,
    });
    // The best score must stand for the challenge window (before the delivery deadline here).
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

  it("after the challenge window anyone finalizes it: Fulfilled, the fee taken from the raised amount", async () => {
    const readyAt = await c.publicClient.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "finalizableAt",
      args: [bountyId],
    });
    await travelTo(readyAt);
    const receipt = await boardTx(backerA, "finalize", [bountyId]);
    expect(boardEvents(receipt.logs, "BountyFinalized").map((e) => e.args)).toEqual([
      { bountyId, status: status("Fulfilled"), winningSubmissionId: submissionId, payout, fee },
    ]);
    expect(await read.bounty(bountyId)).toMatchObject({ status: status("Fulfilled") });
    expect(await read.payoutOwed(bountyId)).toBe(payout);
    expect(
      await c.publicClient.readContract({
        address: board,
        abi: bountyBoardAbi,
        functionName: "accruedFees",
        args: [token],
      }),
    ).toBe(fee);
    // Nothing moved yet: the board holds the escrow and the bond.
    expect(await read.balance(board)).toBe(goal + bond);
    expect(await read.liabilities()).toBe(goal + bond);
  });

  it("the winner withdraws the payout and the bond, the fee goes to the fee recipient", async () => {
    const payoutReceipt = await boardTx(trainer, "withdrawPayout", [bountyId]);
    expect(boardEvents(payoutReceipt.logs, "PayoutWithdrawn").map((e) => e.args)).toEqual([
      { bountyId, winner: trainer.address, amount: payout },
    ]);
    expect(await read.balance(trainer.address)).toBe(start.trainer - bond + payout);

    const bondReceipt = await boardTx(trainer, "withdrawBond", [bountyId]);
    expect(boardEvents(bondReceipt.logs, "BondReturned").map((e) => e.args)).toEqual([
      { bountyId, trainer: trainer.address, amount: bond },
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
    expect(
      await c.publicClient.readContract({
        address: board,
        abi: bountyBoardAbi,
        functionName: "getClaim",
        args: [bountyId, trainer.address],
      }),
    ).toMatchObject({ bondState: enumValue(BOND_STATE, "Returned"), passed: true });
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
    expect(boardEvents(receipt.logs, "Contributed").map((e) => e.args)).toEqual([
      { bountyId, backer: backerB.address, amount: fromB, raised: fromA + fromB },
    ]);
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
      { bountyId, status: status("Failed"), winningSubmissionId: 0n, payout: 0n, fee: 0n },
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
      const refund = await boardTx(backer, "refund", [bountyId]);
      expect(boardEvents(refund.logs, "Refunded").map((e) => e.args)).toEqual([
        { bountyId, backer: backer.address, amount },
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
          args: [bountyId],
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
        args: [{ ...params, fundingDeadline: past }],
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
        args: [params],
      }),
    );
    expect(error).toEqual({
      errorName: "AccessControlUnauthorizedAccount",
      args: [backerA.address, BOARD_ROLES.DAO_ROLE],
    });
  });
});
