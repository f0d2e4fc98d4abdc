#!/usr/bin/env python3
"""Fits one of the text model's speaker readings (`text-agent.onnx` / `text-customer.onnx`, "agent" / "customer" in
text-sentiment.json) on the labelled conversational lines of that role and measures it on the call scenarios kept for
testing.

    callsentiment export-text-branches --input models/training/conversational/lines.csv --out work/lines.branches.f32
    python3 models/training/fit_reading.py --role agent|customer --branches work/lines.branches.f32 [--write]

Why: the text model learnt sentiment from tweets and reviews, where "sorry", "refund" and "I understand" come with
complaints, so an agent's apologies read as NEGATIVE (a third of polite agent lines). A constant shift of the agent's
log-odds (the fusion's `agentText`) clears them only by also clearing every rude agent line: the model ranks rude
lines above polite ones barely better than chance. This reading looks at what the line says: for an agent's line,

    p_agent = softmax( log p + W · embedding + b )

where p are the heads' calibrated probabilities and embedding the frozen sentence encoder's vector of the same text
(the one the heads read), W [512 x 3] and b [3] fitted by maximum likelihood on agent lines with an L2 pull on W
towards 0 (W = 0 leaves only the constant shift b). Customers' lines are not touched by it.

The customer reading is the same form fitted on customer lines: customers on the phone say short factual things
("my card was declined at the shop"), which tweets rarely do without complaining, so the model gives NEUTRAL too
little; misheard fragments ("doctor sitting by the door") read as complaints. For customers "polite" below means
neutral or positive lines, "rude" negative ones.

- Fit: the role's lines of the *train* scenarios only. The pull lambda is chosen from a grid fixed here
  (1, 3, 10, 30, 100, 300) by the log-loss of leave-one-scenario-out predictions on those lines (each scenario is
  scored by a fit on the others), never on the test scenarios.
- Report: the role's lines of the *test* scenarios (call types never fitted on): macro-F1, polite (not negative) lines
  judged NEGATIVE, rude (negative) lines judged NEGATIVE, log-loss; against the heads alone and against the constant
  shift alone (W = 0). A line is judged as the product judges a single chunk: MIXED (both poles >= the card's
  threshold) counts as the larger pole, else the largest probability.

--write stores the graph as models/text-sentiment/text-<role>.onnx (standardisation folded into W and b, float32) and
its record in text-sentiment.json under the role, with the SHA-256 of the heads file it was fitted on (the product
refuses to load it beside other heads: W corrects those heads' probabilities); `OfflineTextSentimentScorer` applies it
to that role's chunks.
"""
import argparse
import csv
import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto
from scipy.optimize import minimize

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import retrain_text_heads as R  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.path.join(ROOT, "models", "text-sentiment")
LINES = os.path.join(ROOT, "models", "training", "conversational", "lines.csv")
GRID = (1, 3, 10, 30, 100, 300)
LABEL = {"negative": 0, "neutral": 1, "positive": 2}


def fit(x, logp, y, lam, shift_only=False):
    """Maximum likelihood of y under softmax(logp + x W + b), minus lam/2 |W|^2 and 1/2 |b|^2 (b: a light pull, as
    the fusion's agentText fit)."""
    d = x.shape[1]

    def unpack(w):
        return w[:3], (np.zeros((d, 3)) if shift_only else w[3:].reshape(d, 3))

    def f(w):
        b, W = unpack(w)
        z = logp + x @ W + b
        z = z - z.max(1, keepdims=True)
        lp = z - np.log(np.exp(z).sum(1, keepdims=True))
        g = np.exp(lp)
        g[np.arange(len(y)), y] -= 1
        loss = -lp[np.arange(len(y)), y].sum() + lam / 2 * (W ** 2).sum() + 0.5 * (b ** 2).sum()
        grad_b = g.sum(0) + b
        if shift_only:
            return loss, grad_b
        return loss, np.concatenate([grad_b, (x.T @ g + lam * W).ravel()])

    w0 = np.zeros(3 if shift_only else 3 + 3 * d)
    r = minimize(f, w0, jac=True, method="L-BFGS-B", options={"maxiter": 1000})
    return unpack(r.x)


