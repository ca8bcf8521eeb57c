import { Writable } from "node:stream";
import { createElement } from "react";
import { renderToPipeableStream } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { FIZZ_VIEW_BYTES, withoutFizzPadding } from "./fizz-padding.js";

/** Renders `text` (in a Suspense-free div) as React streams it, chunk by chunk. */
function chunksOf(text: string): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const sink = new Writable({
      write(chunk: Uint8Array, _encoding, callback) {
        chunks.push(new Uint8Array(chunk));
        callback();
      },
      final(callback) {
        resolve(chunks);
        callback();
      },
    });
    const { pipe } = renderToPipeableStream(
      createElement("div", null, ...text.split("\n").map((line, i) => createElement("p", { key: i }, line))),
      { onAllReady: () => pipe(sink), onShellError: reject },
    );
  });
}

describe("withoutFizzPadding", () => {
  it("drops up to three trailing NULs of a full view only", () => {
    const full = new Uint8Array(FIZZ_VIEW_BYTES).fill(65);
    full.set([0, 0], FIZZ_VIEW_BYTES - 2);
    expect(withoutFizzPadding(full).byteLength).toBe(FIZZ_VIEW_BYTES - 2);
    const untouched = new Uint8Array(FIZZ_VIEW_BYTES).fill(65);
    expect(withoutFizzPadding(untouched)).toBe(untouched);
    const short = Uint8Array.from([65, 0]);
    expect(withoutFizzPadding(short)).toBe(short);
    const four = new Uint8Array(FIZZ_VIEW_BYTES).fill(0);
    expect(withoutFizzPadding(four).byteLength).toBe(FIZZ_VIEW_BYTES - 3);
  });

  it("makes React 18's stream decode to exactly what it rendered, wherever a multi-byte character falls", async () => {
    // Shift a run of 3-byte characters across the view boundary one byte at a time: some offsets leave padding.
    let padded = 0;
    for (let shift = 0; shift < 16; shift++) {
      // Many short text chunks (each written into React's view, not around it), multi-byte throughout.
      const text = `${"a".repeat(shift)}\n${Array.from({ length: 300 }, (_, i) => `${i}…≤`).join("\n")}`;
      const chunks = await chunksOf(text);
      const raw = Buffer.concat(chunks).toString("utf8");
      if (raw.includes("\0")) padded++;
      const fixed = Buffer.concat(chunks.map(withoutFizzPadding)).toString("utf8");
      expect(fixed).not.toContain("\0");
      expect(fixed).toContain("<p>299…≤</p>");
      expect(fixed.length).toBe(raw.replaceAll("\0", "").length);
    }
    // The bug is real in the React this app runs (the day it is not, remove withoutFizzPadding).
    expect(padded).toBeGreaterThan(0);
  });
});
