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

With --glove (and --save-oof) each fold also trains one CNN of the token branch (text_tokens.py, train_text.CNN_DEFAULT,
vocabulary from the fold's training rows only) and saves its logits per epoch; --mix DIR then pools the saved folds
and prints the out-of-fold airline macro-F1 of the sparse model, the CNN and their mixture (the exported model's
weight and epochs), so folds run in separate processes (--only) can be combined.

With --encoder (the USE Lite npm package; NAME.pieces.txt beside the features) each fold also trains one head of the
sentence-encoder branch (text_encoder.py; the kind of --encoder-head, a fixed number of epochs) on the frozen sentence
embeddings and saves its logits (fold{f}_enc.npz); --encoder-only skips the sparse model and the CNN (their folds
already saved). --mix then also reports the encoder and the three-branch mixtures of train_text.mixture_grid.
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
import text_encoder  # noqa: E402
import text_tokens  # noqa: E402
import train_text as tt  # noqa: E402
from text_datasets import fnv1a  # noqa: E402


def concat(a, b):
    return tt.Csr(np.concatenate([a.indptr[:-1], b.indptr + a.indptr[-1]]), np.concatenate([a.indices, b.indices]),
                  np.concatenate([a.values, b.values]), a.dim)


def texts(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [r["text"] for r in csv.DictReader(f)]


_fold_cache = {}  # loaded once, shared by the folds: training terms, GloVe, sentence embeddings


def train_fold_cnn(a, f, tr, te, other_val, ya, w, log):
    """One CNN on the fold's training rows; its logits on the fold's airline rows and the other validation rows are
    saved after every epoch (fold{f}_cnn_e{e}.npz)."""
    assert a.save_oof, "--glove needs --save-oof"
    if not _fold_cache:
        _fold_cache["all"] = (text_tokens.read_terms(os.path.join(a.features, "train.terms.txt"))
                         + text_tokens.read_terms(os.path.join(a.features, "val.terms.txt")))
        _fold_cache["glove"] = text_tokens.load_glove(a.glove, log)
    terms = _fold_cache["all"]
    hp = dict(tt.CNN_DEFAULT)
    vocab = text_tokens.build_vocabulary([terms[r] for r in tr], hp["min_count"])
    table = text_tokens.initial_embeddings(vocab, _fold_cache["glove"], a.seed, log)
    ids = text_tokens.to_ids([terms[r] for r in tr], vocab, hp["max_len"])
    idf = text_tokens.to_ids([terms[r] for r in te], vocab, 1 << 30)
    ido = text_tokens.to_ids([terms[r] for r in other_val], vocab, 1 << 30)
    state = {"epoch": 0}

    def select(model):
        state["epoch"] += 1
        np.savez(os.path.join(a.save_oof, f"fold{f}_cnn_e{state['epoch']}.npz"), rows=te,
                 zf=text_tokens.cnn_logits(model, idf), zo=text_tokens.cnn_logits(model, ido))
        return 0.0

    text_tokens.train_cnn(table, ids, ya[tr], w, hp, a.seed, select=select, log=log)


def train_fold_encoder(a, f, tr, te, ya, w, log):
    """One encoder head on the fold's training rows; its logits on the fold's airline rows (fold{f}_enc.npz)."""
    assert a.save_oof, "--encoder needs --save-oof"
    if "emb" not in _fold_cache:
        enc = text_encoder.load_encoder(a.encoder, log)
        _, e = text_encoder.cached_embeddings(enc, os.path.join(a.features, "train.pieces.txt"), a.features, log)
        _, ev = text_encoder.cached_embeddings(enc, os.path.join(a.features, "val.pieces.txt"), a.features, log)
        _fold_cache["emb"] = np.concatenate([e, ev])
    emb = _fold_cache["emb"]
    hp = {**tt.ENCODER_HEADS[1 if a.encoder_head else 0], "epochs": a.encoder_epochs}
    head, _ = text_encoder.train_head(emb[tr], ya[tr], w, hp, a.seed, select=None, log=None)
    os.makedirs(a.save_oof, exist_ok=True)
    np.savez(os.path.join(a.save_oof, f"fold{f}_enc.npz"), rows=te, zf=text_encoder.head_logits(head, emb[te]))


def summarise_mix(a):
    """Pools fold*_e{E}.npz (sparse) and fold*_cnn_e{E}.npz (CNN) from --mix: out-of-fold airline macro-F1 of each and
    of (1 - w) softmax(sparse) + w softmax(CNN)."""
    csv_dir = a.csv or os.path.dirname(os.path.abspath(a.features))
    _, y = tt.read_bin(os.path.join(a.features, "train.bin"))
    _, yv = tt.read_bin(os.path.join(a.features, "val.bin"))
    ya = np.concatenate([y, yv])
    es, ec = (int(v) for v in a.mix_epochs.split(","))
    folds = sorted(int(n[4:n.index("_")]) for n in os.listdir(a.mix) if n.endswith(f"_cnn_e{ec}.npz"))
    rows, zs, zc = [], [], []
    for f in folds:
        s_, c_ = np.load(os.path.join(a.mix, f"fold{f}_e{es}.npz")), np.load(os.path.join(a.mix, f"fold{f}_cnn_e{ec}.npz"))
        assert (s_["rows"] == c_["rows"]).all()
        rows.append(s_["rows"]), zs.append(s_["zf"]), zc.append(c_["zf"])
    rows, zs, zc = np.concatenate(rows), np.concatenate(zs), np.concatenate(zc)
    yy = ya[rows]
    w = a.mix_weight
    mixed = (1 - w) * tt.softmax(zs) + w * tt.softmax(zc)
    r = {"folds": folds, "airline_n": int(len(yy)), "sparse_epoch": es, "cnn_epoch": ec, "weight": w,
         "sparse": round(tt.macro_f1(yy, zs.argmax(1)), 4), "cnn": round(tt.macro_f1(yy, zc.argmax(1)), 4),
         "mixture": round(tt.macro_f1(yy, mixed.argmax(1)), 4)}
    if all(os.path.exists(os.path.join(a.mix, f"fold{f}_enc.npz")) for f in folds):
        enc = [np.load(os.path.join(a.mix, f"fold{f}_enc.npz")) for f in folds]
        assert (np.concatenate([e["rows"] for e in enc]) == rows).all()
        ze = np.concatenate([e["zf"] for e in enc])
        parts = {"sparse": [zs], "cnn": [zc], "encoder": [ze]}
        r["encoder"] = round(tt.macro_f1(yy, ze.argmax(1)), 4)
        r["mixtures"] = [{**{k: round(v, 3) for k, v in m.items()},
                          "airline": round(tt.macro_f1(yy, tt.mixed(m, parts).argmax(1)), 4)} for m in tt.mixture_grid(parts)]
    print(json.dumps(r))


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
    ap.add_argument("--glove", help="also train a token-branch CNN per fold (needs --save-oof and NAME.terms.txt)")
    ap.add_argument("--encoder", help="also train a sentence-encoder head per fold (the USE Lite package folder; needs "
                                       "--save-oof and NAME.pieces.txt)")
    ap.add_argument("--encoder-head", type=int, default=1, help="1: the ReLU-layer head, 0: the linear head")
    ap.add_argument("--encoder-epochs", type=int, default=10)
    ap.add_argument("--encoder-only", action="store_true", help="with --encoder: skip the sparse model and the CNN")
    ap.add_argument("--mix", help="summarise the saved folds in this folder (sparse, CNN, mixture) and exit")
    ap.add_argument("--mix-weight", type=float, default=0.25)
    ap.add_argument("--mix-epochs", default="2,3", help="sparse epoch,CNN epoch of the mixture")
    a = ap.parse_args()
    if a.mix:
        return summarise_mix(a)
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

        if not a.encoder_only:
            tt.train(xt, yt_, w, hp, select=select, seed=a.seed)
        if a.encoder:
            train_fold_encoder(a, f, tr, te, ya, w, log)
        if a.glove and not a.encoder_only:
            train_fold_cnn(a, f, tr, te, other_val, ya, w, log)
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
