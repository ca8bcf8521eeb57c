/**
 * Fetching a checkpoint from a URI a trainer names, without letting the URI reach inside our network
 * (SSRF). See docs/decisions/013-checkpoint-fetch.md.
 *
 * - Only http(s), no credentials in the URL, at most `maxRedirects` redirects, each hop checked again.
 * - Every address a host name resolves to must be public (ipaddr.js says "unicast"); the check runs in
 *   the socket's own `lookup`, so the address checked is the address connected to (no second
 *   resolution for DNS rebinding to slip into). IP literals are checked before connecting, and the
 *   connected socket's remote address once more, before a byte is sent.
 * - A total time cap (connect, headers and body, across redirects) and a byte cap counted as the body
 *   streams in, whatever Content-Length says.
 *
 * A failure is permanent (the trainer's URI is at fault: the submission is invalid) or transient (the
 * network, the server's 5xx, a timeout: the job retries). Messages name the problem and never carry
 * response bodies or headers.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { Agent, buildConnector, type Dispatcher, request } from "undici";

/** Why a checkpoint could not be fetched; `permanent` ones make the submission invalid. */
export class FetchFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = "FetchFailure";
  }
}

/** Resolves a host name to its addresses (every one of them is checked). */
export type Resolve = (hostname: string) => Promise<string[]>;

export interface FetchCheckpointOptions {
  /** The body may not be longer than this (checked as it streams in). */
  maxBytes: number;
  /** Total time for every hop: connects, headers and bodies. */
  timeoutMs: number;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
  /** Name resolution; default the system resolver (dns.lookup, as for any connection). */
  lookup?: Resolve;
  /**
   * Addresses to accept although they are not public: for tests (serving from loopback) and for
   * `npm run verify` fetching from the platform its user named (often a local one). The evaluator
   * never passes it, and nothing reads it from the environment.
   */
  allowAddress?: (address: string) => boolean;
}

export const DEFAULT_MAX_REDIRECTS = 5;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** How a refused range reads in a message (ipaddr.js range names). */
const RANGE_NAMES: Record<string, string> = {
  unspecified: "an unspecified address",
  broadcast: "the broadcast address",
  multicast: "a multicast address",
  linkLocal: "a link-local address",
  loopback: "a loopback address",
  carrierGradeNat: "a carrier-grade NAT (100.64.0.0/10) address",
  private: "a private (RFC 1918) address",
  reserved: "a reserved or documentation address",
  uniqueLocal: "a unique-local (fc00::/7) address",
  deprecatedSiteLocal: "a site-local (fec0::/10) address",
  rfc6145: "an IPv4-translated address",
  rfc6052: "a NAT64 address",
  "6to4": "a 6to4 address",
  teredo: "a Teredo address",
  benchmarking: "a benchmarking address",
};

/** Cloud instance-metadata endpoints: in refused ranges anyway, named for a clearer message. */
const METADATA = new Set(["169.254.169.254", "fd00:ec2::254"]);

/** The allocated global unicast space (RFC 4291, IANA); see `addressRefusal`. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR("2000::/3");

/**
 * Why `address` may not be fetched from ("a loopback address", ...), or undefined when it is public.
 * Everything ipaddr.js does not classify as "unicast" is refused; an IPv4-mapped IPv6 address is judged
 * by the IPv4 address it reaches.
 */
export function addressRefusal(address: string): string | undefined {
  let ip = parseAddress(address);
  if (!ip) return "not an IP address";
  if (ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress()) ip = ip.toIPv4Address();
  const normalized = ip instanceof ipaddr.IPv6 ? ip.toRFC5952String() : ip.toString();
  if (METADATA.has(normalized)) return "a cloud metadata address";
  const range = ip.range();
  if (range !== "unicast") return RANGE_NAMES[range] ?? `a special-purpose address (${range})`;
  // ipaddr.js calls "unicast" whatever is in none of its special ranges, which for IPv6 includes the
  // deprecated IPv4-compatible ::a.b.c.d (::127.0.0.1) and unallocated space: require 2000::/3.
  if (ip instanceof ipaddr.IPv6 && !ip.match(GLOBAL_UNICAST_V6)) return "outside global unicast (2000::/3)";
  return undefined;
}

