/**
 * The account desk's pure parts: claimable revenue replayed from indexed events against a model of the
 * board's own bookkeeping (BountyBoard `_settle` / `_update` / `claimRevenue`, BountyLogic `share`), the
 * history's words, the eval set's reveal state and the history cursor.
 */
import { describe, expect, it } from "vitest";
import {
  claimableFrom,
  describeEvent,
  parseCursor,
  REVENUE_PRECISION,
  type RevenueStep,
  revealState,
  revenueEntitlement,
} from "./account.server.js";

const ZERO = "0x0000000000000000000000000000000000000000";
const A = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const B = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const DAO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const CTT = { tokenSymbol: "CTT", tokenDecimals: 6 };

/** The board's revenue bookkeeping for one bounty, as the contract does it. */
class BoardModel {
  balances = new Map<string, bigint>();
  supply = 0n;
  perShare = 0n;
  distributed = false;
  debt = new Map<string, bigint>();
  owed = new Map<string, bigint>();
  private get = (m: Map<string, bigint>, k: string) => m.get(k) ?? 0n;
  private settle(account: string) {
    if (this.perShare === 0n) return;
    const accrued = this.get(this.balances, account) * this.perShare - this.get(this.debt, account);
    if (accrued !== 0n) this.owed.set(account, this.get(this.owed, account) + accrued);
    this.debt.set(account, this.get(this.balances, account) * this.perShare);
  }
  move(from: string, to: string, amount: bigint) {
    if (this.distributed) {
      if (from !== ZERO) this.settle(from);
      if (to !== ZERO && to !== from) this.settle(to);
    }
    if (from === ZERO) this.supply += amount;
    else this.balances.set(from, this.get(this.balances, from) - amount);
    if (to === ZERO) this.supply -= amount;
    else this.balances.set(to, this.get(this.balances, to) + amount);
    if (this.distributed) {
      if (from !== ZERO) this.debt.set(from, this.get(this.balances, from) * this.perShare);
      if (to !== ZERO) this.debt.set(to, this.get(this.balances, to) * this.perShare);
    }
  }
  deposit(amount: bigint, dao: string): bigint {
    if (this.supply === 0n) {
      this.owed.set(dao, this.get(this.owed, dao) + amount * REVENUE_PRECISION);
      return this.perShare;
    }
    this.perShare += (amount * REVENUE_PRECISION) / this.supply;
    this.distributed = true;
    return this.perShare;
  }
  claimable(account: string): bigint {
    const accrued = this.get(this.balances, account) * this.perShare - this.get(this.debt, account);
    return (this.get(this.owed, account) + accrued) / REVENUE_PRECISION;
  }
  claim(account: string): bigint {
    this.settle(account);
    const owed = this.get(this.owed, account);
    const amount = owed / REVENUE_PRECISION;
    this.owed.set(account, owed - amount * REVENUE_PRECISION);
    return amount;
  }
}

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe("claimable revenue from the index", () => {
  it("matches the board's bookkeeping through mints, transfers, burns, deposits and claims", () => {
    let nonZero = 0;
    let claims = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rand = random(seed);
      const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)] as T;
      const amount = () => BigInt(1 + Math.floor(rand() * 10 ** (1 + Math.floor(rand() * 9))));
      const board = new BoardModel();
      const holders = [A, B, DAO];
      const steps = new Map<string, RevenueStep[]>(holders.map((h) => [h, []]));
      const claimed = new Map<string, bigint>(holders.map((h) => [h, 0n]));
      let previousPerShare = 0n;
      for (let i = 0; i < 40; i++) {
        const roll = rand();
        if (roll < 0.3) {
          const to = pick(holders);
          const n = amount();
          board.move(ZERO, to, n);
          steps.get(to)?.push({ kind: "shares", delta: n });
        } else if (roll < 0.5) {
          const from = pick(holders);
          const to = pick(holders);
          const n = (board.balances.get(from) ?? 0n) / BigInt(1 + Math.floor(rand() * 3));
          board.move(from, to, n);
          steps.get(from)?.push({ kind: "shares", delta: -n });
          steps.get(to)?.push({ kind: "shares", delta: n });
        } else if (roll < 0.6) {
          // A refund burns the whole balance.
          const from = pick(holders);
          const n = board.balances.get(from) ?? 0n;
          board.move(from, ZERO, n);
          steps.get(from)?.push({ kind: "shares", delta: -n });
        } else if (roll < 0.85) {
          const supplyBefore = board.supply;
          const n = amount();
          const perShare = board.deposit(n, DAO);
          for (const h of holders) {
            steps.get(h)?.push({
              kind: "deposit",
              amount: n,
              perShare,
              ...(perShare === previousPerShare ? { supplyBefore } : {}),
            });
          }
          previousPerShare = perShare;
        } else {
          const who = pick(holders);
          if (board.claimable(who) > 0n) {
            claimed.set(who, (claimed.get(who) ?? 0n) + board.claim(who));
            claims++;
          }
        }
        for (const h of holders) {
          const replayed = claimableFrom(
            revenueEntitlement(steps.get(h) ?? [], h === DAO),
            claimed.get(h) ?? 0n,
          );
          expect({ seed, i, h, claimable: replayed }).toEqual({ seed, i, h, claimable: board.claimable(h) });
          if (replayed > 0n) nonZero++;
        }
      }
    }
    // The sequences exercised what they are meant to: revenue owed, and claims taken out of it.
    expect(nonZero).toBeGreaterThan(1_000);
    expect(claims).toBeGreaterThan(100);
  });

  it("shares a deposit pro rata, keeps it with the holder at the deposit when shares move later", () => {
    const steps = (own: bigint, later: bigint): RevenueStep[] => [
      { kind: "shares", delta: own },
      // 100 tokens (6 decimals) over a supply of 100 shares.
      { kind: "deposit", amount: 100_000_000n, perShare: REVENUE_PRECISION },
      { kind: "shares", delta: later },
    ];
    expect(claimableFrom(revenueEntitlement(steps(50_000_000n, -20_000_000n), false), 0n)).toBe(50_000_000n);
    expect(claimableFrom(revenueEntitlement(steps(50_000_000n, 0n), false), 30_000_000n)).toBe(20_000_000n);
    expect(claimableFrom(revenueEntitlement(steps(0n, 20_000_000n), false), 0n)).toBe(0n);
  });
});

