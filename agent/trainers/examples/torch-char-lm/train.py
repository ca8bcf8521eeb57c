#!/usr/bin/env python3
"""A real PyTorch trainer for Crowdtrain's command trainer: a char-level causal LM.

    python3 train.py --spec {spec} --out {out} [--data FILE] [--seed N] [--epochs N]

It trains a small character-level language model for a `causal-lm` bounty spec
with a char tokenizer (such as the example "Hindi GPT" spec) and exports it
with a plain `torch.onnx.export`: no dynamic axes, so the exported input is
[1, contextLength] (batch 1). See README.md next to this file.

The contract (agent/README.md, "The command trainer"):
- the spec is JSON at --spec ($CROWDTRAIN_SPEC); the ONNX checkpoint goes to
  --out ($CROWDTRAIN_OUT);
- the training text is --data, default $CROWDTRAIN_DATA: UTF-8, one sentence
  per line. The pool agent writes it for built-in text data sets
  (`builtin:hindi`: exactly the platform's public training half);
- the seed is --seed, default $CROWDTRAIN_SEED, else 0: the same seed, data and
  spec give the same checkpoint bytes;
- progress is one JSON object per stdout line: {"percent", "step", "loss"};
- SIGTERM stops training: exit 143, no checkpoint written.

Exit codes: 0 done, 2 unusable input (spec, data), 143 stopped by SIGTERM.
"""

import argparse
import json
import math
import os
import signal
import sys

import torch
import torch.nn.functional as F
from torch import nn

OPSET = 17
EXIT_BAD_INPUT = 2
EXIT_SIGTERM = 143

# Hyperparameters, chosen on the Hindi example (5,832 training characters):
# larger windows or wider layers overfit it and score worse on held-out text.
DEFAULTS = {
    "embed": 32,  # embedding size
    "window": 4,  # tokens each position sees: t-3..t
    "hidden": 128,  # hidden units
    "dropout": 0.5,  # on the hidden layer, training only
    "epochs": 30,
    "batch": 8,  # sequences per step
    "lr": 3e-3,  # peak learning rate (one-cycle schedule)
    "weight_decay": 0.01,
}

stopping = False


def on_sigterm(signum, frame):
    global stopping
    stopping = True


def fail(message):
    print(f"train.py: {message}", file=sys.stderr, flush=True)
    sys.exit(EXIT_BAD_INPUT)


def progress(percent, step, loss):
    print(json.dumps({"percent": round(percent, 2), "step": step, "loss": round(loss, 6)}), flush=True)


class CharTokenizer:
    """core/spec.ts `tokenize`: id i < len(alphabet) is the alphabet's i-th code point,
    then padding (= len(alphabet), the spec's padTokenId), then unknown (len(alphabet) + 1)."""

    def __init__(self, alphabet):
        self.alphabet = list(alphabet)  # a Python str iterates code points, as Array.from does
        self.ids = {ch: i for i, ch in enumerate(self.alphabet)}
        self.pad = len(self.alphabet)
        self.unknown = len(self.alphabet) + 1
        self.vocab_size = len(self.alphabet) + 2

    def encode(self, text):
        return [self.ids.get(ch, self.unknown) for ch in text]


def check_spec(spec):
    """The spec's task and interface, or exit 2 naming what this example cannot train."""
    task = spec.get("task", {})
    if task.get("type") != "causal-lm":
        fail(f"this example trains causal-lm bounties; the spec's task is {task.get('type')!r}")
    tokenizer = task.get("tokenizer", {})
    if tokenizer.get("kind") != "char":
        fail(f"this example knows the char tokenizer only, not {tokenizer.get('kind')!r}")
    chars = CharTokenizer(tokenizer["alphabet"])
    if task["vocabSize"] != chars.vocab_size or task["padTokenId"] != chars.pad:
        fail(
            f"a char tokenizer of {len(chars.alphabet)} characters has vocabSize {chars.vocab_size} "
            f"and padTokenId {chars.pad}; the spec says {task['vocabSize']} and {task['padTokenId']}"
        )
    io = spec.get("interface", {})
    inputs, outputs = io.get("inputs", []), io.get("outputs", [])
    if len(inputs) != 1 or len(outputs) != 1:
        fail("the spec's interface must have one input and one output")
    return task, chars, inputs[0]["name"], outputs[0]["name"]


def read_sequences(path, chars, length):
    """Token windows as the platform makes them (ml/data.ts `sequencesOf`): one sentence
    per non-empty line (trimmed), cut into windows of `length`, right-padded with padding."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as error:
        fail(f"cannot read the training text {path}: {error}")
    windows = []
    for line in text.split("\n"):
        ids = chars.encode(line.strip())
        windows += [ids[start : start + length] for start in range(0, len(ids), length)]
    if not windows:
        fail(f"the training text {path} has no sentences")
    tokens = torch.full((len(windows), length), chars.pad, dtype=torch.long)
    for i, ids in enumerate(windows):
        tokens[i, : len(ids)] = torch.tensor(ids, dtype=torch.long)
    return tokens


class CharConvLM(nn.Module):
    """logits[t] = W relu(conv(E[x_{t-window+1}], ..., E[x_t])) + b.

    Strictly causal: the ids are left-padded with `window - 1` padding tokens and the
    convolution has no padding of its own, so output t sees inputs t-window+1..t only
    (positions before the start see the padding token)."""

    def __init__(self, vocab_size, pad, embed, window, hidden, dropout):
        super().__init__()
        self.pad = pad
        self.window = window
        self.embed = nn.Embedding(vocab_size, embed)
        self.conv = nn.Conv1d(embed, hidden, window)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, vocab_size)

    def forward(self, ids):  # ids int64 [batch, sequence] -> logits float32 [batch, sequence, vocab]
        start = torch.full((ids.shape[0], self.window - 1), self.pad, dtype=ids.dtype)
        padded = torch.cat([start, ids], dim=1)  # [batch, window - 1 + sequence]
        h = self.embed(padded).transpose(1, 2)  # [batch, embed, sequence + window - 1]
        h = torch.relu(self.conv(h)).transpose(1, 2)  # [batch, sequence, hidden]
        return self.out(self.dropout(h))


def next_token_loss(model, tokens, pad):
    """Mean next-token cross-entropy over positions whose next token is not padding (the metric's loss)."""
    logits = model(tokens)[:, :-1]
    targets = tokens[:, 1:].masked_fill(tokens[:, 1:] == pad, -100)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)


