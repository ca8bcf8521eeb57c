/**
 * PGlite over the Postgres wire protocol, safe for many connections.
 *
 * pglite-socket 0.2.17 queues every protocol message on its own and only keeps
 * a connection's messages together inside a transaction. node-postgres sends a
 * parameterized query as an extended-protocol exchange (Parse, Bind, Describe,
 * Execute, Sync), and PGlite has one session with one unnamed statement: two
 * connections' exchanges interleaved bind one client's parameters to the other's
 * statement and answer each with the other's rows (we saw a valid pool token
 * rejected under concurrent load). This replaces the queue's scheduler so that
 * once a connection has started an exchange, nothing else runs until its Sync
 * (or a simple Query) has been answered, as well as inside transactions.
 *
 * It also has each connection queue whole exchanges (as much of one as has
 * arrived) instead of single messages: PGlite runs the five messages of a query
 * in one call and its answer goes back in one write, about half the cost per
 * query (ADR 008). And it lets connections share named prepared statements:
 * PGlite's one session holds them all, so a second connection's Parse of a
 * statement it already holds, from the same message, is answered without
 * preparing it again rather than failing as a duplicate, and a client's Close
 * of a statement leaves it for the others. Statements dropped in SQL
 * (DEALLOCATE, DISCARD) are not noticed: the app does neither. An exchange
 * left unfinished, by a connection that went away or a PGlite error, is ended
 * with a Sync, so the next connection's messages are not skipped as its rest.
 *
 * It patches the library's internals (pinned to exactly 0.2.17 in package.json)
 * and checks their shape at start-up, so an upgrade that changes them fails
 * loudly instead of silently reverting to the unsafe scheduling.
 */
import type { Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketHandler, PGLiteSocketServer } from "@electric-sql/pglite-socket";

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve(bytes: number): void;
  reject(error: unknown): void;
  onData(data: Uint8Array): void;
}

interface QueryQueueInternals {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  db: PGlite;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

/** Message types that end an exchange: Sync ('S'), a simple Query ('Q'), and Terminate ('X'). */
const ENDS_EXCHANGE = new Set([0x53, 0x51, 0x58]);
/** Terminate: PGlite ignores it only as the first message of a call, so it always starts a run. */
const TERMINATE = 0x58;
/** The protocol version (3.0) that follows the length of a startup message, which has no type byte. */
const PROTOCOL_3 = 196_608;

function isStartup(buffer: Buffer, offset: number): boolean {
  return buffer.length - offset >= 8 && buffer.readInt32BE(offset + 4) === PROTOCOL_3;
}

/** The length of the complete message at `offset`, or 0 when it has not fully arrived. */
function messageLength(buffer: Buffer, offset: number): number {
  const left = buffer.length - offset;
  const length = isStartup(buffer, offset)
    ? buffer.readInt32BE(offset)
    : left >= 5
      ? 1 + buffer.readInt32BE(offset + 1)
      : Number.POSITIVE_INFINITY;
  return left >= length ? length : 0;
}

/** Runs of messages (queued by queueWholeExchanges) whose last message ends an exchange. */
const endingRuns = new WeakSet<Uint8Array>();

/** ParseComplete: what Postgres answers a Parse with. */
const PARSE_COMPLETE = Uint8Array.of(0x31, 0, 0, 0, 4);

/** The C string (zero-terminated) at `offset` of `buffer`. */
function cstringAt(buffer: Buffer, offset: number): string {
  return buffer.toString("utf8", offset, buffer.indexOf(0, offset));
}

/**
 * Named prepared statements shared by every connection. PGlite has one session, so a statement one
 * connection prepares exists for all of them, and another connection's Parse of the same name would fail
 * as a duplicate. A run that starts with the Parse of a statement the session already has from the very
 * same Parse message skips it (the answer gets the ParseComplete it would have had): statements of one
 * name and text are prepared, and planned, once for everyone, as each connection of a real server would
 * have its own. A Parse of a known name with other text still goes through, and fails as Postgres does.
 */
function withoutKnownParse(
  message: Uint8Array,
  statements: Map<string, Buffer>,
): { run: Uint8Array; parsed: boolean; named?: { name: string; parse: Buffer } } {
  const buffer = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  if (buffer[0] !== 0x50 || buffer.length < 6) return { run: message, parsed: false };
  const name = cstringAt(buffer, 5);
  if (name === "") return { run: message, parsed: false };
  const length = 1 + buffer.readInt32BE(1);
  const parse = buffer.subarray(0, length);
  if (!statements.get(name)?.equals(parse))
    return { run: message, parsed: false, named: { name, parse: Buffer.from(parse) } };
  return { run: message.subarray(length), parsed: true };
}

/** A portal name no client uses: closing it is a no-op that still answers CloseComplete. */
const NO_PORTAL = Buffer.from("crowdtrain:kept-statement\0");

/**
 * Keeps shared statements alive: a Close of a named statement (node-postgres sends one when it fails to
 * serialize a parameter) would close it for every connection, which may still use it. It becomes the
 * Close of a portal that never exists, answered in the same place with the same CloseComplete. The
 * statement stays in the session, where the next Parse of the very same message finds it.
 */
function keepNamedStatements(run: Uint8Array): Uint8Array {
  const buffer = Buffer.from(run.buffer, run.byteOffset, run.byteLength);
  const parts: Buffer[] = [];
  let changed = false;
  for (
    let offset = 0, length = messageLength(buffer, 0);
    length > 0;
    length = messageLength(buffer, offset)
  ) {
    const message = buffer.subarray(offset, offset + length);
    const closesNamedStatement = message[0] === 0x43 && message[5] === 0x53 && message[6] !== 0;
    parts.push(closesNamedStatement ? closePortalMessage() : message);
    changed ||= closesNamedStatement;
    offset += length;
  }
  return changed ? Buffer.concat(parts) : run;
}

function closePortalMessage(): Buffer {
  const message = Buffer.alloc(6 + NO_PORTAL.length);
  message.write("C", 0);
  message.writeInt32BE(message.length - 1, 1);
  message.write("P", 5);
  NO_PORTAL.copy(message, 6);
  return message;
}

/** Sync: ends an exchange, and ends skipping after an error in one. */
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);

