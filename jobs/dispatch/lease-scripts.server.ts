/**
 * The dispatcher's Redis scripts (ADR 007). A lease and its completion each
 * take one round trip: the script that takes a job (or completes it) also
 * reserves (or frees) the pool's slot and writes the lease's live state.
 *
 * Taking and completing a job are BullMQ's own Lua scripts (`moveToActive`,
 * `moveToFinished`) from the installed bullmq package, run unchanged inside
 * ours as a local function: their keys and arguments come first, ours after
 * them. Their text is read from the package at startup and checked for the
 * shape this module relies on, so a bullmq upgrade that changes it fails at
 * once with a clear error instead of misbehaving.
 */
import { createRequire } from "node:module";
import type { Redis } from "ioredis";

interface BullScript {
  name: string;
  content: string;
  keys: number;
}

/** BullMQ's script `name` with `keys` keys, after checking it still reads the arguments we pass. */
export function bullScript(name: string, keys: number, argv: number): BullScript {
  const scripts = createRequire(import.meta.url)("bullmq/dist/cjs/scripts/index.js") as Record<
    string,
    Partial<BullScript> | undefined
  >;
  const script = scripts[name];
  const fail = (what: string) =>
    new Error(`bullmq's ${name} script ${what}: jobs/dispatch/lease-scripts.server.ts needs updating`);
  if (typeof script?.content !== "string") throw fail("is missing");
  if (script.keys !== keys) throw fail(`takes ${script.keys} keys, not ${keys}`);
  if (!script.content.includes(`ARGV[${argv}]`) || script.content.includes(`ARGV[${argv + 1}]`)) {
    throw fail(`no longer reads exactly ${argv} arguments`);
  }
  return { name, content: script.content, keys };
}

const moveToActive = bullScript("moveToActive", 11, 3);
const moveToFinished = bullScript("moveToFinished", 14, 9);
/** How many arguments BullMQ's moveToFinished takes: ours follow them. */
export const MOVE_TO_FINISHED_ARGS = 9;

// Replaces a lease's live state only while it is still active (the first ending wins), and puts the lease
// in its pool's slot set with score `slotScore` while it lives, or takes it out once it has ended.
const UPDATE_ACTIVE_LEASE = `
local function updateActiveLease(stateKey, slotsKey, json, keepMs, member, slotScore)
  local current = redis.call('GET', stateKey)
  local written = 0
  if current and string.find(current, '"status":"active"', 1, true) then
    redis.call('SET', stateKey, json, 'PX', keepMs)
    written = 1
  end
  if written == 1 and slotScore ~= '' then
    redis.call('ZADD', slotsKey, slotScore, member)
  else
    redis.call('ZREM', slotsKey, member)
  end
  return written
end`;

/**
 * Updates a lease's live state unless it has ended (KEYS: state, slot set; ARGV: state JSON, keep ms,
 * lease id, slot score or ''). Returns 1 when written.
 */
const UPDATE_LEASE = `${UPDATE_ACTIVE_LEASE}
return updateActiveLease(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])`;

const LEASE_KEYS = moveToActive.keys + 2;

/**
 * `leaseNext(KEYS, ARGV)` takes the head job of a class for a pool, if the pool has a free slot.
 * KEYS[1..11]: BullMQ's moveToActive keys; KEYS[12]: the pool's slot set; KEYS[13]: the lease's state.
 * ARGV[1]: the queue's key prefix; ARGV[2]: now (ms); ARGV[3]: lease id (the lock token);
 * ARGV[4]: lease TTL (ms); ARGV[5]: the pool's maxLeases; ARGV[6]: the lease state without its job
 * (JSON); ARGV[7]: how long to keep the state (ms).
 * Returns -1 when the pool is full, else BullMQ's answer ({job fields, job id, ...} or {0, ...}). A job
 * whose failure BullMQ deferred (`defa`, too many lost leases) is taken without a slot or a state: the
 * caller fails it.
 */
