import type { ReactNode } from "react";
import { cx } from "./cx.js";

export type BadgeTone = "neutral" | "info" | "teal" | "accent" | "warning" | "success" | "danger";

/** Text on a tint, at least 6:1 in light and dark (the browser tests run axe in both schemes). */
const TONES: Record<BadgeTone, string> = {
  neutral:
    "bg-slate-100 text-slate-700 ring-slate-300 dark:bg-slate-800 dark:text-slate-200 dark:ring-slate-600",
  info: "bg-sky-100 text-sky-800 ring-sky-300 dark:bg-sky-950 dark:text-sky-200 dark:ring-sky-800",
  teal: "bg-teal-100 text-teal-800 ring-teal-300 dark:bg-teal-950 dark:text-teal-200 dark:ring-teal-800",
  accent:
    "bg-indigo-100 text-indigo-800 ring-indigo-300 dark:bg-indigo-950 dark:text-indigo-200 dark:ring-indigo-800",
  warning:
    "bg-amber-100 text-amber-900 ring-amber-300 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-800",
  success:
    "bg-green-100 text-green-800 ring-green-300 dark:bg-green-950 dark:text-green-200 dark:ring-green-800",
  danger: "bg-red-100 text-red-800 ring-red-300 dark:bg-red-950 dark:text-red-200 dark:ring-red-800",
};

/** A short label on a tint: a status, a role, a count. Colour is never the only signal: the text says it. */
export function Badge({
  tone = "neutral",
  dot = false,
  className,
  children,
}: {
  tone?: BadgeTone;
  /** A small dot before the text (statuses). */
  dot?: boolean;
  className?: string;
  children: ReactNode;
}) {
  return (
    <span
      className={cx(
        "inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium leading-5 ring-1 ring-inset",
        TONES[tone],
        className,
      )}
    >
      {dot ? <span aria-hidden="true" className="h-1.5 w-1.5 rounded-full bg-current" /> : null}
      {children}
    </span>
  );
}

/** The tone of each bounty status (BountyBoard's `Status`), from raising money to its end. */
export const STATUS_TONES: Record<string, BadgeTone> = {
  None: "neutral",
  Funding: "info",
  Funded: "teal",
  Verifying: "warning",
  Fulfilled: "success",
  Failed: "danger",
  Cancelled: "neutral",
};

/** A bounty's status as a badge: Funding, Funded, Verifying, Fulfilled, Failed or Cancelled. */
export function StatusBadge({ status, className }: { status: string; className?: string }) {
  return (
    <Badge tone={STATUS_TONES[status] ?? "neutral"} dot className={className}>
      {status}
    </Badge>
  );
}