function internalsChanged(): Error {
  return new Error(
    "@electric-sql/pglite-socket internals changed: review db/pglite-socket.ts before upgrading",
  );
}

function keepExchangesTogether(queue: QueryQueueInternals): void {
  if (
    !Array.isArray(queue.queue) ||
    typeof queue.processQueue !== "function" ||
    typeof queue.clearQueueForHandler !== "function" ||
    typeof queue.db?.isInTransaction !== "function"
  ) {
    throw internalsChanged();
  }
  // The connection in the middle of an extended-protocol exchange, if any.
  let open: number | null = null;
  // Named statements in PGlite's one session, by name: the Parse message that made each.
  const statements = new Map<string, Buffer>();
  // Connections that have gone away (handler ids are never reused).
  const gone = new Set<number>();
  // An exchange left unfinished (its connection went away, or PGlite threw) must not make PGlite skip the
  // next connection's messages as the rest of a failed exchange: a Sync ends it, ahead of anything else.
  const endExchange = () =>
    void queue.db
      .runExclusive(() => queue.db.execProtocolRawStream(SYNC, { onRawData: () => {} }))
      .catch(() => {});

  queue.processQueue = async function processQueue(this: QueryQueueInternals) {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const sticky = this.db.isInTransaction() && this.lastHandlerId !== null ? this.lastHandlerId : open;
        let item: QueuedMessage | undefined;
        if (sticky === null) {
          item = this.queue.shift();
        } else {
          const index = this.queue.findIndex((queued) => queued.handlerId === sticky);
          // Its next message has not arrived yet: wait for it (enqueue calls us again).
          if (index === -1) break;
          item = this.queue.splice(index, 1)[0];
        }
        if (!item) break;
        const current = item;
        const { run: parsedRun, parsed, named } = withoutKnownParse(current.message, statements);
        const run = keepNamedStatements(parsedRun);
        // PGlite answers a whole run of messages in one call; the answer goes out in one socket write.
        const answer: Uint8Array[] = parsed ? [PARSE_COMPLETE] : [];
        try {
          if (run.length > 0) {
            await this.db.runExclusive(() =>
              this.db.execProtocolRawStream(run, {
                onRawData: (data: Uint8Array) => {
                  answer.push(data.slice());
                },
              }),
            );
          }
        } catch (error) {
          open = null;
          endExchange();
          current.reject(error);
          continue;
        }
        // A statement this run made (its answer starts with ParseComplete) is known from now on.
        if (named && answer[0]?.[0] === PARSE_COMPLETE[0]) statements.set(named.name, named.parse);
        open = endingRuns.has(current.message) ? null : current.handlerId;
        if (open !== null && gone.has(open)) {
          // Its connection went away while this part of its exchange ran.
          open = null;
          endExchange();
        }
        this.lastHandlerId = current.handlerId;
        const bytes = answer.length === 1 ? (answer[0] as Uint8Array) : Buffer.concat(answer);
        if (bytes.length > 0) current.onData(bytes);
        current.resolve(bytes.length);
      }
    } finally {
      this.processing = false;
    }
  };

  // A connection that goes away mid-exchange must not hold the queue.
  const clear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number) => {
    gone.add(handlerId);
    clear(handlerId);
    if (open === handlerId) {
      open = null;
      endExchange();
      void queue.processQueue();
    }
  };
}

