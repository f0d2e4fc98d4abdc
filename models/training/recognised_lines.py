#!/usr/bin/env python3
"""The labelled conversational lines as the product's recogniser hears them over the phone.

    python3 models/training/recognised_lines.py --out work/recognised [--role customer] [--jobs 2]

Each line of `models/training/conversational/lines.csv` with the given role is spoken by four TTS voices (Festival
kal_diphone and cmu_us_slt_arctic_hts, espeak-ng en-us+m3 and en-gb+f2: espeak-ng's voices are recognised far worse,
closer to what real callers get), put through the 8 kHz mu-law telephone channel (sox) and recognised by
`callsentiment transcribe --speakers 1 --json` (pocketsphinx with the product's settings). Writes
OUT/recognised.csv: text (what was recognised; empty when nothing was), clean (the written line), label, role,
scenario, split, voice, confidence (mean word confidence). Audio is kept in OUT/audio, so a rerun speaks and
recognises only what is missing. Needs festival with its voices, espeak-ng and sox (apt).
"""
import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LINES = os.path.join(ROOT, "models", "training", "conversational", "lines.csv")
CLI = os.path.join(ROOT, "src", "CallSentiment.Cli", "bin", "Release", "net10.0", "callsentiment")
VOICES = ["festival:kal_diphone", "festival:cmu_us_slt_arctic_hts", "espeak:en-us+m3", "espeak:en-gb+f2"]


def speak(voice, text, wav):
    """TTS at the voice's own rate, then the telephone channel: 8 kHz mono mu-law."""
    if os.path.exists(wav):
        return
    engine, name = voice.split(":", 1)
    raw = wav + ".raw.wav"
    if engine == "festival":
        txt = wav + ".txt"
        with open(txt, "w") as f:
            f.write(text)
        subprocess.run(["text2wave", "-eval", f"(voice_{name})", txt, "-o", raw], check=True, capture_output=True)
        os.remove(txt)
    else:
        subprocess.run(["espeak-ng", "-v", name, "-w", raw, text], check=True, capture_output=True)
    subprocess.run(["sox", raw, "-r", "8000", "-c", "1", "-e", "mu-law", wav + ".tmp.wav"], check=True, capture_output=True)
    os.replace(wav + ".tmp.wav", wav)
    os.remove(raw)


def recognise(cli, files):
    """file -> (text, mean confidence), one transcribe process for the batch; a clip it could not read is left out
    (transcribe prints the reason and goes on)."""
    out = subprocess.run([cli, "transcribe", *files, "--speakers", "1", "--json"], check=False, capture_output=True, text=True)
    if out.returncode != 0:
        print(f"transcribe exited {out.returncode}: {out.stderr.strip()[-500:]}", file=sys.stderr)
    result, text, at = {}, out.stdout, 0
    decoder = json.JSONDecoder()
    while (at := text.find("{", at)) >= 0:  # one indented JSON object per file; a failed file prints a plain line
        d, at = decoder.raw_decode(text, at)
        words = d["transcript"]["words"]
        conf = sum(w["confidence"] for w in words) / len(words) if words else 0.0
        result[d["file"]] = (" ".join(w["text"] for w in words), conf)
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--role", default="customer", choices=("agent", "customer", "all"))
    ap.add_argument("--voices", default=",".join(VOICES))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--cli", default=CLI)
    args = ap.parse_args()
    rows = [r for r in csv.DictReader(open(LINES, newline="", encoding="utf-8")) if args.role in ("all", r["role"])]
    voices = args.voices.split(",")
    audio = os.path.abspath(os.path.join(args.out, "audio"))
    os.makedirs(audio, exist_ok=True)
    items = []
    for voice in voices:
        for r in rows:
            key = hashlib.sha256(f"{voice}|{r['text']}".encode()).hexdigest()[:20]
            items.append((voice, r, os.path.join(audio, key + ".wav")))
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(lambda it: speak(it[0], it[1]["text"], it[2]), items))
    print(f"{len(items)} clips spoken ({len(rows)} lines x {len(voices)} voices)", file=sys.stderr)

    cache = os.path.join(args.out, "recognised.json")
    known = json.load(open(cache)) if os.path.exists(cache) else {}
    todo = sorted({it[2] for it in items if it[2] not in known})
    if todo:
        batches = [todo[i::args.jobs] for i in range(args.jobs)]
        with ThreadPoolExecutor(args.jobs) as pool:
            for part in pool.map(lambda b: recognise(args.cli, b), batches):
                known.update(part)
        with open(cache, "w") as f:
            json.dump(known, f)
    missing = [f for f in todo if f not in known]
    if missing:
        sys.exit(f"{len(missing)} clips were not recognised, e.g. {missing[0]}")

    path = os.path.join(args.out, "recognised.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "clean", "label", "role", "scenario", "split", "voice", "confidence"])
        for voice, r, wav in items:
            text, conf = known[wav]
            w.writerow([text, r["text"], r["label"], r["role"], r["scenario"], r["split"], voice, f"{conf:.3f}"])
    print(f"wrote {path} ({len(items)} rows)", file=sys.stderr)


if __name__ == "__main__":
    main()
