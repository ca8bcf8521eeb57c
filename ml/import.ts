/**
 * A DAO's own data as an eval set: a CSV, JSONL or text file is parsed
 * against the spec's task, split by a secret salt into a public training part
 * and a private held-out part, and the held-out part becomes a `DatasetSplit`
 * (for `encodeEvalSet`). docs/data-import.md is the guide; in short:
 *
 * Formats (UTF-8, an optional BOM is dropped, blank lines are skipped):
 * - `csv` (classification, regression): a header row naming the columns, then
 *   one row per example, comma-separated, RFC 4180 quoting. The label columns
 *   are `labelColumns` if given; else a column named `label` or `target`
 *   (any case) when there is one output, else the last column (classification)
 *   or the last `outputDim` columns (regression). Every other column is a
 *   feature, and there must be exactly `numFeatures` of them.
 * - `jsonl` (all tasks): one JSON object per line. Classification
 *   `{"features": [..], "label": 2}`, regression `{"features": [..], "target": [..]}`
 *   (`target` may be a number when outputDim is 1; `label` and `target` are
 *   interchangeable), causal-lm `{"text": "..."}` (empty texts are skipped).
 *   Other keys are ignored.
 * - `text` (causal-lm): one document per line.
 *
 * Values: features and regression targets are decimal numbers (no NaN,
 * Infinity, hex or empty cells) that fit float32. Classification labels are
 * either all class ids, integers 0..numClasses-1, or else class names
 * (strings), numbered in sorted order (JavaScript's default string sort, by
 * UTF-16 code units, the same in every locale): names `cat, bird, dog` are
 * ids bird = 0, cat = 1, dog = 2. With names there must be exactly
 * numClasses distinct ones.
 *
 * The split: row r is held out iff HMAC-SHA256(salt, key(r)), read as a
 * 48-bit fraction, is below `heldOutFraction`. The key is the row's content
 * (its parsed features and label or targets, as canonical JSON; a text
 * document's text), not its position, so the split does not depend on the
 * order of the rows, and identical rows (after parsing: `1.0` and `1` are the
 * same) always land on the same side: a copy of a held-out row can never leak
 * into the training part. The salt is 32 secret random bytes: without it
 * nobody can tell which rows are held out, even someone holding the same
 * source data. Same salt, same data: same split, same bytes.
 * Text documents are split whole, then cut into sequences of contextLength
 * tokens by `sequencesOf` (ml/data.ts), so no sequence straddles the split.
 *
 * Limits (IMPORT_LIMITS): the file is at most 64 MiB, has at most 1,000,000
 * rows (documents), and no line (CSV record) longer than 1 MiB characters; an
 * alphabet derived from a corpus has at most 10,000 characters; the held-out
 * share lies in [0.01, 0.5].
 *
 * Errors are `DataImportError`s whose message names the line (1-based, as an
 * editor counts them; for a CSV record spanning lines, the line it ends on).
 *
 * No I/O and no node: imports of its own (csv-parse's sync API and viem's
 * sha256 are pure JS); `sequencesOf` comes from ml/data.ts, which reads the
 * built-in corpus with node:fs, so in practice it runs on a server or a CLI.
 */
import { CsvError, parse as parseCsv } from "csv-parse/sync";
import { sha256 } from "viem";
import type { CausalLmTask, Task } from "../core/spec.js";
import { type CausalLmSplit, type ClassificationSplit, type RegressionSplit, sequencesOf } from "./data.js";

export const DATA_FORMATS = ["csv", "jsonl", "text"] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

export const IMPORT_LIMITS = {
  /** The data file, in bytes. */
  maxBytes: 64 * 1024 * 1024,
  /** Rows (CSV records, JSONL objects, text documents), blank lines not counted. */
  maxRows: 1_000_000,
  /** Characters of one line (one CSV record). */
  maxLineChars: 1024 * 1024,
  /** Characters of an alphabet derived from a corpus (`deriveAlphabet`). */
  maxAlphabet: 10_000,
  /** The held-out share of the rows. */
  minHeldOut: 0.01,
  maxHeldOut: 0.5,
} as const;

