/**
 * ERC-20 metadata of the tokens the board sees: symbol, name and decimals, read once per token with
 * eth_call when the indexer first meets it (an allowlist change or a bounty naming it), and stored with
 * the batch that named it (store.ts).
 *
 * Tokens are hostile but valid input, like everything from the chain: `symbol()` and `name()` may revert,
 * be missing, answer a bytes32 (MKR, SAI and other early tokens), hold NUL or control characters, or be
 * megabytes long. None of that may stop the indexer, so each has a fallback (the short address, the
 * address). Only a failure to reach the node (a timeout, a dropped connection, a 5xx) is thrown: the
 * step fails and is retried, as for any RPC failure.
 *
 * The calls read the latest block, not the block of the event: metadata does not change on real tokens,
 * and a node that is not an archive node cannot answer old blocks.
 */
import { and, eq } from "drizzle-orm";
import {
  type Address,
  BaseError,
  decodeFunctionResult,
  ExecutionRevertedError,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  type Hex,
  hexToBigInt,
  hexToBytes,
  type PublicClient,
  size,
  sliceHex,
} from "viem";
import type { Database } from "../../db/client.js";
import { tokens } from "../../db/schema/index.js";

export interface TokenMetadata {
  /** Checksummed address. */
  token: string;
  symbol: string;
  name: string;
  decimals: number;
}

export interface TokenMetadataRead extends TokenMetadata {
  /** The fields that fell back because the token's answer was unusable, for a log line. */
  fallbacks: ("symbol" | "name" | "decimals")[];
}

/** Decimals assumed when `decimals()` reverts or answers nothing usable (the ERC-20 default, and ether's). */
export const FALLBACK_DECIMALS = 18;
const MAX_SYMBOL_CHARS = 32;
const MAX_NAME_CHARS = 128;

/** What a view call answered: its return data, or nothing usable (reverted, no code, empty answer). */
type Answer = { ok: true; data: Hex } | { ok: false };

/**
 * Whether a failed eth_call failed inside the EVM (a revert, an invalid opcode, running out of gas): the
 * token's answer, which asking again will not change. Anything else is the node or the network.
 */
function failedInEvm(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  if (error.walk((e) => e instanceof ExecutionRevertedError)) return true;
  const text = `${error.details ?? ""} ${error.shortMessage}`;
  return /revert|invalid opcode|InvalidFEOpcode|out of gas|OutOfGas|stack underflow|stack overflow|invalid jump/i.test(
    text,
  );
}

async function callView(
  chain: PublicClient,
  token: Address,
  functionName: "symbol" | "name" | "decimals",
): Promise<Answer> {
  try {
    const { data } = await chain.call({
      to: token,
      data: encodeFunctionData({ abi: erc20Abi, functionName }),
    });
    // No code at the address (or a fallback that returns nothing) answers no data.
    return data && data !== "0x" ? { ok: true, data } : { ok: false };
  } catch (error) {
    if (failedInEvm(error)) return { ok: false };
    throw error;
  }
}

/** Text fit to show and store: no control characters (NUL included, which Postgres refuses), trimmed, capped. */
function cleanText(value: string, maxChars: number): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const cleaned = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, "").trim();
  if (cleaned === "") return undefined;
  const chars = [...cleaned];
  return chars.length > maxChars ? `${chars.slice(0, maxChars - 1).join("")}…` : cleaned;
}

/** A `string` answer, or a `bytes32` one (text up to its first NUL); undefined when it is neither. */
export function decodeTokenText(data: Hex, functionName: "symbol" | "name", maxChars: number) {
  try {
    return cleanText(decodeFunctionResult({ abi: erc20Abi, functionName, data }), maxChars);
  } catch {
    // Not an ABI string: try bytes32 below.
  }
  if (size(data) !== 32) return undefined;
  const bytes = hexToBytes(data);
  const end = bytes.indexOf(0);
  return cleanText(new TextDecoder().decode(bytes.subarray(0, end === -1 ? 32 : end)), maxChars);
}

/** A `uint8` answer; undefined when the answer is short or does not fit a uint8. */
export function decodeTokenDecimals(data: Hex): number | undefined {
  if (size(data) < 32) return undefined;
  const value = hexToBigInt(sliceHex(data, 0, 32));
  return value <= 255n ? Number(value) : undefined;
}

/** `0x1234…abcd`, the symbol of a token whose own is unreadable. */
function shortAddress(token: Address): string {
  return `${token.slice(0, 6)}…${token.slice(-4)}`;
}

/**
 * Reads a token's symbol, name and decimals. Throws only when the node cannot be reached (retry later);
 * whatever the token itself answers gives a result.
 *
 * Decimals are needed to show and compare amounts. When `decimals()` reverts, or answers something that is
 * not a uint8 (no code at the address, a short answer), 18 is assumed: the ERC-20 default (the function is
 * optional in the standard) and ether's, and the row says so in `fallbacks` for the log.
 */
export async function readTokenMetadata(chain: PublicClient, address: string): Promise<TokenMetadataRead> {
  const token = getAddress(address);
  const [symbolAnswer, nameAnswer, decimalsAnswer] = await Promise.all([
    callView(chain, token, "symbol"),
    callView(chain, token, "name"),
    callView(chain, token, "decimals"),
  ]);
  const fallbacks: TokenMetadataRead["fallbacks"] = [];
  const symbol = symbolAnswer.ok ? decodeTokenText(symbolAnswer.data, "symbol", MAX_SYMBOL_CHARS) : undefined;
  const name = nameAnswer.ok ? decodeTokenText(nameAnswer.data, "name", MAX_NAME_CHARS) : undefined;
  const decimals = decimalsAnswer.ok ? decodeTokenDecimals(decimalsAnswer.data) : undefined;
  if (symbol === undefined) fallbacks.push("symbol");
  if (name === undefined) fallbacks.push("name");
  if (decimals === undefined) fallbacks.push("decimals");
  return {
    token,
    symbol: symbol ?? shortAddress(token),
    name: name ?? token,
    decimals: decimals ?? FALLBACK_DECIMALS,
    fallbacks,
  };
}

/**
 * A token's decimals as the index holds them: the one source for everything after the indexer (a bounty's
 * token is indexed in the batch that names it, before any effect of that batch runs). Throws, to be
 * retried, when the token is not indexed yet.
 */
export async function indexedDecimals(db: Database, chainId: number, token: string): Promise<number> {
  const row = await indexedToken(db, chainId, token);
  if (row?.decimals == null) throw new Error(`token ${token} on chain ${chainId} is not indexed yet`);
  return row.decimals;
}

/** A token as the index holds it (allowlist state and metadata), or undefined when the board never named it. */
export async function indexedToken(
  db: Database,
  chainId: number,
  token: string,
): Promise<{ allowed: boolean; symbol: string | null; decimals: number | null } | undefined> {
  const [row] = await db
    .select({ allowed: tokens.allowed, symbol: tokens.symbol, decimals: tokens.decimals })
    .from(tokens)
    .where(and(eq(tokens.chainId, chainId), eq(tokens.token, getAddress(token))));
  return row;
}
