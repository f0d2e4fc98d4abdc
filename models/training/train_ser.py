"""Trains the speech-emotion CNN on features exported by the product's own C# feature code.

    callsentiment export-features --manifest RAVDESS.csv,EMODB.csv --out work/features --variants 8
    python3 models/training/train_ser.py --features work/features --out models/speech-emotion [--cv 5]

Variant 0 of every clip is clean, variant 1 the evaluation telephone channel (300-3400 Hz, 8 kHz, mu-law),
variants 2+ random corruptions (speed, noise, gain, telephone). Cross-validation is speaker-grouped: no speaker is
in both the training and the test folds, and test folds are scored on variants 0 and 1 only.
"""
import argparse, csv, json, math, os, random, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LABELS = ["neutral", "calm", "happy", "sad", "angry", "fear", "disgust", "surprise"]
NEGATIVE = {"sad", "angry", "fear", "disgust"}
WINDOW = 300  # frames (3 s at 10 ms hop); must match SpeechEmotionModel.WindowFrames in model.json


def load(features_dir):
    cfg = json.load(open(os.path.join(features_dir, "feature-config.json")))
    dim = cfg["nMfcc"] if cfg["kind"] == "Mfcc" else cfg["nMels"]
    data = np.fromfile(os.path.join(features_dir, "features.f32"), dtype=np.float32).reshape(-1, dim)
    clips = {}
    with open(os.path.join(features_dir, "index.csv")) as f:
        for r in csv.DictReader(f):
            if r["emotion"] not in LABELS:
                continue
            key = (r["corpus"], r["path"])
            c = clips.setdefault(key, {"speaker": r["speaker"], "label": LABELS.index(r["emotion"]), "variants": {}})
            c["variants"][int(r["variant"])] = (int(r["offset"]), int(r["frames"]))
    return cfg, data, list(clips.values())


def tile(x, n):
    """Repeats a short segment to n frames (the product does the same for clips shorter than a window)."""
    reps = int(math.ceil(n / x.shape[0]))
    return np.tile(x, (reps, 1))[:n]


def normalise(w, scale):
    return (w - w.mean(axis=0, keepdims=True)) * scale


def windows_for_inference(x):
    """Same windowing as the C# analyser: one tiled window for short clips, else hop WINDOW/2, last aligned to the end."""
    if x.shape[0] <= WINDOW:
        return [tile(x, WINDOW)]
    starts = list(range(0, x.shape[0] - WINDOW + 1, WINDOW // 2))
    if starts[-1] != x.shape[0] - WINDOW:
        starts.append(x.shape[0] - WINDOW)
    return [x[s:s + WINDOW] for s in starts]


class SerCnn(nn.Module):
    def __init__(self, n_in, n_classes=len(LABELS), ch=(16, 32, 48, 64), dropout=0.3):
        super().__init__()
        def block(cin, cout, k=3, stride=1, pad=1):
            return nn.Sequential(nn.Conv2d(cin, cout, k, stride=stride, padding=pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))
        self.features = nn.Sequential(
            block(1, ch[0], k=(3, 5), stride=(1, 2), pad=(1, 2)), nn.MaxPool2d(2),
            block(ch[0], ch[1]), nn.MaxPool2d(2),
            block(ch[1], ch[2]), nn.MaxPool2d(2),
            block(ch[2], ch[3]))
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * ch[3], n_classes)

    def forward(self, x):  # x: [N, 1, mels, frames]
        h = self.features(x).mean(dim=2)  # over frequency -> [N, C, T']
        h = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        return self.head(self.dropout(h))


class Exported(nn.Module):
    """What goes into the ONNX file: frames-major input as the product holds it, softmax output."""
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, features):  # [N, frames, dim]
        return torch.softmax(self.net(features.transpose(1, 2).unsqueeze(1)), dim=1)


