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
import { boardAddress } from "../lib/board.server.js";
import { anvilAccount, DEV_TOKEN, deployContracts } from "../lib/deploy.server.js";
import { permitTypedData } from "../lib/permit.js";
import { freePort } from "../scripts/lib/processes.js";
import { startAnvil } from "../scripts/lib/services.js";

const TARGETS = { fundFirst: 100_000, fundRepeat: 80_000, refund: 60_000 } as const;
const NEW_SLOT = 22_100;
const usd = (amount: string) => parseUnits(amount, DEV_TOKEN.decimals);

const dao = anvilAccount(1);
const evaluator = anvilAccount(2);
const [backer1, backer2, backer3, trainer, spender] = [3, 4, 5, 6, 7].map(anvilAccount) as [
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

  for (const account of [backer1, backer2, trainer]) await gas(await approve(account, board));

  async function createBounty(): Promise<bigint> {
    const now = (await publicClient.getBlock()).timestamp;
    const params = {
      token,
      goal: usd("1000"),
      fundingDeadline: now + 7n * 86_400n,
      deliveryDeadline: now + 30n * 86_400n,
      specHash: keccak256(stringToHex("spec")),
      evalSetCommitment: keccak256(stringToHex("eval set + salt")),
      metricId: stringToHex("accuracy", { size: 32 }),
      targetScore: 800_000_000_000_000_000n,
      direction: 0,
      bond: usd("10"),
      challengeWindow: 86_400,
    } as const;
    const hash = await wallet(dao).writeContract({
      ...boardCall(dao),
      functionName: "createBounty",
      args: [params],
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

  figures.claim = await gas(
    await wallet(trainer).writeContract({ ...boardCall(trainer), functionName: "claim", args: [id] }),
  );
  figures.submitCheckpoint = await gas(
    await wallet(trainer).writeContract({
      ...boardCall(trainer),
      functionName: "submitCheckpoint",
      args: [id, keccak256(stringToHex("checkpoint")), "crowdtrain://artifacts/sha256/ab12"],
    }),
  );
  figures.publishEvaluation = await gas(
    await wallet(evaluator).writeContract({
      ...boardCall(evaluator),
      functionName: "publishEvaluation",
      args: [1n, 900_000_000_000_000_000n, keccak256(stringToHex("report"))],
    }),
  );
  await testClient.increaseTime({ seconds: 86_400 });
  await testClient.mine({ blocks: 1 });
  figures.finalize = await gas(
    await wallet(trainer).writeContract({ ...boardCall(trainer), functionName: "finalize", args: [id] }),
  );
  figures.withdrawPayout = await gas(
    await wallet(trainer).writeContract({
      ...boardCall(trainer),
      functionName: "withdrawPayout",
      args: [id],
    }),
  );
  figures.depositRevenue = await gas(
    await wallet(trainer).writeContract({
      ...boardCall(trainer),
      functionName: "depositRevenue",
      args: [id, usd("50")],
    }),
  );
  figures.claimRevenue = await gas(
    await wallet(backer1).writeContract({ ...boardCall(backer1), functionName: "claimRevenue", args: [id] }),
  );

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
    await wallet(backer1).writeContract({ ...boardCall(backer1), functionName: "refund", args: [failed] }),
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
    ["submitCheckpoint", figures.submitCheckpoint ?? 0, ""],
    ["publishEvaluation (new best)", figures.publishEvaluation ?? 0, ""],
    ["finalize (fulfilled)", figures.finalize ?? 0, ""],
    ["withdrawPayout", figures.withdrawPayout ?? 0, ""],
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
        (figures.refund ?? Infinity) <= TARGETS.refund,
    })}\n`,
  );
} finally {
  await anvil.process.stop(5_000);
  rmSync(dir, { recursive: true, force: true });
}