export const DEFAULT_HELD_OUT = 0.2;

/** Bytes of the split salt. */
export const SPLIT_SALT_BYTES = 32;

export class DataImportError extends Error {
  override name = "DataImportError";
}

export interface ImportOptions {
  format: DataFormat;
  /** 32 secret random bytes (`randomSplitSalt`); they decide which rows are held out. */
  salt: Uint8Array;
  /** The share of rows held out, in [0.01, 0.5]; default 0.2. */
  heldOutFraction?: number;
  /** CSV only: the label (classification) or target (regression) columns, by header name. */
  labelColumns?: readonly string[];
}

export interface ImportResult<S = ClassificationSplit | RegressionSplit | CausalLmSplit> {
  /** The private part, the eval set's content. */
  heldOut: S;
  /** The public part, in the input's format (CSV with its header, JSONL, text), UTF-8. */
  trainingFile: Uint8Array;
  format: DataFormat;
  /** Rows of the input (text: documents) and of each part. */
  rows: { total: number; train: number; heldOut: number };
  /** Class names by id, when the labels were names. */
  classes?: string[];
}

/** 32 random bytes from crypto.getRandomValues: a split salt. */
export function randomSplitSalt(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(SPLIT_SALT_BYTES));
}

/** The format a file name implies: .csv, .jsonl / .ndjson, .txt / .text; undefined for any other. */
export function formatOfFileName(name: string): DataFormat | undefined {
  const extension = /\.([A-Za-z]+)$/.exec(name)?.[1]?.toLowerCase();
  if (extension === "csv") return "csv";
  if (extension === "jsonl" || extension === "ndjson") return "jsonl";
  if (extension === "txt" || extension === "text") return "text";
  return undefined;
}

/* ------------------------------------------------------------------------ */
/* The split                                                                 */
/* ------------------------------------------------------------------------ */

const encoder = new TextEncoder();
const thousands = (n: number) => n.toLocaleString("en-US");
const plural = (n: number, word: string) => `${thousands(n)} ${word}${n === 1 ? "" : "s"}`;

/** HMAC-SHA256 (RFC 2104) with a key of at most 64 bytes, the block size. */
function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  const inner = new Uint8Array(64 + message.length);
  const outer = new Uint8Array(64 + 32);
  for (let i = 0; i < 64; i++) {
    const k = key[i] ?? 0;
    inner[i] = k ^ 0x36;
    outer[i] = k ^ 0x5c;
  }
  inner.set(message, 64);
  outer.set(sha256(inner, "bytes"), 64);
  return sha256(outer, "bytes");
}

/** Exported for tests and docs: HMAC-SHA256(salt, UTF-8 key) as a fraction in [0, 1) (its first 48 bits). */
export function splitFraction(salt: Uint8Array, key: string): number {
  const mac = hmacSha256(salt, encoder.encode(key));
  let value = 0;
  for (let i = 0; i < 6; i++) value = value * 256 + (mac[i] as number);
  return value / 2 ** 48;
}

function checkOptions(options: ImportOptions): number {
  if (!(DATA_FORMATS as readonly string[]).includes(options.format)) {
    throw new DataImportError(`format must be one of ${DATA_FORMATS.join(", ")}, not "${options.format}"`);
  }
  if (!(options.salt instanceof Uint8Array) || options.salt.length !== SPLIT_SALT_BYTES) {
    throw new DataImportError(`the split salt must be ${SPLIT_SALT_BYTES} bytes`);
  }
  const fraction = options.heldOutFraction ?? DEFAULT_HELD_OUT;
  const { minHeldOut, maxHeldOut } = IMPORT_LIMITS;
  if (!(fraction >= minHeldOut && fraction <= maxHeldOut)) {
    throw new DataImportError(
      `the held-out share must be between ${minHeldOut} and ${maxHeldOut}, not ${fraction}`,
    );
  }
  return fraction;
}