def batch_train(data, clips, idx, scale, rng):
    xs, ys = [], []
    for i in idx:
        c = clips[i]
        v = rng.choice(list(c["variants"].keys()))
        off, n = c["variants"][v]
        x = data[off:off + n]
        if n > WINDOW:
            s = rng.randrange(0, n - WINDOW + 1)
            x = x[s:s + WINDOW]
        else:
            x = tile(x, WINDOW)
        x = normalise(x, scale).copy()
        # SpecAugment: two frequency masks, two time masks
        for _ in range(2):
            f = rng.randrange(0, 7); f0 = rng.randrange(0, x.shape[1] - f + 1); x[:, f0:f0 + f] = 0
            t = rng.randrange(0, 31); t0 = rng.randrange(0, WINDOW - t + 1); x[t0:t0 + t, :] = 0
        xs.append(x); ys.append(c["label"])
    x = torch.from_numpy(np.stack(xs)).transpose(1, 2).unsqueeze(1)
    return x, torch.tensor(ys)


def predict(net, data, clip, variant, scale):
    off, n = clip["variants"][variant]
    ws = [normalise(w, scale) for w in windows_for_inference(data[off:off + n])]
    x = torch.from_numpy(np.stack(ws).astype(np.float32)).transpose(1, 2).unsqueeze(1)
    with torch.no_grad():
        return torch.softmax(net(x), dim=1).mean(dim=0).numpy()


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
    binary = np.mean([(a in neg) == (b in neg) for a, b in zip(y, p)])
    # The product's verdict uses the probability mass of the negative labels, not the top label.
    mass = probs[:, neg].sum(axis=1) >= 0.5
    binary_mass = np.mean([(a in neg) == m for a, m in zip(y, mass)])
    return {"UA": float(np.mean(recall)), "WA": float(np.mean(y == p)), "macroF1": float(np.mean(f1s)),
            "binaryNeg": float(binary), "binaryNegMass": float(binary_mass), "n": int(len(y)), "confusion": cm.tolist()}


