#!/usr/bin/env python3
"""Trains the offline text-sentiment model (a sparse linear softmax model over the product's hashed features).

Pipeline (commands in models/text-sentiment/MODEL_CARD.md):
  python3 models/training/text_datasets.py prepare --out /tmp/textsets
  callsentiment export-text-features --input /tmp/textsets/train.csv,/tmp/textsets/val.csv --out /tmp/textsets/feat
  nice python3 models/training/train_text.py --features /tmp/textsets/feat --out models/text-sentiment

Hyper-parameters (L2 strength, per-source weights) are chosen on the validation split only (val.bin: airline 10 %,
tweeteval-val 15 %, dailydialog-train 10 % of dialogues, sst2/uci 10 %); the softmax temperature and the MIXED
threshold are fitted on the same validation split. Test sets are never read here.
"""
import argparse
import hashlib
import json
import os
import shutil
import struct
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
LABELS = ["NEGATIVE", "NEUTRAL", "POSITIVE"]


class Csr:
    """Rows of sparse features (numpy only: scipy is not among the packages the project may rely on)."""

    def __init__(self, indptr, indices, values, dim):
        self.indptr, self.indices, self.values, self.dim = indptr, indices, values, dim

    @property
    def rows(self):
        return len(self.indptr) - 1

    def take(self, rows):
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        ptr = np.zeros(len(rows) + 1, np.int64)
        np.cumsum(lengths, out=ptr[1:])
        sel = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends)]) if len(rows) else np.zeros(0, np.int64)
        return Csr(ptr, self.indices[sel], self.values[sel], self.dim)

    def bag(self):
        """(indices, offsets, values) as torch tensors for embedding_bag."""
        return (torch.from_numpy(self.indices.astype(np.int64)), torch.from_numpy(self.indptr[:-1].copy()),
                torch.from_numpy(self.values.astype(np.float32)))


