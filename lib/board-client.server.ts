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
  http,
  type LocalAccount,
  maxUint256,
  parseSignature,
  parseUnits,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { bountyBoardAbi, testTokenAbi } from "../contracts/abi.js";
import { boardAddress } from "./board.server.js";
import type { Deployment } from "./chain.server.js";
import { ANVIL_CHAIN_ID, DEV_TOKEN } from "./deploy.server.js";
import { permitTypedData } from "./permit.js";

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
    bountyCount,
  };
}

export type BoardClients = ReturnType<typeof boardClients>;
