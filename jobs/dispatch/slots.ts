/**
 * A pool's lease slots: the one owner of "which leases count against a pool's
 * `maxLeases`" (ADR 017).
 *
 * Keys: `<prefix>:dispatch:pool:<poolId>:leases`, one sorted set per pool,
 * member = lease id, score = the lease's deadline (ms since epoch). These are
 * our keys only: nothing here reads or writes anything of BullMQ's.
 *
 * `reserve` is the only script, and it has to be one: two API processes racing
 * for a pool's last slot must not both win, so dropping expired members,
 * counting and adding happen in one atomic step. Everything else is a single
 * command.
 */
import type { Redis } from "ioredis";

/**
 * KEYS[1]: the pool's slot set. ARGV[1]: now (ms); ARGV[2]: the lease id; ARGV[3]: the lease TTL (ms);
 * ARGV[4]: the pool's maxLeases. Drops slots whose deadline has passed, then adds the lease with deadline
 * now + TTL unless the pool already holds maxLeases. Returns 1 when reserved, -1 when the pool is full.
 */
const RESERVE = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return -1 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
return 1`;

interface SlotCommands {
  ctReserveSlot(
    slotsKey: string,
    now: number,
    leaseId: string,
    ttlMs: number,
    maxLeases: number,
  ): Promise<number>;
}

export class PoolSlots {
  private readonly redis: Redis & SlotCommands;

  constructor(
    connection: Redis,
    private readonly prefix: string,
  ) {
    const commands = connection as Redis & Partial<SlotCommands>;
    // defineCommand runs the script by its sha (EVALSHA), loading it once per connection.
    if (!commands.ctReserveSlot) connection.defineCommand("ctReserveSlot", { numberOfKeys: 1, lua: RESERVE });
    this.redis = connection as Redis & SlotCommands;
  }

  key(poolId: string): string {
    return `${this.prefix}:dispatch:pool:${poolId}:leases`;
  }

  /** Takes a slot of `poolId` for `leaseId` until now + ttlMs; false when the pool already holds `maxLeases`. */
  async reserve(
    poolId: string,
    leaseId: string,
    ttlMs: number,
    maxLeases: number,
    now: number,
  ): Promise<boolean> {
    return (await this.redis.ctReserveSlot(this.key(poolId), now, leaseId, ttlMs, maxLeases)) === 1;
  }

  /** Moves a live slot's deadline; does nothing for a slot already freed (XX: a late heartbeat adds nothing). */
  async extend(poolId: string, leaseId: string, deadline: number): Promise<void> {
    await this.redis.zadd(this.key(poolId), "XX", deadline, leaseId);
  }

  async free(poolId: string, leaseId: string): Promise<void> {
    await this.redis.zrem(this.key(poolId), leaseId);
  }

  /** Slots of these pools whose deadline is after `now`. */
  async live(poolIds: string[], now: number): Promise<number> {
    const counts = await Promise.all(poolIds.map((id) => this.redis.zcount(this.key(id), `(${now}`, "+inf")));
    return counts.reduce((sum, n) => sum + n, 0);
  }
}