interface HandlerInternals {
  socket: Socket | null;
  active: boolean;
  messageBuffer: Buffer;
  id: number;
  queryQueue: {
    enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  };
  handleSslRequest(): boolean;
  handleCancelRequest(): boolean;
  handleData(data: Buffer): Promise<number>;
}

/**
 * Makes each connection queue what it sent as runs of messages, each run as long as an exchange (through
 * its Sync or simple Query) or as much of one as has arrived, instead of one message at a time.
 * node-postgres sends a parameterized query's five messages in one packet: PGlite now runs them in one
 * call rather than five, and the answer goes back in one socket write (ADR 008).
 */
function queueWholeExchanges(handler: HandlerInternals): void {
  if (
    typeof handler.handleData !== "function" ||
    typeof handler.handleSslRequest !== "function" ||
    typeof handler.handleCancelRequest !== "function"
  ) {
    throw internalsChanged();
  }
  handler.handleData = async function handleData(this: HandlerInternals, data: Buffer): Promise<number> {
    if (!this.socket || !this.active) return 0;
    this.messageBuffer = this.messageBuffer.length > 0 ? Buffer.concat([this.messageBuffer, data]) : data;
    let answered = 0;
    let writeError: unknown;
    const answer = (bytes: Uint8Array) => {
      answered += bytes.length;
      if (bytes.length > 0 && this.active && this.socket?.writable) {
        this.socket.write(bytes, (error) => {
          if (error) writeError = error;
        });
      }
    };
    while (this.messageBuffer.length > 0 && this.active && this.socket) {
      if (this.handleSslRequest() || this.handleCancelRequest()) continue;
      const buffer = this.messageBuffer;
      let end = 0;
      let ends = false;
      for (let length = messageLength(buffer, 0); length > 0 && !ends; length = messageLength(buffer, end)) {
        if (end > 0 && buffer[end] === TERMINATE) break;
        ends = isStartup(buffer, end) || ENDS_EXCHANGE.has(buffer[end] ?? 0);
        end += length;
      }
      if (end === 0) break; // the next message has not fully arrived
      // A copy: the queue may hold it while the connection's buffer moves on.
      const run = new Uint8Array(buffer.subarray(0, end));
      if (ends) endingRuns.add(run);
      this.messageBuffer = buffer.subarray(end);
      await this.queryQueue.enqueue(this.id, run, answer);
      if (writeError) throw writeError;
    }
    return answered;
  };
}

/** A PGLiteSocketServer on 127.0.0.1 whose connections' queries never interleave. Not started. */
export function createPgliteSocketServer(db: PGlite, port: number, maxConnections = 64): PGLiteSocketServer {
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port, maxConnections });
  keepExchangesTogether((server as unknown as { queryQueue: QueryQueueInternals }).queryQueue);
  // Every connection's handler (the same replacement each time a server is made).
  queueWholeExchanges(PGLiteSocketHandler.prototype as unknown as HandlerInternals);
  return server;
}
