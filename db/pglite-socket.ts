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
 * It patches the library's internals (pinned to exactly 0.2.17 in package.json)
 * and checks their shape at start-up, so an upgrade that changes them fails
 * loudly instead of silently reverting to the unsafe scheduling.
 */
import type { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

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

/** Message types that end an exchange: Sync ('S') and a simple Query ('Q'). Startup messages begin with 0. */
const ENDS_EXCHANGE = new Set([0x53, 0x51, 0x00]);

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
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(current.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                current.onData(data);
              },
            }),
          );
        } catch (error) {
          open = null;
          current.reject(error);
          continue;
        }
        open = ENDS_EXCHANGE.has(current.message[0] ?? 0) ? null : current.handlerId;
        this.lastHandlerId = current.handlerId;
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

/** A PGLiteSocketServer on 127.0.0.1 whose connections' queries never interleave. Not started. */
export function createPgliteSocketServer(db: PGlite, port: number, maxConnections = 64): PGLiteSocketServer {
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port, maxConnections });
  keepExchangesTogether((server as unknown as { queryQueue: QueryQueueInternals }).queryQueue);
  return server;
}
