/** Display helpers shared by the pages (no server imports: safe in the browser bundle). */
import { formatUnits, parseUnits } from "viem";

/** `0x1234…abcd`: enough of an address or hash to recognise it; the full value goes in a title. */
export function shortHex(value: string, head = 6, tail = 4): string {
  return value.length <= head + tail + 1 ? value : `${value.slice(0, head)}…${value.slice(-tail)}`;
}

/** Raised against goal as a whole percentage (base units, any size), capped at 100 for bars. */
export function percentOf(raised: string, goal: string): number {
  const g = BigInt(goal);
  if (g === 0n) return 100;
  const pct = Number((BigInt(raised) * 100n) / g);
  return Math.min(100, pct);
}

/**
 * Time left until a unix deadline (seconds), in the largest sensible unit, or "ended". Pages pass the
 * `now` their loader read, so the server's text and the browser's hydration agree even when a unit
 * boundary passes between the two.
 */
export function timeLeft(deadline: string, nowMs: number): string {
  const seconds = Number(deadline) - Math.floor(nowMs / 1000);
  if (!(seconds > 0)) return "ended";
  return `${duration(seconds)} left`;
}

/**
 * A span of seconds in its two largest units, the smaller one dropped when zero: "6 d 23 h", "3 h",
 * "2 h 5 min", "1 min" (never less: "under a minute" reads as nothing left).
 */
export function duration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return `${Math.max(1, m)} min`;
}

const fourDigits = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 4 });
const wholeNumber = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/**
 * A score for people: 4 significant digits (11.024105568 is "11.02", 0.0125 stays "0.0125"), whole numbers
 * grouped from 1,000 up; a fixed locale, so the server and the browser write the same text. The exact
 * on-chain value (9 decimals) is for a title beside it.
 */
export function formatScore(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1_000 ? wholeNumber.format(value) : fourDigits.format(value);
}

/**
 * A token amount for people: base units shown in whole tokens with thousands separators and the symbol,
 * `formatAmount("1250500000", 6, "CTT")` is "1,250.5 CTT". Exact (no rounding: these are funds), and the
 * same on the server and in the browser (no locale), so hydration sees the same text.
 */
export function formatAmount(baseUnits: string, decimals: number, symbol: string): string {
  const units = formatUnits(BigInt(baseUnits), decimals);
  const negative = units.startsWith("-");
  const [whole = "0", fraction] = (negative ? units.slice(1) : units).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${fraction ? `.${fraction}` : ""} ${symbol}`;
}

/** A bounty's token as the pages get it: symbol and decimals are null until the indexer has read them. */
export interface TokenDisplay {
  tokenSymbol: string | null;
  tokenDecimals: number | null;
}

/**
 * An amount in a bounty's token (`formatAmount`), or, while the token's decimals are not indexed yet,
 * its base units as they are, said so.
 */
export function formatTokenAmount(baseUnits: string, token: TokenDisplay): string {
  if (token.tokenDecimals === null) return `${baseUnits} base units`;
  return formatAmount(baseUnits, token.tokenDecimals, token.tokenSymbol ?? "");
}

/**
 * A moment (ISO text or epoch ms) as "2026-11-27 21:50 UTC", cut from its ISO form: no locale data and no
 * time zone, so the server and any browser write the same text and hydration never differs. "—" for an
 * invalid moment.
 */
export function formatUtc(at: string | number): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return "—";
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A fixed locale, so the server and the browser write the same text (made once: formatters are costly). */
const valueFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

/** A reference value (funding normalized across tokens) with at most two decimals, grouped like amounts. */
export function formatValue(value: number): string {
  return valueFormat.format(value);
}

/**
 * A whole-token amount typed by a person, in base units; a sentence saying what is wrong when it is not
 * one (not a number, more fraction digits than the token has, zero unless `allowZero`).
 */
export function parseAmount(
  text: string,
  decimals: number,
  options: { allowZero?: boolean } = {},
): bigint | string {
  const trimmed = text.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return "Enter an amount such as 25 or 12.5.";
  const [, fraction = ""] = trimmed.split(".");
  if (fraction.length > decimals) return `This token has ${decimals} decimals: use at most that many.`;
  const value = parseUnits(trimmed, decimals);
  return value > 0n || options.allowZero ? value : "The amount must be more than zero.";
}
