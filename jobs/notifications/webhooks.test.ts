import { createHmac } from "node:crypto";
import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { checkedLookup, isNonPublicAddress, signWebhook, webhookUrlProblem } from "./webhooks.js";

const production = { allowPrivate: false, requireHttps: true };
const development = { allowPrivate: true, requireHttps: false };

describe("webhook URLs", () => {
  it("accepts a public https URL, and in development a local http one", () => {
    expect(webhookUrlProblem("https://hooks.example.org/crowdtrain?x=1", production)).toBeNull();
    expect(webhookUrlProblem("http://127.0.0.1:9000/hook", development)).toBeNull();
  });

  it.each([
    ["not a url", /full URL/],
    ["ftp://example.org/x", /https:\/\//],
    ["http://example.org/x", /must start with https/],
    ["https://user:pw@example.org/x", /user name or password/],
    ["https://127.0.0.1/x", /private or local/],
    ["https://10.1.2.3/x", /private or local/],
    ["https://169.254.169.254/latest/meta-data", /private or local/],
    ["https://[::1]/x", /private or local/],
    ["https://[::ffff:127.0.0.1]/x", /private or local/],
    ["https://localhost/x", /host name is local/],
    ["https://metadata.google.internal/x", /host name is local/],
    [`https://example.org/${"a".repeat(2_100)}`, /at most 2048/],
  ])("refuses a URL in production (%#)", (url, problem) => {
    expect(webhookUrlProblem(url, production)).toMatch(problem);
  });

  it("classifies addresses: loopback, private, link-local, mapped and unique-local are not public", () => {
    for (const address of [
      "127.0.0.1",
      "10.0.0.8",
      "172.20.1.1",
      "192.168.1.1",
      "100.64.0.1",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:10.0.0.1",
    ]) {
      expect(isNonPublicAddress(address), address).toBe(true);
    }
    for (const address of ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34"]) {
      expect(isNonPublicAddress(address), address).toBe(false);
    }
  });
});

describe("the socket's lookup", () => {
  const resolve = (allowPrivate: boolean, host: string) =>
    new Promise<LookupAddress[]>((ok, fail) =>
      checkedLookup(allowPrivate)(host, { all: true }, (error, addresses) =>
        error ? fail(error) : ok(addresses as LookupAddress[]),
      ),
    );

  it("refuses a name that resolves only to loopback, unless private addresses are allowed", async () => {
    await expect(resolve(false, "localhost")).rejects.toThrow(/private or local address only/);
    expect((await resolve(true, "localhost")).map((a) => a.address)).toContain("127.0.0.1");
  });
});

describe("signatures", () => {
  it("signs the timestamp and the body with HMAC-SHA256, as a receiver recomputes it", () => {
    const body = JSON.stringify({ id: 7, message: "hello" });
    const header = signWebhook("s3cret", 1_800_000_000, body);
    const expected = createHmac("sha256", "s3cret").update(`1800000000.${body}`).digest("hex");
    expect(header).toBe(`t=1800000000,v1=${expected}`);
    expect(signWebhook("other", 1_800_000_000, body)).not.toBe(header);
    expect(signWebhook("s3cret", 1_800_000_001, body)).not.toBe(header);
  });
});
