"""Writes the speech-emotion manifests the training and the final held-out evaluation read (under work/, never committed).

    python3 models/training/ser_manifests.py --datasets ../shared/datasets/ser --out models/training/work/manifests

For each corpus: <corpus>-pool.csv (every speaker NOT in models/report-speakers.csv: what training, cross-validation
and leave-one-corpus-out may use) and <corpus>-report.csv (the report speakers only: scored once, on the final model).
Paths are absolute, so the manifests work from anywhere. Labels are mapped to the model's shared label set: calm
(RAVDESS, TurEV) is folded into neutral (both are neutral valence, and TurEV's "calm" is its neutral); EmoDB's boredom
has no counterpart in the other corpora and is left out.
"""
import argparse, csv, os

CORPORA = ["ravdess", "emodb", "emovo", "turev"]
LABEL_MAP = {"calm": "neutral"}
DROPPED = {"boredom"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", required=True, help="folder holding ravdess/, emodb/, emovo/, turev/ with MANIFEST.csv")
    ap.add_argument("--report-speakers", default=os.path.join(os.path.dirname(__file__), "..", "report-speakers.csv"))
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    report = {r["speaker"] for r in csv.DictReader(open(args.report_speakers))}
    os.makedirs(args.out, exist_ok=True)
    for corpus in CORPORA:
        root = os.path.abspath(os.path.join(args.datasets, corpus))
        rows = list(csv.DictReader(open(os.path.join(root, "MANIFEST.csv"))))
        outs = {"pool": [], "report": []}
        for r in rows:
            if r["emotion"] in DROPPED:
                continue
            emotion = LABEL_MAP.get(r["emotion"], r["emotion"])
            outs["report" if r["speaker"] in report else "pool"].append(
                {"path": os.path.join(root, r["path"]), "speaker": r["speaker"], "emotion": emotion, "corpus": corpus})
        for kind, items in outs.items():
            with open(os.path.join(args.out, f"{corpus}-{kind}.csv"), "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=["path", "speaker", "emotion", "corpus"])
                w.writeheader()
                w.writerows(items)
            print(f"{corpus}-{kind}: {len(items)} clips, {len({i['speaker'] for i in items})} speakers")


if __name__ == "__main__":
    main()