/** The rows held out and the rows kept for training, each in input order; both must be non-empty. */
function splitRows<R extends { key: string }>(
  rows: readonly R[],
  salt: Uint8Array,
  fraction: number,
): { train: R[]; heldOut: R[] } {
  const train: R[] = [];
  const heldOut: R[] = [];
  for (const row of rows) (splitFraction(salt, row.key) < fraction ? heldOut : train).push(row);
  const advice = `too few rows (${thousands(rows.length)}) to hold out ${Math.round(fraction * 100)}%: add rows`;
  if (heldOut.length === 0) throw new DataImportError(`no row fell in the held-out part; ${advice}`);
  if (train.length === 0) throw new DataImportError(`no row is left for training; ${advice}`);
  return { train, heldOut };
}

/* ------------------------------------------------------------------------ */
/* Text                                                                      */
/* ------------------------------------------------------------------------ */

/** The line (1-based) of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** The file as text: size-checked, UTF-8 (BOM dropped), without NUL characters, not blank. */
function decode(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new DataImportError("the file is empty");
  if (bytes.length > IMPORT_LIMITS.maxBytes) {
    throw new DataImportError(
      `the file has ${thousands(bytes.length)} bytes, more than the ${IMPORT_LIMITS.maxBytes / 2 ** 20} MiB a data file may have`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // A newline byte is never part of a multi-byte UTF-8 character, so lines can be checked one by one.
    const strict = new TextDecoder("utf-8", { fatal: true });
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue;
      try {
        strict.decode(bytes.subarray(start, i));
      } catch {
        break;
      }
      line++;
      start = i + 1;
    }
    throw new DataImportError(`line ${line}: not UTF-8 text; save the file as UTF-8`);
  }
  const nul = text.indexOf("\0");
  if (nul !== -1) {
    throw new DataImportError(
      `line ${lineAt(text, nul)}: a NUL character; this looks like a binary file, not CSV, JSONL or text`,
    );
  }
  if (text.trim() === "") throw new DataImportError("the file holds only blank lines");
  return text;
}

/** The non-blank lines with their numbers; refuses over-long lines and too many rows. */
function linesOf(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, "");
    if (line.length > IMPORT_LIMITS.maxLineChars) {
      throw new DataImportError(
        `line ${i + 1}: ${thousands(line.length)} characters, more than the ${thousands(IMPORT_LIMITS.maxLineChars)} a line may have`,
      );
    }
    if (line.trim() === "") continue;
    if (out.length === IMPORT_LIMITS.maxRows) throw tooManyRows(i + 1);
    out.push({ line: i + 1, text: line });
  }
  return out;
}

const tooManyRows = (line: number) =>
  new DataImportError(
    `line ${line}: more than ${thousands(IMPORT_LIMITS.maxRows)} rows; sample the data or split it over bounties`,
  );

/* ------------------------------------------------------------------------ */
/* Rows                                                                      */
/* ------------------------------------------------------------------------ */

/** A parsed row of a classification or regression file. */
interface TableRow {
  line: number;
  features: number[];
  /** Classification: the label as given (an id as a number, or a name); regression: the targets. */
  label: number | string | number[];
  /** The row in the input's format, for the training file. */
  source: string;
  key: string;
}

