"""The PyTorch/torchaudio reference for `callsentiment bench-emotion --reference`: the same work as the C# pipeline
(decode a WAV, pre-emphasis, log-mel, energy VAD with hang-over, speech segments, 3 s windows over voiced frames,
the same CNN) on
one thread. Like the product's streaming analyser, each window is classified as it completes (--batched classifies
all windows in one call instead, which only an offline tool could do; it is reported for comparison).

    python3 reference_bench.py --wav speech.wav --model-json models/speech-emotion/model.json
prints: audio_seconds=<s> cpu_seconds=<s> torch=<version>
"""
import argparse, json, math, os, sys, time
import numpy as np
import torch
import torchaudio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_ser import SerCnn  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wav", required=True)
    ap.add_argument("--model-json", required=True)
    ap.add_argument("--batched", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    card = json.load(open(args.model_json))
    f = card["features"]
    W, H = card["windowFrames"], card["hopFrames"]
    net = SerCnn(f["nMels"], n_classes=len(card["labels"]), ch=tuple(card.get("architecture", {}).get("channels", (16, 32, 48, 64)))).eval()
    mel = torchaudio.transforms.MelSpectrogram(sample_rate=f["sampleRate"], n_fft=f["nFft"], win_length=f["winLength"],
                                               hop_length=f["hopLength"], f_min=f["fMin"], f_max=f["fMax"], n_mels=f["nMels"],
                                               power=2.0, center=True, pad_mode="reflect", norm=None, mel_scale="htk")
    t0 = time.process_time()
    wav, sr = torchaudio.load(args.wav)
    x = wav[0]
    x = torch.cat([x[:1], x[1:] - f["preEmphasis"] * x[:-1]])
    m = mel(x)  # [mels, frames]
    energy = torch.log(m.sum(dim=0) + f["logOffset"]).numpy()
    logmel = torch.log(m + f["logOffset"]).T.contiguous()  # [frames, mels]
    # energy VAD with a rising noise floor and hang-over (as VoiceActivity/EmotionAnalyzer)
    margin, absfloor, rise = 10 / 10 * math.log(10), -35 / 10 * math.log(10), 0.3 * math.log(10) / 100
    floor, since, keep = None, 10 ** 9, np.zeros(len(energy), dtype=bool)
    for i, e in enumerate(energy):
        floor = e if floor is None else min(e, floor + rise)
        if e > absfloor and e > floor + margin:
            keep[max(0, i - 20):i + 1] = True
            since = 0
        else:
            since += 1
            if since <= 20:
                keep[i] = True
    # speech segments: kept frames split where the gap exceeds 100 frames; windows per segment, end-aligned,
    # a segment shorter than a window tiled, segments under 50 frames skipped (as EmotionAnalyzer)
    idx = np.flatnonzero(keep)
    segments = np.split(idx, np.flatnonzero(np.diff(idx) > 101) + 1) if len(idx) else []
    windows = []
    for seg in segments:
        if len(seg) < 50:
            continue
        frames = logmel[torch.from_numpy(seg)]
        if frames.shape[0] <= W:
            starts = [0]
        else:
            starts = list(range(0, frames.shape[0] - W + 1, H))
            if starts[-1] != frames.shape[0] - W:
                starts.append(frames.shape[0] - W)
        for s in starts:
            w = frames[s:s + W]
            if w.shape[0] < W:
                w = w.repeat(math.ceil(W / w.shape[0]), 1)[:W]
            windows.append((w - w.mean(dim=0, keepdim=True)) * f["scale"])
    with torch.no_grad():
        if args.batched:
            probs = torch.softmax(net(torch.stack(windows).transpose(1, 2).unsqueeze(1)), dim=1)
        else:
            probs = torch.cat([torch.softmax(net(w.T[None, None]), dim=1) for w in windows])
    cpu = time.process_time() - t0
    assert probs.shape[1] == len(card["labels"])
    print(f"audio_seconds={x.shape[0] / sr:.3f} cpu_seconds={cpu:.3f} torch={torch.__version__}")


if __name__ == "__main__":
    main()
