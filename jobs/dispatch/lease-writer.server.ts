/**
 * Writes lease rows with group commit: every caller waits until its row is
 * in the database (nothing is answered before it is recorded), but rows that
 * arrive while a write is in flight go together in the next one, as a single
 * multi-row upsert. Under load that turns fifty statements into one; idle, a
 * row is written at once.
 *
 * A row is written whole (its latest state). An ended lease is never
 * overwritten: the upsert only updates rows still `active`, so a late
 * heartbeat can neither revive a completed lease nor undo an expiry.
 */
import { getTableColumns, sql } from "drizzle-orm";
import type { Database } from "../../db/client.server.js";
import { type LeaseRow, leases } from "../../db/schema/index.js";

/** How long the record of a starting lease may wait to be written with others. */
const DEFER_MS = 100;

type Pending = { row: LeaseRow; resolve(): void; reject(error: unknown): void };

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
  // Deadlines and progress times only move forward: a process's deferred start record may land after
  // another process recorded the first heartbeat.
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
    where ${leases.status} = 'active'`;
}

export class LeaseWriter {
  private pending = new Map<string, Pending[]>();
  private latest = new Map<string, LeaseRow>();
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Database) {}

  /**
   * Writes `row` within `DEFER_MS`, without waiting: for the record of a lease starting, which the lease
   * itself does not depend on (BullMQ's lock is the lease). A lease that ends sooner is written once, in
   * its final state. Failures are reported to `onError`; the lease's next heartbeat writes the row again.
   */
  defer(row: LeaseRow, onError: (error: unknown) => void): void {
    this.keep(row);
    const waiting = this.pending.get(row.id) ?? [];
    waiting.push({ row, resolve: () => {}, reject: onError });
    this.pending.set(row.id, waiting);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.writing ??= this.drain();
    }, DEFER_MS);
  }

  /** Resolves once `row` (or a later state of the same lease) is written. */
  write(row: LeaseRow): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.keep(row);
      const waiting = this.pending.get(row.id) ?? [];
      waiting.push({ row, resolve, reject });
      this.pending.set(row.id, waiting);
      this.writing ??= this.drain();
    });
  }

  /** Pending states replace older ones, except that an ended lease is never replaced by an active one. */
  private keep(row: LeaseRow): void {
    const pending = this.latest.get(row.id);
    if (pending && pending.status !== "active" && row.status === "active") return;
    this.latest.set(row.id, row);
  }

  /** Writes everything pending now; resolves when done. */
  async flush(): Promise<void> {
    if (this.latest.size > 0) this.writing ??= this.drain();
    await this.writing;
  }

  private async drain(): Promise<void> {
    // Let every caller of this tick join the first batch.
    await Promise.resolve();
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.latest.size > 0) {
      const rows = [...this.latest.values()];
      const waiting = [...this.pending.values()].flat();
      this.latest = new Map();
      this.pending = new Map();
      try {
        await this.db.execute(upsert(rows));
        for (const w of waiting) w.resolve();
      } catch (error) {
        if (rows.length === 1) {
          for (const w of waiting) w.reject(error);
          continue;
        }
        // One bad row must not sink the others: write each on its own, so only its callers hear of it.
        for (const row of rows) {
          const mine = waiting.filter((w) => w.row.id === row.id);
          await this.db.execute(upsert([row])).then(
            () => {
              for (const w of mine) w.resolve();
            },
            (rowError: unknown) => {
              for (const w of mine) w.reject(rowError);
            },
          );
        }
      }
    }
    this.writing = undefined;
  }
}
