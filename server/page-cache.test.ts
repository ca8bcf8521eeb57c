import type { AddressInfo } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { pageCache } from "./page-cache.js";

/** A real Express server with the cache in front of a counting "render". */
async function serve(
  options: { freshMs?: number; staleMs?: number; status?: number; cacheControl?: string } = {},
) {
  let renders = 0;
  let slow: Promise<void> | undefined;
  const cache = pageCache({
    render: async (url, nonce) => {
      renders++;
      await slow;
      return new Response(`<p>${new URL(url).pathname} render ${renders} nonce ${nonce}</p>`, {
        status: options.status ?? 200,
        headers: {
          "content-type": "text/html",
          ...(options.cacheControl && { "cache-control": options.cacheControl }),
        },
      });
    },
    cacheable: (target) => target.startsWith("/public"),
    freshMs: options.freshMs ?? 60_000,
    staleMs: options.staleMs ?? 60_000,
    maxEntries: 100,
    sessionCookie: "__session",
  });
  const app = express();
  app.use(cache.lookup);
  app.use(cache.serve);
  app.use((_req, res) => {
    renders++;
    res.send("not cached");
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    renders: () => renders,
    block: (until: Promise<void>) => {
      slow = until;
    },
    clear: cache.clear,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

let closing: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await closing?.();
});

describe("the public page cache", () => {
  it("renders a page once for every anonymous visitor, with an ETag that answers 304", async () => {
    const s = await serve();
    closing = s.close;
    const first = await fetch(`${s.url}/public/a`);
    const second = await fetch(`${s.url}/public/a`);
    expect(await second.text()).toBe(await first.text());
    expect(s.renders()).toBe(1);
    expect(second.headers.get("x-page-cache")).toBe("fresh");
    expect(second.headers.get("cache-control")).toContain("no-cache");
    expect(second.headers.get("vary")).toContain("Cookie");
    const etag = second.headers.get("etag") ?? "";
    const again = await fetch(`${s.url}/public/a`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get("vary")).toBe("Accept-Encoding, Cookie"); // as the 200 would (RFC 9110 15.4.5)
    expect(s.renders()).toBe(1);
  });

  it("keeps signed-in visitors and other paths out of it", async () => {
    const s = await serve();
    closing = s.close;
    await fetch(`${s.url}/public/a`);
    const signedIn = await fetch(`${s.url}/public/a`, { headers: { cookie: "__session=abc" } });
    expect(await signedIn.text()).toBe("not cached");
    const other = await fetch(`${s.url}/private`);
    expect(await other.text()).toBe("not cached");
    expect(s.renders()).toBe(3);
  });

  it("shares one render between concurrent misses", async () => {
    const s = await serve();
    closing = s.close;
    let release = () => {};
    s.block(new Promise<void>((resolve) => (release = resolve)));
    const pending = Array.from({ length: 20 }, () => fetch(`${s.url}/public/b`).then((r) => r.text()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    const bodies = await Promise.all(pending);
    expect(new Set(bodies).size).toBe(1);
    expect(s.renders()).toBe(1);
  });

  it("serves a stale page while one render refreshes it, and drops everything on clear", async () => {
    const s = await serve({ freshMs: 50 });
    closing = s.close;
    const first = await (await fetch(`${s.url}/public/c`)).text();
    await new Promise((resolve) => setTimeout(resolve, 80));
    const stale = await fetch(`${s.url}/public/c`);
    expect(stale.headers.get("x-page-cache")).toBe("stale");
    expect(await stale.text()).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(s.renders()).toBe(2); // the background refresh
    s.clear();
    const fresh = await (await fetch(`${s.url}/public/c`)).text();
    expect(fresh).toContain("render 3");
  });

  it("does not keep an error answer, nor lets anyone else keep it", async () => {
    const s = await serve({ status: 500 });
    closing = s.close;
    const answer = await fetch(`${s.url}/public/d`);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    await fetch(`${s.url}/public/d`);
    expect(s.renders()).toBe(2);
  });

  it("answers a page that is not for sharing as it was rendered: its own Cache-Control, no ETag", async () => {
    const s = await serve({ cacheControl: "no-store" });
    closing = s.close;
    const first = await fetch(`${s.url}/public/e`);
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(first.headers.get("etag")).toBeNull();
    expect(first.headers.get("x-page-cache")).toBeNull();
    await fetch(`${s.url}/public/e`);
    expect(s.renders()).toBe(2);
  });
});
