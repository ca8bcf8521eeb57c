/**
 * The dispatcher's Redis scripts (ADR 007). A lease and its completion each
 * take one round trip: the script that takes a job (or completes it) also
 * reserves (or frees) the pool's slot and writes the lease's live state.
 *
 * Taking and completing a job are BullMQ's own Lua scripts (`moveToActive`,
 * `moveToFinished`) from the installed bullmq package, run unchanged inside
 * ours as a local function. Their text is read from the package at startup
 * and checked for the shape this module relies on, so a bullmq upgrade that
 * changes it fails at once with a clear error instead of misbehaving.
 *
 * Ours build BullMQ's keys from the queue's key prefix, as BullMQ's own
 * scripts build job keys, rather than receive them: a command's cost in
 * ioredis grows with its arguments, and these run twice per job.
 * `checkQueueKeys` verifies, once per queue, that BullMQ names them so.
 */
import { createRequire } from "node:module";
import type { Queue } from "bullmq";
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

/** BullMQ's keys of a queue that moveToActive takes, in its order, after the queue's key prefix. */
const ACTIVE_KEYS = [
  "wait",
  "active",
  "prioritized",
  "events",
  "stalled",
  "limiter",
  "delayed",
  "paused",
  "meta",
  "pc",
  "marker",
];
/** The same for moveToFinished completing a job (`{jobId}` is the job's hash). */
const COMPLETE_KEYS = [...ACTIVE_KEYS.slice(0, 10), "completed", "{jobId}", "metrics:completed", "marker"];

/** Lua: the table of keys `names` of the queue with key prefix `q` (and job `jobId`). */
const luaKeys = (names: string[]) =>
  `{${names.map((name) => (name === "{jobId}" ? "q .. jobId" : `q .. '${name}'`)).join(", ")}}`;

/**
 * Throws unless BullMQ names this queue's keys as our scripts build them: the queue's key prefix then the
 * key's name, for the keys moveToActive takes and those moveToFinished takes to complete a job.
 */
export function checkQueueKeys(queue: Queue): void {
  const prefix = queue.keys[""] ?? "";
  const keys = queue.keys as Record<string, string | undefined>;
  const activeKeys = ACTIVE_KEYS.map((name) => keys[name]);
  const completeKeys = queue.scripts
    .moveToCompletedArgs({ id: "probe", opts: {} } as never, "null", false, "probe", false)
    .slice(0, moveToFinished.keys);
  const expected = (names: string[]) =>
    names.map((name) => `${prefix}${name === "{jobId}" ? "probe" : name}`);
  const same = (a: unknown[], b: unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(activeKeys, expected(ACTIVE_KEYS)) || !same(completeKeys, expected(COMPLETE_KEYS))) {
    throw new Error(
      `bullmq names the keys of queue ${queue.name} differently: jobs/dispatch/lease-scripts.server.ts needs updating`,
    );
  }
}

/**
 * What BullMQ keeps of a completed job, from its `removeOnComplete` option (its `keepJobs`): true keeps
 * none, a number that many, an object as it says, anything else all of them.
 */
export function keepJobsOf(removeOnComplete: unknown): { count?: number; age?: number; limit?: number } {
  if (removeOnComplete === true) return { count: 0 };
  if (typeof removeOnComplete === "number") return { count: removeOnComplete };
  if (typeof removeOnComplete === "object" && removeOnComplete !== null) return removeOnComplete;
  return { count: -1 };
}

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

/**
 * `lease(KEYS, ARGV)` takes the head job of a queue for a pool, if the pool has a free slot.
 * KEYS[1]: the pool's slot set; KEYS[2]: the lease's state.
 * ARGV[1]: the queue's key prefix; ARGV[2]: now (ms); ARGV[3]: lease id (the lock token);
 * ARGV[4]: lease TTL (ms); ARGV[5]: the pool's maxLeases; ARGV[6]: the lease state without its job
 * (JSON); ARGV[7]: how long to keep the state (ms).
 * Returns -1 when the pool is full, else BullMQ's answer ({job fields, job id, ...} or {0, ...}). A job
 * whose failure BullMQ deferred (`defa`, too many lost leases) is taken without a slot or a state: the
 * caller fails it.
 */
