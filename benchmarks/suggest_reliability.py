"""Are the suggester's probabilities calibrated? A reliability table on hand-coded passages.

The hand-coded passages of ``../shared/evaluation/train.jsonl`` stand in for a workbook's
completely reviewed passages: the suggester learns from them as ``evidence suggest`` learns
from the decisions file, and its calibrated probabilities on held-out folds are grouped in
bins. A calibrated suggester is right about as often as it says: ``observed`` close to
``mean_probability`` in each bin. The expected calibration error (ECE) sums the gaps,
weighted by each bin's share of predictions.

    .venv/bin/python benchmarks/suggest_reliability.py [FILE.jsonl] [--json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from evidence.coding import Example, compute_reliability, load_codebook, train_suggester

REPO = Path(__file__).resolve().parents[1]
TRAIN = REPO.parent / "shared" / "evaluation" / "train.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=TRAIN)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    records = [json.loads(line) for line in args.file.read_text("utf-8").splitlines() if line]
    codes = sorted(load_codebook(REPO / "codebook.yml").codes)
    examples = [
        Example(r["id"], r["text"], frozenset(r["codes"]), frozenset(codes) - set(r["codes"]), True)
        for r in records
    ]
    suggester = train_suggester(examples, codes)
    table = compute_reliability(suggester)
    total = sum(row["n"] for row in table)
    ece = sum(row["n"] / total * abs(row["observed"] - row["mean_probability"]) for row in table)
    if args.json:
        print(json.dumps({"bins": table, "ece": round(ece, 4), "predictions": total}, indent=1))
        return
    print(
        f"{len(records)} passages, {len(suggester.held_out)} codes with a model, "
        f"{total} held-out predictions"
    )
    print(f"{'bin':<12}{'n':>7}{'mean p':>9}{'observed':>10}")
    for row in table:
        print(
            f"{str(row['bin']):<12}{row['n']:>7}{row['mean_probability']:>9.3f}{row['observed']:>10.3f}"
        )
    print(f"expected calibration error: {ece:.4f}")


if __name__ == "__main__":
    main()
