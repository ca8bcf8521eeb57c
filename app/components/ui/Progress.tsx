import type { ReactNode } from "react";
import { cx } from "./cx.js";

/**
 * A native `<progress>` (its role and value reach assistive technology as they are), styled by the
 * stylesheet's base layer, with an optional caption after it ("25%", "2 / 4").
 */
export function Progress({
  value,
  max = 100,
  label,
  wide = false,
  className,
  children,
}: {
  value: number;
  max?: number;
  /** Its accessible name ("bounty 3 funding"). */
  label: string;
  /** The full width of its container instead of a short inline bar. */
  wide?: boolean;
  className?: string;
  children?: ReactNode;
}) {
  const bar = (
    <progress
      max={max}
      value={Math.max(0, Math.min(value, max))}
      aria-label={label}
      className={cx(wide && "h-3 w-full", className)}
    />
  );
  if (children === undefined) return bar;
  return (
    <span className={cx("inline-flex items-center gap-2", wide && "flex w-full")}>
      {bar}
      <span className="whitespace-nowrap text-sm tabular-nums">{children}</span>
    </span>
  );
}
