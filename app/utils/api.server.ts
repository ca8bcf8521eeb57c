/**
 * JSON API plumbing for resource routes: error responses in one shape
 * (`{error, issues?}`, see core/pool-api.ts), and body parsing with zod that
 * answers 400 naming each bad field. Guards throw their Response, so a
 * caller cannot forget to check.
 */
import type { z } from "zod";

export function apiError(
  status: number,
  error: string,
  issues?: { path: string; message: string }[],
): Response {
  return Response.json(issues ? { error, issues } : { error }, {
    status,
    headers: { "Cache-Control": "no-store" },
  });
}

/** The request's JSON body parsed with `schema`; throws a 400 Response naming each bad field. */
export async function parseJsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.includes("application/json")) {
    throw apiError(415, "the body must be JSON (Content-Type: application/json)");
  }
  let body: unknown;
  try {
    const text = await request.text();
    body = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw apiError(400, "the body is not valid JSON");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.length > 0 ? issue.path.join(".") : "(body)",
      message: issue.message,
    }));
    throw apiError(400, `invalid body: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues);
  }
  return parsed.data;
}

/** Only `allowed` methods reach an action; anything else is a 405. */
const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

/**
 * The request's form, or a 4xx naming what is wrong: 415 for a body that is not a form, 400 for a form
 * that does not parse (a multipart body without its boundary, a truncated part).
 */
export async function readForm(request: Request): Promise<FormData> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!FORM_TYPES.includes(type)) {
    throw apiError(
      415,
      `send a form (${FORM_TYPES.join(" or ")}), not ${type || "a body without a Content-Type"}`,
    );
  }
  try {
    return await request.formData();
  } catch (error) {
    // A body capped with withBodyCap: the parser may pass our error on as it is, or as its cause.
    const tooLarge = [error, error instanceof Error ? error.cause : undefined].find(
      (e): e is BodyTooLarge => e instanceof BodyTooLarge,
    );
    if (tooLarge) throw apiError(413, tooLarge.message);
    throw apiError(
      400,
      `the form could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * A route's answer to a method it has no handler for: 405 with `Allow`, as a `loader` (for an action-only
 * route) or an `action` (for a read-only one). Without it Remix answers a bare 400 or 405.
 */
export function onlyMethods(...allowed: string[]) {
  return ({ request }: { request: Request }): never => {
    throw new Response(
      JSON.stringify({ error: `${request.method} is not supported here; use ${allowed.join(" or ")}` }),
      { status: 405, headers: { Allow: allowed.join(", "), "Content-Type": "application/json" } },
    );
  };
}

export function requireMethod(request: Request, ...allowed: string[]): void {
  if (!allowed.includes(request.method)) {
    throw new Response(JSON.stringify({ error: `use ${allowed.join(" or ")}` }), {
      status: 405,
      headers: { Allow: allowed.join(", "), "Content-Type": "application/json" },
    });
  }
}

/** A request body that went past its route's cap while streaming in. */
export class BodyTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the body is larger than the ${maxBytes}-byte limit here`);
    this.name = "BodyTooLarge";
  }
}

/**
 * `body` counted as it streams: reading past `maxBytes` fails with BodyTooLarge. The rest is left unread,
 * not cancelled: cancelling the request's stream would close the connection before the 413 is sent (the
 * server discards what is left once it has answered).
 */
function capStream(body: ReadableStream<Uint8Array>, maxBytes: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      seen += value.byteLength;
      if (seen > maxBytes) {
        reader.releaseLock();
        controller.error(new BodyTooLarge(maxBytes));
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/**
 * The request with its body capped while it streams: a parser reading it (a multipart form, say) fails
 * with BodyTooLarge past `maxBytes`, whether or not the client sent a Content-Length.
 */
export function withBodyCap(request: Request, maxBytes: number): Request {
  if (!request.body) return request;
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: capStream(request.body, maxBytes),
    signal: request.signal,
    duplex: "half",
  } as RequestInit & { duplex: "half" });
}

/** The request's body as bytes, or a 413 naming `what` and the cap once it streams past `maxBytes`. */
export async function readBodyCapped(request: Request, maxBytes: number, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await withBodyCap(request, maxBytes).arrayBuffer());
  } catch (error) {
    if (error instanceof BodyTooLarge) throw apiError(413, `${what} is at most ${maxBytes} bytes`);
    throw error;
  }
}
