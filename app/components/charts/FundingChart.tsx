/**
 * Funding over time: the running total after each contribution, as a step line, against the goal (a
 * dashed line). Amounts in whole tokens; contributions the index has no time for are left out (said so).
 */
import { curveStepAfter } from "@visx/curve";
import { scaleLinear, scaleUtc } from "@visx/scale";
import { Line, LinePath } from "@visx/shape";
import { formatUnits } from "viem";
import type { FundingPoint } from "../../models/bounty-story.server.js";
import {
  ACCENT,
  ChartFrame,
  INNER_HEIGHT,
  INNER_WIDTH,
  numberTick,
  TimeAxis,
  utcTick,
  ValueAxis,
} from "./frame.js";

export function FundingChart({
  points,
  goal,
  decimals,
  symbol,
  nowMs,
}: {
  points: FundingPoint[];
  goal: string;
  decimals: number;
  symbol: string;
  /** The right end while funding goes on (the loader's clock, so server and browser draw the same). */
  nowMs: number | null;
}) {
  const whole = (units: string) => Number(formatUnits(BigInt(units), decimals));
  const timed = points.flatMap((p) => (p.at ? [{ t: Date.parse(p.at), v: whole(p.raised) }] : []));
  if (timed.length === 0) return null;
  const goalValue = whole(goal);
  const first = timed[0] as { t: number; v: number };
  const last = timed[timed.length - 1] as { t: number; v: number };
  // The line starts at zero just before the first contribution and runs on to now while funding is open.
  const end = Math.max(last.t, nowMs ?? last.t, first.t + 60_000);
  const series = [{ t: first.t, v: 0 }, ...timed, { t: end, v: last.v }];
  const x = scaleUtc<number>({ domain: [first.t, end], range: [0, INNER_WIDTH] });
  const y = scaleLinear<number>({
    domain: [0, Math.max(goalValue, last.v) * 1.1 || 1],
    range: [INNER_HEIGHT, 0],
    nice: true,
  });
  const left = points.length - timed.length;
  return (
    <figure className="chart-figure">
      <ChartFrame
        label={`Funding over time: ${numberTick(last.v)} ${symbol} raised by ${utcTick(last.t)} UTC against a goal of ${numberTick(goalValue)} ${symbol}.`}
      >
        <Line
          from={{ x: 0, y: y(goalValue) }}
          to={{ x: INNER_WIDTH, y: y(goalValue) }}
          stroke="currentColor"
          strokeDasharray="6 4"
          strokeOpacity={0.7}
        />
        <text x={INNER_WIDTH} y={y(goalValue) - 6} textAnchor="end" fill="currentColor" fontSize={11}>
          goal {numberTick(goalValue)} {symbol}
        </text>
        <LinePath
          data={series}
          x={(d) => x(d.t)}
          y={(d) => y(d.v)}
          curve={curveStepAfter}
          style={{ stroke: ACCENT }}
          strokeWidth={2.5}
          fill="none"
        />
        <TimeAxis scale={x} />
        <ValueAxis scale={y} />
      </ChartFrame>
      <figcaption className="muted">
        Raised ({symbol}) over time, UTC, with the goal dashed
        {left > 0 ? `; ${left} earlier contribution(s) without a recorded time are not drawn` : ""}.
      </figcaption>
    </figure>
  );
}
