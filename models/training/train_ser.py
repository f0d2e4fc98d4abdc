"""Trains the speech-emotion CNN on features exported by the product's own C# feature code, and measures how it
generalises to speakers and corpora it was not trained on.

    python3 models/training/ser_manifests.py --datasets ../shared/datasets/ser --out models/training/work/manifests
    callsentiment export-features --manifest work/manifests/ravdess-pool.csv,... --out work/feat-base --variants 8
    python3 models/training/train_ser.py --features work/feat-base --out DIR --cv 5 --loco [--final]

Variant 0 of every clip is clean, variant 1 the evaluation telephone channel (300-3400 Hz, 8 kHz, mu-law), other
variants corruptions (see Augmenter.cs and augment_codecs.py); `--features DIR@OFFSET` adds OFFSET to the variant
numbers of a further export of the same clips, `--train-variants` picks which variants training draws from. Tests
score variants 0 and 1 only. Both evaluations are speaker-independent:
- `--cv K`: speaker-grouped K-fold cross-validation (folds dealt per corpus, so each fold has speakers of every corpus);
- `--loco`: leave-one-corpus-out, train on the other corpora, test on the held-out one's labels.
`--save-folds` writes each CV fold's model (OUT/fold-K, loadable by the product) so calls of a fold's test speakers
can be analysed by a model that never heard them (out-of-fold voice evidence for a fusion refit).
The selection rule is in SER_SELECTION.md. Labels are LABELS below (calm is folded into neutral). `--mask-labels`
trains a corpus's clips only on the labels that corpus has (softmax masked to them); it is off by default because it
made the model over-predict the labels TurEV lacks (disgust, surprise) on every corpus.
"""
import argparse, csv, json, math, os, random, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LABELS = ["neutral", "happy", "sad", "angry", "fear", "disgust", "surprise"]
LABEL_MAP = {"calm": "neutral"}  # same as ser_manifests.py, so raw manifests work too
NEGATIVE = {"sad", "angry", "fear", "disgust"}
POSITIVE = {"happy", "surprise"}
WINDOW = 300  # frames (3 s at 10 ms hop); must match SpeechEmotionModel.WindowFrames in model.json
PITCH_DIMS = 2  # FeatureConfig.Pitch: ln F0 and cepstral peak prominence after the spectral values (PitchFeatures.cs)


def clip_key(corpus, path):
    """The clip's identity across exports: its path below the corpus folder, without the extension (augmented copies
    mirror that layout)."""
    marker = f"/{corpus}/"
    return corpus, os.path.splitext(path[path.rindex(marker) + len(marker):] if marker in path else path)[0]


def load(specs):
    cfg, parts, clips, base = None, [], {}, 0
    for spec in specs:
        folder, _, offset = spec.partition("@")
        offset = int(offset or 0)
        c = json.load(open(os.path.join(folder, "feature-config.json")))
        cfg = cfg or c
        dim = spectral_dim(c) + (PITCH_DIMS if c.get("pitch") else 0)
        data = np.fromfile(os.path.join(folder, "features.f32"), dtype=np.float32).reshape(-1, dim)
        with open(os.path.join(folder, "index.csv")) as f:
            for r in csv.DictReader(f):
                emotion = LABEL_MAP.get(r["emotion"], r["emotion"])
                if emotion not in LABELS:
                    continue
                key = clip_key(r["corpus"], r["path"])
                c = clips.setdefault(key, {"speaker": r["speaker"], "corpus": r["corpus"], "label": LABELS.index(emotion), "variants": {}})
                c["variants"][int(r["variant"]) + offset] = (base + int(r["offset"]), int(r["frames"]))
        parts.append(data)
        base += data.shape[0]
    return cfg, np.concatenate(parts), [clips[k] for k in sorted(clips)]


def spectral_dim(cfg):
    return cfg["nMfcc"] if cfg["kind"] == "Mfcc" else cfg["nMels"]


def parse_variants(spec):
    out = set()
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def tile(x, n):
    """Repeats a short segment to n frames (the product does the same for clips shorter than a window)."""
    reps = int(math.ceil(n / x.shape[0]))
    return np.tile(x, (reps, 1))[:n]