const LEASE = `
local function bullmqMoveToActive(KEYS, ARGV)
${moveToActive.content}
end
local function lease(KEYS, ARGV)
  local slots, q, now, leaseId = KEYS[1], ARGV[1], tonumber(ARGV[2]), ARGV[3]
  redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
  if redis.call('ZCARD', slots) >= tonumber(ARGV[5]) then return -1 end
  local opts = cmsgpack.pack({token = leaseId, lockDuration = tonumber(ARGV[4])})
  local taken = bullmqMoveToActive(${luaKeys(ACTIVE_KEYS)}, {q, ARGV[2], opts})
  local fields = taken[1]
  if type(fields) ~= 'table' then return taken end
  local job = {}
  for i = 1, #fields, 2 do job[fields[i]] = fields[i + 1] end
  if job.defa then return taken end
  local state = cjson.decode(ARGV[6])
  state.jobId = taken[2]
  -- The bounty, from the job id (trainingJobId: train-<chainId>-<bountyId>), else from the job's data.
  local chainId, bountyId = string.match(taken[2], '^train%-(%d+)%-(%d+)$')
  if not chainId then
    -- A script that fails half-way keeps what it wrote: data that is not JSON must not stop it here.
    local decoded, data = pcall(cjson.decode, job.data)
    if decoded and type(data) == 'table' then chainId, bountyId = data.chainId, data.bountyId end
  end
  state.chainId = tonumber(chainId)
  state.bountyId = bountyId
  state.attempt = (tonumber(job.atm) or 0) + (tonumber(job.stc) or 0) + 1
  -- Encoded first: nothing below can fail once the slot is taken.
  local encoded = cjson.encode(state)
  redis.call('ZADD', slots, now + tonumber(ARGV[4]), leaseId)
  redis.call('SET', KEYS[2], encoded, 'PX', ARGV[7])
  return taken
end`;

/**
 * `complete(KEYS, ARGV)` completes a leased job and ends its lease.
 * KEYS[1]: the lease's state; KEYS[2]: the pool's slot set.
 * ARGV[1]: the queue's key prefix; ARGV[2]: the job id; ARGV[3]: now (ms); ARGV[4]: the job's return value
 * (JSON); ARGV[5]: what to keep of completed jobs (BullMQ's keepJobs, JSON); ARGV[6]: the job's attempts;
 * ARGV[7]: the lease id (the lock token); ARGV[8]: the ended state (JSON); ARGV[9]: how long to keep it.
 * Returns BullMQ's error code (< 0) when the job could not be moved (its lock was lost), else 1 when this
 * call ended the lease and 0 when another ending came first.
 */
const COMPLETE = `
local function bullmqMoveToFinished(KEYS, ARGV)
${moveToFinished.content}
end
${UPDATE_ACTIVE_LEASE}
local function complete(KEYS, ARGV)
  local q, jobId, leaseId = ARGV[1], ARGV[2], ARGV[7]
  local opts = cmsgpack.pack({
    token = leaseId, keepJobs = cjson.decode(ARGV[5]), attempts = tonumber(ARGV[6]), maxMetricsSize = ''
  })
  local moved = bullmqMoveToFinished(${luaKeys(COMPLETE_KEYS)},
    {jobId, ARGV[3], 'returnvalue', ARGV[4], 'completed', '0', q, opts, ''})
  if type(moved) == 'number' and moved < 0 then return moved end
  return updateActiveLease(KEYS[1], KEYS[2], ARGV[8], ARGV[9], leaseId, '')
end`;

/**
 * Completes a lease and, in the same step, leases its pool the head job of a queue, as a BullMQ worker
 * takes its next job when it completes one: KEYS and ARGV are those of `complete` (2 and 9), then those
 * of `lease` (2 and 7). Returns {complete's answer} when the completion failed (nothing is leased), else
 * {complete's answer, lease's answer}.
 */
const COMPLETE_AND_LEASE = `${COMPLETE}
${LEASE}
local ended = complete({KEYS[1], KEYS[2]}, {unpack(ARGV, 1, 9)})
if ended < 0 then return {ended} end
return {ended, lease({KEYS[3], KEYS[4]}, {unpack(ARGV, 10, 16)})}`;

/** The commands `defineLeaseCommands` adds to a connection. */
export interface LeaseCommands {
  ctLease(
    slotsKey: string,
    stateKey: string,
    queuePrefix: string,
    now: number,
    leaseId: string,
    ttlMs: number,
    maxLeases: number,
    pendingState: string,
    keepMs: number,
  ): Promise<number | unknown[]>;
  ctComplete(
    stateKey: string,
    slotsKey: string,
    queuePrefix: string,
    jobId: string,
    now: number,
    returnValue: string,
    keepJobs: string,
    attempts: number,
    leaseId: string,
    endedState: string,
    keepMs: number,
  ): Promise<number>;
  /** complete's 2 keys, lease's 2 keys, complete's 9 arguments, lease's 7. */
  ctCompleteAndLease(...keysThenArgs: (string | number)[]): Promise<[number] | [number, number | unknown[]]>;
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
    connection.defineCommand("ctLease", { numberOfKeys: 2, lua: `${LEASE}\nreturn lease(KEYS, ARGV)` });
    connection.defineCommand("ctComplete", {
      numberOfKeys: 2,
      lua: `${COMPLETE}\nreturn complete(KEYS, ARGV)`,
    });
    connection.defineCommand("ctCompleteAndLease", { numberOfKeys: 4, lua: COMPLETE_AND_LEASE });
    connection.defineCommand("ctUpdateLease", { numberOfKeys: 2, lua: UPDATE_LEASE });
  }
  return connection as Redis & LeaseCommands;
}
