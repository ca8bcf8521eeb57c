/**
 * React 18's Node renderer (Fizz) encodes HTML into 2048-byte views; when a multi-byte UTF-8 character does
 * not fit at the end of one, it still writes the whole view, so up to three unwritten NUL bytes land in the
 * page (https://github.com/facebook/react/issues/31134, fixed upstream by
 * https://github.com/facebook/react/pull/26228, released in React 19 only). Pages never contain NUL bytes
 * of their own (every entry point refuses them, server/http.ts), so a full view's trailing NULs are that
 * padding: dropped here. Remove this when the app moves to React 19.
 */

/** React 18's view size (VIEW_SIZE in react-dom's server stream config). */
export const FIZZ_VIEW_BYTES = 2048;

/** `chunk` without the 1-3 NUL bytes React 18 may leave at the end of a full view; other chunks as they are. */
export function withoutFizzPadding(chunk: Uint8Array): Uint8Array {
  if (chunk.byteLength !== FIZZ_VIEW_BYTES) return chunk;
  let end = chunk.byteLength;
  while (end > chunk.byteLength - 3 && chunk[end - 1] === 0) end--;
  return end === chunk.byteLength ? chunk : chunk.subarray(0, end);
}
