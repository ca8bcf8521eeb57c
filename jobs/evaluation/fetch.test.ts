/**
 * The checkpoint fetcher against real HTTP servers on loopback. 127.0.0.2 stands in for a public
 * address: it is the one address the tests' `allowAddress` accepts, and `checkpoints.example` resolves
 * to it through an injected lookup. The refused targets listen on 127.0.0.1 and ::1, and count their
 * connections: a refusal must happen before connecting, so they must see none.
 *
 * No traffic may leave loopback, even if the fetcher were broken: a guard around net.Socket#connect
 * fails any connection whose address is not loopback before it is made.
 */
import dns from "node:dns";
import http from "node:http";
import net, { type AddressInfo, isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { addressRefusal, type FetchCheckpointOptions, FetchFailure, fetchCheckpointBytes } from "./fetch.js";

const PUBLIC = "127.0.0.2";
const MAX = 1024;

interface TestServer {
  url: string;
  port: number;
  connections: number;
  requests: string[];
  /** Responses the client cut off before they ended. */
  abortedResponses: number;
  close(): Promise<void>;
}

async function serve(host: string, handler: http.RequestListener, port = 0): Promise<TestServer> {
  const server = http.createServer((req, res) => {
    state.requests.push(req.url ?? "");
    res.on("close", () => {
      if (!res.writableFinished) state.abortedResponses++;
    });
    handler(req, res);
  });
  server.on("connection", () => state.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const actual = (server.address() as AddressInfo).port;
  const state: TestServer = {
    url: `http://${isIP(host) === 6 ? `[${host}]` : host}:${actual}`,
    port: actual,
    connections: 0,
    requests: [],
    abortedResponses: 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return state;
}

/** The "public" server's routes. */
function publicRoutes(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://x");
  const [, route, arg] = url.pathname.split("/");
  switch (route) {
    case "model":
      res.end("onnx-bytes");
      return;
    case "redirect":
      res.writeHead(Number(url.searchParams.get("status") ?? 302), {
        location: url.searchParams.get("to") ?? "",
      });
      res.end("moved");
      return;
    case "loop":
      res.writeHead(302, { location: `/loop/${Number(arg) + 1}` });
      res.end();
      return;
    case "status":
      res.writeHead(Number(arg), { "x-secret": "internal-header-value" });
      res.end("internal-body-text");
      return;
    case "declared-big":
      res.writeHead(200, { "content-length": String(MAX + 1) });
      res.end(Buffer.alloc(MAX + 1));
      return;
    case "streamed-big": {
      // No Content-Length: chunks keep coming until the client hangs up (16 MiB at most).
      res.writeHead(200);
      let sent = 0;
      const pump = () => {
        while (sent < 16 * 1024 ** 2 && !res.destroyed) {
          sent += 256;
          if (!res.write(Buffer.alloc(256))) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
      return;
    }
    case "slow-body":
      res.writeHead(200, { "content-length": "100" });
      res.write(Buffer.alloc(10)); // and nothing more
      return;
    case "slow-headers":
      return; // never answers
    default:
      res.writeHead(404);
      res.end();
  }
}

// Loopback guard: every socket this process connects must go to a loopback address.
const strays: string[] = [];
const isLoopback = (address: string) => ipaddr.process(address).range() === "loopback";
type Callback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;
type Lookup = (hostname: string, options: dns.LookupOptions, callback: Callback) => void;

function guardLoopback(): void {
  const connect = net.Socket.prototype.connect as unknown as (...args: unknown[]) => net.Socket;
  vi.spyOn(net.Socket.prototype, "connect").mockImplementation(function (
    this: net.Socket,
    ...args: unknown[]
  ) {
    const first = args[0];
    const options = (Array.isArray(first) ? first[0] : first) as
      | (net.TcpNetConnectOpts & { lookup?: Lookup })
      | null;
    if (options && typeof options === "object" && options.host) {
      if (isIP(options.host) && !isLoopback(options.host)) {
        strays.push(options.host);
        throw new Error(`test guard: refused to connect to ${options.host}`);
      }
      const inner: Lookup = options.lookup ?? (dns.lookup as unknown as Lookup);
      options.lookup = (hostname, lookupOptions, callback) =>
        inner(hostname, lookupOptions, (err, address, family) => {
          const all = typeof address === "string" ? [address] : (address ?? []).map((a) => a.address);
          const stray = err ? undefined : all.find((a) => !isLoopback(a));
          if (stray) {
            strays.push(stray);
            return callback(new Error(`test guard: refused to connect to ${stray}`), "");
          }
          callback(err, address, family);
        });
    }
    return connect.apply(this, args);
  } as never);
}

const hosts: Record<string, string[]> = {
  "checkpoints.example": [PUBLIC],
  "private.example": ["10.0.0.1"],
  "metadata.example": ["169.254.169.254"],
  "metadata6.example": ["fd00:ec2::254"],
  "mapped.example": ["::ffff:127.0.0.1"],
  "cgnat.example": ["100.64.0.1"],
  "mixed.example": [PUBLIC, "10.0.0.1"],
};
const lookupCalls: string[] = [];
async function lookup(hostname: string): Promise<string[]> {
  lookupCalls.push(hostname);
  const addresses = hosts[hostname];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
  return addresses;
}

function get(uri: string, options: Partial<FetchCheckpointOptions> = {}): Promise<Uint8Array> {
  return fetchCheckpointBytes(uri, {
    maxBytes: MAX,
    timeoutMs: 2_000,
    lookup,
    allowAddress: (address) => address === PUBLIC,
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<FetchFailure> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FetchFailure);
    return error as FetchFailure;
  }
  throw new Error("expected a FetchFailure, got bytes");
}

let pub: TestServer;
let internal4: TestServer;
let internal6: TestServer;
const origin = "http://checkpoints.example";
const at = (path: string) => `${origin}:${pub.port}${path}`;
const redirectTo = (to: string, status = 302) =>
  at(`/redirect?status=${status}&to=${encodeURIComponent(to)}`);

beforeAll(async () => {
  guardLoopback();
  pub = await serve(PUBLIC, publicRoutes);
  internal4 = await serve("127.0.0.1", (_req, res) => res.end("internal"));
  internal6 = await serve("::1", (_req, res) => res.end("internal"));
});

afterAll(async () => {
  vi.restoreAllMocks();
  await Promise.all([pub?.close(), internal4?.close(), internal6?.close()]);
});

afterEach(() => {
  const seen = { strays: [...strays], refusedServers: internal4.connections + internal6.connections };
  strays.length = 0;
  internal4.connections = internal6.connections = 0;
  lookupCalls.length = 0;
  expect(seen.strays, "connections attempted outside loopback").toEqual([]);
  expect(seen.refusedServers, "connections to refused servers").toBe(0);
});

describe("addressRefusal", () => {
  it.each([
    ["127.0.0.1", /loopback/],
    ["127.8.9.10", /loopback/],
    ["10.0.0.1", /private/],
    ["172.16.5.4", /private/],
    ["192.168.1.1", /private/],
    ["169.254.169.254", /cloud metadata/],
    ["169.254.1.1", /link-local/],
    ["100.64.0.1", /carrier-grade NAT/],
    ["0.0.0.0", /unspecified/],
    ["255.255.255.255", /broadcast/],
    ["224.0.0.1", /multicast/],
    ["192.0.2.1", /reserved/],
    ["198.51.100.7", /reserved/],
    ["203.0.113.7", /reserved/],
    ["240.0.0.1", /reserved/],
    ["::", /unspecified/],
    ["::1", /loopback/],
    ["fe80::1", /link-local/],
    ["fc00::1", /unique-local/],
    ["fd12:3456::1", /unique-local/],
    ["fd00:ec2::254", /cloud metadata/],
    ["fec0::1", /site-local/],
    ["ff02::1", /multicast/],
    ["::ffff:127.0.0.1", /loopback/],
    ["::ffff:10.0.0.1", /private/],
    ["::ffff:169.254.169.254", /cloud metadata/],
    ["::127.0.0.1", /global unicast/], // IPv4-compatible (deprecated), not mapped
    ["::7f00:1", /global unicast/],
    ["::8.8.8.8", /global unicast/],
    ["fe80::1%eth0", /link-local/],
    ["64:ff9b::a00:1", /NAT64/], // 10.0.0.1 through NAT64
    ["64:ff9b:1::1", /NAT64/],
    ["2002:a00:1::1", /6to4/], // 10.0.0.1 through 6to4
    ["2001::1", /Teredo/],
    ["2001:db8::1", /reserved/],
    ["not-an-ip", /not an IP/],
  ])("refuses %s", (address, reason) => {
    expect(addressRefusal(address)).toMatch(reason);
  });

  it.each(["8.8.8.8", "1.1.1.1", "93.184.216.34", "::ffff:8.8.8.8", "2606:4700:4700::1111"])(
    "accepts the public address %s",
    (address) => {
      expect(addressRefusal(address)).toBeUndefined();
    },
  );
});

describe("fetchCheckpointBytes", () => {
  it("fetches from a public host, resolving it once", async () => {
    const bytes = await get(at("/model"));
    expect(Buffer.from(bytes).toString()).toBe("onnx-bytes");
    expect(lookupCalls).toEqual(["checkpoints.example"]);
  });

  it("follows a redirect to a public host", async () => {
    const bytes = await get(redirectTo(at("/model"), 307));
    expect(Buffer.from(bytes).toString()).toBe("onnx-bytes");
  });

  it("refuses a loopback URI before connecting, naming the address", async () => {
    const error = await failure(get(`${internal4.url}/model`));
    expect(error.permanent).toBe(true);
    expect(error.message).toBe(
      "the checkpoint URI resolves to 127.0.0.1, a loopback address; only public addresses are fetched",
    );
  });

  it("refuses localhost through the system resolver, without any allow-list", async () => {
    const error = await failure(
      fetchCheckpointBytes(`http://localhost:${internal4.port}/`, { maxBytes: MAX, timeoutMs: 2_000 }),
    );
    expect(error).toMatchObject({ permanent: true, message: expect.stringMatching(/loopback address/) });
  });

  it.each([
    ["127.0.0.1", () => `${internal4.url}/`],
    ["[::1]", () => `${internal6.url}/`],
    ["2130706433 (127.0.0.1 as a number)", () => `http://2130706433:${internal4.port}/`],
  ])("refuses a redirect to %s without connecting to it", async (_name, target) => {
    const error = await failure(get(redirectTo(target())));
    expect(error.permanent).toBe(true);
    expect(error.message).toMatch(/^redirect 1 of the checkpoint URI resolves to .*, a loopback address/);
  });

  it.each([
    ["private.example", "10.0.0.1", /private/],
    ["metadata.example", "169.254.169.254", /cloud metadata/],
    ["metadata6.example", "fd00:ec2::254", /cloud metadata/],
    ["mapped.example", "::ffff:127.0.0.1", /loopback/],
    ["cgnat.example", "100.64.0.1", /carrier-grade NAT/],
    ["mixed.example", "10.0.0.1", /private/],
  ])("refuses a redirect to %s (%s) without connecting to it", async (host, address, reason) => {
    const error = await failure(get(redirectTo(`http://${host}:${internal4.port}/model`)));
    expect(error.permanent).toBe(true);
    expect(error.message).toContain(`resolves to ${address}`);
    expect(error.message).toMatch(reason);
    expect(lookupCalls).toEqual(["checkpoints.example", host]);
  });

  it("connects to the address it checked: a name that rebinds to loopback never reaches loopback", async () => {
    // The same port on the "public" address and on loopback; the name answers public, then loopback.
    const { outside, inside } = await samePortPair();
    try {
      let answers = 0;
      const rebinding = async (hostname: string) => {
        lookupCalls.push(hostname);
        return [answers++ === 0 ? PUBLIC : "127.0.0.1"];
      };
      const uri = `http://rebind.example:${outside.port}`;
      // One resolution per connection, checked and used as is: the first fetch gets the public server.
      expect(Buffer.from(await get(`${uri}/model`, { lookup: rebinding })).toString()).toBe("onnx-bytes");
      expect(lookupCalls).toEqual(["rebind.example"]);
      // A redirect to the same name opens a new connection: its resolution is checked again.
      answers = 0;
      const error = await failure(
        get(`${uri}/redirect?to=${encodeURIComponent(`${uri}/model`)}`, { lookup: rebinding }),
      );
      expect(error.message).toMatch(
        /^redirect 1 of the checkpoint URI resolves to 127.0.0.1, a loopback address/,
      );
      expect(inside.connections).toBe(0);
      expect(outside.requests).toEqual(["/model", `/redirect?to=${encodeURIComponent(`${uri}/model`)}`]);
    } finally {
      await Promise.all([outside.close(), inside.close()]);
    }
  });

  it("checks https the same way (the lookup runs under tls.connect too)", async () => {
    const named = await failure(get(`https://private.example:${internal4.port}/model`));
    expect(named).toMatchObject({
      permanent: true,
      message: expect.stringMatching(/resolves to 10\.0\.0\.1, a private/),
    });
    const literal = await failure(get(`https://127.0.0.1:${internal4.port}/model`));
    expect(literal).toMatchObject({
      permanent: true,
      message: expect.stringMatching(/127\.0\.0\.1, a loopback/),
    });
    const redirected = await failure(get(redirectTo(`https://[::1]:${internal6.port}/`)));
    expect(redirected).toMatchObject({
      permanent: true,
      message: expect.stringMatching(/^redirect 1 .* loopback/),
    });
  });

  it("refuses more redirects than allowed, without following the last", async () => {
    pub.requests.length = 0;
    const error = await failure(get(at("/loop/0"), { maxRedirects: 5 }));
    expect(error).toMatchObject({
      permanent: true,
      message: "the checkpoint URI redirects more than 5 times",
    });
    expect(pub.requests).toEqual(["/loop/0", "/loop/1", "/loop/2", "/loop/3", "/loop/4", "/loop/5"]);
  });

  it.each([
    ["file:///etc/passwd", "the checkpoint URI uses file:; only http(s) can be fetched"],
    ["ftp://checkpoints.example/model", "the checkpoint URI uses ftp:; only http(s) can be fetched"],
    ["not a url", 'the checkpoint URI "not a url" is not a URL'],
    [
      "http://user:hunter2@checkpoints.example/model",
      "the checkpoint URI carries credentials (user:password@); they are not accepted",
    ],
  ])("refuses %s", async (uri, message) => {
    expect(await failure(get(uri))).toMatchObject({ permanent: true, message });
  });

  it("refuses a redirect to another scheme or to a URL with credentials", async () => {
    expect(await failure(get(redirectTo("file:///etc/passwd")))).toMatchObject({
      permanent: true,
      message: "redirect 1 of the checkpoint URI uses file:; only http(s) can be fetched",
    });
    expect(await failure(get(redirectTo(`http://u:p@checkpoints.example:${pub.port}/model`)))).toMatchObject({
      permanent: true,
      message: expect.stringMatching(/^redirect 1 of the checkpoint URI carries credentials/),
    });
  });

  it("refuses a body declared over the cap", async () => {
    const error = await failure(get(at("/declared-big")));
    expect(error).toMatchObject({
      permanent: true,
      message: `the checkpoint is ${MAX + 1} bytes, over the ${MAX}-byte limit`,
    });
  });

  it("stops reading a body without Content-Length as soon as it passes the cap", async () => {
    pub.abortedResponses = 0;
    const error = await failure(get(at("/streamed-big")));
    expect(error).toMatchObject({ permanent: true, message: `the checkpoint is over the ${MAX}-byte limit` });
    // The server was cut off long before its 16 MiB.
    await vi.waitFor(() => expect(pub.abortedResponses).toBe(1));
  });

  it.each(["/slow-body", "/slow-headers"])(
    "gives up on %s at the total time cap (transient)",
    async (path) => {
      const started = performance.now();
      const error = await failure(get(at(path), { timeoutMs: 300 }));
      expect(error).toMatchObject({
        permanent: false,
        message: "fetching the checkpoint took longer than 300 ms",
      });
      expect(performance.now() - started).toBeLessThan(2_000);
    },
  );

  it.each([
    [404, true],
    [403, true],
    [410, true],
    [408, false],
    [429, false],
    [500, false],
    [503, false],
  ])("HTTP %i is permanent: %s, and the message carries no body or header", async (status, permanent) => {
    const error = await failure(get(at(`/status/${status}`)));
    expect(error).toMatchObject({
      permanent,
      message: `fetching the checkpoint URI answered HTTP ${status}`,
    });
    expect(error.message).not.toMatch(/internal-/);
  });

  it("a redirect without Location is permanent", async () => {
    const error = await failure(get(redirectTo("")));
    expect(error).toMatchObject({
      permanent: true,
      message: expect.stringMatching(/HTTP 302 without one Location/),
    });
  });

  it("network trouble is transient", async () => {
    const closed = await serve(PUBLIC, () => {});
    await closed.close(); // nothing listens on its port any more
    const refused = await failure(get(`http://checkpoints.example:${closed.port}/model`));
    expect(refused).toMatchObject({
      permanent: false,
      message: expect.stringMatching(/^fetching the checkpoint failed: /),
    });
    const unknown = await failure(get("http://nowhere.example/model"));
    expect(unknown).toMatchObject({ permanent: false, message: expect.stringMatching(/ENOTFOUND/) });
  });
});

/** A server on PUBLIC and one on 127.0.0.1, on the same port. */
async function samePortPair(): Promise<{ outside: TestServer; inside: TestServer }> {
  for (let attempt = 0; ; attempt++) {
    const outside = await serve(PUBLIC, publicRoutes);
    try {
      return { outside, inside: await serve("127.0.0.1", (_req, res) => res.end("internal"), outside.port) };
    } catch (error) {
      await outside.close();
      if (attempt >= 5) throw error;
    }
  }
}
