#!/usr/bin/env python3
"""Builds the text-sentiment training, validation and test CSVs from ../shared/datasets/text, and the derived lexicon.

  python3 models/training/text_datasets.py lexicon            # writes models/text-sentiment/lexicon.tsv
  python3 models/training/text_datasets.py prepare --out DIR  # writes DIR/{train,val}.csv and DIR/test_*.csv

Every CSV has the columns text,label,source with label negative/neutral/positive. Nothing here is committed except
the lexicon; the CSVs go to a temporary folder.

Splits (all deterministic, no random state):
  * airline train.csv: per label, tweets ordered by FNV-1a-32 of the tweet_id (then the id); the first 20 % (floor) is
    the project's held-out test set (test_airline.csv, never trained on), the next 10 % is validation, the rest training.
    CallSentiment.Analysis.Tests reproduces the same rule.
  * tweeteval validation: 85 % train / 15 % validation by FNV-1a of the line number; tweeteval test = test_tweeteval.csv.
  * dailydialog train: whole dialogues, 90 % train / 10 % validation by FNV-1a of the dialogue number; emotion ids
    0 none -> neutral, 4 happiness -> positive, 1 anger, 2 disgust, 3 fear, 5 sadness -> negative, 6 surprise dropped
    (surprise is as often good as bad news). dailydialog validation = test_dailydialog.csv (never trained on).
  * sst2 train (phrases of at least 3 words) and uci (amazon/yelp/imdb): binary, positive/negative only; 90/10 by hash.
  * financial phrasebank (50 % agreement set, a superset of the 66/75/100 % files): sentences deduplicated by
    normalised text (whitespace collapsed, lower case; sentences given two labels dropped), then split by FNV-1a of
    "financial:" + that text: < 50 train, 50..59 validation, >= 60 test_financial.csv. Keying on the text keeps every
    copy of a sentence, from any agreement file, in one part, so no test sentence is ever trained or tuned on.
"""
import argparse
import csv
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TEXT = os.path.join(ROOT, "..", "shared", "datasets", "text")
LABELS = ["negative", "neutral", "positive"]
DD_MAP = {0: "neutral", 4: "positive", 1: "negative", 2: "negative", 3: "negative", 5: "negative"}