const LEASE_NEXT = `
local function bullmqMoveToActive(KEYS, ARGV)
${moveToActive.content}
end
local function leaseNext(KEYS, ARGV)
  local slots, now, leaseId = KEYS[12], tonumber(ARGV[2]), ARGV[3]
  redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
  if redis.call('ZCARD', slots) >= tonumber(ARGV[5]) then return -1 end
  local opts = cmsgpack.pack({token = leaseId, lockDuration = tonumber(ARGV[4])})
  local taken = bullmqMoveToActive(KEYS, {ARGV[1], ARGV[2], opts})
  local fields = taken[1]
  if type(fields) ~= 'table' then return taken end
  local job = {}
  for i = 1, #fields, 2 do job[fields[i]] = fields[i + 1] end
  if job.defa then return taken end
  -- A script that fails half-way keeps what it wrote: data that is not JSON must not stop it here.
  local decoded, data = pcall(cjson.decode, job.data)
  if not decoded or type(data) ~= 'table' then data = {} end
  local state = cjson.decode(ARGV[6])
  state.jobId = taken[2]
  state.chainId = data.chainId
  state.bountyId = data.bountyId
  state.attempt = (tonumber(job.atm) or 0) + (tonumber(job.stc) or 0) + 1
  redis.call('ZADD', slots, now + tonumber(ARGV[4]), leaseId)
  redis.call('SET', KEYS[13], cjson.encode(state), 'PX', ARGV[7])
  return taken
end`;

/**
 * `finish(KEYS, ARGV)` completes (or fails) a leased job and ends its lease.
 * KEYS[1..14]: BullMQ's moveToFinished keys; KEYS[15]: the lease's state; KEYS[16]: the pool's slot set.
 * ARGV[1..9]: BullMQ's moveToFinished arguments (no fetching of a next job); ARGV[10]: the ended state
 * (JSON); ARGV[11]: how long to keep it (ms); ARGV[12]: the lease id.
 * Returns BullMQ's error code (< 0) when the job could not be moved (its lock was lost), else 1 when this
 * call ended the lease and 0 when another ending came first.
 */
const FINISH_KEYS = moveToFinished.keys + 2;
const FINISH = `
local function bullmqMoveToFinished(KEYS, ARGV)
${moveToFinished.content}
end
${UPDATE_ACTIVE_LEASE}
local function finish(KEYS, ARGV)
  local moved = bullmqMoveToFinished(KEYS, ARGV)
  if type(moved) == 'number' and moved < 0 then return moved end
  return updateActiveLease(KEYS[15], KEYS[16], ARGV[10], ARGV[11], ARGV[12], '')
end`;

/** The commands `defineLeaseCommands` adds to a connection. */
export interface LeaseCommands {
  ctLease(...keysAndArgs: (string | number)[]): Promise<number | unknown[]>;
  ctFinish(...keysAndArgs: (string | number | boolean | Buffer | undefined)[]): Promise<number>;
  ctUpdateLease(
    stateKey: string,
    slotsKey: string,
    json: string,
    keepMs: number,
    member: string,
    slotScore: number | "",
  ): Promise<number>;
}

/** Adds the dispatcher's commands to a connection (idempotent) and returns it typed with them. */
export function defineLeaseCommands(connection: Redis): Redis & LeaseCommands {
  const commands = connection as Redis & Partial<LeaseCommands>;
  if (!commands.ctLease) {
    connection.defineCommand("ctLease", {
      numberOfKeys: LEASE_KEYS,
      lua: `${LEASE_NEXT}\nreturn leaseNext(KEYS, ARGV)`,
    });
    connection.defineCommand("ctFinish", {
      numberOfKeys: FINISH_KEYS,
      lua: `${FINISH}\nreturn finish(KEYS, ARGV)`,
    });
    connection.defineCommand("ctUpdateLease", { numberOfKeys: 2, lua: UPDATE_LEASE });
  }
  return connection as Redis & LeaseCommands;
}
