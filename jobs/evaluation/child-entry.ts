/**
 * The evaluation child's process entry (sandbox.ts bundles and starts it, sealed); the work itself is in
 * child.ts. It waits for one request, answers it and exits.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import {
  errorText,
  evaluateInProcess,
  PIPE_CHUNK,
  type RunDone,
  RunFailure,
  type RunReply,
  type RunRequest,
  readExactly,
} from "./child.js";

// The sandbox's bundle of this file defines CROWDTRAIN_EVAL_CHILD at build time (sandbox.ts): started any
// other way, this stays off.
if (process.send && process.env.CROWDTRAIN_EVAL_CHILD === "1") {
  const send = (reply: RunReply | { type: "ready" }) =>
    new Promise<void>((resolve) => process.send?.(reply, undefined, {}, () => resolve()));
  process.once("message", (request: RunRequest) => {
    // The parent's word on the eval set's hash, sent once it has streamed the whole file.
    const evalSetChecked = new Promise<string>((resolve) => {
      process.on("message", (message: { type?: string; sha256?: unknown }) => {
        if (message?.type === "evalSetChecked" && typeof message.sha256 === "string") resolve(message.sha256);
      });
    });
    const receive = async (): Promise<RunDone> => {
      const started = performance.now();
      // Both inputs arrive at once: the model on stdin (hashed here, for the report), the eval set on fd 4.
      const modelHash = createHash("sha256");
      const [model, evalSet] = await Promise.all([
        readExactly(process.stdin, request.modelBytes, "checkpoint", modelHash),
        readExactly(
          createReadStream("", { fd: 4, highWaterMark: PIPE_CHUNK }),
          request.evalSetBytes,
          "eval set",
        ),
      ]);
      const evalSetSha256 = await evalSetChecked;
      const receiveMs = performance.now() - started;
      const done = await evaluateInProcess({
        ...request,
        model,
        evalSet,
        received: { modelSha256: modelHash.digest("hex"), evalSetSha256 },
      });
      done.timings.receiveMs = receiveMs;
      return done;
    };
    receive()
      .then(send, (error: unknown) =>
        send(
          error instanceof RunFailure
            ? { type: "error", code: error.code, message: error.message }
            : { type: "error", code: "run", message: errorText(error) },
        ),
      )
      .finally(() => process.exit(0));
  });
  process.on("disconnect", () => process.exit(0));
  void send({ type: "ready" });
}
