/**
 * The demo of `npm run dev`: on a fresh dev chain, a few DAOs and bounties in
 * various states, so a newcomer sees a living platform, and a local CPU pool
 * whose agent trains the funded ones end to end.
 *
 * Nothing is faked: the DAOs' roles, the bounties, every contribution, the
 * cancellation and the refund, and one disputed submission (account 7 commits
 * and reveals a checkpoint, the evaluator's account scores it, backer 4
 * disputes the score; the DAO, the bounty's arbiter, is left to resolve it)
 * are real transactions from anvil's accounts,
 * and the database learns about them the way it learns about any bounty
 * (specs and private eval sets stored as a DAO stores them, then the chain
 * through the indexer). What happens next is the platform's own work: the
 * indexer dispatches the funded bounties, the local pool agent leases, claims,
 * trains, uploads and submits, and the worker's evaluator scores on-chain.
 *
 * The parts anvil's accounts play (see DEMO_ACCOUNTS): 0 deploys, administers
 * and takes the fees; 1 and 3 are DAOs (and their bounties' arbiters); 2 is the
 * evaluator; 4 to 7 back bounties (5 with EIP-2612 permits, the others with one
 * approval), 7 also trains the disputed submission; 8 runs the local pool and
 * trains; 9 is left untouched for the newcomer.
 */
import {
  type Address,
  formatUnits,
  type Hex,
  keccak256,
  type LocalAccount,
  parseEventLogs,
  stringToHex,
} from "viem";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { BOARD_ROLES, BOUNTY_STATUS, type BountyStatus } from "../../core/board.js";
import {
  ANVIL_CHAIN_ID,
  anvilAccount,
  anvilPrivateKey,
  DEMO_ACCOUNTS,
  DEV_TOKEN,
} from "../../core/dev-chain.js";
import { blobsClassifierSpec, hindiGptSpec, linearRegressionSpec } from "../../core/spec.examples.js";
import { type BountySpec, onchainSpecTerms } from "../../core/spec.js";
import type { Database } from "../../db/client.js";
import { registerSpec } from "../../jobs/bounties/index.js";
import { createPool, poolByName, rotatePoolToken } from "../../jobs/dispatch/index.js";
import { storeEvalSet } from "../../jobs/evalsets/index.js";
import { heldOutSplit } from "../../ml/data.js";
import { encodeEvalSet } from "../../ml/evalset.js";
import type { ArtifactStore } from "../../server/artifacts.js";
import type { Deployment } from "../../server/chain.js";
import { boardClients, createBountyArgs, usd } from "./board-client.js";

/** Which anvil account plays which part in the demo: core/dev-chain.ts owns it (the dev wallet labels with it). */
export { DEMO_ACCOUNTS };

/** The local pool `npm run dev` runs an agent for: CPU only, so it fits the example specs (gpus 0). */
export const DEMO_POOL = {
  name: "dev-cpu",
  gpuModel: "CPU (reference trainer)",
  gpuCount: 0,
  vramGb: 0,
  maxLeases: 1,
} as const;

/** "Hindi GPT" asked for again with a target the CPU reference trainer (about 11) does not reach. */
const hindiGptStrictSpec: BountySpec = {
  ...hindiGptSpec,
  name: "Hindi GPT (char-level), perplexity ≤ 8",
  description:
    "The Hindi GPT task with a stricter target: next-token perplexity of 8 or lower on the same private " +
    "held-out set. The CPU reference trainer gets to about 11; a GPU pool with a real model is wanted.",
  metric: { ...hindiGptSpec.metric, target: 8 },
};

/** A regression bounty on other data (its own seed and noise), so cancelling it reveals nothing of another's. */
const sensorCalibrationSpec: BountySpec = {
  ...linearRegressionSpec,
  name: "Sensor calibration",
  description:
    "Map six raw sensor readings to two calibrated values. The readings are noisier than the linear " +
    "regressor's, and so is the target.",
  metric: { name: "mse", target: 0.15, direction: "lower" },
  trainingData: [
    {
      uri: "builtin:linear?seed=2&noise=0.3",
      description: "y = xW + b + noise (std 0.3), generated from seed 2",
    },
  ],
};