def train(data, clips, train_idx, scale, epochs, seed, channels, log=print):
    torch.manual_seed(seed)
    rng = random.Random(seed)
    net = SerCnn(data.shape[1], ch=channels)
    counts = np.bincount([clips[i]["label"] for i in train_idx], minlength=len(LABELS)).astype(np.float64)
    weights = torch.tensor(counts.sum() / np.maximum(counts, 1) / len(LABELS), dtype=torch.float32)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-3)
    bs = 32
    steps_per_epoch = max(1, len(train_idx) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=epochs * steps_per_epoch, pct_start=0.2)
    for ep in range(epochs):
        net.train()
        order = list(train_idx); rng.shuffle(order)
        total = 0.0
        t0 = time.time()
        for s in range(steps_per_epoch):
            x, y = batch_train(data, clips, order[s * bs:(s + 1) * bs], scale, rng)
            lam = np.random.beta(0.2, 0.2) if rng.random() < 0.5 else 1.0
            perm = torch.randperm(x.shape[0])
            x = lam * x + (1 - lam) * x[perm]
            out = net(x)
            loss = lam * F.cross_entropy(out, y, weight=weights, label_smoothing=0.05) + \
                (1 - lam) * F.cross_entropy(out, y[perm], weight=weights, label_smoothing=0.05)
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            total += float(loss)
        if ep % 5 == 0 or ep == epochs - 1:
            log(f"    epoch {ep + 1}/{epochs} loss {total / steps_per_epoch:.3f} ({time.time() - t0:.0f}s)")
    net.eval()
    return net


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cv", type=int, default=5, help="speaker-grouped folds (0 = skip cross-validation)")
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--channels", default="16,32,48,64", help="conv channels of the four blocks")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    channels = tuple(int(c) for c in args.channels.split(","))
    cfg, data, clips = load(args.features)
    os.makedirs(args.out, exist_ok=True)

    # Global scale: the spread of window-mean-normalised clean features.
    sample = np.concatenate([normalise(data[o:o + n], 1.0) for c in clips for v, (o, n) in c["variants"].items() if v == 0])
    scale = float(1.0 / sample.std())
    cfg["scale"] = scale
    print(f"{len(clips)} clips, {len(set(c['speaker'] for c in clips))} speakers, scale {scale:.4f}")

    result = {"labels": LABELS, "window_frames": WINDOW, "epochs": args.epochs, "folds": []}
    if args.cv:
        speakers = sorted(set(c["speaker"] for c in clips))
        random.Random(args.seed).shuffle(speakers)
        folds = [speakers[i::args.cv] for i in range(args.cv)]
        ys, pw, pt, corpus = [], [], [], []
        for k, test_speakers in enumerate(folds):
            test_idx = [i for i, c in enumerate(clips) if c["speaker"] in test_speakers]
            train_idx = [i for i, c in enumerate(clips) if c["speaker"] not in test_speakers]
            print(f"fold {k + 1}/{args.cv}: test speakers {test_speakers}", flush=True)
            net = train(data, clips, train_idx, scale, args.epochs, args.seed + k, channels)
            fy = [clips[i]["label"] for i in test_idx]
            fw = [predict(net, data, clips[i], 0, scale) for i in test_idx]
            ft = [predict(net, data, clips[i], 1, scale) for i in test_idx]
            mw, mt = metrics(fy, fw), metrics(fy, ft)
            print(f"  wideband UA {mw['UA']:.3f} WA {mw['WA']:.3f} binaryNeg {mw['binaryNeg']:.3f}/{mw['binaryNegMass']:.3f} | "
                  f"telephone UA {mt['UA']:.3f} binaryNeg {mt['binaryNeg']:.3f}/{mt['binaryNegMass']:.3f}", flush=True)
            result["folds"].append({"test_speakers": test_speakers, "wideband": mw, "telephone": mt})
            ys += fy; pw += fw; pt += ft; corpus += [clips[i]["speaker"].split("_")[0] for i in test_idx]
        result["cv_wideband"] = metrics(ys, pw)
        result["cv_telephone"] = metrics(ys, pt)
        for name in ("ravdess", "emodb"):
            sel = [i for i, c in enumerate(corpus) if c == name]
            result[f"cv_wideband_{name}"] = metrics([ys[i] for i in sel], [pw[i] for i in sel])
            result[f"cv_telephone_{name}"] = metrics([ys[i] for i in sel], [pt[i] for i in sel])
        w, t = result["cv_wideband"], result["cv_telephone"]
        print(f"CV wideband UA={w['UA']:.3f} WA={w['WA']:.3f} macroF1={w['macroF1']:.3f} binaryNeg={w['binaryNeg']:.3f} "
              f"binaryNegMass={w['binaryNegMass']:.3f} | telephone UA={t['UA']:.3f} WA={t['WA']:.3f} macroF1={t['macroF1']:.3f} "
              f"binaryNeg={t['binaryNeg']:.3f} binaryNegMass={t['binaryNegMass']:.3f}", flush=True)
        json.dump(result, open(os.path.join(args.out, "cv-metrics.json"), "w"), indent=1)

    print("final model on all speakers")
    net = train(data, clips, list(range(len(clips))), scale, args.epochs, args.seed + 100, channels)
    model = Exported(net).eval()
    dummy = torch.zeros(1, WINDOW, data.shape[1])
    torch.onnx.export(model, dummy, os.path.join(args.out, "speech-emotion.onnx"), input_names=["features"],
                      output_names=["probabilities"], dynamic_axes={"features": {0: "batch"}, "probabilities": {0: "batch"}},
                      opset_version=13, do_constant_folding=True)
    cfg_out = {"labels": LABELS, "windowFrames": WINDOW, "hopFrames": WINDOW // 2, "features": cfg,
               "input": "features", "output": "probabilities", "architecture": {"channels": list(channels)},
               "valence": {"negative": sorted(NEGATIVE), "positive": ["happy", "surprise"], "neutral": ["neutral", "calm"]}}
    json.dump(cfg_out, open(os.path.join(args.out, "model.json"), "w"), indent=2)
    print("wrote", os.path.join(args.out, "speech-emotion.onnx"))


if __name__ == "__main__":
    main()
