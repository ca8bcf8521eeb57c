/**
 * Writes to a dev deployment's BountyBoard and test token from local accounts
 * (anvil's): each call a real transaction, waited for and checked. The demo
 * seed of `npm run dev` (scripts/lib/demo-seed.ts), the integration tests and
 * the indexer benchmark act on the chain through this.
 */
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  type Hash,
  type Hex,
  http,
  type LocalAccount,
  maxUint256,
  parseEventLogs,
  parseSignature,
  parseUnits,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { bountyBoardAbi, testTokenAbi } from "../../contracts/abi.js";
import { checkpointCommitment, randomSalt } from "../../core/commitment.js";
import { ANVIL_CHAIN_ID, DEV_TOKEN } from "../../core/dev-chain.js";
import { permitTypedData } from "../../core/permit.js";
import type { Deployment } from "../../server/chain.js";
import { boardAddress } from "../../server/chain.js";

export { checkpointCommitment, randomSalt };

/** `BountyBoard.CreateBountyParams`. */
export interface CreateBountyParams {
  token: Address;
  goal: bigint;
  fundingDeadline: bigint;
  deliveryDeadline: bigint;
  specHash: Hex;
  evalSetCommitment: Hex;
  metricId: Hex;
  targetScore: bigint;
  direction: number;
  bond: bigint;
  challengeWindow: number;
  arbiter: Address;
  disputeBond: bigint;
  revealPeriod: number;
  evaluationPeriod: number;
  verificationPeriod: number;
  allowOverfunding: boolean;
}

/** The periods the demo and the tests give a bounty unless they say otherwise: an hour each. */
export const DEV_BOUNTY_PERIODS = {
  challengeWindow: 3_600,
  revealPeriod: 3_600,
  evaluationPeriod: 3_600,
  verificationPeriod: 3_600,
} as const;

/**
 * `createBounty` arguments for dev chains: `params` completed with no bond or dispute bond, an hour for each
 * period (DEV_BOUNTY_PERIODS), no overfunding, and the board's highest fee accepted (`maxFeeBps`).
 */
export function createBountyArgs(
  params: Omit<
    CreateBountyParams,
    keyof typeof DEV_BOUNTY_PERIODS | "bond" | "disputeBond" | "allowOverfunding"
  > &
    Partial<CreateBountyParams>,
  maxFeeBps = 1_000,
): readonly [CreateBountyParams, number] {
  return [
    { bond: 0n, disputeBond: 0n, allowOverfunding: false, ...DEV_BOUNTY_PERIODS, ...params },
    maxFeeBps,
  ];
}

/** An amount of the dev test token (ctUSD, 6 decimals) in base units: `usd(12.5)`. */
export const usd = (amount: string | number) => parseUnits(String(amount), DEV_TOKEN.decimals);