/** A document of a corpus. */
interface Doc {
  line: number;
  text: string;
  source: string;
  key: string;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A decimal number that fits float32, rounded to it. */
function parseNumber(raw: string, where: string): number {
  const text = raw.trim();
  if (text === "") throw new DataImportError(`${where}: empty value; every feature and target is a number`);
  if (/^[+-]?(?:nan|inf|infinity)$/i.test(text)) {
    throw new DataImportError(`${where}: ${text} is not a finite number`);
  }
  if (!DECIMAL.test(text)) throw new DataImportError(`${where}: ${JSON.stringify(text)} is not a number`);
  return checkFloat32(Number(text), where, text);
}

function checkFloat32(value: number, where: string, text = String(value)): number {
  const rounded = Math.fround(value);
  if (!Number.isFinite(rounded)) {
    throw new DataImportError(`${where}: ${text} is not a finite float32 number (at most about 3.4e38)`);
  }
  return rounded;
}

/** CSV-quotes a cell when it needs it (RFC 4180). */
function csvCell(cell: string): string {
  return /[",\r\n]|^\s|\s$/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

const csvLine = (cells: readonly string[]) => cells.map(csvCell).join(",");

/** A tabular task's shape. */
type TableTask = Extract<Task, { type: "classification" | "regression" }>;

const outputsOf = (task: TableTask) => (task.type === "classification" ? 1 : task.outputDim);

function csvErrorMessage(error: CsvError): string {
  const line = (error as CsvError & { lines?: number }).lines;
  const at = line ? `line ${line}: ` : "";
  switch (error.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return `${at}a quoted value is never closed (a " is missing)`;
    case "INVALID_OPENING_QUOTE":
    case "CSV_INVALID_CLOSING_QUOTE":
      return `${at}a " inside a value that is not quoted as a whole; quote the value and double the " ("")`;
    case "CSV_MAX_RECORD_SIZE":
      return `${at}a row longer than the ${thousands(IMPORT_LIMITS.maxLineChars)} characters a line may have`;
    default:
      return `${at}${error.message}`;
  }
}

/** The header, the label columns' indices and the feature columns' indices of a CSV file. */
function csvColumns(header: string[], task: TableTask, labelColumns: readonly string[] | undefined) {
  const names = header.map((name) => name.trim());
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new DataImportError(`line 1: the header names column "${name}" twice`);
    seen.add(name);
  }
  const outputs = outputsOf(task);
  const what = task.type === "classification" ? "label" : "target";
  let labels: number[];
  if (labelColumns && labelColumns.length > 0) {
    labels = labelColumns.map((name) => {
      const index = names.indexOf(name.trim());
      if (index === -1) {
        throw new DataImportError(`line 1: no column "${name.trim()}" (the columns are ${names.join(", ")})`);
      }
      return index;
    });
    if (labels.length !== outputs) {
      throw new DataImportError(
        task.type === "classification"
          ? `a classification bounty has one label column; ${labels.length} were named`
          : `the spec has ${outputs} outputs, so name ${outputs} target columns, not ${labels.length}`,
      );
    }
  } else {
    const named = ["label", "target"]
      .map((want) => names.findIndex((name) => name.toLowerCase() === want))
      .find((index) => index !== -1);
    labels =
      outputs === 1 && named !== undefined
        ? [named]
        : Array.from({ length: outputs }, (_, i) => names.length - outputs + i);
  }
  if (labels.some((index) => index < 0)) {
    throw new DataImportError(
      `line 1: the header has ${names.length} columns, fewer than the ${outputs} ${what}s`,
    );
  }
  const features = names.map((_, i) => i).filter((i) => !labels.includes(i));
  if (features.length > 0 && features.every((i) => DECIMAL.test(names[i] as string))) {
    throw new DataImportError(
      `line 1 must be a header row naming the columns; it holds numbers (${names.slice(0, 3).join(", ")}, …)`,
    );
  }
  if (features.length !== task.numFeatures) {
    const labelNames = labels.map((i) => `"${names[i]}"`).join(", ");
    throw new DataImportError(
      `line 1: the header has ${names.length} columns: ${plural(features.length, "feature")} and the ${what}${outputs > 1 ? "s" : ""} ${labelNames}; the spec has ${plural(task.numFeatures, "feature")}`,
    );
  }
  return { names, labels, features };
}

function parseCsvRows(
  text: string,
  task: TableTask,
  labelColumns: readonly string[] | undefined,
): { header: string; rows: TableRow[] } {
  let columns: ReturnType<typeof csvColumns> | undefined;
  let header = "";
  const rows: TableRow[] = [];
  try {
    parseCsv(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      max_record_size: IMPORT_LIMITS.maxLineChars,
      on_record: (record: string[], context) => {
        const line = context.lines;
        if (record.every((cell) => cell.trim() === "")) return null;
        if (!columns) {
          columns = csvColumns(record, task, labelColumns);
          header = csvLine(columns.names);
          return null;
        }
        const { names, labels, features } = columns;
        if (record.length !== names.length) {
          throw new DataImportError(
            `line ${line}: expected ${names.length} columns (${plural(features.length, "feature")}, ${plural(labels.length, task.type === "classification" ? "label" : "target")}), got ${record.length}`,
          );
        }
        if (rows.length === IMPORT_LIMITS.maxRows) throw tooManyRows(line);
        const at = (i: number) => `line ${line}, column "${names[i]}"`;
        const values = features.map((i) => parseNumber(record[i] as string, at(i)));
        const label =
          task.type === "classification"
            ? (record[labels[0] as number] as string).trim()
            : labels.map((i) => parseNumber(record[i] as string, at(i)));
        if (label === "") throw new DataImportError(`${at(labels[0] as number)}: empty label`);
        rows.push({ line, features: values, label, source: csvLine(record), key: "" });
        return null;
      },
    });
  } catch (error) {
    if (error instanceof CsvError) throw new DataImportError(csvErrorMessage(error));
    throw error;
  }
  if (!columns) throw new DataImportError("the file holds no rows");
  if (rows.length === 0) throw new DataImportError("the file has a header but no rows");
  return { header, rows };
}

/** One JSONL line as an object. */
function jsonObject(line: { line: number; text: string }, example: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (error) {
    throw new DataImportError(`line ${line.line}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DataImportError(`line ${line.line}: expected an object like ${example}`);
  }
  return value as Record<string, unknown>;
}

function jsonNumbers(value: unknown, where: string, count: number, what: string): number[] {
  if (!Array.isArray(value))
    throw new DataImportError(`${where}: "${what}" must be an array of ${count} numbers`);
  if (value.length !== count) {
    throw new DataImportError(`${where}: expected ${count} ${what}, got ${value.length}`);
  }
  return value.map((item, i) => {
    if (typeof item !== "number") {
      throw new DataImportError(`${where}, ${what}[${i}]: ${JSON.stringify(item)} is not a number`);
    }
    return checkFloat32(item, `${where}, ${what}[${i}]`);
  });
}

function parseJsonlRows(text: string, task: TableTask): TableRow[] {
  const example =
    task.type === "classification"
      ? '{"features": [0.5, 1.2], "label": 2}'
      : '{"features": [0.5, 1.2], "target": [3.1]}';
  return linesOf(text).map((line) => {
    const object = jsonObject(line, example);
    const where = `line ${line.line}`;
    if (!("features" in object)) throw new DataImportError(`${where}: no "features"; expected ${example}`);
    const features = jsonNumbers(object.features, where, task.numFeatures, "features");
    const raw = object.label ?? object.target;
    if (raw === undefined || raw === null) {
      throw new DataImportError(`${where}: no "label" (or "target"); expected ${example}`);
    }
    let label: TableRow["label"];
    if (task.type === "classification") {
      if (typeof raw === "number") {
        if (!Number.isInteger(raw)) {
          throw new DataImportError(
            `${where}: label ${raw} is neither a class id (an integer) nor a class name (a string)`,
          );
        }
        label = raw;
      } else if (typeof raw === "string" && raw.trim() !== "") {
        label = raw.trim();
      } else {
        throw new DataImportError(`${where}: the label must be a class id (an integer) or a class name`);
      }
    } else {
      label =
        typeof raw === "number" && task.outputDim === 1
          ? [checkFloat32(raw, `${where}, target`)]
          : jsonNumbers(raw, where, task.outputDim, "targets");
    }
    return { line: line.line, features, label, source: line.text.trim(), key: "" };
  });
}

/**
 * Replaces each row's label by its class id (see the module comment); returns the class names when the
 * labels were names. Throws naming the first bad line.
 */
function toClassIds(rows: readonly TableRow[], numClasses: number): string[] | undefined {
  const isId = (label: TableRow["label"]) =>
    typeof label === "number" || (typeof label === "string" && /^[+-]?\d+$/.test(label));
  const range = `class ids 0 to ${numClasses - 1}`;
  if (rows.every((row) => isId(row.label))) {
    for (const row of rows) {
      const id = Number(row.label);
      if (!(id >= 0 && id < numClasses)) {
        throw new DataImportError(
          `line ${row.line}: label ${row.label} is not one of the spec's ${numClasses} classes (${range})`,
        );
      }
      row.label = id;
    }
    return undefined;
  }
  // Names: numbered in sorted order, and there must be exactly numClasses of them.
  const firstName = rows.find((row) => typeof row.label === "string" && !isId(row.label)) as TableRow;
  const seen = new Set<string>();
  const list = () => [...seen].map((s) => JSON.stringify(s)).join(", ");
  for (const row of rows) {
    if (typeof row.label !== "string") {
      throw new DataImportError(
        `line ${row.line}: label ${row.label} is a number, but other labels are class names (line ${firstName.line}: ${JSON.stringify(firstName.label)}); use names or ids throughout`,
      );
    }
    if (!seen.has(row.label)) {
      if (seen.size === numClasses) {
        throw new DataImportError(
          `line ${row.line}: label ${JSON.stringify(row.label)} is not one of the spec's ${numClasses} classes (${list()} came first)`,
        );
      }
      seen.add(row.label);
    }
  }
  if (seen.size < numClasses) {
    throw new DataImportError(
      `the labels name ${seen.size} classes (${list()}); the spec has ${numClasses}: add rows of the missing classes or lower the number of classes`,
    );
  }
  const classes = [...seen].sort();
  const idOf = new Map(classes.map((name, id) => [name, id]));
  for (const row of rows) row.label = idOf.get(row.label as string) as number;
  return classes;
}

