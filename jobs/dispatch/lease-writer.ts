/**
 * Writes lease rows, the record of every lease (ADR 017), with group commit:
 * every caller waits until its row is in the database (nothing is answered
 * before it is recorded), but rows that arrive while statements are in flight
 * (up to MAX_IN_FLIGHT) go together in the next one, as a single multi-row
 * upsert. Under load that turns fifty statements into one; idle, a row is
 * written at once. The states of one lease are written one statement at a
 * time, in order.
 *
 * A row is written whole (its latest state). An ended lease is never
 * overwritten: the upsert only updates rows still `active`, so the first
 * ending wins (in SQL, whichever process writes it), and a late heartbeat can
 * neither revive a completed lease nor undo an expiry. `write` tells its
 * caller whether its state was the one recorded.
 */
import { getTableColumns, sql } from "drizzle-orm";
import { type Database, queryRows } from "../../db/client.js";
import { type LeaseRow, leases } from "../../db/schema/index.js";

type Pending = { row: LeaseRow; resolve(won: boolean): void; reject(error: unknown): void };

/** Every column of `leases` with its SQL type, in one fixed order. */
const COLUMNS = Object.values(getTableColumns(leases)).map((column) => ({
  key: Object.entries(getTableColumns(leases)).find(([, c]) => c === column)?.[0] as keyof LeaseRow,
  name: column.name,
  type: column.getSQLType(),
}));
/** Columns a later state of a lease may change. */
const MUTABLE = COLUMNS.filter(({ key }) =>
  [
    "status",
    "expiresAt",
    "endedAt",
    "percent",
    "step",
    "loss",
    "progressAt",
    "checkpointSha256",
    "checkpointUri",
    "submissionTx",
    "reason",
  ].includes(key),
);

/**
 * One statement for any number of rows: an array parameter per column through `unnest` (cheap to build
 * and to parse, unlike a VALUES list). Columns no row has a value for are left out, and a later state
 * never erases a value (progress, a checkpoint): a process whose copy of a lease is older than the
 * record writes only what it knows. A row already ended is left alone.
 */
function upsert(rows: LeaseRow[]) {
  const present = COLUMNS.filter(({ key }) => rows.some((row) => row[key] != null));
  const arrays = present.map(({ key, type }) => {
    const values = rows.map((row) => {
      const value = row[key];
      return value instanceof Date ? value.toISOString() : (value ?? null);
    });
    return sql`${sql.param(values)}::${sql.raw(type)}[]`;
  });
  // Deadlines and progress times only move forward: two processes' heartbeats (an agent retrying through
  // another API process) may land out of order.
  const updated = MUTABLE.filter((column) => present.includes(column)).map(({ key, name }) => {
    const keep = key === "expiresAt" || key === "progressAt" ? sql`greatest` : sql`coalesce`;
    return sql`${sql.identifier(name)} = ${keep}(excluded.${sql.identifier(name)}, ${leases}.${sql.identifier(name)})`;
  });
  return sql`
    insert into ${leases} (${sql.join(
      present.map(({ name }) => sql.identifier(name)),
      sql`, `,
    )})
    select * from unnest(${sql.join(arrays, sql`, `)})
    on conflict (id) do update set ${sql.join(updated, sql`, `)}
    where ${leases.status} = 'active'
    returning ${leases.id}`;
}

/**
 * A later state of a lease over an earlier one not yet written, as the upsert would combine them: the later
 * one's values, the earlier one's where it has none, and the later of the two deadlines and progress times.
 */
function merged(earlier: LeaseRow, later: LeaseRow): LeaseRow {
  const row = { ...later };
  for (const key of Object.keys(earlier) as (keyof LeaseRow)[]) {
    if (row[key] == null) Object.assign(row, { [key]: earlier[key] });
  }
  const latest = (a: Date | null, b: Date | null) => (a && b ? (a > b ? a : b) : (a ?? b));
  row.expiresAt = latest(earlier.expiresAt, later.expiresAt) ?? later.expiresAt;
  row.progressAt = latest(earlier.progressAt, later.progressAt);
  return row;
}