function chainOf(deployment: Deployment, rpcUrl: string): Chain {
  return defineChain({
    id: deployment.chainId,
    name: deployment.chainId === ANVIL_CHAIN_ID ? "Anvil" : `Chain ${deployment.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/** Clients for a deployment's BountyBoard and TestToken (the latter exists on dev chains only). */
export function boardClients(rpcUrl: string, deployment: Deployment) {
  const transport = http(rpcUrl, { retryCount: 0 });
  const chain = chainOf(deployment, rpcUrl);
  // Receipts on anvil are immediate: poll for them every 25 ms, not viem's default 4 s.
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 25 });
  const board = boardAddress(deployment);
  const testToken = deployment.contracts.TestToken;
  const token = testToken ? getAddress(testToken.address) : undefined;
  const requireToken = (): Address => {
    if (!token)
      throw new Error(`the deployment on chain ${deployment.chainId} has no TestToken (dev chains only)`);
    return token;
  };
  const wallets = new Map<string, WalletClient<Transport, Chain, LocalAccount>>();
  const wallet = (account: LocalAccount) => {
    let w = wallets.get(account.address);
    if (!w) {
      w = createWalletClient({ account, chain, transport });
      wallets.set(account.address, w);
    }
    return w;
  };

  /** Waits for `hash`; throws naming `what` unless it succeeded. */
  async function mined(what: string, hash: Hash): Promise<TransactionReceipt> {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${what} reverted in ${hash}`);
    return receipt;
  }

  /** A BountyBoard call from `account`, mined; returns its hash. Throws when it reverts. */
  async function send(account: LocalAccount, functionName: string, args: readonly unknown[]): Promise<Hash> {
    const hash = await wallet(account).writeContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: functionName as never,
      args: args as never,
    });
    await mined(functionName, hash);
    return hash;
  }

  /** Each account approves the board for any amount of the test token. */
  async function approveAll(accounts: LocalAccount[]): Promise<void> {
    const address = requireToken();
    for (const account of accounts) {
      const hash = await wallet(account).writeContract({
        address,
        abi: testTokenAbi,
        functionName: "approve",
        args: [board, maxUint256],
      });
      await mined(`approving ${DEV_TOKEN.symbol} for ${account.address}`, hash);
    }
  }

  /**
   * Funds a bounty in one transaction with an EIP-2612 permit signed off-chain (`fundWithPermit`), as a
   * browser wallet does: no standing approval needed. Returns the transaction hash.
   */
  async function fundWithPermit(backer: LocalAccount, bountyId: bigint, amount: bigint): Promise<Hash> {
    const address = requireToken();
    const [{ domain }, nonce, block] = await Promise.all([
      publicClient.getEip712Domain({ address }),
      publicClient.readContract({
        address,
        abi: testTokenAbi,
        functionName: "nonces",
        args: [backer.address],
      }),
      publicClient.getBlock(),
    ]);
    const deadline = block.timestamp + 3_600n;
    const signature = await wallet(backer).signTypedData(
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
    if (v === undefined) throw new Error("the permit signature has no v");
    return send(backer, "fundWithPermit", [bountyId, amount, deadline, Number(v), r, s]);
  }

  /**
   * A trainer's checkpoint on-chain, as the pool agent does it: `commitCheckpoint` with a fresh salt, its receipt,
   * then `revealCheckpoint` in the next block. Returns the submission id (its precedence) and both hashes.
   */
  async function commitAndReveal(
    trainer: LocalAccount,
    bountyId: bigint,
    checkpointHash: Hex,
    uri: string,
    salt: Hex = randomSalt(),
  ): Promise<{ submissionId: bigint; commitTx: Hash; revealTx: Hash; salt: Hex }> {
    const commitTx = await commit(trainer, bountyId, checkpointHash, salt);
    const receipt = await publicClient.getTransactionReceipt({ hash: commitTx });
    const [event] = parseEventLogs({
      abi: bountyBoardAbi,
      eventName: "CheckpointCommitted",
      logs: receipt.logs,
    });
    if (!event) throw new Error(`commitCheckpoint ${commitTx} emitted no CheckpointCommitted`);
    const revealTx = await send(trainer, "revealCheckpoint", [bountyId, checkpointHash, uri, salt]);
    return { submissionId: event.args.submissionId, commitTx, revealTx, salt };
  }

  /** `commitCheckpoint` of (checkpointHash, trainer, salt), mined. */
  function commit(trainer: LocalAccount, bountyId: bigint, checkpointHash: Hex, salt: Hex): Promise<Hash> {
    return send(trainer, "commitCheckpoint", [
      bountyId,
      checkpointCommitment(checkpointHash, trainer.address, salt),
    ]);
  }

  /** How many bounties the board holds (the id of the newest one). */
  async function bountyCount(): Promise<bigint> {
    const [bounties] = await publicClient.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "counts",
    });
    return bounties;
  }

  return {
    chain,
    publicClient,
    board,
    /** The TestToken's address; throws on a deployment without one. */
    get token(): Address {
      return requireToken();
    },
    wallet,
    mined,
    send,
    approveAll,
    fundWithPermit,
    commit,
    commitAndReveal,
    bountyCount,
  };
}

export type BoardClients = ReturnType<typeof boardClients>;