export interface DemoBountyPlan {
  spec: BountySpec;
  /** The proposing DAO's anvil account. */
  dao: number;
  /** Funding goal in whole ctUSD. */
  goal: number;
  /** In order; `permit`: one signature (fundWithPermit) instead of a standing approval. */
  contributions: { backer: number; amount: number; permit?: boolean }[];
  /** The DAO cancels the bounty before its goal; these backers then take their refunds. */
  cancel?: { refunds: number[] };
  /**
   * Once funded: `trainer` claims, commits and reveals a placeholder checkpoint, the evaluator's account scores
   * it at the spec's target, and `disputer` disputes the score (open, for the arbiter to resolve).
   */
  dispute?: { trainer: number; disputer: number };
  /**
   * Every period at the dev chain's floor (60 s) instead of PERIODS: with time moving (anvil's block time),
   * the bounty goes from its first verdict to Fulfilled, payout and revenue in a few minutes, untouched.
   */
  quick?: boolean;
  /** The state the chain must show once seeded. */
  expect: Extract<BountyStatus, "Funding" | "Funded" | "Cancelled">;
  /** What happens next, for the start-up summary. */
  next: string;
}

/**
 * The demo bounties, created in this order (ids 1..5 on a fresh board). Bounties whose specs share training
 * data share one eval set (one commitment), so none can be revealed while another with that data is open.
 */
export const DEMO_BOUNTIES: readonly DemoBountyPlan[] = [
  {
    spec: hindiGptSpec,
    dao: 1,
    goal: 2_500,
    contributions: [
      { backer: 4, amount: 1_000 },
      { backer: 5, amount: 750, permit: true },
      { backer: 6, amount: 500 },
      { backer: 7, amount: 250 },
    ],
    expect: "Funded",
    next: "the local pool trains it, the evaluator scores it",
  },
  {
    spec: blobsClassifierSpec,
    dao: 3,
    goal: 800,
    contributions: [
      { backer: 5, amount: 500, permit: true },
      { backer: 7, amount: 300 },
    ],
    quick: true,
    expect: "Funded",
    next: "trained and scored, then finalized, revealed, paid out and given revenue, all within minutes",
  },
  {
    spec: hindiGptStrictSpec,
    dao: 1,
    goal: 1_200,
    contributions: [
      { backer: 6, amount: 700 },
      { backer: 4, amount: 500 },
    ],
    dispute: { trainer: 7, disputer: 4 },
    expect: "Funded",
    next: "account 7's score is disputed by account 4: the DAO (account 1) arbitrates; trained next",
  },
  {
    spec: linearRegressionSpec,
    dao: 3,
    goal: 2_000,
    contributions: [
      { backer: 4, amount: 400 },
      { backer: 7, amount: 250 },
    ],
    expect: "Funding",
    next: "still raising: back it as account 9",
  },
  {
    spec: sensorCalibrationSpec,
    dao: 3,
    goal: 1_500,
    contributions: [
      { backer: 6, amount: 200 },
      { backer: 5, amount: 100, permit: true },
    ],
    cancel: { refunds: [6] },
    expect: "Cancelled",
    next: "account 6 refunded, 5 may still refund",
  },
];

/** The demo's DAOs (anvil account indexes): scripts/demo-dao.ts acts for them. */
export const DEMO_DAOS: readonly number[] = [...new Set(DEMO_BOUNTIES.map((plan) => plan.dao))];

/** Deadlines and terms of every demo bounty. */
const FUNDING_DAYS = 14n;
const DELIVERY_DAYS = 45n;
const BOND = 10;
/**
 * A verdict may be disputed, and a qualifying best finalized, after standing this long; reveals, evaluations
 * and the verification after the eval set's reveal are as short: a newcomer can walk a bounty to its payout.
 */
const CHALLENGE_WINDOW_SECONDS = 15 * 60;
const PERIODS = {
  challengeWindow: CHALLENGE_WINDOW_SECONDS,
  revealPeriod: 15 * 60,
  evaluationPeriod: 30 * 60,
  verificationPeriod: 15 * 60,
} as const;
/** The quick demo bounty's periods: the dev chain's floor (DEV_BOARD_LIMITS). */
const QUICK_PERIODS = {
  challengeWindow: 60,
  revealPeriod: 60,
  evaluationPeriod: 60,
  verificationPeriod: 60,
} as const;
const DISPUTE_BOND = 5;
const DAY = 86_400n;

export interface SeededBounty {
  id: bigint;
  name: string;
  dao: Address;
  status: BountyStatus;
  /** Base units of ctUSD. */
  raised: bigint;
  goal: bigint;
  backers: number;
  next: string;
}

export type DemoSeedResult =
  | { seeded: true; bounties: SeededBounty[]; daos: Address[] }
  | { seeded: false; reason: string };

export interface DemoSeedOptions {
  rpcUrl: string;
  deployment: Deployment;
  db: Database;
  /** Where the DAOs' private eval sets are stored (the worker's ARTIFACTS_DIR). */
  store: ArtifactStore;
  log?: (message: string) => void;
  /** Default DEMO_BOUNTIES. */
  bounties?: readonly DemoBountyPlan[];
}