/** Statements in flight at once: a write never waits behind one slow statement, and leaves the pool room. */
const MAX_IN_FLIGHT = 4;

export class LeaseWriter {
  /** States waiting for a statement, by lease: the callers, the merged state, the ending if any. */
  private pending = new Map<string, Pending[]>();
  private latest = new Map<string, LeaseRow>();
  /** The ending of each lease in `latest` that ended, as its caller passed it. */
  private endedBy = new Map<string, LeaseRow>();
  /** Leases with a state in a statement now: their next state waits for it, so states land in order. */
  private readonly writingIds = new Set<string>();
  private running = 0;
  private scheduled = false;
  private idle: (() => void)[] = [];

  constructor(private readonly db: Database) {}

  /**
   * Resolves once `row` (or a later state of the same lease) is written: true when it was recorded, false
   * when the lease had already ended (an ending that came second, or an active state after an ending).
   */
  write(row: LeaseRow): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.keep(row);
      const waiting = this.pending.get(row.id) ?? [];
      waiting.push({ row, resolve, reject });
      this.pending.set(row.id, waiting);
      this.schedule();
    });
  }

  /**
   * Pending states of a lease merge into its latest, except that the first ending is final: nothing
   * replaces an ended state, in a batch as in the table.
   */
  private keep(row: LeaseRow): void {
    const pending = this.latest.get(row.id);
    if (pending && pending.status !== "active") return;
    if (row.status !== "active") this.endedBy.set(row.id, row);
    this.latest.set(row.id, pending ? merged(pending, row) : row);
  }

  /** Resolves once everything written so far is in the database (tests and shutdown). */
  flush(): Promise<void> {
    if (this.latest.size === 0 && this.running === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Starts a statement at the end of this tick, so that every caller of the tick joins it. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Starts statements while there is room and something to write that is not being written already. */
  private pump(): void {
    while (this.running < MAX_IN_FLIGHT) {
      const ids = [...this.latest.keys()].filter((id) => !this.writingIds.has(id));
      if (ids.length === 0) break;
      const rows: LeaseRow[] = [];
      const waiting: Pending[] = [];
      const endedBy = new Map<string, LeaseRow>();
      for (const id of ids) {
        rows.push(this.latest.get(id) as LeaseRow);
        waiting.push(...(this.pending.get(id) ?? []));
        const ending = this.endedBy.get(id);
        if (ending) endedBy.set(id, ending);
        this.latest.delete(id);
        this.pending.delete(id);
        this.endedBy.delete(id);
        this.writingIds.add(id);
      }
      this.running++;
      void this.run(rows, waiting, endedBy).finally(() => {
        this.running--;
        for (const row of rows) this.writingIds.delete(row.id);
        this.pump();
        if (this.latest.size === 0 && this.running === 0)
          for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  private async run(rows: LeaseRow[], waiting: Pending[], endedBy: Map<string, LeaseRow>): Promise<void> {
    const settle = (row: LeaseRow, recorded: boolean) => {
      for (const w of waiting) {
        if (w.row.id !== row.id) continue;
        // An active state was recorded if the lease was still active; an ending only if it was the one written.
        w.resolve(
          recorded && (w.row.status === "active" ? row.status === "active" : endedBy.get(row.id) === w.row),
        );
      }
    };
    try {
      const written = new Set((await queryRows<{ id: string }>(this.db, upsert(rows))).map((r) => r.id));
      for (const row of rows) settle(row, written.has(row.id));
    } catch (error) {
      if (rows.length === 1) {
        for (const w of waiting) w.reject(error);
        return;
      }
      // One bad row must not sink the others: write each on its own, so only its callers hear of it.
      for (const row of rows) {
        await queryRows<{ id: string }>(this.db, upsert([row])).then(
          (written) => settle(row, written.length > 0),
          (rowError: unknown) => {
            for (const w of waiting) if (w.row.id === row.id) w.reject(rowError);
          },
        );
      }
    }
  }
}