def check_causal(model, length, vocab_size, generator):
    """Changing the tokens after position t must leave the logits up to t unchanged."""
    a = torch.randint(0, vocab_size, (1, length), generator=generator)
    for t in (0, length // 2, length - 2):
        b = a.clone()
        b[0, t + 1 :] = torch.randint(0, vocab_size, (length - t - 1,), generator=generator)
        if not torch.equal(model(a)[0, : t + 1], model(b)[0, : t + 1]):
            raise AssertionError(f"the model is not causal: logits up to position {t} depend on later tokens")


def main():
    env = os.environ.get
    ap = argparse.ArgumentParser(description="Train a char-level causal LM for a Crowdtrain bounty.")
    ap.add_argument("--spec", default=env("CROWDTRAIN_SPEC"), help="the bounty spec (JSON)")
    ap.add_argument("--out", default=env("CROWDTRAIN_OUT"), help="where to write the ONNX checkpoint")
    ap.add_argument(
        "--data", default=env("CROWDTRAIN_DATA"), help="training text, UTF-8, one sentence per line"
    )
    ap.add_argument("--seed", type=int, default=int(env("CROWDTRAIN_SEED") or 0))
    ap.add_argument("--epochs", type=int, default=DEFAULTS["epochs"])
    ap.add_argument("--threads", type=int, default=1, help="CPU threads (1: the same bytes on any machine)")
    args = ap.parse_args()
    if not args.spec or not args.out:
        fail("--spec and --out are required (or CROWDTRAIN_SPEC and CROWDTRAIN_OUT)")

    signal.signal(signal.SIGTERM, on_sigterm)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)

    try:
        with open(args.spec, encoding="utf-8") as f:
            spec = json.load(f)
    except (OSError, ValueError) as error:
        fail(f"cannot read the spec {args.spec}: {error}")
    task, chars, input_name, output_name = check_spec(spec)
    if not args.data:
        uris = ", ".join(d.get("uri", "?") for d in spec.get("trainingData", []))
        fail(
            f"no training text: the spec's training data is {uris}. Pass --data FILE (one sentence per "
            "line), or run under the pool agent, which sets CROWDTRAIN_DATA for built-in text data sets"
        )
    length = task["contextLength"]
    tokens = read_sequences(args.data, chars, length)
    print(
        f"train.py: {tokens.shape[0]} sequences of up to {length} tokens from {args.data}, seed {args.seed}",
        file=sys.stderr,
        flush=True,
    )

    d = DEFAULTS
    model = CharConvLM(chars.vocab_size, chars.pad, d["embed"], d["window"], d["hidden"], d["dropout"])
    order = torch.Generator().manual_seed(args.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=d["lr"], weight_decay=d["weight_decay"])
    steps_per_epoch = math.ceil(tokens.shape[0] / d["batch"])
    total_steps = args.epochs * steps_per_epoch
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, d["lr"], total_steps=total_steps)

    step = 0
    for epoch in range(args.epochs):
        model.train()
        losses = []
        shuffled = tokens[torch.randperm(tokens.shape[0], generator=order)]
        for start in range(0, tokens.shape[0], d["batch"]):
            if stopping:
                print("train.py: stopped by SIGTERM", file=sys.stderr, flush=True)
                sys.exit(EXIT_SIGTERM)
            loss = next_token_loss(model, shuffled[start : start + d["batch"]], chars.pad)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
            step += 1
        progress(95 * (epoch + 1) / args.epochs, step, sum(losses) / len(losses))

    model.eval()
    with torch.no_grad():
        check_causal(model, length, chars.vocab_size, torch.Generator().manual_seed(args.seed))
        train_loss = next_token_loss(model, tokens, chars.pad).item()
    print(f"train.py: training perplexity {math.exp(train_loss):.3f}", file=sys.stderr, flush=True)

    # A plain export: the example input fixes the shape at [1, contextLength] (batch 1, no dynamic axes).
    example = torch.full((1, length), chars.pad, dtype=torch.long)
    partial = f"{args.out}.partial"
    torch.onnx.export(
        model,
        (example,),
        partial,
        input_names=[input_name],
        output_names=[output_name],
        opset_version=OPSET,
    )
    if stopping:
        os.remove(partial)
        sys.exit(EXIT_SIGTERM)
    os.replace(partial, args.out)
    progress(100, step, train_loss)


if __name__ == "__main__":
    main()
