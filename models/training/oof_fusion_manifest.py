"""Out-of-fold voice evidence for a fusion refit (models/fusion/MODEL_CARD.md, "Rule for a refit on out-of-fold
voice evidence").

The voice model is trained on the fitting part's acted speakers, so the fusion evidence of those calls, analysed with
it, is in-sample: the voice sounds far surer than it is on a caller nobody trained on. `train_ser.py --cv K
--save-folds` leaves each speaker out of one fold model; this script routes every fitting call with an acted customer
to the fold model that never heard that customer, and merges the predictions into one manifest `calibrate` reads.

    python3 models/training/oof_fusion_manifest.py split --calls calls.csv --cv ser-cv4/cv-metrics.json --out DIR
    for k in 1 2 3 4; do
      callsentiment evaluate-calls --manifest DIR/fold-$k.csv --data CALLS --model ser-cv4/fold-$k --cache CACHE --out DIR/pred-fold-$k.csv
    done
    callsentiment evaluate-calls --manifest calls.csv --cache CACHE --out DIR/pred-committed.csv      # the shipped voice model
    python3 models/training/oof_fusion_manifest.py merge --calls calls.csv --committed DIR/pred-committed.csv \
        --folds DIR/pred-fold-1.csv,... --out DIR/oof.csv
    callsentiment calibrate --manifest DIR/oof.csv --test-where split=report --group customer_person

`customer_person` is the customer's voice (the acted speaker of a mixed call, whose customer_speaker also names the
Festival voice), so calibrate's grouped cross-validation never splits one person's calls. Calls whose customer no
voice model heard (the Festival voices of the word-carried calls) and the reporting calls keep
the shipped model's evidence.
"""
import argparse, csv, json, sys


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def acted(call):
    """The acted speaker of a call's customer side: mixed calls name two voices (`ravdess_03+tts_cmu`)."""
    return call["customer_speaker"].split("+")[0]


def split(args):
    calls = read(args.calls)
    folds = [set(f["test_speakers"]) for f in json.load(open(args.cv))["folds"]]
    header = list(calls[0].keys())
    counts = []
    for k, speakers in enumerate(folds, 1):
        rows = [c for c in calls if c["split"] == "fit" and acted(c) in speakers]
        with open(f"{args.out}/fold-{k}.csv", "w", newline="") as f:
            w = csv.DictWriter(f, header)
            w.writeheader()
            w.writerows(rows)
        counts.append(len(rows))
    n = sum(1 for c in calls if c["split"] == "fit" and any(acted(c) in s for s in folds))
    print(f"fold manifests: {counts} calls (fitting calls with an acted customer: {n})")


def merge(args):
    calls = read(args.calls)
    committed = {p["path"]: p for p in read(args.committed)}
    oof = {}
    for path in args.folds.split(","):
        for p in read(path):
            if p["path"] in oof:
                sys.exit(f"{p['path']} is in two fold predictions")
            oof[p["path"]] = p
    out, used = [], 0
    for c in calls:
        p = oof.get(c["path"]) if c["split"] == "fit" else None
        used += p is not None
        p = p or committed.get(c["path"])
        if p is None or not p.get("customer_evidence"):
            continue
        out.append({**c, "customer_person": acted(c), "customer_evidence": p["customer_evidence"], "voice_model": "fold" if c["path"] in oof and c["split"] == "fit" else "committed"})
    with open(args.out, "w", newline="") as f:
        w = csv.DictWriter(f, list(out[0].keys()))
        w.writeheader()
        w.writerows(out)
    print(f"{len(out)} calls with evidence; {used} fitting calls with out-of-fold voice evidence -> {args.out}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("split")
    s.add_argument("--calls", required=True)
    s.add_argument("--cv", required=True, help="cv-metrics.json of train_ser.py --cv K --save-folds")
    s.add_argument("--out", required=True)
    m = sub.add_parser("merge")
    m.add_argument("--calls", required=True)
    m.add_argument("--committed", required=True)
    m.add_argument("--folds", required=True)
    m.add_argument("--out", required=True)
    args = ap.parse_args()
    (split if args.cmd == "split" else merge)(args)


if __name__ == "__main__":
    main()
