import { describe, expect, it } from "vitest";
import { commandArgv, renderCommand, splitCommandTemplate, TemplateError } from "./template.js";

const values = {
  spec: "/work/lease 1/spec.json",
  out: "/work/lease 1/model.onnx",
  workdir: "/work/lease 1",
  bounty: "42",
};

describe("splitCommandTemplate", () => {
  it("splits on whitespace, collapsing runs of it", () => {
    expect(splitCommandTemplate("  python   train.py\t--epochs 3\n")).toEqual([
      "python",
      "train.py",
      "--epochs",
      "3",
    ]);
  });

  it("keeps single-quoted text literally, backslashes included", () => {
    expect(splitCommandTemplate(`echo 'a b' 'c\\d' '"q"'`)).toEqual(["echo", "a b", "c\\d", '"q"']);
  });

  it('unescapes \\" and \\\\ inside double quotes and keeps other backslashes', () => {
    expect(splitCommandTemplate(`echo "a \\"b\\" c" "x\\\\y" "p\\n"`)).toEqual([
      "echo",
      'a "b" c',
      "x\\y",
      "p\\n",
    ]);
  });

  it("joins adjacent quoted and unquoted parts into one word", () => {
    expect(splitCommandTemplate(`--name="my model"'s'x`)).toEqual(["--name=my modelsx"]);
  });

  it("makes empty arguments from empty quotes", () => {
    expect(splitCommandTemplate(`prog "" ''`)).toEqual(["prog", "", ""]);
  });

  it("treats a backslash outside quotes as escaping the next character", () => {
    expect(splitCommandTemplate(String.raw`prog a\ b \'c`)).toEqual(["prog", "a b", "'c"]);
  });

  it("rejects unterminated quotes, a trailing backslash and an empty template", () => {
    expect(() => splitCommandTemplate(`python "train.py`)).toThrow(TemplateError);
    expect(() => splitCommandTemplate(`python 'train.py`)).toThrow(/unterminated ' quote/);
    expect(() => splitCommandTemplate("python \\")).toThrow(/lone backslash/);
    expect(() => splitCommandTemplate("   ")).toThrow(/empty/);
  });

  it("rejects unknown placeholders but leaves other braces alone", () => {
    expect(() => splitCommandTemplate("python train.py --out {output}")).toThrow(
      /unknown placeholder \{output\}/,
    );
    expect(splitCommandTemplate(`prog '{"lr": 0.1}' {} {1x}`)).toEqual(["prog", '{"lr": 0.1}', "{}", "{1x}"]);
  });
});

describe("renderCommand", () => {
  it("fills placeholders anywhere in a word, quoted or not", () => {
    expect(
      commandArgv(`python train.py --spec {spec} --out="{out}" --tag 'b{bounty}' -C {workdir}`, values),
    ).toEqual([
      "python",
      "train.py",
      "--spec",
      "/work/lease 1/spec.json",
      "--out=/work/lease 1/model.onnx",
      "--tag",
      "b42",
      "-C",
      "/work/lease 1",
    ]);
  });

  it("never splits or interprets a value: no shell injection through placeholders", () => {
    const hostile = { ...values, spec: `x"; rm -rf / #`, bounty: "$(reboot) `id` {out}" };
    expect(commandArgv("prog {spec} {bounty}", hostile)).toEqual([
      "prog",
      `x"; rm -rf / #`,
      "$(reboot) `id` {out}",
    ]);
  });

  it("passes shell syntax in the template to the program as plain words", () => {
    expect(commandArgv("prog ; rm -rf / | cat > f $HOME *", values)).toEqual([
      "prog",
      ";",
      "rm",
      "-rf",
      "/",
      "|",
      "cat",
      ">",
      "f",
      "$HOME",
      "*",
    ]);
  });

  it("renders the same split words for every lease", () => {
    const words = splitCommandTemplate("prog {bounty}");
    expect(renderCommand(words, { ...values, bounty: "1" })).toEqual(["prog", "1"]);
    expect(renderCommand(words, { ...values, bounty: "2" })).toEqual(["prog", "2"]);
  });
});
