/** Navigation helpers shared by loaders and components (browser-safe). */

/** A same-site path to go to after signing in: anything else (another origin, `//host`) becomes "/". */
export function safeNext(next: string | null | undefined): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}