/** `address` as node:net reads it (dotted IPv4 or IPv6), else undefined. */
function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const family = isIP(address);
  if (family === 4) return ipaddr.IPv4.parse(address);
  if (family !== 6) return undefined;
  // ipaddr.js reads "::a.b.c.d" as the IPv4-mapped ::ffff:a.b.c.d, but the socket (and the URL
  // standard) read it as IPv4-compatible ::a.b.c.d: let the URL parser write the bits in hex first.
  // A zone id (fe80::1%eth0) only qualifies link-local addresses: it does not change the range.
  const [bare = ""] = address.split("%");
  return ipaddr.IPv6.parse(new URL(`http://[${bare}]/`).hostname.slice(1, -1));
}

/** Fetches `uri` under the rules above; throws FetchFailure. */
export async function fetchCheckpointBytes(
  uri: string,
  options: FetchCheckpointOptions,
): Promise<Uint8Array> {
  const { maxBytes, timeoutMs, maxRedirects = DEFAULT_MAX_REDIRECTS } = options;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  let url = parseUri(uri);
  try {
    for (let hop = 0; ; hop++) {
      const where = hop === 0 ? "the checkpoint URI" : `redirect ${hop} of the checkpoint URI`;
      checkUrl(url, where);
      const guard = new AddressGuard(where, options);
      const literal = url.hostname.replace(/^\[(.*)\]$/, "$1");
      if (isIP(literal)) guard.check(literal); // a literal is connected to without any lookup
      // One agent per hop: no connection is reused, so every hop resolves and is checked anew.
      const agent = guard.agent(timeoutMs);
      try {
        const { statusCode, headers, body } = await request(url, {
          dispatcher: agent,
          method: "GET",
          headers: { accept: "*/*", "accept-encoding": "identity", "user-agent": "crowdtrain-evaluator" },
          signal: deadline.signal,
        });
        if (REDIRECTS.has(statusCode)) {
          discard(body);
          if (hop >= maxRedirects) {
            throw new FetchFailure(`the checkpoint URI redirects more than ${maxRedirects} times`, true);
          }
          url = redirectTarget(headers.location, url, statusCode, where);
          continue;
        }
        if (statusCode < 200 || statusCode > 299) {
          discard(body);
          const transient = statusCode >= 500 || statusCode === 408 || statusCode === 429;
          throw new FetchFailure(`fetching ${where} answered HTTP ${statusCode}`, !transient);
        }
        const declared = Number(headers["content-length"]);
        if (declared > maxBytes) {
          discard(body);
          throw new FetchFailure(
            `the checkpoint is ${declared} bytes, over the ${maxBytes}-byte limit`,
            true,
          );
        }
        return await readCapped(body, maxBytes);
      } finally {
        agent.destroy().catch(() => {});
      }
    }
  } catch (error) {
    const failure = ownFailure(error);
    if (failure) throw failure;
    if (deadline.signal.aborted) {
      throw new FetchFailure(`fetching the checkpoint took longer than ${timeoutMs} ms`, false);
    }
    throw new FetchFailure(`fetching the checkpoint failed: ${(error as Error)?.message ?? error}`, false);
  } finally {
    clearTimeout(timer);
  }
}

function parseUri(uri: string): URL {
  try {
    return new URL(uri);
  } catch {
    throw new FetchFailure(`the checkpoint URI "${uri}" is not a URL`, true);
  }
}

function checkUrl(url: URL, where: string): void {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new FetchFailure(`${where} uses ${url.protocol}; only http(s) can be fetched`, true);
  }
  if (url.username || url.password) {
    throw new FetchFailure(`${where} carries credentials (user:password@); they are not accepted`, true);
  }
}

