#!/usr/bin/env python3
"""k-fold cross-validation over the airline training + validation tweets, for choosing the text-sentiment
configuration without the noise of the small airline validation part (1,153 tweets).

  nice -n 19 python3 models/training/cv_text.py --features /tmp/textsets/feat --config '{...}' --folds 5 --log cv.jsonl

Airline rows of train.csv and val.csv are pooled (9,234 tweets; the test split is not in either file) and put in
fold fnv1a("cv:" + text) % k. For fold f a model is trained on all non-airline training rows plus the airline rows of
the other folds, and after every epoch it is scored on the airline rows of fold f and on the non-airline validation
rows (the same ones train_text.py uses). Per epoch, the airline figure is the macro-F1 of the pooled out-of-fold
predictions (all 9,234 tweets); the other sources are the mean over folds. Test files are never read.
In --config, "seed" sets the seed and "features" another export folder (e.g. other --hash-bits); the rest overrides
train_text.DEFAULT.
"""
import argparse
import csv
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_text as tt  # noqa: E402
from text_datasets import fnv1a  # noqa: E402


def concat(a, b):
    return tt.Csr(np.concatenate([a.indptr[:-1], b.indptr + a.indptr[-1]]), np.concatenate([a.indices, b.indices]),
                  np.concatenate([a.values, b.values]), a.dim)


def texts(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [r["text"] for r in csv.DictReader(f)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", required=True)
    ap.add_argument("--csv")
    ap.add_argument("--config", default="{}")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--only", type=int, nargs="*", help="run only these folds (default all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default="")
    ap.add_argument("--log", required=True, help="JSON lines file the per-epoch results are appended to")
    ap.add_argument("--save-oof", help="folder to save out-of-fold logits (npz per fold)")
    a = ap.parse_args()
    log = lambda m: print(m, file=sys.stderr, flush=True)
    override = json.loads(a.config)
    a.features = override.pop("features", a.features)
    a.seed = override.pop("seed", a.seed)  # a config may name another export (e.g. other hash bits)
    csv_dir = a.csv or os.path.dirname(os.path.abspath(a.features))
    x, y = tt.read_bin(os.path.join(a.features, "train.bin"))
    xv, yv = tt.read_bin(os.path.join(a.features, "val.bin"))
    src = tt.read_sources(os.path.join(csv_dir, "train.csv"))
    srcv = tt.read_sources(os.path.join(csv_dir, "val.csv"))
    txt = texts(os.path.join(csv_dir, "train.csv")) + texts(os.path.join(csv_dir, "val.csv"))
    xa, ya, sa = concat(x, xv), np.concatenate([y, yv]), np.concatenate([src, srcv])
    n_train = x.rows
    is_val = np.arange(xa.rows) >= n_train
    air = sa == "airline"
    fold = np.array([fnv1a("cv:" + t) % a.folds for t in txt])
    hp = {**tt.DEFAULT, **override, "sources": {**tt.DEFAULT["sources"], **override.get("sources", {})}}
    log(f"config {json.dumps(hp)} features {a.features}")
    other_val = np.where(is_val & ~air)[0]
    xo, yo, so = xa.take(other_val), ya[other_val], sa[other_val]
    folds = a.only if a.only else range(a.folds)
    per_epoch = {}  # epoch -> {"air_pred": {row: pred}, "other": [scores per fold]}
    for f in folds:
        t0 = time.time()
        tr = np.where((~is_val & ~air) | (air & (fold != f)))[0]
        te = np.where(air & (fold == f))[0]
        xt, yt_, st = xa.take(tr), ya[tr], sa[tr]
        xf, yf = xa.take(te), ya[te]
        w = tt.weights(yt_, st, hp["sources"], hp["balance"])
        state = {"epoch": 0}

        def select(model, f=f, te=te, xf=xf, yf=yf):
            state["epoch"] += 1
            e = state["epoch"]
            zf = tt.logits(xf, model)
            zo = tt.logits(xo, model)
            _, sc = tt.evaluate(np.concatenate([zf, zo]), np.concatenate([yf, yo]),
                                np.concatenate([np.array(["airline"] * len(yf)), so]))
            d = per_epoch.setdefault(e, {"rows": [], "y": [], "p": [], "other": []})
            d["rows"].append(te)
            d["y"].append(yf)
            d["p"].append(zf.argmax(1))
            d["other"].append(sc)
            if a.save_oof:
                os.makedirs(a.save_oof, exist_ok=True)
                np.savez(os.path.join(a.save_oof, f"fold{f}_e{e}.npz"), rows=te, zf=zf, zo=zo)
            log(f"  fold {f} epoch {e}: airline(fold)={sc['airline']:.4f} dd={sc['dailydialog']:.4f} "
                f"te={sc['tweeteval']:.4f} fin={sc['financial']:.4f}")
            return 0.0

        tt.train(xt, yt_, w, hp, select=select, seed=a.seed)
        log(f"fold {f} done in {time.time() - t0:.0f}s")
    results = []
    for e, d in sorted(per_epoch.items()):
        yy, pp = np.concatenate(d["y"]), np.concatenate(d["p"])
        air_f1 = tt.macro_f1(yy, pp)
        other = {k: float(np.mean([s[k] for s in d["other"]])) for k in ("dailydialog", "tweeteval", "financial")}
        obj = (2 * air_f1 + other["dailydialog"] + other["tweeteval"] + other["financial"]) / 5
        r = {"name": a.name, "config": override, "features": a.features, "seed": a.seed, "folds": list(folds), "epoch": e,
             "airline_oof": round(air_f1, 4), "airline_n": int(len(yy)),
             "airline_fold_f1": [round(tt.macro_f1(y_, p_), 4) for y_, p_ in zip(d["y"], d["p"])],
             **{k: round(v, 4) for k, v in other.items()}, "objective": round(obj, 4)}
        results.append(r)
        log(json.dumps(r))
    with open(a.log, "a", encoding="utf-8") as fo:
        for r in results:
            fo.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
