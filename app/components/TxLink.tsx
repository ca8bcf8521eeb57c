/**
 * A transaction, linked: to the configured block explorer's page (PUBLIC_EXPLORER_URL), or else to the
 * platform's own /tx/<hash> page, which shows what the index holds of it.
 */
import { Link, useRouteLoaderData } from "@remix-run/react";
import { shortHex } from "../../core/format.js";
import type { loader as rootLoader } from "../root.js";

export function TxLink({ hash, label }: { hash: string; label?: string }) {
  const explorer = useRouteLoaderData<typeof rootLoader>("root")?.publicEnv.explorerUrl ?? null;
  const text = label ?? shortHex(hash, 10, 6);
  const title = `transaction ${hash}`;
  return explorer ? (
    <a href={`${explorer}/tx/${hash}`} title={title} rel="noreferrer">
      <code>{text}</code>
    </a>
  ) : (
    <Link to={`/tx/${hash}`} title={title}>
      <code>{text}</code>
    </Link>
  );
}
