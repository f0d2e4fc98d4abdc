#!/usr/bin/env python3
"""Joins the partial runs of one recipe that `train_ser.py` was split into (`--only-folds`, `--only-loco`, one process
per core) into the figures of the selection rule: the speaker-grouped CV pooled over every fold (confusion matrices
summed, so the UA is the one a single run would print), per corpus, wideband and telephone; leave-one-corpus-out per
held-out corpus and its mean; S = (CV UA + LOCO UA) / 2. Writes the joined JSON with --out.

    python3 models/training/ser_combine.py --cv A/cv-metrics.json,B/cv-metrics.json --loco C/cv-metrics.json --out run.json
"""
import argparse
import json

import numpy as np


def ua(cm):
    cm = np.asarray(cm)
    present = [i for i in range(len(cm)) if cm[i].sum() > 0]
    return float(np.mean([cm[i, i] / cm[i].sum() for i in present]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cv", required=True, help="comma-separated cv-metrics.json of the CV parts")
    ap.add_argument("--loco", required=True, help="comma-separated cv-metrics.json of the LOCO parts")
    ap.add_argument("--out")
    args = ap.parse_args()
    cv = [json.load(open(p)) for p in args.cv.split(",")]
    loco = [json.load(open(p)) for p in args.loco.split(",")]
    folds = [f for run in cv for f in run["folds"]]
    if len({tuple(f["test_speakers"]) for f in folds}) != len(folds):
        raise SystemExit("a fold appears in more than one part")
    joined = {k: v for k, v in cv[0].items() if not k.startswith(("cv_", "loco", "folds", "only_", "score", "seconds"))}
    joined["folds"] = folds
    for name in ("wideband", "telephone"):
        keys = sorted({k for run in cv for k in run if k.startswith(f"cv_{name}")})
        for key in keys:
            cm = sum(np.asarray(run[key]["confusion"]) for run in cv if key in run)
            joined[key] = {"UA": ua(cm), "n": int(cm.sum()), "confusion": cm.tolist()}
            if all("valenceConfusion" in run[key] for run in cv if key in run):  # runs before 2026-12-07 lack it
                vcm = sum(np.asarray(run[key]["valenceConfusion"]) for run in cv if key in run)
                joined[key].update(valenceUA=ua(vcm), valenceConfusion=vcm.tolist())
        print(f"CV {name}: UA {joined[f'cv_{name}']['UA']:.3f} over {len(folds)} folds; per fold "
              + " ".join(f"{f[name]['UA']:.3f}" for f in folds) + "; "
              + " ".join(f"{k.split('_')[-1]} {joined[k]['UA']:.3f}" for k in keys if k != f"cv_{name}"))
    joined["loco"] = {c: r for run in loco for c, r in run["loco"].items()}
    for name in ("wideband", "telephone"):
        joined[f"loco_mean_{name}_UA"] = float(np.mean([r[name]["UA"] for r in joined["loco"].values()]))
        print(f"LOCO {name}: " + " ".join(f"{c} {r[name]['UA']:.3f}" for c, r in sorted(joined["loco"].items()))
              + f"; mean {joined[f'loco_mean_{name}_UA']:.3f}")
    joined["score"] = (joined["cv_wideband"]["UA"] + joined["loco_mean_wideband_UA"]) / 2
    joined["seconds"] = sum(run.get("seconds", 0) for run in cv + loco)
    print(f"S = (CV UA + LOCO UA) / 2 = {joined['score']:.4f}")
    if args.out:
        json.dump(joined, open(args.out, "w"), indent=1)


if __name__ == "__main__":
    main()