function parseDocs(text: string, format: "jsonl" | "text"): Doc[] {
  const docs: Doc[] = [];
  for (const line of linesOf(text)) {
    if (format === "text") {
      docs.push({ line: line.line, text: line.text, source: line.text, key: line.text });
      continue;
    }
    const object = jsonObject(line, '{"text": "..."}');
    if (typeof object.text !== "string") {
      throw new DataImportError(`line ${line.line}: "text" must be a string; expected {"text": "..."}`);
    }
    if (object.text.trim() === "") continue;
    docs.push({ line: line.line, text: object.text, source: line.text.trim(), key: object.text });
  }
  return docs;
}

/* ------------------------------------------------------------------------ */
/* Import                                                                    */
/* ------------------------------------------------------------------------ */

const CORPUS_NOT_CSV =
  'a causal-lm bounty imports a text corpus (one document per line) or JSONL with {"text": "..."}, not CSV';

function checkFormat(task: Task, format: DataFormat) {
  if (task.type === "causal-lm" && format === "csv") throw new DataImportError(CORPUS_NOT_CSV);
  if (task.type !== "causal-lm" && format === "text") {
    throw new DataImportError(`a ${task.type} bounty imports CSV or JSONL rows of features, not plain text`);
  }
}

const fileOf = (lines: readonly string[]) => encoder.encode(lines.map((line) => `${line}\n`).join(""));

