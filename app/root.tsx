import type { LinksFunction } from "@remix-run/node";
import { Links, Meta, NavLink, Outlet, Scripts, ScrollRestoration, useLoaderData } from "@remix-run/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { WagmiProvider } from "wagmi";
import { env, publicEnv } from "../lib/env.server.js";
import { WalletButton } from "./components/WalletButton";
import { createWagmiConfig } from "./wagmi";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: "/styles.css" },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

/** Only whitelisted configuration reaches the browser. */
export async function loader() {
  return { publicEnv: publicEnv(env()) };
}

export function Layout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  const { publicEnv } = useLoaderData<typeof loader>();
  // One config and one query client per browser session, created on first render.
  const [wagmiConfig] = useState(() => createWagmiConfig(publicEnv));
  const [queryClient] = useState(() => new QueryClient());
  return (
    <WagmiProvider config={wagmiConfig}>
      <QueryClientProvider client={queryClient}>
        <header className="site-header">
          <NavLink to="/" className="brand">
            Crowdtrain
          </NavLink>
          <nav aria-label="Main">
            <NavLink to="/bounties">Bounties</NavLink>
            <NavLink to="/pools">Pools</NavLink>
            <WalletButton />
          </nav>
        </header>
        <main>
          <Outlet />
        </main>
      </QueryClientProvider>
    </WagmiProvider>
  );
}