def predict(b, W, x, logp):
    z = logp + x @ W + b
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def judged(q, mixed):
    out = []
    for n, u, p in q:
        if n >= mixed and p >= mixed:
            out.append(0 if n >= p else 2)
        else:
            out.append(int(np.argmax([n, u, p])))
    return np.array(out)


def figures(q, y, mixed):
    j = judged(q, mixed)
    f1 = []
    for c in range(3):
        tp = ((j == c) & (y == c)).sum()
        prec, rec = tp / max(1, (j == c).sum()), tp / max(1, (y == c).sum())
        f1.append(0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec))
    polite = y != 0
    return {"n": int(len(y)), "macroF1": round(float(np.mean(f1)), 3),
            "politeJudgedNegative": int((j[polite] == 0).sum()), "polite": int(polite.sum()),
            "rudeJudgedNegative": int((j[~polite] == 0).sum()), "rude": int((~polite).sum()),
            "logLoss": round(float(-np.log(q[np.arange(len(y)), y] + 1e-12).mean()), 3)}


def line(tag, f):
    return (f"{tag:<34} macro-F1 {f['macroF1']:.3f}  polite judged NEGATIVE {f['politeJudgedNegative']}/{f['polite']} "
            f"({f['politeJudgedNegative'] / f['polite']:.1%})  rude judged NEGATIVE {f['rudeJudgedNegative']}/{f['rude']}  "
            f"log-loss {f['logLoss']:.3f}")


