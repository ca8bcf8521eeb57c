/** Navigation helpers shared by loaders and components (browser-safe). */

const BASE = "http://same-origin.invalid";

/**
 * A same-origin path to go to after signing in; anything else becomes "/". The path is read the way a
 * browser reads it (the WHATWG URL parser drops tabs and newlines, and treats `\` like `/`), so
 * `/\t/evil.example` or `/\n/x` cannot turn into `//evil.example`, and what comes back is the parsed,
 * re-serialized path, safe in a Location header.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next?.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return "/";
  }
  if (url.origin !== BASE) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}
