/**
 * The training curve of a bounty's latest lease, from its heartbeats: loss (solid, left axis) where the
 * trainer reports it, and progress in percent (dashed, right axis), over time.
 */
import { scaleLinear, scaleUtc } from "@visx/scale";
import { LinePath } from "@visx/shape";
import { formatScore } from "../../../core/format.js";
import type { TrainingCurve } from "../../models/bounty-story.server.js";
import { ACCENT, ChartFrame, INNER_HEIGHT, INNER_WIDTH, SECOND, TimeAxis, ValueAxis } from "./frame.js";

export function TrainingChart({ curve }: { curve: TrainingCurve }) {
  const points = curve.points.map((p) => ({ ...p, t: Date.parse(p.at) }));
  if (points.length < 2) return null;
  const first = points[0] as (typeof points)[number];
  const last = points[points.length - 1] as (typeof points)[number];
  const losses = points.filter((p): p is typeof p & { loss: number } => p.loss !== null);
  const x = scaleUtc<number>({
    domain: [first.t, Math.max(last.t, first.t + 1_000)],
    range: [0, INNER_WIDTH],
  });
  const lossMax = Math.max(...losses.map((p) => p.loss), 0);
  const lossMin = Math.min(...losses.map((p) => p.loss), 0);
  const yLoss = scaleLinear<number>({
    domain: [lossMin, lossMax || 1],
    range: [INNER_HEIGHT, 0],
    nice: true,
  });
  const yPercent = scaleLinear<number>({ domain: [0, 100], range: [INNER_HEIGHT, 0] });
  const lastLoss = losses[losses.length - 1];
  const label =
    `Training progress of lease attempt ${curve.attempt}: ${Math.round(last.percent ?? 0)}% done` +
    (lastLoss ? `, loss ${formatScore(lastLoss.loss)} at step ${lastLoss.step ?? "?"}` : "") +
    ` (${points.length} heartbeats).`;
  return (
    <figure className="chart-figure">
      <ChartFrame label={label}>
        {losses.length > 1 ? (
          <LinePath
            data={losses}
            x={(d) => x(d.t)}
            y={(d) => yLoss(d.loss)}
            style={{ stroke: ACCENT }}
            strokeWidth={2.5}
            fill="none"
          />
        ) : null}
        <LinePath
          data={points.filter((p) => p.percent !== null)}
          x={(d) => x(d.t)}
          y={(d) => yPercent(d.percent ?? 0)}
          style={{ stroke: SECOND }}
          strokeDasharray="6 4"
          strokeWidth={2}
          fill="none"
        />
        <TimeAxis scale={x} />
        {losses.length > 1 ? <ValueAxis scale={yLoss} /> : null}
        <ValueAxis scale={yPercent} side="right" format={(v) => `${v.valueOf()}%`} />
      </ChartFrame>
      <figcaption className="muted">
        {losses.length > 1 ? "Loss (solid, left) and progress" : "Progress"} (dashed, right) reported by the
        pool's heartbeats, UTC. {label}
      </figcaption>
    </figure>
  );
}
