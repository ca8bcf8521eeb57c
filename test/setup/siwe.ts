/**
 * Sign-In with Ethereum against a running web server, as a wallet would: a nonce from /auth/nonce, an
 * EIP-4361 message for the server's origin signed by a local account, POST /auth/verify.
 */
import type { LocalAccount } from "viem";
import { createSiweMessage } from "viem/siwe";
import { expect } from "vitest";

type SiweFields = Parameters<typeof createSiweMessage>[0];

/** A SIWE message for `webUrl` with a fresh nonce; `overrides` make it wrong on purpose. */
export async function siweMessage(
  webUrl: string,
  account: LocalAccount,
  overrides: Partial<SiweFields> = {},
) {
  const { nonce } = (await (await fetch(`${webUrl}/auth/nonce`)).json()) as { nonce: string };
  return createSiweMessage({
    address: account.address,
    chainId: 31_337,
    domain: new URL(webUrl).host,
    uri: webUrl,
    nonce,
    version: "1",
    statement: "Sign in to Crowdtrain",
    ...overrides,
  });
}

/** POSTs `message` signed by `signer` to /auth/verify. */
export async function siweVerify(webUrl: string, message: string, signer: LocalAccount) {
  if (!signer.signMessage) throw new Error("the account cannot sign messages");
  const signature = await signer.signMessage({ message });
  return fetch(`${webUrl}/auth/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, signature }),
  });
}

/** Signs in; the session cookie and the CSRF token. */
export async function siweSignIn(
  webUrl: string,
  account: LocalAccount,
): Promise<{ cookie: string; csrf: string }> {
  const response = await siweVerify(webUrl, await siweMessage(webUrl, account), account);
  expect(response.status, await response.clone().text()).toBe(200);
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const { csrf } = (await response.json()) as { csrf: string };
  return { cookie, csrf };
}