/** The documents of a corpus (text or JSONL) split by the salt. */
function splitCorpus(bytes: Uint8Array, options: ImportOptions) {
  const fraction = checkOptions(options);
  if (options.format === "csv") throw new DataImportError(CORPUS_NOT_CSV);
  const docs = parseDocs(decode(bytes), options.format);
  if (docs.length === 0) throw new DataImportError('the file holds no documents (every "text" is empty)');
  return { docs, ...splitRows(docs, options.salt, fraction) };
}

/**
 * The alphabet of a corpus's training part (the split `importDataset` makes with the same salt): its
 * distinct characters (Unicode code points) in code point order. Characters only the held-out part has
 * are left out (they become the tokenizer's "unknown"), so the spec does not hint at the private part.
 */
export function deriveAlphabet(bytes: Uint8Array, options: ImportOptions): string {
  const { train } = splitCorpus(bytes, options);
  return alphabetOf(train.map((doc) => doc.text));
}

/** The distinct characters (code points) of some texts, in code point order; at most 10,000 of them. */
export function alphabetOf(texts: Iterable<string>): string {
  const chars = new Set<string>();
  for (const text of texts) for (const ch of text) chars.add(ch);
  if (chars.size > IMPORT_LIMITS.maxAlphabet) {
    throw new DataImportError(
      `the training text has ${thousands(chars.size)} distinct characters; a derived alphabet has at most ${thousands(IMPORT_LIMITS.maxAlphabet)}: type an alphabet instead (other characters become "unknown")`,
    );
  }
  return [...chars].sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number)).join("");
}

