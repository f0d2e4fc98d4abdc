#!/usr/bin/env python3
"""Scores every test set text_datasets.py wrote with the offline model and the VADER baseline through the product's
own `callsentiment evaluate-text`, and writes models/text-sentiment/metrics.json.

  python3 models/training/text_metrics.py --sets /tmp/textsets [--model models/text-sentiment]

The figures are evaluate-text's last line (macroF1=… accuracy=… n=…), i.e. exactly what a user reproduces by hand.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.path.join(ROOT, "src", "CallSentiment.Cli", "bin", "Release", "net10.0", "callsentiment.dll")
LAST = re.compile(r"^macroF1=([0-9.]+) accuracy=([0-9.]+) n=(\d+)$")


def evaluate(path, engine, model):
    cmd = ["dotnet", CLI, "evaluate-text", "--input", path, "--text-column", "text", "--label-column", "label",
           "--engine", engine]
    if engine == "offline":
        cmd += ["--model", model]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip().splitlines()
    m = LAST.match(out[-1])
    assert m, f"unexpected last line from evaluate-text: {out[-1]!r}"
    return {"macroF1": float(m.group(1)), "accuracy": float(m.group(2)), "n": int(m.group(3))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", required=True, help="folder written by text_datasets.py prepare")
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "text-sentiment"))
    a = ap.parse_args()
    results = {}
    for path in sorted(glob.glob(os.path.join(a.sets, "test_*.csv"))):
        name = os.path.basename(path)[len("test_"):-len(".csv")]
        results[name] = {engine: evaluate(path, engine, a.model) for engine in ("offline", "vader")}
        r = results[name]
        print(f"{name}: offline {r['offline']['macroF1']:.4f} vader {r['vader']['macroF1']:.4f} (n={r['offline']['n']})",
              file=sys.stderr)
    with open(os.path.join(a.model, "text-sentiment.json"), encoding="utf-8") as f:
        card = json.load(f)
    metrics = {
        "metric": "macro-F1 over negative/neutral/positive (MIXED counted as the larger of its positive and negative "
                  "scores), from `callsentiment evaluate-text`",
        "test": results,
        "validation": card["training"]["validation"],
        "temperature": card["temperature"],
        "mixedThreshold": card["mixed"]["threshold"],
    }
    with open(os.path.join(a.model, "metrics.json"), "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