function redirectTarget(location: string | string[] | undefined, from: URL, status: number, where: string) {
  if (typeof location !== "string" || location === "") {
    throw new FetchFailure(`fetching ${where} answered HTTP ${status} without one Location`, true);
  }
  try {
    return new URL(location, from);
  } catch {
    throw new FetchFailure(
      `fetching ${where} answered HTTP ${status} with a Location that is not a URL`,
      true,
    );
  }
}

/** Reads `body` whole, stopping as soon as it passes `maxBytes`. */
async function readCapped(body: Body, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      discard(body);
      throw new FetchFailure(`the checkpoint is over the ${maxBytes}-byte limit`, true);
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

type Body = Dispatcher.ResponseData["body"];

/** Closes a body we will not read (undici reports that as an abort error: nobody needs to hear it). */
function discard(body: Body): void {
  body.on("error", () => {});
  body.destroy();
}

/** Our own FetchFailure in `error` or its causes (undici may wrap a socket's error). */
function ownFailure(error: unknown): FetchFailure | undefined {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof FetchFailure) return e;
  return undefined;
}

/** Checks the addresses of one hop: in its lookup before connecting, and on the connected socket. */
class AddressGuard {
  constructor(
    readonly where: string,
    readonly options: Pick<FetchCheckpointOptions, "lookup" | "allowAddress">,
  ) {}

  /** Throws a permanent FetchFailure when `address` is not public (nor allowed by a test). */
  check(address: string): void {
    if (this.options.allowAddress?.(address)) return;
    const refusal = addressRefusal(address);
    if (refusal) {
      throw new FetchFailure(
        `${this.where} resolves to ${address}, ${refusal}; only public addresses are fetched`,
        true,
      );
    }
  }

  /**
   * net/tls `lookup`: resolves once, checks every address (one refused address refuses the host, so a
   * name cannot mix a public and an internal answer), and hands exactly those addresses to the socket.
   */
  readonly lookup: LookupFunction = (hostname, options: LookupOptions, callback) => {
    this.resolveChecked(hostname, options.family).then(
      (addresses) => {
        const [first] = addresses as [LookupAddress];
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: Error) => callback(error, ""),
    );
  };

  private async resolveChecked(hostname: string, family: LookupOptions["family"]): Promise<LookupAddress[]> {
    const addresses = await this.resolve(hostname);
    for (const address of addresses) this.check(address);
    const wanted = family === 4 || family === 6 ? family : undefined;
    const usable = addresses
      .map((address) => ({ address, family: isIP(address) }))
      .filter((a) => a.family !== 0 && (wanted === undefined || a.family === wanted));
    if (usable.length === 0) {
      throw new FetchFailure(`${this.where} resolves to no usable address`, false);
    }
    return usable;
  }

  private resolve(hostname: string): Promise<string[]> {
    if (this.options.lookup) return this.options.lookup(hostname);
    return new Promise((resolve, reject) =>
      dnsLookup(hostname, { all: true }, (error, addresses) =>
        error ? reject(error) : resolve(addresses.map((a) => a.address)),
      ),
    );
  }

  /** An undici Agent whose sockets resolve through `lookup` and are checked again once connected. */
  agent(timeoutMs: number): Agent {
    const connector = buildConnector({ lookup: this.lookup, timeout: timeoutMs, maxCachedSessions: 0 });
    return new Agent({
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: (connectOptions, callback) =>
        connector(connectOptions, (error, socket) => {
          if (error || !socket) return callback(error ?? new Error("no socket"), null);
          // Belt and braces: lookup and the literal check already ran; this catches any path around them.
          try {
            if (!socket.remoteAddress) throw new FetchFailure(`${this.where}: no remote address`, false);
            this.check(socket.remoteAddress);
          } catch (failure) {
            socket.destroy();
            return callback(failure as Error, null);
          }
          callback(null, socket);
        }),
    });
  }
}
