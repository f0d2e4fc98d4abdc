"""Independent reference for FeatureTests: torchaudio's MelSpectrogram / MFCC on the same samples.
usage: torchaudio_features.py SIGNAL.f32 CONFIG.json OUT.f32   (writes frames x dim float32)"""
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
y.T.contiguous().float().numpy().tofile(out_path)