def normalise(w, scale, mean=None):
    return (w - (w.mean(axis=0, keepdims=True) if mean is None else mean)) * scale


def windows_for_inference(x):
    """Same windowing as the C# analyser: one tiled window for short clips, else hop WINDOW/2, last aligned to the end."""
    if x.shape[0] <= WINDOW:
        return [tile(x, WINDOW)]
    starts = list(range(0, x.shape[0] - WINDOW + 1, WINDOW // 2))
    if starts[-1] != x.shape[0] - WINDOW:
        starts.append(x.shape[0] - WINDOW)
    return [x[s:s + WINDOW] for s in starts]


class SerCnn(nn.Module):
    """A 2-D CNN over the spectral values; with `pitch` > 0 the last `pitch` values of each frame (FeatureConfig.Pitch)
    go to a small 1-D branch over time instead, whose pooled output joins the CNN's before the last layer."""
    def __init__(self, n_in, n_classes=len(LABELS), ch=(16, 32, 48, 64), dropout=0.3, pitch=0):
        super().__init__()
        self.pitch = pitch
        if pitch:
            def block1(cin, cout):
                return nn.Sequential(nn.Conv1d(cin, cout, 5, padding=2, bias=False), nn.BatchNorm1d(cout), nn.ReLU(inplace=True))
            self.prosody = nn.Sequential(nn.BatchNorm1d(pitch), block1(pitch, 32), nn.MaxPool1d(2), block1(32, 64), nn.MaxPool1d(2), block1(64, 64))
        def block(cin, cout, k=3, stride=1, pad=1):
            return nn.Sequential(nn.Conv2d(cin, cout, k, stride=stride, padding=pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))
        self.features = nn.Sequential(
            block(1, ch[0], k=(3, 5), stride=(1, 2), pad=(1, 2)), nn.MaxPool2d(2),
            block(ch[0], ch[1]), nn.MaxPool2d(2),
            block(ch[1], ch[2]), nn.MaxPool2d(2),
            block(ch[2], ch[3]))
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * ch[3] + (128 if pitch else 0), n_classes)

    def forward(self, x):  # x: [N, 1, dim, frames]
        if self.pitch:
            p = self.prosody(x[:, 0, -self.pitch:, :])  # [N, 64, T']
            x = x[:, :, :-self.pitch, :]
        h = self.features(x).mean(dim=2)  # over frequency -> [N, C, T']
        h = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        if self.pitch:
            h = torch.cat([h, p.mean(dim=2), p.amax(dim=2)], dim=1)
        return self.head(self.dropout(h))


class Ensemble(nn.Module):
    """K members trained alike with different seeds; returns log(mean of their softmax outputs), so softmax() of it is
    the members' mean probability (predict() and Exported() treat it as any single network)."""
    def __init__(self, nets):
        super().__init__()
        self.members = nn.ModuleList(nets)

    def forward(self, x):
        return torch.log(torch.stack([torch.softmax(m(x), dim=1) for m in self.members]).mean(dim=0))


class Exported(nn.Module):
    """What goes into the ONNX file: frames-major input as the product holds it, softmax output."""
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, features):  # [N, frames, dim]
        return torch.softmax(self.net(features.transpose(1, 2).unsqueeze(1)), dim=1)


class CallMeans:
    """Per-call normalisation, estimated as the product could at run time: the mean of the voiced frames of a call
    with ONE speaker in ONE emotion (a speaker's clips of one label, same variant), never over a speaker's
    balanced clips. Training draws a random 3-8 clip "call" around each clip; tests use all the speaker's clips of
    that label."""
    def __init__(self, data, clips):
        self.data, self.clips, self.groups = data, clips, {}
        for i, c in enumerate(clips):
            self.groups.setdefault((c["speaker"], c["label"]), []).append(i)

    def mean(self, i, variant, rng=None, mixed=False):
        c = self.clips[i]
        members = [j for j, k in enumerate(self.clips) if k["speaker"] == c["speaker"]] if mixed else self.groups[(c["speaker"], c["label"])]
        if rng is not None:
            others = [j for j in members if j != i]
            members = [i] + rng.sample(others, min(len(others), rng.randint(2, 7)))
        frames = [self.data[o:o + n] for o, n in (self.clips[j]["variants"][variant] for j in members if variant in self.clips[j]["variants"])]
        return np.concatenate(frames).mean(axis=0, keepdims=True)


