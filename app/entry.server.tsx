import { PassThrough } from "node:stream";
import {
  createReadableStreamFromReadable,
  type EntryContext,
  type HandleErrorFunction,
} from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { serverDbTarget } from "../db/client.server.js";
import { envOrExit, exitOnEnvError } from "../lib/env.server.js";
import { webLogger } from "./logger.server";

// Parse the configuration when the server loads this build, not on the first
// request: a bad variable stops start-up with a message naming it.
const config = envOrExit();
exitOnEnvError(() => serverDbTarget(config));

/** Errors from loaders, actions and rendering: one structured log line each (aborted requests are not errors). */
export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted) return;
  webLogger().error({ err: error, method: request.method, url: request.url }, "request failed");
};

/** How long a streamed response may wait for deferred data (single fetch). */
export const streamTimeout = 5_000;

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  // Crawlers get the whole document at once; browsers get the shell as soon as it is ready.
  const waitForAll = isbot(request.headers.get("user-agent") ?? "") || remixContext.isSpaMode;

  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    const onReady = () => {
      shellRendered = true;
      const body = new PassThrough();
      responseHeaders.set("Content-Type", "text/html");
      resolve(
        new Response(createReadableStreamFromReadable(body), {
          headers: responseHeaders,
          status: responseStatusCode,
        }),
      );
      pipe(body);
    };
    const { pipe, abort } = renderToPipeableStream(<RemixServer context={remixContext} url={request.url} />, {
      ...(waitForAll ? { onAllReady: onReady } : { onShellReady: onReady }),
      onShellError: reject,
      onError(error: unknown) {
        responseStatusCode = 500;
        // Errors before the shell reject above and reach handleError; log only later ones.
        if (shellRendered) webLogger().error({ err: error, url: request.url }, "streaming render failed");
      },
    });
    setTimeout(abort, streamTimeout + 1_000);
  });
}
