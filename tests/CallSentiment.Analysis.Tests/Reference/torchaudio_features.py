"""Independent reference for FeatureTests: torchaudio's MelSpectrogram / MFCC on the same samples.
usage: torchaudio_features.py SIGNAL.f32 CONFIG.json OUT.f32   (writes frames x dim float32)
With "pitch": the two pitch values per frame (FeatureConfig.Pitch) from numpy's inverse real FFT of torch's power
spectrum: ln(F0 / 100) at the cepstral peak for 60-400 Hz (parabolic interpolation) and the peak's height over the
least-squares line of the cepstrum there."""
import json, sys
import numpy as np
import torch
import torchaudio

signal_path, config_path, out_path = sys.argv[1:4]
c = json.load(open(config_path))
x = torch.from_numpy(np.fromfile(signal_path, dtype=np.float32).copy()).double()
if c["preEmphasis"] > 0:
    x = torch.cat([x[:1], x[1:] - c["preEmphasis"] * x[:-1]])
melkw = dict(n_fft=c["nFft"], win_length=c["winLength"], hop_length=c["hopLength"], f_min=c["fMin"], f_max=c["fMax"],
             n_mels=c["nMels"], power=2.0, center=True, pad_mode="reflect", mel_scale="htk",
             norm="slaney" if c["melNorm"] == "Slaney" else None)
if c["kind"] == "Mfcc":
    # log_mels=True: MFCC = DCT-II(ortho) of log(mel + 1e-6)
    assert abs(c["logOffset"] - 1e-6) < 1e-12
    t = torchaudio.transforms.MFCC(sample_rate=c["sampleRate"], n_mfcc=c["nMfcc"], dct_type=2, norm="ortho", log_mels=True, melkwargs=melkw)
    y = t.double()(x)
else:
    t = torchaudio.transforms.MelSpectrogram(sample_rate=c["sampleRate"], **melkw)
    y = torch.log(t.double()(x) + c["logOffset"])
y = y.T.contiguous().numpy()
if c.get("pitch"):
    power = torch.stft(x, n_fft=c["nFft"], hop_length=c["hopLength"], win_length=c["winLength"],
                       window=torch.hann_window(c["winLength"], periodic=True, dtype=torch.float64), center=True,
                       pad_mode="reflect", return_complex=True).abs().pow(2).T.numpy()
    bins = c["nFft"] * 4000 // c["sampleRate"]
    bins = 1 << int(np.log2(min(bins, c["nFft"] // 2)))
    cep = np.fft.irfft(np.log(power[:, :bins + 1] + c["logOffset"]), n=2 * bins, axis=1)
    rate = 2.0 * bins * c["sampleRate"] / c["nFft"]
    qs = np.arange(int(np.ceil(rate / 400)), min(int(np.floor(rate / 60)), bins - 1) + 1)
    pitch = np.zeros((cep.shape[0], 2))
    for t, row in enumerate(cep):
        seg = row[qs]
        i = int(np.argmax(seg))
        slope, intercept = np.polyfit(qs, seg, 1)
        pos = float(qs[i])
        if 0 < i < len(qs) - 1 and seg[i - 1] - 2 * seg[i] + seg[i + 1] < 0:
            pos += float(np.clip(0.5 * (seg[i - 1] - seg[i + 1]) / (seg[i - 1] - 2 * seg[i] + seg[i + 1]), -0.5, 0.5))
        pitch[t] = [np.log(rate / pos / 100), seg[i] - (intercept + slope * qs[i])]
    y = np.concatenate([y, pitch], axis=1)
y.astype(np.float32).tofile(out_path)