def batch_train(data, clips, idx, scale, rng, variants, calls, crop=WINDOW, spectral=None):
    """Random crops of `crop` frames (short clips tiled, as the product tiles them into a window). The network pools
    over time, so it can train on crops shorter than the 3 s inference window."""
    xs, ys, masks = [], [], []
    for i in idx:
        c = clips[i]
        v = rng.choice([v for v in c["variants"] if v in variants])
        off, n = c["variants"][v]
        x = data[off:off + n]
        if n > crop:
            s = rng.randrange(0, n - crop + 1)
            x = x[s:s + crop]
        else:
            x = tile(x, crop)
        x = normalise(x, scale, calls.mean(i, v, rng) if calls else None).copy()
        # SpecAugment: two frequency masks, two time masks (up to a tenth of the crop each)
        for _ in range(2):
            bands = spectral or x.shape[1]  # frequency masks on the spectral values only, never on the pitch values
            f = rng.randrange(0, 7); f0 = rng.randrange(0, bands - f + 1); x[:, f0:f0 + f] = 0
            t = rng.randrange(0, crop // 10 + 1); t0 = rng.randrange(0, crop - t + 1); x[t0:t0 + t, :] = 0
        xs.append(x); ys.append(c["label"]); masks.append(c["mask"])
    x = torch.from_numpy(np.stack(xs)).transpose(1, 2).unsqueeze(1).contiguous(memory_format=torch.channels_last)
    return x, torch.tensor(ys), torch.from_numpy(np.stack(masks))


def masked_ce(logits, y, allowed, weights, smoothing=0.05):
    """Cross-entropy over the labels the clip's corpus has (allowed: bool [N, K]), label smoothing within them,
    class-weighted mean as F.cross_entropy(weight=...)."""
    logp = F.log_softmax(logits.masked_fill(~allowed, -1e4), dim=1)
    target = allowed.float() * (smoothing / allowed.sum(dim=1, keepdim=True))
    target = target + (1 - smoothing) * F.one_hot(y, logits.shape[1]).float()
    w = weights[y]
    return (w * -(target * logp).sum(dim=1)).sum() / w.sum()


# label index -> valence group (0 negative, 1 neutral, 2 positive), the groups the product reads (model.json "valence")
VALENCE_GROUPS = torch.tensor([[1.0 if g == (0 if l in NEGATIVE else 2 if l in POSITIVE else 1) else 0.0 for g in range(3)] for l in LABELS])


def valence_ce(logits, y, allowed, weights):
    """Cross-entropy of the three valence groups: each group's probability is the summed softmax of its labels (the
    mass the product's verdict reads), over the labels the clip's corpus has, class-weighted by the true label as
    masked_ce is. A happy clip read as angry costs more here than an angry one read as disgust."""
    p = torch.softmax(logits.masked_fill(~allowed, -1e4), dim=1) @ VALENCE_GROUPS
    target = VALENCE_GROUPS[y].argmax(dim=1)
    w = weights[y]
    return (w * -torch.log(p.gather(1, target[:, None]).squeeze(1).clamp_min(1e-6))).sum() / w.sum()


def predict(net, data, clip, variant, scale, call_mean=None):
    off, n = clip["variants"][variant]
    ws = [normalise(w, scale, call_mean) for w in windows_for_inference(data[off:off + n])]
    x = torch.from_numpy(np.stack(ws).astype(np.float32)).transpose(1, 2).unsqueeze(1)
    with torch.no_grad():
        return torch.softmax(net(x), dim=1).mean(dim=0).numpy()


def valence_of(label_index):
    l = LABELS[label_index]
    return 0 if l in NEGATIVE else 2 if l in POSITIVE else 1


def metrics(y, probs, k=len(LABELS)):
    probs = np.asarray(probs)
    y, p = np.asarray(y), probs.argmax(axis=1)
    cm = np.zeros((k, k), dtype=int)
    for a, b in zip(y, p):
        cm[a, b] += 1
    present = [i for i in range(k) if cm[i].sum() > 0]
    recall = [cm[i, i] / cm[i].sum() for i in present]
    f1s = []
    for i in present:
        prec = cm[i, i] / cm[:, i].sum() if cm[:, i].sum() else 0.0
        rec = cm[i, i] / cm[i].sum()
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    neg = [LABELS.index(l) for l in NEGATIVE]
    pos = [LABELS.index(l) for l in POSITIVE]
    binary = np.mean([(a in neg) == (b in neg) for a, b in zip(y, p)])
    # The product's verdict uses the probability mass of the negative labels, not the top label.
    mass = probs[:, neg].sum(axis=1) >= 0.5
    binary_mass = np.mean([(a in neg) == m for a, m in zip(y, mass)])
    # 3-way valence from the valence masses (negative / neutral / positive), UA over the valences present.
    vmass = np.stack([probs[:, neg].sum(axis=1), 1 - probs[:, neg].sum(axis=1) - probs[:, pos].sum(axis=1), probs[:, pos].sum(axis=1)], axis=1)
    vt, vp = np.array([valence_of(a) for a in y]), vmass.argmax(axis=1)
    valence_ua = np.mean([np.mean(vp[vt == v] == v) for v in range(3) if (vt == v).any()])
    vcm = np.zeros((3, 3), dtype=int)
    for a, b in zip(vt, vp):
        vcm[a, b] += 1
    return {"UA": float(np.mean(recall)), "WA": float(np.mean(y == p)), "macroF1": float(np.mean(f1s)),
            "binaryNeg": float(binary), "binaryNegMass": float(binary_mass), "valenceUA": float(valence_ua),
            "n": int(len(y)), "confusion": cm.tolist(), "valenceConfusion": vcm.tolist()}


def epoch_order(clips, train_idx, cap, rng):
    """One epoch's clips: every corpus contributes at most `cap` clips (drawn afresh each epoch), so TurEV's 1,735
    one-word clips from six speakers do not make up half of every epoch."""
    by_corpus = {}
    for i in train_idx:
        by_corpus.setdefault(clips[i]["corpus"], []).append(i)
    order = [i for idx in by_corpus.values() for i in (rng.sample(idx, cap) if cap and len(idx) > cap else idx)]
    rng.shuffle(order)
    return order


def train(data, clips, train_idx, scale, epochs, seed, channels, variants, calls, cap, crop, lr=3e-3, mixup=0.5, valence=0.0, pitch=0, log=print):
    torch.manual_seed(seed)
    np.random.seed(seed)
    rng = random.Random(seed)
    # channels-last is ~25 % faster for these small convolutions on CPU (oneDNN)
    net = SerCnn(data.shape[1], ch=channels, pitch=pitch).to(memory_format=torch.channels_last)
    counts = np.bincount([clips[i]["label"] for i in train_idx], minlength=len(LABELS)).astype(np.float64)
    weights = torch.tensor(counts.sum() / np.maximum(counts, 1) / len(LABELS), dtype=torch.float32)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-3)
    bs = 32
    steps_per_epoch = max(1, len(epoch_order(clips, train_idx, cap, random.Random(0))) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch, pct_start=0.2)
    for ep in range(epochs):
        net.train()
        order = epoch_order(clips, train_idx, cap, rng)
        total = 0.0
        t0 = time.time()
        for s in range(steps_per_epoch):
            x, y, allowed = batch_train(data, clips, order[s * bs:(s + 1) * bs], scale, rng, variants, calls, crop,
                                        data.shape[1] - pitch)
            if rng.random() < mixup:
                lam = float(np.random.beta(0.2, 0.2))
                perm = torch.randperm(x.shape[0])
                x = lam * x + (1 - lam) * x[perm]
                union = allowed | allowed[perm]
                out = net(x)
                loss = lam * masked_ce(out, y, union, weights) + (1 - lam) * masked_ce(out, y[perm], union, weights)
                if valence:
                    loss = loss + valence * (lam * valence_ce(out, y, union, weights) + (1 - lam) * valence_ce(out, y[perm], union, weights))
            else:
                out = net(x)
                loss = masked_ce(out, y, allowed, weights)
                if valence:
                    loss = loss + valence * valence_ce(out, y, allowed, weights)
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            total += float(loss)
        if ep % 5 == 0 or ep == epochs - 1:
            log(f"    epoch {ep + 1}/{epochs} loss {total / steps_per_epoch:.3f} ({time.time() - t0:.0f}s)")
    net.eval()
    return net.to(memory_format=torch.contiguous_format)