def read_bin(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, (version, dim, count) = data[:4], struct.unpack_from("<iii", data, 4)
    assert magic == b"CSTF" and version == 1, f"{path}: not a CSTF v1 file"
    pos = 16
    labels = np.empty(count, np.int64)
    indptr = np.zeros(count + 1, np.int64)
    idx_parts, val_parts = [], []
    for i in range(count):
        label, n = struct.unpack_from("<ii", data, pos)
        pos += 8
        idx_parts.append(np.frombuffer(data, "<i4", n, pos))
        pos += 4 * n
        val_parts.append(np.frombuffer(data, "<f4", n, pos))
        pos += 4 * n
        labels[i] = label
        indptr[i + 1] = indptr[i] + n
    return Csr(indptr, np.concatenate(idx_parts), np.concatenate(val_parts), dim), labels


def read_sources(csv_path):
    import csv
    with open(csv_path, newline="", encoding="utf-8") as f:
        return np.array([r["source"] for r in csv.DictReader(f)])


def macro_f1(y, p):
    f1s = []
    for c in range(3):
        tp = np.sum((y == c) & (p == c))
        prec = tp / max(1, np.sum(p == c))
        rec = tp / max(1, np.sum(y == c))
        f1s.append(0 if prec + rec == 0 else 2 * prec * rec / (prec + rec))
    return float(np.mean(f1s))


def forward(x, W, b):
    i, o, v = x.bag()
    return torch.nn.functional.embedding_bag(i, W, o, mode="sum", per_sample_weights=v) + b


def train(x, y, w, l2, epochs=10, lr=0.5, batch=512, seed=0, log=None):
    """Mini-batch Adagrad on the weighted softmax loss plus l2 * |W|^2 — the same Gather-multiply-sum the ONNX graph
    computes (embedding_bag with per-sample weights)."""
    g = torch.Generator().manual_seed(seed)
    n = x.rows
    W = torch.zeros(x.dim, 3, requires_grad=True)
    b = torch.zeros(3, requires_grad=True)
    opt = torch.optim.Adagrad([W, b], lr=lr)
    yt = torch.from_numpy(y)
    wt = torch.from_numpy(w.astype(np.float32))
    for epoch in range(epochs):
        order = torch.randperm(n, generator=g).numpy()
        total = 0.0
        for s in range(0, n, batch):
            rows = order[s:s + batch]
            logits_b = forward(x.take(rows), W, b)
            loss = (torch.nn.functional.cross_entropy(logits_b, yt[rows], reduction="none") * wt[rows]).mean()
            loss = loss + l2 * (W ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(rows)
        if log:
            log(f"  epoch {epoch + 1}: loss {total / n:.4f}")
    return W.detach(), b.detach()


def logits(x, W, b):
    with torch.no_grad():
        return forward(x, W, b).numpy()


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def weights(y, src, source_weight, balance):
    w = np.zeros(len(y), np.float64)
    for s, sw in source_weight.items():
        m = src == s
        if not m.any():
            continue
        counts = np.bincount(y[m], minlength=3).astype(np.float64)
        present = counts > 0
        for c in range(3):
            if counts[c] == 0:
                continue
            # each source gets its weight as a total; within it, classes are pulled towards equal mass by `balance`
            share = (counts[c] / counts[present].sum()) ** (1 - balance)
            w[m & (y == c)] = sw * share / counts[c]
    return w / w.mean()


def evaluate(xv, yv, srcv, W, b, log):
    p = logits(xv, W, b).argmax(1)
    scores = {}
    for s in sorted(set(srcv)):
        m = srcv == s
        scores[s] = macro_f1(yv[m], p[m]) if s in ("airline", "tweeteval", "dailydialog") else float(np.mean(yv[m] == p[m]))
    objective = (2 * scores["airline"] + scores["dailydialog"] + scores["tweeteval"]) / 4
    log("  val: " + " ".join(f"{k}={v:.4f}" for k, v in scores.items()) + f" objective={objective:.4f}")
    return objective, scores


def fit_temperature(z, y):
    best = (1e9, 1.0)
    for t in np.exp(np.linspace(np.log(0.3), np.log(5), 200)):
        p = softmax(z / t)
        nll = -np.mean(np.log(p[np.arange(len(y)), y] + 1e-12))
        best = min(best, (nll, float(t)))
    return best[1], best[0]


def fit_mixed_threshold(xv, yv, W, b, t, log, seed=1):
    """Synthetic mixed texts: a positive and a negative validation example concatenated (their feature vectors
    summed and re-normalised approximately by 1/sqrt(2)) against single-polarity and neutral examples. The threshold
    maximising F1 of 'both >= threshold' for detecting the pairs is kept (searched in (0.25, 0.5])."""
    rng = np.random.default_rng(seed)
    pos = np.where(yv == 2)[0]
    neg = np.where(yv == 0)[0]
    k = min(len(pos), len(neg), 1500)
    a_, b_ = xv.take(rng.choice(pos, k, replace=False)), xv.take(rng.choice(neg, k, replace=False))
    # a pair is the bag of both texts' features (duplicated slots simply add up), scaled by 1/sqrt(2)
    ptr = a_.indptr + b_.indptr
    idx, val = [], []
    for r in range(k):
        idx += [a_.indices[a_.indptr[r]:a_.indptr[r + 1]], b_.indices[b_.indptr[r]:b_.indptr[r + 1]]]
        val += [a_.values[a_.indptr[r]:a_.indptr[r + 1]], b_.values[b_.indptr[r]:b_.indptr[r + 1]]]
    pairs = Csr(ptr, np.concatenate(idx), np.concatenate(val) / np.sqrt(2), xv.dim)
    singles = xv.take(rng.choice(len(yv), 3 * k, replace=False))
    pm = softmax(logits(pairs, W, b) / t)
    ps = softmax(logits(singles, W, b) / t)
    best = (-1, 0.3)
    for th in np.arange(0.26, 0.501, 0.01):
        tp = np.sum((pm[:, 0] >= th) & (pm[:, 2] >= th))
        fp = np.sum((ps[:, 0] >= th) & (ps[:, 2] >= th))
        prec = tp / max(1, tp + fp)
        rec = tp / k
        f1 = 0 if tp == 0 else 2 * prec * rec / (prec + rec)
        best = max(best, (f1, round(float(th), 2)))
    log(f"  mixed threshold {best[1]:.2f} (F1 {best[0]:.3f} on {k} synthetic pairs vs {3 * k} single texts)")
    return best[1], best[0]


class Exported(torch.nn.Module):
    def __init__(self, W, b, t):
        super().__init__()
        self.weights = torch.nn.Parameter(W / t)
        self.bias = torch.nn.Parameter((b / t).reshape(1, 3))

    def forward(self, indices, values):
        rows = self.weights[indices] * values.unsqueeze(1)
        return torch.softmax(rows.sum(0, keepdim=True) + self.bias, dim=1)


def export_onnx(W, b, t, path):
    m = Exported(W, b, t)
    dummy = (torch.tensor([0, 5, 7], dtype=torch.int64), torch.tensor([0.5, 0.5, 1.0]))
    torch.onnx.export(m, dummy, path, input_names=["indices", "values"], output_names=["probabilities"],
                      dynamic_axes={"indices": {0: "n"}, "values": {0: "n"}}, opset_version=13)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", required=True, help="folder written by callsentiment export-text-features")
    ap.add_argument("--csv", help="folder with train.csv/val.csv (sources); default: the parent of --features")
    ap.add_argument("--out", required=True)
    ap.add_argument("--search", action="store_true", help="grid-search hyper-parameters on validation")
    ap.add_argument("--l2", type=float, default=1e-6)
    ap.add_argument("--epochs", type=int, default=10)
    a = ap.parse_args()
    os.nice(10)
    log = lambda m: print(m, file=sys.stderr, flush=True)
    csv_dir = a.csv or os.path.dirname(os.path.abspath(a.features))
    t0 = time.time()
    x, y = read_bin(os.path.join(a.features, "train.bin"))
    xv, yv = read_bin(os.path.join(a.features, "val.bin"))
    src = read_sources(os.path.join(csv_dir, "train.csv"))
    srcv = read_sources(os.path.join(csv_dir, "val.csv"))
    assert len(src) == x.rows and len(srcv) == xv.rows, "features and CSVs do not line up"
    log(f"loaded {x.rows} train / {xv.rows} val examples, dim {x.dim} in {time.time() - t0:.0f}s")

    base = {"airline": 3.0, "tweeteval": 1.0, "dailydialog": 2.0, "sst2": 1.0, "uci": 0.3}
    grid = [(a.l2, base, 0.5)]
    if a.search:
        grid = []
        for l2 in (1e-6, 3e-6, 1e-5):
            for dd in (1.0, 2.5):
                for sst in (1.0,):
                    grid.append((l2, {**base, "dailydialog": dd, "sst2": sst}, 0.5))
    best = None
    for l2, sw, bal in grid:
        log(f"l2={l2} sources={sw} balance={bal}")
        W, b = train(x, y, weights(y, src, sw, bal), l2, epochs=a.epochs, log=log)
        obj, scores = evaluate(xv, yv, srcv, W, b, log)
        if best is None or obj > best[0]:
            best = (obj, l2, sw, bal, W, b, scores)
    obj, l2, sw, bal, W, b, scores = best
    log(f"chosen: l2={l2} sources={sw} balance={bal} objective={obj:.4f}")

    t, nll = fit_temperature(logits(xv, W, b), yv)
    log(f"temperature {t:.3f} (validation NLL {nll:.4f})")
    th, th_f1 = fit_mixed_threshold(xv, yv, W, b, t, log)

    with open(os.path.join(a.features, "features.json"), encoding="utf-8") as f:
        features = json.load(f)
    os.makedirs(a.out, exist_ok=True)
    lex = os.path.join(a.out, features["lexicon"])
    source_lexicon = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "text-sentiment", features["lexicon"])
    if not os.path.exists(lex):
        shutil.copyfile(source_lexicon, lex)
    with open(lex, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == features["lexiconSha256"], f"{lex} differs from the exported features' lexicon"
    os.makedirs(a.out, exist_ok=True)
    export_onnx(W, b, t, os.path.join(a.out, "text-sentiment.onnx"))
    card = {
        "labels": LABELS,
        "features": features,
        "temperature": round(t, 4),
        "mixed": {"threshold": th},
        "indicesInput": "indices",
        "valuesInput": "values",
        "output": "probabilities",
        "training": {
            "model": "sparse linear softmax (weights/temperature baked into the ONNX graph)",
            "l2": l2, "sourceWeights": sw, "classBalance": bal, "epochs": a.epochs, "optimizer": "Adagrad lr 0.5, batch 512",
            "trainExamples": int(x.rows), "validationExamples": int(xv.rows),
            "validation": {k: round(v, 4) for k, v in scores.items()},
            "validationNote": "macro-F1 for airline/tweeteval/dailydialog, accuracy for the binary sources",
            "mixedThresholdF1": round(th_f1, 4),
        },
    }
    with open(os.path.join(a.out, "text-sentiment.json"), "w", encoding="utf-8") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    log(f"wrote {a.out} in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
