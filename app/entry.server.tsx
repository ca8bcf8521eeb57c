import { Writable } from "node:stream";
import type { AppLoadContext, EntryContext, HandleErrorFunction } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { renderToPipeableStream } from "react-dom/server";
import { serverDbTarget } from "../db/client.js";
import { envOrExit, exitOnEnvError } from "../server/env.js";
import { NonceContext } from "./hooks/nonce.js";
import { webLogger } from "./logger.server.js";
import { withoutFizzPadding } from "./utils/fizz-padding.js";

// Parse the configuration when the server loads this build, not on the first
// request: a bad variable stops start-up with a message naming it.
const config = envOrExit();
exitOnEnvError(() => serverDbTarget(config));

/** Errors from loaders, actions and rendering: one structured log line each (aborted requests are not errors). */
export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted) return;
  webLogger().error({ err: error, method: request.method, url: request.url }, "request failed");
};

/** How long rendering may wait for data before it gives up (single fetch). */
export const streamTimeout = 5_000;

/**
 * Renders the whole document, then sends it in one piece (ADR 012). No loader
 * here defers data, so the document is complete moments after its shell, and
 * streaming it would only cost: React's stream comes in dozens of small chunks,
 * each one a trip through a web stream, the gzip middleware and a socket write.
 * One buffer, compressed once, takes about a tenth less of the server's time per
 * page. A route that defers data in the future should restore streaming.
 */
export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = typeof loadContext.cspNonce === "string" ? loadContext.cspNonce : "";
  return new Promise<Response>((resolve, reject) => {
    let shellFailed = false;
    // Errors React recovered from (inside a Suspense boundary): logged with the document, which is a 500.
    const recovered: unknown[] = [];
    const chunks: Uint8Array[] = [];
    const document = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(withoutFizzPadding(chunk));
        callback();
      },
      final(callback) {
        clearTimeout(timeout);
        for (const error of recovered) webLogger().error({ err: error, url: request.url }, "render failed");
        responseHeaders.set("Content-Type", "text/html; charset=utf-8");
        resolve(
          new Response(Buffer.concat(chunks), { headers: responseHeaders, status: responseStatusCode }),
        );
        callback();
      },
    });
    // A render still waiting for data after streamTimeout is aborted, and the request fails (an abort
    // before the shell is ready calls none of the callbacks below).
    const timeout = setTimeout(() => {
      abort();
      reject(new Error(`rendering ${new URL(request.url).pathname} took over ${streamTimeout + 1_000} ms`));
    }, streamTimeout + 1_000);
    const { pipe, abort } = renderToPipeableStream(
      <NonceContext.Provider value={nonce}>
        <RemixServer context={remixContext} url={request.url} nonce={nonce} />
      </NonceContext.Provider>,
      {
        nonce,
        onAllReady() {
          if (!shellFailed) pipe(document);
        },
        onShellError(error: unknown) {
          // The shell's error reaches handleError through the rejection, and Remix renders the error page.
          shellFailed = true;
          clearTimeout(timeout);
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          recovered.push(error);
        },
      },
    );
  });
}