def fnv1a(s):
    h = 2166136261
    for b in s.encode("utf-8"):
        h ^= b
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def airline_split():
    """Returns {tweet_id: 'test'|'val'|'train'} and the rows."""
    with open(os.path.join(TEXT, "airline", "train.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    split = {}
    for label in LABELS:
        ids = sorted((fnv1a(r["tweet_id"]), r["tweet_id"]) for r in rows if r["airline_sentiment"] == label)
        n = len(ids)
        n_test, n_val = n * 20 // 100, n * 10 // 100
        for k, (_, tid) in enumerate(ids):
            split[tid] = "test" if k < n_test else "val" if k < n_test + n_val else "train"
    return split, rows


def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label", "source"])
        for r in rows:
            w.writerow(r)
    print(f"{path}: {len(rows)} rows", file=sys.stderr)


def dailydialog(part):
    base = os.path.join(TEXT, "dailydialog")
    with open(os.path.join(base, f"dialogues_{part}.txt"), encoding="utf-8") as f:
        dialogues = [l.rstrip("\n") for l in f if l.strip()]
    with open(os.path.join(base, f"dialogues_emotion_{part}.txt"), encoding="utf-8") as f:
        emotions = [l.split() for l in f if l.strip()]
    assert len(dialogues) == len(emotions), (len(dialogues), len(emotions))
    out = []
    for d, (text, emo) in enumerate(zip(dialogues, emotions)):
        utts = [u.strip() for u in text.split("__eou__")]
        utts = [u for u in utts if u]
        if len(utts) != len(emo):
            continue  # a handful of dialogues have an inconsistent count; skipping them is safer than guessing
        for u, e in zip(utts, emo):
            label = DD_MAP.get(int(e))
            if label:
                out.append((d, u, label))
    return out


def financial():
    """Financial PhraseBank (50 % agreement file, which contains every sentence of the stricter files with the same
    label): deduplicated by normalised sentence text, split by FNV-1a of that text — 50 % train, 10 % validation,
    40 % test. The key is the text, so a sentence falls in the same part whichever agreement file it is read from, and
    repeated sentences (or ones given conflicting labels) never straddle parts."""
    labels = {}
    with open(os.path.join(TEXT, "financial_phrasebank", "Sentences_50Agree.txt"), encoding="latin-1") as f:
        for line in f:
            sentence, _, label = line.strip().rpartition("@")
            if label not in LABELS or not sentence.strip():
                continue
            key = " ".join(sentence.split()).lower()
            labels.setdefault(key, (sentence.strip(), set()))[1].add(label)
    parts = ([], [], [])
    for key, (sentence, ls) in sorted(labels.items()):
        if len(ls) != 1:
            continue  # the same sentence with two labels: drop rather than guess
        h = fnv1a("financial:" + key) % 100
        parts[0 if h < 50 else 1 if h < 60 else 2].append((sentence, ls.pop(), "financial"))
    return parts


def prepare(out):
    os.makedirs(out, exist_ok=True)
    train, val = [], []
    split, rows = airline_split()
    test_air = []
    for r in rows:
        item = (r["text"], r["airline_sentiment"], "airline")
        s = split[r["tweet_id"]]
        (test_air if s == "test" else val if s == "val" else train).append(item)
    write(os.path.join(out, "test_airline.csv"), test_air)

    te = os.path.join(TEXT, "tweeteval")
    for part, dest in (("val", None), ("test", "test")):
        with open(os.path.join(te, f"{part}_text.txt"), encoding="utf-8") as f:
            texts = [l.rstrip("\n") for l in f]
        with open(os.path.join(te, f"{part}_labels.txt"), encoding="utf-8") as f:
            labels = [LABELS[int(l)] for l in f if l.strip()]
        items = [(t.strip(), l, "tweeteval") for t, l in zip(texts, labels)]
        if dest:
            write(os.path.join(out, "test_tweeteval.csv"), items)
        else:
            for i, it in enumerate(items):
                (val if fnv1a(f"tweeteval:{i}") % 100 < 15 else train).append(it)

    for d, u, label in dailydialog("train"):
        (val if fnv1a(f"dailydialog:{d}") % 100 < 10 else train).append((u, label, "dailydialog"))
    write(os.path.join(out, "test_dailydialog.csv"), [(u, l, "dailydialog") for _, u, l in dailydialog("validation")])

    with open(os.path.join(TEXT, "sst2", "train.tsv"), encoding="utf-8") as f:
        next(f)
        for i, line in enumerate(f):
            sentence, label = line.rstrip("\n").rsplit("\t", 1)
            sentence = sentence.strip()
            if len(sentence.split()) < 3:
                continue
            item = (sentence, "positive" if label == "1" else "negative", "sst2")
            (val if fnv1a(f"sst2:{i}") % 100 < 10 else train).append(item)

    for name in ("amazon_cells", "yelp", "imdb"):
        with open(os.path.join(TEXT, "uci", f"{name}_labelled.txt"), encoding="utf-8") as f:
            next(f)
            for i, line in enumerate(f):
                parts = line.rstrip("\n").rsplit("\t", 1)
                if len(parts) != 2 or parts[1].strip() not in ("0", "1"):
                    continue
                item = (parts[0].strip(), "positive" if parts[1].strip() == "1" else "negative", "uci")
                (val if fnv1a(f"uci:{name}:{i}") % 100 < 10 else train).append(item)

    fin_train, fin_val, fin_test = financial()
    train += fin_train
    val += fin_val
    write(os.path.join(out, "test_financial.csv"), fin_test)
    write(os.path.join(out, "train.csv"), train)
    write(os.path.join(out, "val.csv"), val)


def lexicon():
    src = os.path.join(TEXT, "vader", "vader_lexicon.txt")
    dst = os.path.join(ROOT, "models", "text-sentiment", "lexicon.tsv")
    with open(os.path.join(TEXT, "vader", "LICENSE.txt"), encoding="utf-8") as f:
        licence = f.read().strip().splitlines()
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8", newline="\n") as out:
        out.write("# Token valence (-4..+4) derived from the VADER sentiment lexicon (mean rating only), used by the\n")
        out.write("# text-sentiment featuriser. VADER is distributed under the MIT licence, reproduced here:\n")
        for l in licence:
            out.write(("# " + l).rstrip() + "\n")
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                out.write(f"{parts[0]}\t{float(parts[1]):g}\n")
    print(dst, file=sys.stderr)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["prepare", "lexicon"])
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.command == "lexicon":
        lexicon()
    else:
        prepare(a.out or sys.exit("--out DIR is required"))
