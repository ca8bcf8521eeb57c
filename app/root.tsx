import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useLocation,
  useRouteError,
} from "@remix-run/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { WagmiProvider } from "wagmi";
import { shortHex } from "../core/format.js";
import { WalletButton } from "./components/WalletButton.js";
import { env, publicEnv } from "./env.server.js";
import { useNonce } from "./hooks/nonce.js";
import { PlatformContext } from "./hooks/platform.js";
import { platformContracts } from "./models/deployment.server.js";
import { devAccounts } from "./models/dev-wallet.server.js";
import { unreadNotificationCount } from "./models/notification.server.js";
import { services } from "./services.server.js";
import { currentUser } from "./utils/session.server.js";
import { type DevAccount, wagmiConfigFor } from "./wagmi.js";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: "/styles.css" },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

/** Only whitelisted configuration reaches the browser: the chain, the contracts, who is signed in. */
export async function loader({ request }: LoaderFunctionArgs) {
  const config = env();
  const pub = publicEnv(config);
  const { db } = await services();
  const devWallet: DevAccount[] = pub.devWallet ? await devAccounts(db.db, config.CHAIN_ID) : [];
  const user = await currentUser(request);
  return {
    publicEnv: pub,
    devAccounts: devWallet,
    contracts: await platformContracts(db.db, config.CHAIN_ID),
    // The CSRF token goes with every form and JSON call of this session (same-origin pages only).
    user: user ? { address: user.address, csrf: user.csrf } : null,
    unread: user ? await unreadNotificationCount(db.db, config.CHAIN_ID, user.address) : 0,
  };
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
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
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

function SessionNav({ user, unread }: { user: { address: string; csrf: string } | null; unread: number }) {
  const location = useLocation();
  if (!user) {
    const next = `${location.pathname}${location.search}`;
    return <NavLink to={`/sign-in?next=${encodeURIComponent(next)}`}>Sign in</NavLink>;
  }
  return (
    <Form method="post" action="/auth/logout" className="session">
      <input type="hidden" name="csrf" value={user.csrf} />
      <NavLink to="/notifications" aria-label={`Notifications, ${unread} unread`}>
        Notifications{unread > 0 ? <span className="badge">{unread}</span> : null}
      </NavLink>
      <NavLink to={`/trainers/${user.address}`} title={user.address}>
        {shortHex(user.address)}
      </NavLink>
      <button type="submit" className="link-button">
        Sign out
      </button>
    </Form>
  );
}

/** The site's main sections, in the header of every page and of every error page. */
const MAIN_LINKS = [
  ["/bounties", "Bounties"],
  ["/pools", "Pools"],
  ["/propose", "Propose"],
] as const;

export default function App() {
  const { publicEnv, devAccounts, contracts, user, unread } = useLoaderData<typeof loader>();
  // One config and one query client per browser session, created on first render
  // (the server shares one config between requests, and gives each its own query client).
  const [wagmiConfig] = useState(() => wagmiConfigFor(publicEnv, devAccounts));
  const [queryClient] = useState(() => new QueryClient());
  return (
    <WagmiProvider config={wagmiConfig}>
      <QueryClientProvider client={queryClient}>
        <PlatformContext.Provider value={{ chainId: publicEnv.chainId, contracts, user }}>
          <header className="site-header">
            <NavLink to="/" className="brand">
              Crowdtrain
            </NavLink>
            <nav aria-label="Main">
              {MAIN_LINKS.map(([to, label]) => (
                <NavLink key={to} to={to}>
                  {label}
                </NavLink>
              ))}
              <SessionNav user={user} unread={unread} />
              <WalletButton />
            </nav>
          </header>
          <main>
            <Outlet />
          </main>
        </PlatformContext.Provider>
      </QueryClientProvider>
    </WagmiProvider>
  );
}

const ERROR_TITLES: Record<number, string> = {
  400: "That request was not understood",
  401: "Sign in first",
  403: "That is not allowed",
  404: "Nothing here",
  405: "Not something this page does",
  409: "That clashes with the current state",
  413: "That is too large",
  415: "That kind of content is not accepted here",
  429: "Too many requests",
  503: "Part of the platform is unavailable",
};

/** What went wrong, in words: a route's own message for a 4xx; never internals for a 5xx. */
function describeError(error: unknown): { status: number; title: string; message: string } {
  if (isRouteErrorResponse(error)) {
    const data = error.data as unknown;
    const said =
      typeof data === "string"
        ? data
        : typeof (data as { error?: unknown } | null)?.error === "string"
          ? (data as { error: string }).error
          : "";
    const status = error.status;
    const title =
      ERROR_TITLES[status] ?? (status >= 500 ? "Something went wrong on our side" : "That did not work");
    const message =
      status >= 500
        ? "The problem has been logged. Try again in a moment."
        : status === 404 && !said
          ? "There is no page at this address. It may have moved, or the link may be mistyped."
          : said || error.statusText;
    return { status, title, message };
  }
  return {
    status: 500,
    title: "Something went wrong on our side",
    message: "The problem has been logged. Try again in a moment.",
  };
}

/** Every error page: what happened in plain words, and the ways forward (never a stack trace). */
export function ErrorBoundary() {
  const error = useRouteError();
  const { status, title, message } = describeError(error);
  return (
    <>
      <header className="site-header">
        <a href="/" className="brand">
          Crowdtrain
        </a>
        <nav aria-label="Main">
          {/* Plain links: a full page load, in case the app's own state is what broke. */}
          {MAIN_LINKS.map(([to, label]) => (
            <a key={to} href={to}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main className="error-page">
        <p className="muted">Error {status}</p>
        <h1>{title}</h1>
        <p>{message}</p>
        <p>
          <a href="/">Go to the home page</a>, <a href="/bounties">browse the bounties</a>
          {status === 401 || status === 403 ? (
            <>
              , or <a href="/sign-in">sign in</a>
            </>
          ) : null}
          .
        </p>
      </main>
    </>
  );
}
