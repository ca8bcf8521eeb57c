/**
 * Sign-In with Ethereum and the guarded actions, against a real remix-serve,
 * anvil (the signature check and the indexed roles) and Redis (nonces):
 * - a signed EIP-4361 message starts an httpOnly, SameSite=Lax session; its
 *   nonce is single-use; a wrong domain, URI or chain is a 400, a signature by
 *   another account a 401;
 * - no session → 401; wrong role or not the pool's operator → 403; a forged
 *   CSRF token → 403; bad input → 400 naming the field; the right account
 *   with its token succeeds (a DAO stores a spec and an eval set; an operator
 *   rotates its pool's token, and the old token stops working);
 * - the propose form (page action): the same guards, each bad field named
 *   beside it with nothing stored, and a valid form stores the spec and the
 *   private eval set (the wallet then signs createBounty in the browser).
 */
import { request as httpRequest } from "node:http";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { anvilAccount } from "../../core/dev-chain.js";
import { createLogger } from "../../core/logger.js";
import { blobsClassifierSpec } from "../../core/spec.examples.js";
import { specHash } from "../../core/spec.js";
import { evalSets, specs } from "../../db/schema/index.js";
import { deployContracts } from "../../jobs/deployments/deploy.js";
import { syncDeployment } from "../../jobs/deployments/sync.js";
import { createPool } from "../../jobs/dispatch/pools.js";
import { heldOutSplit } from "../../ml/data.js";
import { encodeEvalSet } from "../../ml/evalset.js";
import { createChainClient, type Deployment } from "../../server/chain.js";
import { boardClients } from "../setup/board-activity.js";
import {
  startTestAnvil,
  startTestRedis,
  type TestDb,
  type TestService,
  tempDir,
  testDatabase,
} from "../setup/fixtures.js";
import { testIndexer } from "../setup/indexer.js";
import { siweMessage, siweSignIn, siweVerify } from "../setup/siwe.js";
import { buildWeb, serveWeb, type WebBuild, type WebServer, webReady } from "../setup/web.js";

const log = createLogger("test", "silent");
const dir = tempDir("auth");
let build: WebBuild;
let anvil: TestService;
let redis: TestService;
let db: TestDb;
let web: WebServer;
let poolId: string;
let poolToken: string;
let deployment: Deployment;

const DAO = anvilAccount(1);
const OPERATOR = anvilAccount(3);
const STRANGER = anvilAccount(4);
/** The dev deployment's evaluator (EVALUATOR_ROLE): never a bounty's arbiter. */
const EVALUATOR = anvilAccount(2);

beforeAll(async () => {
  build = buildWeb("auth-test");
  [anvil, redis, db] = await Promise.all([startTestAnvil(), startTestRedis(), testDatabase()]);
  const deployed = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir });
  deployment = deployed.deployment;
  const chain = createChainClient(anvil.url);
  await syncDeployment(deployed.deployment, { db: db.handle.db, chain, log });
  // The indexer records the role holders (the DAO is anvil account 1).
  await testIndexer(db.handle.db, anvil.url, deployed.deployment).catchUp();
  const created = await createPool(db.handle.db, {
    name: "operator-pool",
    operator: OPERATOR.address,
    gpuModel: "A100",
    gpuCount: 1,
    vramGb: 80,
    maxLeases: 1,
  });
  poolId = created.pool.id;
  poolToken = created.token;
  web = await serveWeb(build, {
    RPC_URL: anvil.url,
    REDIS_URL: redis.url,
    DATABASE_URL: db.url,
    ARTIFACTS_DIR: path.join(dir.dir, "artifacts"),
  });
  await webReady(web);
}, 180_000);

afterAll(async () => {
  await web?.server.stop(5_000);
  await Promise.all([anvil?.stop(), redis?.stop(), db?.stop()]);
  build?.remove();
  dir.remove();
});

type Account = typeof DAO;
const message = (account: Account, overrides: Parameters<typeof siweMessage>[2] = {}) =>
  siweMessage(web.url, account, overrides);
const verify = (text: string, signer: Account) => siweVerify(web.url, text, signer);
const signIn = (account: Account) => siweSignIn(web.url, account);

