import { createContext, useContext } from "react";

/**
 * The response's CSP script nonce (server/http.ts sets it, entry.server.tsx provides it), for the inline
 * scripts Remix renders. Empty in the browser, which never needs it after the document has loaded.
 */
export const NonceContext = createContext("");

export function useNonce(): string {
  return useContext(NonceContext);
}