describe("the history in words", () => {
  it("says what each event did for the account, amounts in the bounty's token", () => {
    expect(
      describeEvent(
        "Transfer",
        { caller: A, sender: ZERO, receiver: A, id: "3", amount: "600000000" },
        A,
        CTT,
      ),
    ).toBe("Funded bounty #3 with 600 CTT: 600 shares minted");
    expect(
      describeEvent("Transfer", { caller: A, sender: A, receiver: B, id: "3", amount: "10000000" }, A, CTT),
    ).toBe("Sent 10 shares of bounty #3 to 0x15d3…6A65");
    expect(
      describeEvent("Transfer", { caller: A, sender: A, receiver: B, id: "3", amount: "10000000" }, B, CTT),
    ).toBe("Received 10 shares of bounty #3 from 0x90F7…b906");
    expect(
      describeEvent("RevenueClaimed", { bountyId: "3", account: A, to: A, amount: "2500000" }, A, CTT),
    ).toBe("Claimed 2.5 CTT of revenue");
    expect(describeEvent("Refunded", { bountyId: "4", backer: A, to: B, amount: "1000000" }, A, CTT)).toBe(
      "Refunded 1 CTT to 0x15d3…6A65",
    );
    expect(describeEvent("BountyCreated", { bountyId: "3", dao: DAO, params: { arbiter: A } }, A, CTT)).toBe(
      "Named arbiter of bounty #3",
    );
    expect(describeEvent("PayoutUnlocked", { bountyId: "3" }, A, CTT)).toBe("Payout unlocked");
    expect(
      describeEvent("RevenueDeposited", { bountyId: "3", from: DAO, amount: "7" }, DAO, {
        tokenSymbol: null,
        tokenDecimals: null,
      }),
    ).toBe("Deposited 7 base units of revenue into bounty #3");
  });
});

describe("the eval set's reveal", () => {
  const base = { evalSetRevealedAt: null, finalizedAt: "1800000000", revealPeriod: 3600 };
  it("is due a reveal period after finalization while Verifying, overdue after", () => {
    const due = new Date((1_800_000_000 + 3_600) * 1000).toISOString();
    expect(revealState({ ...base, status: "Verifying" }, 1_800_000_000_000)).toEqual({
      state: "due",
      at: due,
    });
    expect(revealState({ ...base, status: "Verifying" }, 1_900_000_000_000)).toEqual({
      state: "overdue",
      at: due,
    });
    expect(revealState({ ...base, status: "Funded", finalizedAt: null }, 0).state).toBe("after-finalization");
    expect(revealState({ ...base, status: "Fulfilled", evalSetRevealedAt: "1800000100" }, 0)).toEqual({
      state: "revealed",
      at: new Date(1_800_000_100_000).toISOString(),
    });
    expect(revealState({ ...base, status: "Cancelled", finalizedAt: null }, 0).state).toBe("not-needed");
  });
});

describe("the history cursor", () => {
  it("reads block:log and refuses anything else", () => {
    expect(parseCursor("1234:5")).toEqual({ block: 1234, logIndex: 5 });
    expect(parseCursor("1234")).toBeNull();
    expect(parseCursor("-1:0")).toBeNull();
    expect(parseCursor("1:0;drop")).toBeNull();
  });
});
