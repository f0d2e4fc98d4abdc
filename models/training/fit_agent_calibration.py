#!/usr/bin/env python3
"""Fits the fusion's agent-side prior shift (`agentText` in models/fusion/fusion.json) on the labelled conversational
lines, and measures it on the scenarios kept for testing.

  python3 models/training/fit_agent_calibration.py [--l2 1] [--write] [--version prior-agent-2026-12-06]

The text model learnt from complaints (tweets, reviews), so it reads an agent's apologies and refunds as complaints.
The shift adds two log-odds offsets, a to NEGATIVE:NEUTRAL and b to POSITIVE:NEUTRAL, to every agent chunk's scores
(`TextOffsets.Shift` in src/CallSentiment.Analysis/Calls/FusionModel.cs; this file applies the same rule).

- Scores: the product's own scorer, `callsentiment evaluate-text --predictions --role-column role` over
  models/training/conversational/lines.csv (agent lines through the model's agent reading, as the analysis reads them).
- Fit: agent lines of the *train* scenarios only; maximum likelihood of the three labels under the shifted scores,
  read as the fusion reads them (negative + mixed/2, neutral, positive + mixed/2), minus (l2/2)·(a² + b²).
- Report: agent lines of the *test* scenarios (call types never fitted on), before and after: macro-F1, the share of
  polite (not negative) lines judged NEGATIVE, the share of rude (negative) lines still judged NEGATIVE. A line's
  label is what the fusion's text verdict gives a single chunk: its largest score (ties to NEGATIVE), MIXED counted
  as the larger of its positive and negative scores (as evaluate-text counts it).

--write puts the offsets (rounded as written) and the version into fusion.json and the figures into
models/fusion/MODEL_CARD.md, between the agent-calibration markers.
"""
import argparse
import csv
import math
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from scipy.optimize import minimize

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.path.join(ROOT, "src", "CallSentiment.Cli", "bin", "Release", "net10.0", "callsentiment.dll")
LINES = os.path.join(ROOT, "models", "training", "conversational", "lines.csv")
FUSION = os.path.join(ROOT, "models", "fusion", "fusion.json")
CARD = os.path.join(ROOT, "models", "fusion", "MODEL_CARD.md")
LIMIT = 3.0  # TextOffsets.Limit
CLASSES = ["negative", "neutral", "positive"]
START, END = "<!-- agent-calibration:start -->", "<!-- agent-calibration:end -->"