def write_graph(path, role, W, b, mu, sd):
    """probabilities [3], embedding [512] -> <role>_probabilities [3] = softmax(log p + ((e - mu) / sd) W + b), with the
    standardisation folded into the weights."""
    Wf = (W / sd[:, None]).astype(np.float32)
    bf = (b - (mu / sd) @ W).astype(np.float32)
    nodes = [
        helper.make_node("Clip", ["probabilities", "floor"], ["p_floored"], name="floor"),
        helper.make_node("Log", ["p_floored"], ["log_p"], name="log"),
        helper.make_node("MatMul", ["embedding", f"{role}.weight"], ["shift_e"], name="embedding_shift"),
        helper.make_node("Add", ["log_p", "shift_e"], ["z0"], name="add_shift"),
        helper.make_node("Add", ["z0", f"{role}.bias"], ["z"], name="add_bias"),
        helper.make_node("Softmax", ["z"], [f"{role}_probabilities"], name="softmax", axis=-1),
    ]
    inits = [numpy_helper.from_array(np.array(1e-12, dtype=np.float32), "floor"),
             numpy_helper.from_array(Wf, f"{role}.weight"), numpy_helper.from_array(bf, f"{role}.bias")]
    graph = helper.make_graph(nodes, f"text_{role}_reading",
                              [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [3]),
                               helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [512])],
                              [helper.make_tensor_value_info(f"{role}_probabilities", TensorProto.FLOAT, [3])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="fit_reading.py")
    model.ir_version = 7
    onnx.checker.check_model(model)
    data = model.SerializeToString(deterministic=True)
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--role", choices=("agent", "customer"), default="agent")
    ap.add_argument("--lines", default=LINES, help="labelled lines (text,label,role,scenario,split); default lines.csv, "
                    "or recognised_lines.py's recognised.csv (its rows with an empty text left out)")
    ap.add_argument("--branches", required=True, help="export-text-branches output for the --lines rows")
    ap.add_argument("--model", default=MODEL)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    rows = list(csv.DictReader(open(args.lines, newline="", encoding="utf-8")))
    sparse, cnn, emb = R.read_branches(args.branches, len(rows))
    card_path = os.path.join(args.model, "text-sentiment.json")
    card = json.load(open(card_path))
    mixed = card["mixed"]["threshold"]
    heads, inv_t, mix = R.heads_of(os.path.join(args.model, card["heads"]["model"]))
    p = mix["sparse"] * sparse + mix["cnn"] * cnn + mix["encoder"] * R.head_proba(heads, emb, inv_t)
    logp = np.log(np.maximum(p, 1e-12))
    y = np.array([LABEL[r["label"]] for r in rows])
    of_role = np.array([r["role"] == args.role for r in rows])
    split = np.array([r["split"] for r in rows])
    scenario = np.array([r["scenario"] for r in rows])
    fit_rows = np.where(of_role & (split == "train"))[0]
    test_rows = np.where(of_role & (split == "test"))[0]
    mu, sd = emb[fit_rows].mean(0).astype(np.float64), emb[fit_rows].std(0).astype(np.float64) + 1e-6
    x = (emb.astype(np.float64) - mu) / sd
    print(f"{args.role} lines: {len(fit_rows)} to fit ({len(set(scenario[fit_rows]))} scenarios), {len(test_rows)} to report "
          f"({len(set(scenario[test_rows]))} scenarios never fitted on)")

    chosen, best = None, None
    for lam in GRID:
        q = np.zeros((len(fit_rows), 3))
        for s in sorted(set(scenario[fit_rows])):
            tr, te = fit_rows[scenario[fit_rows] != s], fit_rows[scenario[fit_rows] == s]
            b, W = fit(x[tr], logp[tr], y[tr], lam)
            q[np.searchsorted(fit_rows, te)] = predict(b, W, x[te], logp[te])
        f = figures(q, y[fit_rows], mixed)
        print(line(f"leave-one-scenario-out, lambda {lam}", f))
        if best is None or f["logLoss"] < best:
            chosen, best = lam, f["logLoss"]
    print(f"chosen lambda {chosen} (lowest leave-one-scenario-out log-loss)")

    b, W = fit(x[fit_rows], logp[fit_rows], y[fit_rows], chosen)
    b0, W0 = fit(x[fit_rows], logp[fit_rows], y[fit_rows], 0, shift_only=True)
    report = {"heads alone": figures(p[test_rows], y[test_rows], mixed),
              "constant shift only (W = 0)": figures(predict(b0, W0, x[test_rows], logp[test_rows]), y[test_rows], mixed),
              f"{args.role} reading": figures(predict(b, W, x[test_rows], logp[test_rows]), y[test_rows], mixed)}
    for tag, f in report.items():
        print(line(f"test: {tag}", f))
    fitted = figures(predict(b, W, x[fit_rows], logp[fit_rows]), y[fit_rows], mixed)
    print(line("fitted lines (in-sample)", fitted))

    if args.write:
        out = os.path.join(args.model, f"text-{args.role}.onnx")
        sha = write_graph(out, args.role, W, b, mu, sd)
        heads_sha = hashlib.sha256(open(os.path.join(args.model, card["heads"]["model"]), "rb").read()).hexdigest()
        card[args.role] = {"model": f"text-{args.role}.onnx", "probabilitiesInput": "probabilities",
                           "embeddingInput": "embedding", "output": f"{args.role}_probabilities", "headsSha256": heads_sha,
                           "training": {"data": f"{os.path.relpath(args.lines, ROOT)}, {args.role} lines of the train scenarios",
                                        "lambda": chosen, "lambdaGrid": list(GRID), "fittedLines": int(len(fit_rows)),
                                        "test": report[f"{args.role} reading"], "testHeadsAlone": report["heads alone"],
                                        "testConstantShift": report["constant shift only (W = 0)"],
                                        "command": f"python3 models/training/fit_reading.py --role {args.role}"
                                                   + ("" if args.lines == LINES else " --lines L") + " --branches B --write"}}
        with open(card_path, "w") as f:
            json.dump(card, f, indent=2)
            f.write("\n")
        print(f"wrote {out} ({os.path.getsize(out)} bytes, sha256 {sha}) and the card's \"{args.role}\" record")


if __name__ == "__main__":
    main()