/** The training data a spec is scored on the held-out part of (the key its eval set is shared by). */
const dataOf = (spec: BountySpec) => spec.trainingData[0]?.uri ?? "";

/** `2,500` ctUSD from base units. */
export function formatUsd(amount: bigint): string {
  const [whole = "0", fraction] = formatUnits(amount, DEV_TOKEN.decimals).split(".");
  return `${BigInt(whole).toLocaleString("en-US")}${fraction ? `.${fraction}` : ""}`;
}

/**
 * Seeds the demo on a fresh dev deployment. Returns `seeded: false` with the reason, sending nothing, when
 * the chain is not anvil, the board already has bounties, or no anvil account can grant the DAO role.
 * Throws when a transaction or a store fails.
 */
export async function seedDemo(options: DemoSeedOptions): Promise<DemoSeedResult> {
  const log = options.log ?? (() => {});
  const plans = options.bounties ?? DEMO_BOUNTIES;
  const { deployment, db, store } = options;
  if (deployment.chainId !== ANVIL_CHAIN_ID || !deployment.contracts.TestToken) {
    return { seeded: false, reason: `chain ${deployment.chainId} is not a dev chain (anvil, 31337)` };
  }
  const c = boardClients(options.rpcUrl, deployment);
  const existing = await c.bountyCount();
  if (existing > 0n) return { seeded: false, reason: `the board already holds ${existing} bounties` };

  // Check: every DAO holds DAO_ROLE, or an anvil account can grant it; nothing is sent before this is known.
  const hasRole = (role: Hex, account: Address) =>
    c.publicClient.readContract({
      address: c.board,
      abi: bountyBoardAbi,
      functionName: "hasRole",
      args: [role, account],
    });
  const daoIndexes = [...new Set(plans.map((p) => p.dao))];
  const missing: LocalAccount[] = [];
  for (const index of daoIndexes) {
    const dao = anvilAccount(index);
    if (!(await hasRole(BOARD_ROLES.DAO_ROLE, dao.address))) missing.push(dao);
  }
  let admin: LocalAccount | undefined;
  if (missing.length > 0) {
    for (let index = 0; index < 10 && !admin; index++) {
      const account = anvilAccount(index);
      if (await hasRole(BOARD_ROLES.DEFAULT_ADMIN_ROLE, account.address)) admin = account;
    }
    if (!admin) {
      return {
        seeded: false,
        reason: "the board's admin is not an anvil account, so the demo DAOs cannot be granted DAO_ROLE",
      };
    }
  }

  // The DAOs.
  for (const dao of missing) {
    await c.send(admin as LocalAccount, "grantRole", [BOARD_ROLES.DAO_ROLE, dao.address]);
    log(`demo: DAO_ROLE granted to ${dao.address}`);
  }
  const daos = daoIndexes.map((index) => anvilAccount(index).address);

  // Each DAO stores its spec and its private eval set (as POST /api/specs and /api/eval-sets do).
  // Specs drawing on the same data share one eval set (the held-out split of that data).
  const commitments = new Map<string, Hex>();
  for (const plan of plans) {
    const { specHash } = await registerSpec(db, plan.spec);
    const data = dataOf(plan.spec);
    if (!commitments.has(data)) {
      const bytes = encodeEvalSet(heldOutSplit(plan.spec));
      const row = await storeEvalSet(db, store, bytes, { spec: plan.spec, specHash });
      commitments.set(data, row.commitment as Hex);
      log(`demo: eval set of "${plan.spec.name}" stored privately (${row.samples} rows, ${data})`);
    }
  }

  // Backers: permit users sign per contribution; the others approve the board once.
  const approving = new Set<number>();
  for (const plan of plans) {
    for (const contribution of plan.contributions) {
      if (!contribution.permit) approving.add(contribution.backer);
    }
  }
  await c.approveAll([...approving].sort((a, b) => a - b).map((index) => anvilAccount(index)));

  const bounties: SeededBounty[] = [];
  for (const plan of plans) {
    const dao = anvilAccount(plan.dao);
    const terms = onchainSpecTerms(plan.spec);
    const now = (await c.publicClient.getBlock()).timestamp;
    const created = await c.send(
      dao,
      "createBounty",
      createBountyArgs({
        token: c.token,
        goal: usd(plan.goal),
        fundingDeadline: now + FUNDING_DAYS * DAY,
        deliveryDeadline: now + DELIVERY_DAYS * DAY,
        specHash: terms.specHash,
        evalSetCommitment: commitments.get(dataOf(plan.spec)) as Hex,
        metricId: terms.metricId,
        targetScore: terms.targetScore,
        direction: terms.direction,
        bond: usd(BOND),
        // The DAO arbitrates its own bounty's disputes (a Timelock or Safe in production; never an evaluator).
        arbiter: dao.address,
        disputeBond: usd(DISPUTE_BOND),
        ...(plan.quick ? QUICK_PERIODS : PERIODS),
      }),
    );
    const [event] = parseEventLogs({
      abi: bountyBoardAbi,
      eventName: "BountyCreated",
      logs: (await c.publicClient.getTransactionReceipt({ hash: created })).logs,
    });
    if (!event) throw new Error(`createBounty ${created} emitted no BountyCreated`);
    const id = event.args.bountyId;
    for (const { backer, amount, permit } of plan.contributions) {
      if (permit) await c.fundWithPermit(anvilAccount(backer), id, usd(amount));
      else await c.send(anvilAccount(backer), "fund", [id, usd(amount)]);
    }
    if (plan.cancel) {
      await c.send(dao, "cancelBounty", [id]);
      for (const backer of plan.cancel.refunds) {
        await c.send(anvilAccount(backer), "refund", [id, anvilAccount(backer).address]);
      }
    }
    if (plan.dispute) {
      const trainer = anvilAccount(plan.dispute.trainer);
      const disputer = anvilAccount(plan.dispute.disputer);
      await c.approveAll([trainer, disputer]);
      await c.send(trainer, "claim", [id]);
      const { submissionId } = await c.commitAndReveal(
        trainer,
        id,
        keccak256(stringToHex(`demo: account ${plan.dispute.trainer}'s checkpoint for bounty ${id}`)),
        `crowdtrain://demo/bounties/${id}/disputed-checkpoint`,
      );
      await c.send(anvilAccount(DEMO_ACCOUNTS.evaluator), "publishEvaluation", [
        submissionId,
        terms.targetScore,
        keccak256(stringToHex(`demo: report of submission ${submissionId}`)),
      ]);
      await c.send(disputer, "dispute", [
        submissionId,
        keccak256(stringToHex(`demo: account ${plan.dispute.disputer} re-ran the score and got another`)),
      ]);
      log(
        `demo: submission #${submissionId} of bounty #${id} scored and disputed by ${disputer.address}; ` +
          `the arbiter ${dao.address} decides`,
      );
    }

    const onChain = await c.publicClient.readContract({
      address: c.board,
      abi: bountyBoardAbi,
      functionName: "getBounty",
      args: [id],
    });
    const status = BOUNTY_STATUS[onChain.status] ?? "None";
    if (status !== plan.expect) {
      throw new Error(
        `demo bounty ${id} ("${plan.spec.name}") is ${status} on-chain, expected ${plan.expect}`,
      );
    }
    const bounty: SeededBounty = {
      id,
      name: plan.spec.name,
      dao: dao.address,
      status,
      raised: onChain.raised,
      goal: onChain.goal,
      backers: new Set(plan.contributions.map((x) => x.backer)).size,
      next: plan.next,
    };
    bounties.push(bounty);
    log(
      `demo: bounty #${id} "${bounty.name}" by DAO ${dao.address}: ` +
        `${formatUsd(bounty.raised)} / ${formatUsd(bounty.goal)} ${DEV_TOKEN.symbol} from ${bounty.backers} backers, ${status}`,
    );
  }
  return { seeded: true, bounties, daos };
}

