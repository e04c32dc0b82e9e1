"""Evaluate codebook.yml against a hand-coded JSON Lines file and print the figures.

Usage (from the repository root):
    PYTHONPATH=src .venv/bin/python benchmarks/evaluate_codebook.py ../shared/evaluation/dev.jsonl
Options: --codebook PATH (default codebook.yml), --json (the full result as JSON),
--passages (also list the passages with the most false positives and negatives).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from evidence.coding import (
    compile_codebook,
    compute_evaluation,
    format_evaluation,
    load_codebook,
    load_jsonl,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path)
    parser.add_argument("--codebook", type=Path, default=Path("codebook.yml"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--passages", action="store_true")
    args = parser.parse_args(argv)
    problems: list[str] = []
    records = load_jsonl(args.records, problems=problems)
    matcher = compile_codebook(load_codebook(args.codebook))
    result = compute_evaluation(records, matcher)
    if not args.passages:
        result["worst_false_positives"] = []
        result["worst_false_negatives"] = []
    print(
        json.dumps(result, indent=2, ensure_ascii=False) if args.json else format_evaluation(result)
    )
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
