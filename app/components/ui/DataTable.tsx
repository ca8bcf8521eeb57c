import { type ReactNode, useEffect, useRef, useState } from "react";
import { cx } from "./cx.js";

/**
 * A table that scrolls sideways in its own box when it is wider than the screen (375 px phones), keeping
 * its first column in view (the `table-scroll` class). While it scrolls it is a named region and can be
 * focused, so keyboard users can scroll it too (axe: scrollable-region-focusable).
 */
export function DataTable({
  label,
  className,
  children,
}: {
  /** What the table holds ("Top funded bounties"): the region's name while it scrolls. */
  label: string;
  className?: string;
  /** The `<table>`. */
  children: ReactNode;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [scrolls, setScrolls] = useState(false);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = () => setScrolls(element.scrollWidth > element.clientWidth + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    return () => observer.disconnect();
  }, []);
  return (
    <div
      ref={box}
      className={cx("table-scroll", className)}
      {...(scrolls ? { role: "region", "aria-label": `${label} (scrolls sideways)`, tabIndex: 0 } : {})}
    >
      {children}
    </div>
  );
}