/**
 * Parses a data file against the task, splits it with the salt, and returns the held-out part as a
 * split (for `encodeEvalSet`) and the training part as a file in the input's format. Throws
 * DataImportError, naming the line, for anything wrong with the data or the options.
 */
export function importDataset(bytes: Uint8Array, task: Task, options: ImportOptions): ImportResult {
  const fraction = checkOptions(options);
  checkFormat(task, options.format);
  if (task.type === "causal-lm") return importCorpus(bytes, task, options);
  if (options.labelColumns?.length && options.format !== "csv") {
    throw new DataImportError("label columns are for CSV files; JSONL rows name their label");
  }

  const text = decode(bytes);
  const { header, rows } =
    options.format === "csv"
      ? parseCsvRows(text, task, options.labelColumns)
      : { header: undefined, rows: parseJsonlRows(text, task) };

  const classes = task.type === "classification" ? toClassIds(rows, task.numClasses) : undefined;
  // The split key: the parsed row (features as float32, then the class id or the targets).
  for (const row of rows) row.key = JSON.stringify([row.features, row.label]);
  const { train, heldOut } = splitRows(rows, options.salt, fraction);

  const n = heldOut.length;
  const features = new Float32Array(n * task.numFeatures);
  heldOut.forEach((row, i) => {
    features.set(row.features, i * task.numFeatures);
  });
  const split =
    task.type === "classification"
      ? ({
          task: "classification",
          count: n,
          numFeatures: task.numFeatures,
          numClasses: task.numClasses,
          features,
          labels: Int32Array.from(heldOut, (row) => row.label as number),
        } satisfies ClassificationSplit)
      : ({
          task: "regression",
          count: n,
          numFeatures: task.numFeatures,
          outputDim: task.outputDim,
          features,
          targets: Float32Array.from(heldOut.flatMap((row) => row.label as number[])),
        } satisfies RegressionSplit);
  const trainingLines = train.map((row) => row.source);
  return {
    heldOut: split,
    trainingFile: fileOf(header === undefined ? trainingLines : [header, ...trainingLines]),
    format: options.format,
    rows: { total: rows.length, train: train.length, heldOut: n },
    ...(classes ? { classes } : {}),
  };
}

function importCorpus(bytes: Uint8Array, task: CausalLmTask, options: ImportOptions): ImportResult {
  const { docs, train, heldOut } = splitCorpus(bytes, options);
  const split = sequencesOf(
    task,
    heldOut.map((doc) => doc.text),
  );
  if (!split.lengths.some((length) => length >= 2)) {
    throw new DataImportError(
      "every held-out document is a single character, so no next token can be scored: add longer documents",
    );
  }
  return {
    heldOut: split,
    trainingFile: fileOf(train.map((doc) => doc.source)),
    format: options.format,
    rows: { total: docs.length, train: train.length, heldOut: heldOut.length },
  };
}