def evaluate(net, data, clips, test_idx, scale, calls):
    ys = [clips[i]["label"] for i in test_idx]
    out = {"y": ys}
    for name, v in (("wideband", 0), ("telephone", 1)):
        out[name] = [predict(net, data, clips[i], v, scale, calls.mean(i, v) if calls else None) for i in test_idx]
    if calls:  # the optimistic case: statistics over ALL the speaker's clips, every emotion (not what a call gives)
        out["wideband_mixedcall"] = [predict(net, data, clips[i], 0, scale, calls.mean(i, 0, mixed=True)) for i in test_idx]
    return out


def summary(tag, m):
    return (f"{tag} UA={m['UA']:.3f} WA={m['WA']:.3f} F1={m['macroF1']:.3f} valUA={m['valenceUA']:.3f} "
            f"binNeg={m['binaryNegMass']:.3f} n={m['n']}")


def export(net, cfg, channels, dim, out):
    """Writes speech-emotion.onnx and model.json (what the product loads) into OUT."""
    os.makedirs(out, exist_ok=True)
    model = Exported(net).eval()
    dummy = torch.zeros(1, WINDOW, dim)
    torch.onnx.export(model, dummy, os.path.join(out, "speech-emotion.onnx"), input_names=["features"],
                      output_names=["probabilities"], dynamic_axes={"features": {0: "batch"}, "probabilities": {0: "batch"}},
                      opset_version=13, do_constant_folding=True)
    cfg_out = {"labels": LABELS, "windowFrames": WINDOW, "hopFrames": WINDOW // 2, "features": cfg,
               "input": "features", "output": "probabilities", "architecture": {"channels": list(channels), "members": len(net.members) if isinstance(net, Ensemble) else 1},
               "aliases": LABEL_MAP,
               "valence": {"negative": sorted(NEGATIVE), "positive": sorted(POSITIVE),
                           "neutral": sorted(set(LABELS) - NEGATIVE - POSITIVE)}}
    json.dump(cfg_out, open(os.path.join(out, "model.json"), "w"), indent=2)
    print("wrote", os.path.join(out, "speech-emotion.onnx"), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", required=True, help="DIR[@VARIANT_OFFSET][,DIR[@OFFSET]...]; the first is the base export")
    ap.add_argument("--out", required=True)
    ap.add_argument("--cv", type=int, default=5, help="speaker-grouped folds (0 = skip cross-validation)")
    ap.add_argument("--loco", action="store_true", help="leave-one-corpus-out evaluation")
    ap.add_argument("--final", action="store_true", help="train on everything and write the ONNX model + model.json")
    ap.add_argument("--train-variants", default="0-7")
    ap.add_argument("--norm", choices=["window", "call"], default="window")
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--mask-labels", action="store_true",
                    help="train each corpus's clips only on the labels that corpus has (measured: it makes the model "
                         "over-predict the labels TurEV lacks, so it is off)")
    ap.add_argument("--crop", type=int, default=WINDOW, help="training crop in frames (inference always uses WINDOW)")
    ap.add_argument("--corpus-cap", type=int, default=600, help="most clips a corpus contributes to one epoch (0 = all)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--valence-loss", type=float, default=0.0,
                    help="weight of an added cross-entropy over the three valence groups (0 = seven-way loss only)")
    ap.add_argument("--threads", type=int, default=1, help="1 is the most efficient; run CV and LOCO as two processes")
    ap.add_argument("--channels", default="24,48,64,96", help="conv channels of the four blocks")
    ap.add_argument("--only-loco", default="", help="run only these held-out corpora of --loco (comma-separated), e.g. in parallel processes")
    ap.add_argument("--members", type=int, default=1,
                    help="train K networks per model (seeds SEED, SEED+1000, ...) and average their probabilities")
    ap.add_argument("--save-torch", action="store_true",
                    help="with --final: also write the network's weights (OUT/model.pt) for --ensemble-of")
    ap.add_argument("--ensemble-of", default="",
                    help="DIR,DIR,...: export the --final --save-torch networks in these folders as one averaged model in OUT "
                         "(members trained in parallel processes: --members 1 --seed SEED + 1000 * k equals member k of --members K)")
    ap.add_argument("--only-folds", default="", help="run only these CV folds (1-based, comma-separated), e.g. to train folds in parallel processes")
    ap.add_argument("--save-folds", action="store_true",
                    help="also write each CV fold's model to OUT/fold-K (for out-of-fold voice evidence, e.g. a fusion refit)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    channels = tuple(int(c) for c in args.channels.split(","))
    variants = parse_variants(args.train_variants)
    cfg, data, clips = load(args.features.split(","))
    clips = [c for c in clips if 0 in c["variants"] and 1 in c["variants"]]
    corpora = sorted({c["corpus"] for c in clips})
    os.makedirs(args.out, exist_ok=True)
    calls = CallMeans(data, clips) if args.norm == "call" else None

    pitch = PITCH_DIMS if cfg.get("pitch") else 0
    # Global scale: the spread of normalised clean spectral features (the pitch branch has its own batch norm).
    sample = np.concatenate([normalise(data[o:o + n], 1.0, calls.mean(i, 0) if calls else None)[:, :spectral_dim(cfg)]
                             for i, c in enumerate(clips) for v, (o, n) in c["variants"].items() if v == 0])
    scale = float(1.0 / sample.std())
    cfg["scale"] = scale
    cfg["normalization"] = "WindowMean"
    print(f"{len(clips)} clips, {len(set(c['speaker'] for c in clips))} speakers, corpora {corpora}, scale {scale:.4f}, "
          f"train variants {sorted(variants)}, channels {channels}, norm {args.norm}, pitch values {pitch}", flush=True)
    t_start = time.time()

    if args.ensemble_of:
        nets = []
        for folder in args.ensemble_of.split(","):
            net = SerCnn(data.shape[1], ch=channels, pitch=pitch)
            net.load_state_dict(torch.load(os.path.join(folder, "model.pt")))
            nets.append(net.eval())
        export(Ensemble(nets).eval(), cfg, channels, data.shape[1], args.out)
        return

    def run(train_idx, test_idx, seed):
        allowed = {}
        for i in train_idx:
            allowed.setdefault(clips[i]["corpus"], set()).add(clips[i]["label"])
        for c in clips:
            c["mask"] = np.array([not args.mask_labels or k in allowed.get(c["corpus"], ()) for k in range(len(LABELS))])
        nets = [train(data, clips, train_idx, scale, args.epochs, seed + 1000 * m, channels, variants, calls, args.corpus_cap, args.crop,
                      valence=args.valence_loss, pitch=pitch)
                for m in range(args.members)]
        net = nets[0] if len(nets) == 1 else Ensemble(nets).eval()
        ev = evaluate(net, data, clips, test_idx, scale, calls)
        if len(nets) > 1:  # member 0 alone is the single-model recipe with the same seed: the like-for-like baseline
            single = evaluate(nets[0], data, clips, test_idx, scale, None)
            ev["wideband_member0"], ev["telephone_member0"] = single["wideband"], single["telephone"]
        return net, ev

    result = {"labels": LABELS, "window_frames": WINDOW, "epochs": args.epochs, "mask_labels": args.mask_labels, "corpus_cap": args.corpus_cap, "crop": args.crop, "channels": list(channels), "members": args.members,
              "train_variants": sorted(variants), "norm": args.norm, "valence_loss": args.valence_loss, "features": args.features,
              "pitch": pitch}
    if args.cv:
        by_corpus = {}
        for s in sorted({c["speaker"] for c in clips}):
            by_corpus.setdefault(s.split("_")[0], []).append(s)
        order = []
        for corpus in sorted(by_corpus):
            random.Random(args.seed).shuffle(by_corpus[corpus]); order += by_corpus[corpus]
        folds = [order[i::args.cv] for i in range(args.cv)]
        pooled = {}
        result["folds"] = []
        only = {int(f) for f in args.only_folds.split(",") if f}
        if only:
            result["only_folds"] = sorted(only)  # the pooled cv_* figures below cover these folds only
        for k, test_speakers in enumerate(folds):
            if only and k + 1 not in only:
                continue
            test_idx = [i for i, c in enumerate(clips) if c["speaker"] in test_speakers]
            train_idx = [i for i, c in enumerate(clips) if c["speaker"] not in test_speakers]
            print(f"CV fold {k + 1}/{args.cv}: test speakers {test_speakers}", flush=True)
            net, ev = run(train_idx, test_idx, args.seed + k)
            if args.save_folds:
                export(net, cfg, channels, data.shape[1], os.path.join(args.out, f"fold-{k + 1}"))
            fold = {"test_speakers": test_speakers}
            for name in ev:
                if name == "y":
                    continue
                fold[name] = metrics(ev["y"], ev[name])
                pooled.setdefault(name, []).extend(ev[name])
            pooled.setdefault("y", []).extend(ev["y"])
            pooled.setdefault("corpus", []).extend(clips[i]["corpus"] for i in test_idx)
            print("  " + summary("wideband", fold["wideband"]) + " | " + summary("telephone", fold["telephone"]), flush=True)
            result["folds"].append(fold)
        for name in pooled:
            if name in ("y", "corpus"):
                continue
            result[f"cv_{name}"] = metrics(pooled["y"], pooled[name])
            for corpus in corpora:
                sel = [i for i, c in enumerate(pooled["corpus"]) if c == corpus]
                result[f"cv_{name}_{corpus}"] = metrics([pooled["y"][i] for i in sel], [pooled[name][i] for i in sel])
        for name in ("wideband", "telephone", "wideband_member0", "telephone_member0"):
            if f"cv_{name}" in result:
                print(summary(f"CV {name}", result[f"cv_{name}"]), flush=True)
        if calls:
            print(summary("CV wideband, mixed-emotion call statistics (optimistic)", result["cv_wideband_mixedcall"]), flush=True)
    if args.loco:
        result["loco"] = {}
        only_loco = {c for c in args.only_loco.split(",") if c}
        for k, corpus in enumerate(corpora):
            if only_loco and corpus not in only_loco:
                continue
            test_idx = [i for i, c in enumerate(clips) if c["corpus"] == corpus]
            train_idx = [i for i, c in enumerate(clips) if c["corpus"] != corpus]
            print(f"LOCO: held-out corpus {corpus}", flush=True)
            _, ev = run(train_idx, test_idx, args.seed + 50 + k)
            result["loco"][corpus] = {name: metrics(ev["y"], ev[name]) for name in ev if name != "y"}
            print("  " + summary("wideband", result["loco"][corpus]["wideband"]) + " | " +
                  summary("telephone", result["loco"][corpus]["telephone"]), flush=True)
        done = [c for c in corpora if c in result["loco"]]
        for name in [n for n in ("wideband", "telephone", "wideband_member0", "telephone_member0") if n in result["loco"][done[0]]]:
            result[f"loco_mean_{name}_UA"] = float(np.mean([result["loco"][c][name]["UA"] for c in done]))
            print(f"LOCO mean {name} UA={result[f'loco_mean_{name}_UA']:.3f}", flush=True)
    # S needs every fold and every held-out corpus: a partial run (--only-folds / --only-loco) leaves it to be combined
    if args.cv and args.loco and not args.only_folds and not args.only_loco:
        result["score"] = (result["cv_wideband"]["UA"] + result["loco_mean_wideband_UA"]) / 2
        print(f"score S = (CV UA + LOCO UA) / 2 = {result['score']:.4f}", flush=True)
    result["seconds"] = time.time() - t_start
    name = "cv-metrics.json" if (args.cv or args.loco) else None
    if name:
        json.dump(result, open(os.path.join(args.out, name), "w"), indent=1)

    if args.final:
        print("final model on all pool speakers", flush=True)
        net, _ = run(list(range(len(clips))), [], args.seed + 100)
        export(net, cfg, channels, data.shape[1], args.out)
        if args.save_torch:
            torch.save(net.state_dict(), os.path.join(args.out, "model.pt"))

if __name__ == "__main__":
    main()
