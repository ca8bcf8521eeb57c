import { type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useState } from "react";
import { createSiweMessage } from "viem/siwe";
import { useAccount, useSignMessage } from "wagmi";
import { ConnectorList, NetworkGuard } from "../components/WalletButton.js";
import { usePlatform } from "../hooks/platform.js";
import { safeNext } from "../utils/navigation.js";
import { currentUser } from "../utils/session.server.js";
import { explainWalletError } from "../utils/wallet-errors.js";

export const meta: MetaFunction = () => [{ title: "Sign in · Crowdtrain" }];

/** GET /sign-in?next=/path: already signed in goes straight to `next`. */
export async function loader({ request }: LoaderFunctionArgs) {
  const next = safeNext(new URL(request.url).searchParams.get("next"));
  if (await currentUser(request)) throw redirect(next);
  return { next };
}

/**
 * Sign-In with Ethereum: the server hands out a single-use nonce, the wallet signs an EIP-4361
 * message for this origin and chain, and the server checks it and sets the session cookie.
 */
export default function SignIn() {
  const { next } = useLoaderData<typeof loader>();
  const { chainId } = usePlatform();
  const { address, status } = useAccount();
  const { signMessageAsync } = useSignMessage();
  const [phase, setPhase] = useState<"idle" | "signing" | "verifying">("idle");
  const [error, setError] = useState<string | null>(null);

  async function signIn() {
    if (!address) return;
    setError(null);
    try {
      setPhase("signing");
      const nonceResponse = await fetch("/auth/nonce", { cache: "no-store" });
      if (!nonceResponse.ok) throw new Error(`the server did not give a nonce (${nonceResponse.status})`);
      const { nonce } = (await nonceResponse.json()) as { nonce: string };
      const message = createSiweMessage({
        domain: window.location.host,
        uri: window.location.origin,
        address,
        chainId,
        nonce,
        version: "1",
        statement: "Sign in to Crowdtrain.",
        issuedAt: new Date(),
      });
      const signature = await signMessageAsync({ message });
      setPhase("verifying");
      const verified = await fetch("/auth/verify", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ message, signature }),
      });
      if (!verified.ok) {
        const body = (await verified.json().catch(() => ({}))) as { error?: string };
        throw new Error(body.error ?? `sign-in failed (${verified.status})`);
      }
      // A full load, so every loader (the header's included) sees the new session.
      window.location.assign(next);
    } catch (caught) {
      setPhase("idle");
      setError(explainWalletError(caught).message);
    }
  }

  return (
    <section className="card narrow mx-auto sm:mt-8" aria-labelledby="sign-in-heading">
      <h1 id="sign-in-heading">Sign in</h1>
      <p>
        Sign in with your wallet (Sign-In with Ethereum): it signs a one-time message, which costs nothing and
        sends no transaction. DAOs sign in to propose bounties; operators to manage their pools.
      </p>
      {status === "connected" && address ? (
        <>
          <NetworkGuard />
          <p>
            Connected as <code>{address}</code>.
          </p>
          <button type="button" onClick={signIn} disabled={phase !== "idle"}>
            {phase === "signing"
              ? "Sign the message in your wallet…"
              : phase === "verifying"
                ? "Checking…"
                : "Sign in with Ethereum"}
          </button>
        </>
      ) : (
        <>
          <p>Connect a wallet first:</p>
          <ConnectorList />
        </>
      )}
      {error ? (
        <p role="alert" className="field-error">
          {error}
        </p>
      ) : null}
    </section>
  );
}
