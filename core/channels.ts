/**
 * Redis pub/sub channels between processes. The indexer announces that the index changed; web processes
 * drop their cached public pages (server/page-cache.ts) so visitors see the change at once.
 */
export function indexChangedChannel(prefix: string): string {
  return `${prefix}:index-changed`;
}