describe("Sign-In with Ethereum", () => {
  it("starts an httpOnly, SameSite=Lax session for a signed message, and /api/me knows the account", async () => {
    const text = await message(STRANGER);
    const response = await verify(text, STRANGER);
    expect(response.status).toBe(200);
    const setCookie = response.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const cookie = setCookie.split(";")[0] ?? "";
    const me = await fetch(`${web.url}/api/me`, { headers: { cookie } });
    expect(await me.json()).toMatchObject({ address: STRANGER.address });
    // The nonce was used: the same message again is refused.
    const replay = await verify(text, STRANGER);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toMatch(/nonce is unknown, used or expired/);
  });

  it("refuses another domain, another URI, another chain, and a signature by someone else", async () => {
    const cases: [Awaited<ReturnType<typeof message>>, Account, number, RegExp][] = [
      [await message(DAO, { domain: "evil.example" }), DAO, 400, /for evil\.example/],
      [await message(DAO, { uri: "https://evil.example/login" }), DAO, 400, /URI/],
      [await message(DAO, { chainId: 1 }), DAO, 400, /chain 1/],
      [await message(DAO), STRANGER, 401, /signature/],
    ];
    for (const [text, signer, status, error] of cases) {
      const response = await verify(text, signer);
      expect(response.status).toBe(status);
      expect(await response.text()).toMatch(error);
    }
    const malformed = await fetch(`${web.url}/auth/verify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "hello", signature: "nope" }),
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toMatch(/signature must be 0x-prefixed hex/);
  });

  it("refuses a message whose URI is not a URL with a 400, not a crash", async () => {
    const text = (await message(DAO)).replace(/^URI: .*$/m, "URI: not a url");
    const response = await verify(text, DAO);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/URI/);
  });

  it("ends the session on logout: a cookie captured before is refused after", async () => {
    const { cookie, csrf } = await siweSignIn(web.url, STRANGER);
    expect((await fetch(`${web.url}/api/me`, { headers: { cookie } })).status).toBe(200);
    const logout = await fetch(`${web.url}/auth/logout`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf }),
      redirect: "manual",
    });
    expect(logout.status).toBe(302);
    // The same cookie, replayed as an attacker who copied it would: the session is gone server-side.
    const after = await fetch(`${web.url}/api/me`, { headers: { cookie } });
    expect(after.status).toBe(401);
  });
});

/**
 * POSTs `chunks` chunked (no Content-Length) with node:http, and resolves with the answer, which may come
 * before the body ends (the server then discards the rest).
 */
function postChunked(
  url: string,
  headers: Record<string, string>,
  chunks: Buffer[],
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(url), { method: "POST", headers });
    req.on("response", (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on("error", (error) => reject(error));
    let next = 0;
    const more = () => {
      while (next < chunks.length) {
        if (!req.write(chunks[next++])) return void req.once("drain", more);
      }
      req.end();
    };
    more();
  });
}

describe("guarded actions", () => {
  it("lets only a signed-in DAO, with its CSRF token, store a spec and an eval set", async () => {
    const post = (route: string, body: BodyInit, headers: Record<string, string>) =>
      fetch(`${web.url}${route}`, { method: "POST", body, headers });
    const json = { "content-type": "application/json" };
    const spec = JSON.stringify(blobsClassifierSpec);

    expect((await post("/api/specs", spec, json)).status).toBe(401); // no session
    const stranger = await signIn(STRANGER);
    const asStranger = { ...json, cookie: stranger.cookie, "x-csrf-token": stranger.csrf };
    const wrongRole = await post("/api/specs", spec, asStranger);
    expect(wrongRole.status).toBe(403);
    expect(await wrongRole.text()).toMatch(/does not hold DAO_ROLE/);

    const dao = await signIn(DAO);
    const forged = await post("/api/specs", spec, { ...json, cookie: dao.cookie, "x-csrf-token": "forged" });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toMatch(/CSRF/);
    const asDao = { ...json, cookie: dao.cookie, "x-csrf-token": dao.csrf };
    const bad = await post(
      "/api/specs",
      JSON.stringify({ ...blobsClassifierSpec, license: "not a license!" }),
      asDao,
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ issues: [{ path: "license" }] });
    const stored = await post("/api/specs", spec, asDao);
    expect(stored.status).toBe(201);
    expect(await stored.json()).toEqual({ specHash: specHash(blobsClassifierSpec) });

    const upload = (bytes: Uint8Array) =>
      post(`/api/eval-sets?specHash=${specHash(blobsClassifierSpec)}`, Buffer.from(bytes), {
        "content-type": "application/octet-stream",
        cookie: dao.cookie,
        "x-csrf-token": dao.csrf,
      });
    const garbage = await upload(new TextEncoder().encode("not an eval set"));
    expect(garbage.status).toBe(400);
    expect(await garbage.text()).toMatch(/invalid eval set/);
    // Chunked (no Content-Length) and past the route's 64 MiB: refused as it streams in, never read whole.
    // (node:http, not fetch: the server answers before the body ends, and fetch reports only the reset.)
    const mib = Buffer.alloc(2 ** 20);
    const huge = await postChunked(
      `${web.url}/api/eval-sets?specHash=${specHash(blobsClassifierSpec)}`,
      { "content-type": "application/octet-stream", cookie: dao.cookie, "x-csrf-token": dao.csrf },
      Array.from({ length: 80 }, () => mib),
    );
    expect(huge.status).toBe(413);
    expect(huge.body).toMatch(/an eval set is at most 67108864 bytes/);
    const evalSet = await upload(encodeEvalSet(heldOutSplit(blobsClassifierSpec)));
    expect(evalSet.status).toBe(201);
    expect(await evalSet.json()).toMatchObject({ commitment: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
  });

  it("lets only the pool's operator, with its CSRF token, rotate the pool's token", async () => {
    const rotate = (headers: Record<string, string>, csrf?: string) =>
      fetch(`${web.url}/pools/${poolId}/rotate-token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams(csrf === undefined ? {} : { csrf }),
      });
    expect((await rotate({})).status).toBe(401);
    const stranger = await signIn(STRANGER);
    expect((await rotate({ cookie: stranger.cookie }, stranger.csrf)).status).toBe(403);
    const operator = await signIn(OPERATOR);
    expect((await rotate({ cookie: operator.cookie }, "forged")).status).toBe(403);
    expect((await rotate({ cookie: operator.cookie })).status).toBe(403);
    const me = (token: string) =>
      fetch(`${web.url}/api/pool/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await me(poolToken)).status).toBe(200);
    const rotated = await rotate({ cookie: operator.cookie }, operator.csrf);
    expect(rotated.status).toBe(201);
    const { token } = (await rotated.json()) as { token: string };
    expect((await me(poolToken)).status).toBe(401);
    expect((await me(token)).status).toBe(200);
  });

  it("lets only a signed-in DAO propose from the form, naming each bad field and storing nothing", async () => {
    const evalSet = encodeEvalSet(heldOutSplit(blobsClassifierSpec));
    /** The propose form as a browser sends it (multipart, the eval set as a file). */
    const form = (csrf: string, changes: Record<string, string> = {}) => {
      const body = new FormData();
      const fields: Record<string, string> = {
        csrf,
        name: "Blobs from the form",
        description: "",
        license: "MIT",
        taskType: "classification",
        numFeatures: "8",
        numClasses: "4",
        inputName: "features",
        outputName: "logits",
        metric: "accuracy",
        target: "0.9",
        trainingDataUri: "builtin:blobs",
        gpus: "0",
        minVramGb: "0",
        maxTrainingMinutes: "5",
        token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        goal: "1000",
        bond: "0",
        fundingPeriod: "7",
        deliveryPeriod: "14",
        challengeWindow: "24",
        // Protocol v2's terms (ADR 016): the arbiter (empty: the DAO itself), the dispute bond and the periods.
        arbiter: "",
        disputeBond: "0",
        revealPeriod: "24",
        evaluationPeriod: "24",
        verificationPeriod: "48",
        ...changes,
      };
      for (const [name, value] of Object.entries(fields)) body.set(name, value);
      body.set("evalSet", new Blob([Buffer.from(evalSet)]), "blobs.evalset");
      return body;
    };
    const propose = (body: FormData, cookie?: string) =>
      fetch(`${web.url}/propose`, {
        method: "POST",
        body,
        redirect: "manual",
        headers: cookie ? { cookie } : {},
      });

    // No session: sent to sign in, and back here afterwards.
    const anonymous = await propose(form("x"));
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe("/sign-in?next=%2Fpropose");
    const stranger = await signIn(STRANGER);
    const notDao = await propose(form(stranger.csrf), stranger.cookie);
    expect(notDao.status).toBe(403);
    expect(await notDao.text()).toMatch(/does not hold DAO_ROLE/);
    const dao = await signIn(DAO);
    expect((await propose(form("forged"), dao.cookie)).status).toBe(403);

    const specsBefore = (await db.handle.db.select().from(specs)).length;
    const setsBefore = (await db.handle.db.select().from(evalSets)).length;
    const bad = await propose(
      form(dao.csrf, {
        target: "1.5",
        numClasses: "one",
        goal: "-3",
        fundingPeriod: "0",
        token: "0x12",
        arbiter: "0x12",
        disputeBond: "lots",
        revealPeriod: "0",
      }),
      dao.cookie,
    );
    expect(bad.status).toBe(400);
    const page = await bad.text();
    for (const [field, message] of [
      ["target", "accuracy target lies in [0, 1]"],
      ["numClasses", "numClasses must be"],
      ["goal", "The funding goal is an amount of whole tokens"],
      ["fundingPeriod", "The funding period must be at least 1 min."],
      ["token", "Pick a token the board accepts."],
      ["arbiter", "The arbiter is a 0x-prefixed address, or empty for your own."],
      ["disputeBond", "The dispute bond is an amount of whole tokens"],
      ["revealPeriod", "The reveal period must be at least 1 min."],
    ] as const) {
      // Each message is rendered next to its field (the field's error element).
      expect(page, field).toMatch(
        new RegExp(`id="propose-${field}-error"[^>]*>[^<]*${message.replace(/[[\]]/g, "\\$&")}`),
      );
    }
    // Terms the board would refuse (checked against the chain): an evaluator as the arbiter (whoever scores
    // may not judge disputes), a challenge window below the board's minimum (60 s on anvil: 30 s is less),
    // and a trainer bond above the goal.
    const onchain = await propose(
      form(dao.csrf, {
        arbiter: EVALUATOR.address.toLowerCase(),
        challengeWindow: "0.5",
        challengeWindowUnit: "min",
        bond: "1000.5",
      }),
      dao.cookie,
    );
    expect(onchain.status).toBe(400);
    const onchainPage = await onchain.text();
    expect(onchainPage).toMatch(
      new RegExp(`id="propose-arbiter-error"[^>]*>[^<]*${EVALUATOR.address} is an evaluator`),
    );
    expect(onchainPage).toMatch(
      /id="propose-challengeWindow-error"[^>]*>[^<]*The board requires a challenge window of at least 1 min\./,
    );
    expect(onchainPage).toMatch(
      /id="propose-bond-error"[^>]*>[^<]*The trainer bond may not be more than the funding goal\./,
    );
    // Periods past the board's maximums (an admin lowered them: anvil's allow more than the form does).
    const admin = boardClients(anvil.url, deployment);
    const limits = await admin.publicClient.readContract({
      address: admin.board,
      abi: bountyBoardAbi,
      functionName: "limits",
    });
    const lowered = { ...limits, maxFundingPeriod: 3 * 86_400, maxDeliveryPeriod: 10 * 86_400 };
    await admin.send(anvilAccount(0), "setLimits", [lowered]);
    try {
      const tooLong = await propose(form(dao.csrf), dao.cookie); // 7 d of funding, 14 d of delivery
      expect(tooLong.status).toBe(400);
      const tooLongPage = await tooLong.text();
      // The funding period keeps ten minutes for the wallet's clock (the board counts from its own block).
      expect(tooLongPage).toMatch(
        /id="propose-fundingPeriod-error"[^>]*>[^<]*The board allows a funding period of at most 2 d 23 h\./,
      );
      expect(tooLongPage).toMatch(
        /id="propose-deliveryPeriod-error"[^>]*>[^<]*The board allows a delivery period after funding closes of at most 10 d\./,
      );
    } finally {
      await admin.send(anvilAccount(0), "setLimits", [limits]);
    }
    // An eval set that does not fit the spec: refused, and neither it nor the spec is stored.
    const wrongSet = form(dao.csrf, { numFeatures: "3" });
    const mismatch = await propose(wrongSet, dao.cookie);
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toMatch(/id="propose-evalSet-error"[^>]*>[^<]*does not fit the spec/);
    expect((await db.handle.db.select().from(specs)).length).toBe(specsBefore);
    expect((await db.handle.db.select().from(evalSets)).length).toBe(setsBefore);

    // With the chain's RPC stalled, the board's rules cannot be checked: 503 with a message above the form
    // (which keeps what was typed), within the RPC timeout, and nothing stored. The bounty API says 503 too.
    process.kill(-(anvil.pid as number), "SIGSTOP");
    try {
      const started = Date.now();
      const [stalled, unknownBounty] = await Promise.all([
        propose(form(dao.csrf), dao.cookie),
        fetch(`${web.url}/api/bounties/999`),
      ]);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(stalled.status).toBe(503);
      expect(await stalled.text()).toMatch(/id="propose-form-error"[^>]*>[^<]*RPC did not answer/);
      expect(unknownBounty.status).toBe(503);
      expect(((await unknownBounty.json()) as { error: string }).error).toMatch(/RPC did not answer/);
    } finally {
      process.kill(-(anvil.pid as number), "SIGCONT");
    }
    expect((await db.handle.db.select().from(specs)).length).toBe(specsBefore);
    expect((await db.handle.db.select().from(evalSets)).length).toBe(setsBefore);

    // A chunked multipart form whose parts each fit but whose whole does not: 413 above the form.
    const boundary = "crowdtrain-test-boundary";
    const part = (name: string, file?: string) =>
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? `; filename="${file}"\r\nContent-Type: application/octet-stream` : ""}\r\n\r\n`,
      );
    const forty = Array.from({ length: 40 }, () => Buffer.alloc(2 ** 20, 1));
    const tooBig = await postChunked(
      `${web.url}/propose`,
      { "content-type": `multipart/form-data; boundary=${boundary}`, cookie: dao.cookie },
      [
        part("csrf"),
        Buffer.from(`${dao.csrf}\r\n`),
        part("evalSet", "a.evalset"),
        ...forty,
        Buffer.from("\r\n"),
        part("dataFile", "b.csv"),
        ...forty,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ],
    );
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toMatch(/id="propose-form-error"[^>]*>[^<]*the form is larger than 65 MiB in all/);

    // A valid form names another arbiter and its own periods: the page hands them to the wallet's createBounty.
    const stored = await propose(
      form(dao.csrf, {
        arbiter: STRANGER.address.toLowerCase(),
        disputeBond: "2.5",
        revealPeriod: "6",
        evaluationPeriod: "12",
        verificationPeriod: "3",
        verificationPeriodUnit: "d",
      }),
      dao.cookie,
    );
    expect(stored.status).toBe(200);
    const signPage = await stored.text();
    expect(signPage).toMatch(/Sign the proposal/);
    // The action's data rides in the page (Remix's single-fetch stream): the arbiter checksummed by the server,
    // the dispute bond in base units (6 decimals) and each period in seconds.
    for (const value of [
      STRANGER.address,
      "2500000",
      String(6 * 3_600),
      String(12 * 3_600),
      String(72 * 3_600),
    ]) {
      expect(signPage, value).toContain(value);
    }
    const spec = {
      ...blobsClassifierSpec,
      name: "Blobs from the form",
      description: "",
      license: "MIT",
      resources: { ...blobsClassifierSpec.resources, maxTrainingMinutes: 5 },
      trainingData: [{ uri: "builtin:blobs" }],
    };
    const [row] = await db.handle.db
      .select()
      .from(specs)
      .where(eq(specs.specHash, specHash(spec).toLowerCase()));
    expect(row?.spec).toMatchObject({ name: "Blobs from the form" });
    expect(
      await db.handle.db
        .select()
        .from(evalSets)
        .where(eq(evalSets.specHash, specHash(spec).toLowerCase())),
    ).toHaveLength(1);
  });
});
