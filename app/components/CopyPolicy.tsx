import { type BountySpec, minImprovementText } from "../../core/spec.js";

/** "Copies and precedence": how the evaluator treats a checkpoint that matches an earlier one (ADR 014). */
export function CopyPolicy({ metric }: { metric: BountySpec["metric"] }) {
  return (
    <section aria-labelledby="copies-heading">
      <h2 id="copies-heading">Copies and precedence</h2>
      <p>
        Every checkpoint's outputs on probe rows of the eval set are compared with those of each earlier
        submission, allowing for rescaled or shifted outputs, per-class offsets, temperature and smoothing. A
        checkpoint that matches an earlier one is disqualified as its copy unless its {metric.name} is{" "}
        {minImprovementText(metric)} than the earlier one's: the earlier submission has precedence.
      </p>
      <p>
        This holds for honest models too: a model trained independently that ends up at the same solution as
        an earlier one, from the same public data, only counts as its own if it beats it by that margin.
      </p>
    </section>
  );
}
