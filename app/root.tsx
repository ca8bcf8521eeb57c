import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
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
import { Badge } from "./components/ui/Badge.js";
import { ToastProvider } from "./components/ui/Toasts.js";
import { WalletButton } from "./components/WalletButton.js";
import { WalletModalProvider } from "./components/WalletModal.js";
import { env, publicEnv } from "./env.server.js";
import { useNonce } from "./hooks/nonce.js";
import { PlatformContext } from "./hooks/platform.js";
import { platformContracts } from "./models/deployment.server.js";
import { devAccounts } from "./models/dev-wallet.server.js";
import { unreadNotificationCount } from "./models/notification.server.js";
import { services } from "./services.server.js";
import stylesheet from "./tailwind.css";
import { currentUser } from "./utils/session.server.js";
import { type DevAccount, wagmiConfigFor } from "./wagmi.js";

export const links: LinksFunction = () => [
  // Built by Remix's Tailwind support into build/assets with a content hash (ADR 022).
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

/** The title of a page without its own, and of every error page ("Nothing here · Crowdtrain"). */
export const meta: MetaFunction = ({ error }) => [
  { title: error ? `${describeError(error).title} · Crowdtrain` : "Crowdtrain" },
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
        Notifications{unread > 0 ? <span className="badge badge-count">{unread}</span> : null}
      </NavLink>
      <NavLink to={`/accounts/${user.address}`} title={`Your desk: ${user.address}`}>
        {shortHex(user.address)}
      </NavLink>
      <button type="submit" className="link-button">
        Sign out
      </button>
    </Form>
  );
}

/** The mark of public/favicon.svg, beside the name in the header. */
function Logo() {
  return (
    <svg viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" fill="#4338ca" />
      <path
        d="M9 22V10h6a4 4 0 0 1 0 8h-6m8 0 5 4"
        fill="none"
        stroke="#fff"
        strokeWidth="2.6"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

/** The site's main sections, in the header of every page and of every error page. */
const MAIN_LINKS = [
  ["/bounties", "Bounties"],
  ["/leaderboard", "Leaderboard"],
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
          <ToastProvider>
            <WalletModalProvider devAccounts={devAccounts}>
              <header className="site-header">
                <NavLink to="/" className="brand">
                  <Logo />
                  Crowdtrain
                </NavLink>
                <nav aria-label="Main">
                  {MAIN_LINKS.map(([to, label]) => (
                    <NavLink key={to} to={to}>
                      {label}
                    </NavLink>
                  ))}
                </nav>
                <div className="header-session">
                  <SessionNav user={user} unread={unread} />
                </div>
                <div className="header-wallet">
                  <WalletButton />
                </div>
              </header>
              <main>
                <Outlet />
              </main>
            </WalletModalProvider>
          </ToastProvider>
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
          <Logo />
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
        <Badge tone={status >= 500 ? "danger" : "warning"}>Error {status}</Badge>
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
