import { describe, expect, it } from "vitest";
import { formatMargin, parseLeaderboardQuery } from "./leaderboard.server.js";

const parse = (query: string) => parseLeaderboardQuery(new URLSearchParams(query));

describe("the leaderboard's query string", () => {
  it("takes a task, a metric and a trainers' ranking, each optional; empty fields count as absent", () => {
    expect(parse("")).toEqual({ ok: true, query: { trainers: "wins" } });
    expect(parse("task=&metric=&trainers=")).toEqual({ ok: true, query: { trainers: "wins" } });
    expect(parse("task=causal-lm&metric=perplexity&trainers=earnings")).toEqual({
      ok: true,
      query: { task: "causal-lm", metric: "perplexity", trainers: "earnings" },
    });
    // Parameters of no board are ignored, as the bounty list ignores them.
    expect(parse("metric=mse&utm_source=x")).toEqual({
      ok: true,
      query: { metric: "mse", trainers: "wins" },
    });
  });

  it("names the field of each bad value", () => {
    expect(parse("task=vision&metric=bleu&trainers=fame")).toEqual({
      ok: false,
      fieldErrors: {
        task: "task must be one of classification, regression, causal-lm",
        metric: "metric must be one of accuracy, macro_f1, mse, mae, perplexity, bits_per_token",
        trainers: "trainers must be ranked by one of wins, earnings, scored",
      },
    });
  });

  it("refuses a metric that does not score the task, on the metric", () => {
    expect(parse("task=causal-lm&metric=accuracy")).toEqual({
      ok: false,
      fieldErrors: { metric: "a causal-lm bounty is scored by perplexity or bits_per_token, not accuracy" },
    });
  });
});

describe("scores and margins for people", () => {
  it("shows scores to 4 significant digits, whole from 1,000 up", () => {});

  it("shows margins as percentages with at most one decimal", () => {
    expect(formatMargin((13 - 11.024105568) / 12)).toBe("16.5%");
    expect(formatMargin(0.5)).toBe("50%");
    expect(formatMargin(0)).toBe("0%");
    expect(formatMargin(1)).toBe("100%");
  });
});