export interface LocalPool {
  name: string;
  id: string;
  /** The pool's API token: a fresh one on each call (the old ones are revoked). Give it to the agent only. */
  token: string;
  created: boolean;
  /** The account the agent claims and submits from (DEMO_ACCOUNTS.trainer). */
  trainer: Address;
  /** Its key (anvil's, public knowledge). */
  trainerKey: Hex;
}

/**
 * The local pool of DEMO_POOL, created if missing, with a fresh API token (its tokens are never stored, so
 * each `npm run dev` issues one for its agent). Returns undefined when someone disabled the pool: that
 * choice stands.
 */
export async function localPool(db: Database): Promise<LocalPool | undefined> {
  const trainer = anvilAccount(DEMO_ACCOUNTS.trainer);
  const trainerKey = anvilPrivateKey(DEMO_ACCOUNTS.trainer);
  const existing = await poolByName(db, DEMO_POOL.name);
  if (!existing) {
    const { pool, token } = await createPool(db, { ...DEMO_POOL, operator: trainer.address });
    return { name: pool.name, id: pool.id, token, created: true, trainer: trainer.address, trainerKey };
  }
  if (existing.status !== "active") return undefined;
  const token = await rotatePoolToken(db, existing.id);
  return {
    name: existing.name,
    id: existing.id,
    token,
    created: false,
    trainer: trainer.address,
    trainerKey,
  };
}
