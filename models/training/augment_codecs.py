"""Codec and pitch copies of the training clips, for `callsentiment export-features` to turn into features.

    python3 models/training/augment_codecs.py --manifests work/manifests/ravdess-pool.csv,... --out work/aug --copies 2

Each copy of each clip went through: a pitch shift of -3..+3 semitones with the formants kept (ffmpeg's rubberband
filter; 20 % of clips unshifted), then one narrow-band speech codec at 8 kHz as mobile and VoIP calls carry it:
GSM full rate (libgsm), Opus at 6, 8 or 12 kbit/s (libopus, VoIP mode), Speex narrow-band (libspeex). AMR-NB, the
usual mobile codec, has no encoder in this ffmpeg (libopencore_amrnb is missing), so GSM stands in for it.

Starting one ffmpeg per clip costs more than the coding itself, so clips are joined (0.4 s of silence between them)
into chunks of 40 that share a pitch factor and a codec; each chunk is coded by two ffmpeg processes, its delay
measured by cross-correlating energy envelopes, and cut back into clips. Writes <out>/copy<k>/<corpus>/<path>.wav
(16 kHz 16-bit) and a manifest <out>/copy<k>.csv with the original speaker, emotion and corpus.
"""
import argparse, csv, os, random, subprocess, tempfile
import numpy as np
import torch
import torchaudio
from scipy.io import wavfile

RATE = 16000
GAP = int(0.4 * RATE)
CODECS = [
    ("gsm", ["-c:a", "libgsm", "-f", "gsm"]),
    ("opus6k", ["-c:a", "libopus", "-b:a", "6k", "-application", "voip", "-f", "ogg"]),
    ("opus8k", ["-c:a", "libopus", "-b:a", "8k", "-application", "voip", "-f", "ogg"]),
    ("opus12k", ["-c:a", "libopus", "-b:a", "12k", "-application", "voip", "-f", "ogg"]),
    ("speex", ["-c:a", "libspeex", "-f", "ogg"]),
]


def load(path):
    w, sr = torchaudio.load(path)
    w = w.mean(dim=0)
    if sr != RATE:
        w = torchaudio.functional.resample(w, sr, RATE)
    return w.numpy().astype(np.float32)


def code(x, semitones, codec_args, tmp):
    src, enc = os.path.join(tmp, "in.f32"), os.path.join(tmp, "coded")
    x.astype(np.float32).tofile(src)
    pitch = f"rubberband=pitch={2 ** (semitones / 12):.5f}:formant=preserved," if semitones else ""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", src,
                    "-af", pitch + "aresample=8000", "-ar", "8000", *codec_args, enc], check=True)
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", enc, "-ar", str(RATE), "-ac", "1", "-f", "f32le", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(out, dtype=np.float32)


def delay(x, y, hop=80):
    """Lag of y behind x (samples, to `hop`), from the cross-correlation of their log-energy envelopes."""
    def env(s):
        n = len(s) // hop
        return np.log(np.square(s[:n * hop]).reshape(n, hop).mean(axis=1) + 1e-8)
    a, b = env(x), env(y)
    a, b = a - a.mean(), b - b.mean()
    n = len(a) + len(b)
    corr = np.fft.irfft(np.fft.rfft(b, n) * np.conj(np.fft.rfft(a, n)), n)
    max_lag = 25  # 0.125 s
    lags = list(range(0, max_lag + 1)) + list(range(-max_lag, 0))
    best = max(lags, key=lambda l: corr[l % n])
    return best * hop


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifests", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--copies", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=40)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = [r for m in args.manifests.split(",") for r in csv.DictReader(open(m))]
    audio = [load(r["path"]) for r in rows]
    print(f"{len(rows)} clips loaded", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.copies):
            rng = random.Random(args.seed + k)
            order = list(range(len(rows)))
            rng.shuffle(order)
            out_rows, delays = [], []
            for c0 in range(0, len(order), args.chunk):
                chunk = order[c0:c0 + args.chunk]
                semitones = 0.0 if rng.random() < 0.2 else rng.uniform(-3, 3)
                name, codec_args = rng.choice(CODECS)
                starts, parts, pos = [], [np.zeros(GAP, np.float32)], GAP
                for i in chunk:
                    starts.append(pos)
                    parts += [audio[i], np.zeros(GAP, np.float32)]
                    pos += len(audio[i]) + GAP
                x = np.concatenate(parts)
                y = code(x, semitones, codec_args, tmp)
                d = delay(x, y)
                delays.append(d)
                y = np.concatenate([y, np.zeros(max(0, len(x) + abs(d) - len(y)), np.float32)])
                for i, s in zip(chunk, starts):
                    r = rows[i]
                    corpus = r["corpus"]
                    rel = r["path"][r["path"].rindex(f"/{corpus}/") + len(corpus) + 2:]
                    dest = os.path.join(args.out, f"copy{k}", corpus, os.path.splitext(rel)[0] + ".wav")
                    os.makedirs(os.path.dirname(dest), exist_ok=True)
                    a = max(0, s + d - GAP // 4)
                    seg = y[a:s + d + len(audio[i]) + GAP // 4]
                    wavfile.write(dest, RATE, (np.clip(seg, -1, 1) * 32767).astype(np.int16))
                    out_rows.append({"path": os.path.abspath(dest), "speaker": r["speaker"], "emotion": r["emotion"], "corpus": corpus,
                                     "codec": name, "semitones": f"{semitones:.2f}"})
            with open(os.path.join(args.out, f"copy{k}.csv"), "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=list(out_rows[0]))
                w.writeheader()
                w.writerows(out_rows)
            print(f"copy {k}: {len(out_rows)} clips; codec delays (samples) min {min(delays)} max {max(delays)}", flush=True)


if __name__ == "__main__":
    main()
