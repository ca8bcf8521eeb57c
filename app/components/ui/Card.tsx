import { type ReactNode, useId } from "react";
import { cx } from "./cx.js";

/**
 * A titled box of related facts or actions: a `<section>` named by its heading (a region landmark), or a
 * plain `<div>` without a title. The `card` class gives the same look to markup that does not use this.
 */
export function Card({
  title,
  titleId,
  level = 2,
  actions,
  className,
  children,
}: {
  title?: ReactNode;
  /** The heading's id, when something else refers to it; otherwise one is made up. */
  titleId?: string;
  level?: 2 | 3;
  /** Shown at the heading's end (a link or a badge). */
  actions?: ReactNode;
  className?: string;
  children: ReactNode;
}) {
  const madeUp = useId();
  const id = titleId ?? madeUp;
  if (title === undefined) return <div className={cx("card", className)}>{children}</div>;
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <section aria-labelledby={id} className={cx("card", className)}>
      <div className="card-head">
        <Heading id={id}>{title}</Heading>
        {actions}
      </div>
      {children}
    </section>
  );
}