def scores(lines, model):
    """(positive, negative, neutral, mixed) per row of lines.csv, from the product's scorer."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "predictions.csv")
        cmd = ["dotnet", CLI, "evaluate-text", "--input", lines, "--text-column", "text", "--label-column", "label",
               "--predictions", out, "--role-column", "role"]
        if model:
            cmd += ["--model", model]
        report = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip().splitlines()
        with open(out, encoding="utf-8") as f:
            rows = {int(r["row"]): tuple(float(r[k]) for k in ("positive", "negative", "neutral", "mixed"))
                    for r in csv.DictReader(f)}
    return rows, report[0]


def shift(s, a, b):
    """TextOffsets.Shift: NEGATIVE×e^a, POSITIVE×e^b, MIXED×(e^a+e^b)/2, NEUTRAL×1, renormalised. s: (pos, neg, neu, mix)."""
    ea, eb = math.exp(a), math.exp(b)
    p, n, u, m = s[0] * eb, s[1] * ea, s[2], s[3] * (ea + eb) / 2
    t = p + n + u + m
    return (p / t, n / t, u / t, m / t)


def three_way(s):
    """negative, neutral, positive as the fusion reads a chunk (MIXED half to each side)."""
    return (s[1] + s[3] / 2, s[2], s[0] + s[3] / 2)


def judged(s):
    """0 negative, 1 neutral, 2 positive: a single chunk's text verdict (ConversationFusion.Largest, ties NEGATIVE,
    MIXED, POSITIVE, NEUTRAL), MIXED counted as the larger of positive and negative (evaluate-text's ToClass)."""
    pos, neg, neu, mix = s
    best = max((neg, 0), (mix, 1), (pos, 2), (neu, 3), key=lambda x: (x[0], -x[1]))[1]
    if best == 1:
        return 2 if pos > neg else 0
    return {0: 0, 2: 2, 3: 1}[best]


def nll(theta, data, l2):
    a, b = theta
    total = 0.0
    for s, y in data:
        total -= math.log(max(three_way(shift(s, a, b))[y], 1e-12))
    return total + l2 / 2 * (a * a + b * b)


def fit(data, l2):
    r = minimize(nll, x0=np.zeros(2), args=(data, l2), method="L-BFGS-B", bounds=[(-LIMIT, LIMIT)] * 2)
    assert r.success, r.message
    return float(r.x[0]), float(r.x[1])


def figures(data, a, b):
    gold = np.array([y for _, y in data])
    pred = np.array([judged(shift(s, a, b)) for s, _ in data])
    f1 = []
    for c in range(3):
        tp = np.sum((pred == c) & (gold == c))
        prec = tp / max(np.sum(pred == c), 1)
        rec = tp / max(np.sum(gold == c), 1)
        f1.append(0 if prec + rec == 0 else 2 * prec * rec / (prec + rec))
    polite, rude = gold != 0, gold == 0
    loss = -np.mean([math.log(max(three_way(shift(s, a, b))[y], 1e-12)) for s, y in data])
    return {
        "macroF1": float(np.mean(f1)),
        "politeNegative": (int(np.sum(pred[polite] == 0)), int(np.sum(polite))),
        "rudeNegative": (int(np.sum(pred[rude] == 0)), int(np.sum(rude))),
        "logLoss": float(loss),
    }


def ranking(data):
    """How often a rude agent line has higher negative:neutral log-odds than a polite one (ROC AUC; ties count half).
    A shift moves every line alike, so it cannot separate lines the scores rank the wrong way round."""
    x = np.array([math.log(max(three_way(s)[0], 1e-12) / max(three_way(s)[1], 1e-12)) for s, _ in data])
    rude = np.array([y == 0 for _, y in data])
    diff = x[rude][:, None] - x[~rude][None, :]
    return float(np.mean((diff > 0) + 0.5 * (diff == 0)))


def share(t):
    return f"{t[0]}/{t[1]} ({100 * t[0] / t[1]:.0f} %)"


def write_fusion(a, b, version):
    with open(FUSION, encoding="utf-8") as f:
        text = f.read()
    block = f'"agentText": {{ "negative": {a}, "positive": {b} }}'
    text = re.sub(r'"version":\s*"[^"]*"', f'"version": "{version}"', text, count=1)
    if '"agentText"' in text:
        text = re.sub(r'"agentText":\s*\{[^}]*\}', block, text, count=1)
    else:
        text = re.sub(r'\n\}\s*$', f',\n  {block}\n}}\n', text.rstrip() + "\n", count=1)
    with open(FUSION, "w", encoding="utf-8") as f:
        f.write(text)


def write_card(section):
    with open(CARD, encoding="utf-8") as f:
        card = f.read()
    body = f"{START}\n{section}\n{END}"
    if START in card:
        card = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: body, card, count=1, flags=re.S)
    else:
        card = card.rstrip("\n") + "\n\n" + body + "\n"
    with open(CARD, "w", encoding="utf-8") as f:
        f.write(card)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", default=LINES)
    ap.add_argument("--model", help="text-sentiment model folder (default: the one the product finds)")
    ap.add_argument("--l2", type=float, default=1.0, help="L2 pull of the two offsets towards 0")
    ap.add_argument("--write", action="store_true", help="write fusion.json and the model card's section")
    ap.add_argument("--version", default="prior-agent-2026-12-06")
    args = ap.parse_args()

    predicted, engine = scores(args.lines, args.model)
    with open(args.lines, encoding="utf-8") as f:
        lines = list(csv.DictReader(f))
    agent = {"train": [], "test": []}
    scenarios = {"train": set(), "test": set()}
    for i, r in enumerate(lines, start=1):
        if r["role"] == "agent" and i in predicted:
            agent[r["split"]].append((predicted[i], CLASSES.index(r["label"]), r["scenario"]))
            scenarios[r["split"]].add(r["scenario"])
    assert not scenarios["train"] & scenarios["test"], "a scenario is in both splits"
    train = [(s, y) for s, y, _ in agent["train"]]
    test = [(s, y) for s, y, _ in agent["test"]]

    a, b = fit(train, args.l2)
    a, b = round(a, 3), round(b, 3)
    # How much the offsets move with the call types fitted on: refit with each training scenario left out.
    loso = [fit([(s, y) for s, y, sc in agent["train"] if sc != left], args.l2) for left in sorted(scenarios["train"])]
    spread = (min(x[0] for x in loso), max(x[0] for x in loso), min(x[1] for x in loso), max(x[1] for x in loso))

    before_train, after_train = figures(train, 0, 0), figures(train, a, b)
    before, after = figures(test, 0, 0), figures(test, a, b)
    print(engine)
    print(f"fitted on {len(train)} agent lines of {len(scenarios['train'])} train scenarios (l2={args.l2}): "
          f"agentText.negative={a} agentText.positive={b}")
    print(f"leave-one-scenario-out: negative {spread[0]:.3f}..{spread[1]:.3f}, positive {spread[2]:.3f}..{spread[3]:.3f}")
    for name, x, y in (("train (fitted on)", before_train, after_train), ("test", before, after)):
        print(f"{name}: macro-F1 {x['macroF1']:.3f} -> {y['macroF1']:.3f}; polite judged NEGATIVE "
              f"{share(x['politeNegative'])} -> {share(y['politeNegative'])}; rude kept NEGATIVE "
              f"{share(x['rudeNegative'])} -> {share(y['rudeNegative'])}; log-loss {x['logLoss']:.3f} -> {y['logLoss']:.3f}")
    print(f"rude-vs-polite ranking by the unshifted scores (AUC): train {ranking(train):.3f}, test {ranking(test):.3f}")
    if not args.write:
        return

    write_fusion(a, b, args.version)
    n_test = len(test)
    section = f"""## Agent-side calibration (`agentText`, {args.version})
The text model reads an agent's service language (apologies, empathy, "I'll process the refund") as complaints.
`agentText` adds log-odds offsets to each **agent** chunk's NEGATIVE:NEUTRAL and POSITIVE:NEUTRAL before the words
are weighed (the agent's text verdict, evidence and quarters); MIXED, read as half of each, moves by the mean of the
two factors. The customer's words are untouched.

- Data: `models/training/conversational/lines.csv` (see its `LABELLING.md`), agent lines only, scored by the shipped
  text model through `callsentiment evaluate-text --predictions`. Fitted on the {len(train)} agent lines of the
  {len(scenarios['train'])} train scenarios; reported on the {len(test)} agent lines of the {len(scenarios['test'])} test scenarios (call
  types never fitted on).
- Rule: maximum likelihood of the three labels under the shifted scores (read as the fusion reads a chunk: negative
  + mixed/2, neutral, positive + mixed/2), with an L2 pull of {args.l2:g}·(a² + b²)/2 towards 0; nothing is chosen on
  the test scenarios. Fitted: **negative {a}, positive {b}**; refitted with each train scenario left out: negative
  {spread[0]:.2f}…{spread[1]:.2f}, positive {spread[2]:.2f}…{spread[3]:.2f}.
- Figures, one chunk per line (its largest score, MIXED as the larger of its positive and negative):

| agent lines | test before | test after | train before | train after |
|---|--:|--:|--:|--:|
| macro-F1 | {before['macroF1']:.3f} | {after['macroF1']:.3f} | {before_train['macroF1']:.3f} | {after_train['macroF1']:.3f} |
| polite (not negative) judged NEGATIVE | {share(before['politeNegative'])} | {share(after['politeNegative'])} | {share(before_train['politeNegative'])} | {share(after_train['politeNegative'])} |
| rude (negative) still judged NEGATIVE | {share(before['rudeNegative'])} | {share(after['rudeNegative'])} | {share(before_train['rudeNegative'])} | {share(after_train['rudeNegative'])} |
| log-loss | {before['logLoss']:.3f} | {after['logLoss']:.3f} | {before_train['logLoss']:.3f} | {after_train['logLoss']:.3f} |

- **What it costs: rude agents.** The shift clears polite agent lines at the price of the rude ones. The text model
  ranks a rude agent line above a polite one (by negative:neutral) only {ranking(train):.2f} (train) / {ranking(test):.2f} (test)
  of the time (ROC AUC; 0.5 is chance): its surest "negatives" among agent lines are apologies ("I'm sorry the
  sofa arrived damaged"), while rude lines such as "you used the data, so you pay for it" read neutral. A shift
  moves every line alike, so no offset clears the polite lines and keeps the rude ones; only agent chunks with
  NEGATIVE:NEUTRAL above about {-a:.1f} in log-odds stay NEGATIVE. Catching rude agents needs a text model that
  separates them (e.g. one trained with these lines); refit the offsets after any text-model change.
- Command (after `dotnet build -c Release`): `python3 models/training/fit_agent_calibration.py --l2 {args.l2:g} --write
  --version {args.version}`."""
    write_card(section)
    print(f"wrote {FUSION} ({args.version}) and {CARD}", file=sys.stderr)


if __name__ == "__main__":
    main()
