/**
 * The command template of the command trainer, e.g.
 * `python train.py --spec {spec} --out {out}`: split into argv without any
 * shell, then placeholders filled per lease.
 *
 * Splitting follows the familiar POSIX rules, minus everything a shell would
 * expand: words are separated by unquoted whitespace; '...' keeps its text
 * literally; "..." keeps its text except that \" and \\ stand for " and \;
 * outside quotes a backslash keeps the next character literally; "" or ''
 * makes an empty argument. There are no variables, globs, pipes,
 * redirections or command substitution: `$HOME`, `*`, `;`, `|`, `>`, `` ` ``
 * are ordinary characters passed to the program as they are.
 *
 * Placeholders `{spec}`, `{out}`, `{workdir}` and `{bounty}` are replaced
 * anywhere in a word (quoted or not) by their value, which is never split or
 * interpreted again: a value holding spaces or quotes stays one argument.
 * Any other `{name}` (letters, digits, _) is an error, so a typo such as
 * `{output}` is caught when the agent starts; other braces (`{"a": 1}`) are
 * plain text.
 */

export const PLACEHOLDERS = ["spec", "out", "workdir", "bounty"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Record<Placeholder, string>;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateError";
  }
}

/** Splits a command template into words (placeholders left in place). Throws `TemplateError`. */
export function splitCommandTemplate(template: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < template.length) {
    const c = template[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = template.indexOf("'", i + 1);
      if (end < 0) throw new TemplateError(`unterminated ' quote at position ${i} of the command template`);
      word += template.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= template.length) {
          throw new TemplateError(`unterminated " quote at position ${i} of the command template`);
        }
        const d = template[j] as string;
        if (d === '"') break;
        const next = template[j + 1];
        if (d === "\\" && (next === '"' || next === "\\")) {
          word += next;
          j += 2;
        } else {
          word += d;
          j++;
        }
      }
      inWord = true;
      i = j + 1;
    } else if (c === "\\") {
      const next = template[i + 1];
      if (next === undefined) throw new TemplateError("the command template ends with a lone backslash");
      word += next;
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  if (words.length === 0) throw new TemplateError("the command template is empty");
  for (const w of words) {
    for (const match of w.matchAll(PLACEHOLDER)) {
      const name = match[1] as string;
      if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
        throw new TemplateError(
          `unknown placeholder {${name}} in the command template; use ${PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}`,
        );
      }
    }
  }
  return words;
}

/** Fills the placeholders of split words; the values are inserted verbatim, one word stays one argument. */
export function renderCommand(words: readonly string[], values: PlaceholderValues): string[] {
  return words.map((word) =>
    word.replace(PLACEHOLDER, (text, name: string) => values[name as Placeholder] ?? text),
  );
}

/** Splits and fills in one step. */
export function commandArgv(template: string, values: PlaceholderValues): string[] {
  return renderCommand(splitCommandTemplate(template), values);
}
