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
 * query (ADR 008).
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

/** Message types that end an exchange: Sync ('S') and a simple Query ('Q'). */
const ENDS_EXCHANGE = new Set([0x53, 0x51]);
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

function keepExchangesTogether(queue: QueryQueueInternals): void {
  if (
    !Array.isArray(queue.queue) ||
    typeof queue.processQueue !== "function" ||
    typeof queue.clearQueueForHandler !== "function" ||
    typeof queue.db?.isInTransaction !== "function"
  ) {
    throw new Error(
      "@electric-sql/pglite-socket internals changed: review db/pglite-socket.ts before upgrading",
    );
  }
  // The connection in the middle of an extended-protocol exchange, if any.
  let open: number | null = null;

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
        // PGlite answers a whole run of messages in one call; the answer goes out in one socket write.
        const answer: Uint8Array[] = [];
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(current.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                answer.push(data.slice());
              },
            }),
          );
        } catch (error) {
          open = null;
          current.reject(error);
          continue;
        }
        open = endingRuns.has(current.message) ? null : current.handlerId;
        this.lastHandlerId = current.handlerId;
        if (bytes > 0)
          current.onData(answer.length === 1 ? (answer[0] as Uint8Array) : Buffer.concat(answer));
        current.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };

  // A connection that goes away mid-exchange must not hold the queue.
  const clear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    if (open === handlerId) {
      open = null;
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
    throw new Error(
      "@electric-sql/pglite-socket internals changed: review db/pglite-socket.ts before upgrading",
    );
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
