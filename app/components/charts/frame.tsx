/**
 * What the charts share (ADR 021): a fixed drawing size scaled to the container by its viewBox (the same
 * SVG on the server and in the browser: no measuring, so it renders without JavaScript and hydrates
 * unchanged), axes in the text colour (light and dark mode), and UTC time ticks (the server's and a
 * browser's time zones differ; local ticks would not hydrate).
 */
import { AxisBottom, AxisLeft, AxisRight } from "@visx/axis";
import type { scaleLinear, scaleUtc } from "@visx/scale";
import type { ReactNode } from "react";

export const WIDTH = 640;
export const HEIGHT = 240;
export const MARGIN = { top: 16, right: 56, bottom: 32, left: 64 };
export const INNER_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
export const INNER_HEIGHT = HEIGHT - MARGIN.top - MARGIN.bottom;

/** The accent of a chart's main series; a page's CSS may set --chart-accent. */
export const ACCENT = "var(--chart-accent, #2563eb)";
export const SECOND = "var(--chart-second, #c2410c)";

export type TimeScale = ReturnType<typeof scaleUtc<number>>;
export type ValueScale = ReturnType<typeof scaleLinear<number>>;

const TEXT = { fill: "currentColor", fontSize: 11, fontFamily: "inherit" } as const;
const bottomText = () => ({ ...TEXT, textAnchor: "middle" as const, dy: "0.25em" });
const leftText = () => ({ ...TEXT, textAnchor: "end" as const, dx: "-0.25em", dy: "0.33em" });
const rightText = () => ({ ...TEXT, textAnchor: "start" as const, dx: "0.25em", dy: "0.33em" });

/** "12-07 14:05" in UTC: a moment in a chart's label. */
export function utcTick(value: Date | { valueOf(): number }): string {
  const iso = new Date(value.valueOf()).toISOString();
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/**
 * A tick formatter for a time axis spanning `spanMs`, in UTC: seconds within a few minutes, minutes within
 * two days, dates beyond (so neighbouring ticks never read the same).
 */
export function utcTickFormat(spanMs: number): (value: Date | { valueOf(): number }) => string {
  return (value) => {
    const iso = new Date(value.valueOf()).toISOString();
    if (spanMs <= 10 * 60_000) return iso.slice(11, 19);
    if (spanMs <= 2 * 86_400_000) return iso.slice(11, 16);
    return iso.slice(5, 10);
  };
}

/** A number for an axis: grouped, at most two decimals (fixed locale: the same on server and browser). */
const axisNumber = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
export const numberTick = (value: { valueOf(): number }) => axisNumber.format(value.valueOf());

export function ChartFrame({
  label,
  children,
}: {
  /** What the chart shows, in a sentence: its accessible name (the SVG is an image). */
  label: string;
  children: ReactNode;
}) {
  return (
    <svg
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width="100%"
      role="img"
      aria-label={label}
      className="chart"
      style={{ maxWidth: WIDTH, height: "auto", overflow: "visible" }}
    >
      <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>{children}</g>
    </svg>
  );
}

export function TimeAxis({ scale }: { scale: TimeScale }) {
  const [from, to] = scale.domain() as [Date, Date];
  return (
    <AxisBottom
      top={INNER_HEIGHT}
      scale={scale}
      numTicks={4}
      tickFormat={utcTickFormat(to.valueOf() - from.valueOf())}
      stroke="currentColor"
      tickStroke="currentColor"
      tickLabelProps={bottomText}
    />
  );
}

export function ValueAxis({
  scale,
  side = "left",
  format = numberTick,
}: {
  scale: ValueScale;
  side?: "left" | "right";
  format?: (value: { valueOf(): number }) => string;
}) {
  const Axis = side === "left" ? AxisLeft : AxisRight;
  return (
    <Axis
      left={side === "left" ? 0 : INNER_WIDTH}
      scale={scale}
      numTicks={4}
      tickFormat={format}
      stroke="currentColor"
      tickStroke="currentColor"
      tickLabelProps={side === "left" ? leftText : rightText}
    />
  );
}
