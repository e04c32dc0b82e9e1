"""Do the chapters' key quotes argue their cell? Measured on hand-coded passages.

The hand-coded passages of ``../shared/evaluation/train.jsonl`` stand in for a library: each
passage is one passage of its source (its address), the codebook's rules code them, the
matrix crosses forms of violence with consequences (the literature chapter), and each
non-empty cell gets its key quote as a chapter picks it. A key quote argues its cell when
the reference coding gives the passage both of the cell's codes. The share is reported for
the drill-down in document order (the order before quotes were ranked) and ranked by
support (a person's confirmation, the two codes' words in one sentence or close together).

    .venv/bin/python benchmarks/quote_support.py [FILE.jsonl ...] [--rows form --cols cons]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from evidence.analysis import (
    compute_matrix,
    compute_matrix_codings,
    describe_passages,
    rank_by_support,
)
from evidence.coding import code_passages, compile_codebook, load_codebook
from evidence.report import compute_key_quotes

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "evaluation"


def _library(records: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    passages = pd.DataFrame(
        {
            "id": [r["id"] for r in records],
            "source_key": [r.get("source_url") or r["id"] for r in records],
            "page_index": 0,
            "page_label": "1",
            "seq": range(len(records)),
            "lang": [r["lang"] for r in records],
            "section": "body",
            "text": [r["text"] for r in records],
        }
    )
    keys = sorted(set(passages["source_key"]))
    sources = pd.DataFrame(
        {"key": keys, "authors": "[]", "year": None, "kind": "literature", "item_type": ""}
    )
    matcher = compile_codebook(load_codebook(REPO / "codebook.yml"))
    source_of = dict(zip(passages["id"], passages["source_key"], strict=True))
    rows = zip(passages["id"], passages["text"], passages["lang"], strict=True)
    coded = code_passages(rows, matcher)
    codings = pd.DataFrame(
        [
            (
                c.passage_id,
                source_of[c.passage_id],
                c.code,
                "rule",
                json.dumps([[m.start, m.end, m.pattern] for m in c.spans]),
            )
            for c in coded
        ],
        columns=["passage_id", "source_key", "code", "origin", "spans"],
    )
    return passages, codings, sources


def _cells(passages, codings, sources, matrix, *, ranked: bool) -> pd.DataFrame:
    members = compute_matrix_codings(codings, matrix, sources=sources)
    details = codings.rename(columns={"passage_id": "id"})
    frames = []
    for (r, c), group in members.groupby(["row", "col"], sort=False):
        cell = describe_passages(
            passages, details, sources, group.rename(columns={"passage_id": "id"})
        ).assign(row=r, col=c)
        frames.append(rank_by_support(cell, r, c) if ranked else cell)
    return pd.concat(frames, ignore_index=True)


def measure(path: Path, rows: str, cols: str) -> dict[str, object]:
    """Return the share of key quotes whose passage carries both codes in the reference."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    reference = {r["id"]: set(r["codes"]) for r in records}
    passages, codings, sources = _library(records)
    codes = sorted(set(codings["code"]))
    row_codes = [c for c in codes if c.startswith(rows + ".")]
    col_codes = [c for c in codes if c.startswith(cols + ".")]
    matrix = compute_matrix(codings, row_codes, col_codes, sources=sources)
    out: dict[str, object] = {"file": path.name, "cells": int((matrix["sources"] > 0).sum())}
    for name, ranked in (("document_order", False), ("ranked", True)):
        cells = _cells(passages, codings, sources, matrix, ranked=ranked)
        quotes = compute_key_quotes(matrix, cells, limit=len(matrix))
        argued = [
            q.row in reference[q.id] and q.col in reference[q.id] for q in quotes.itertuples()
        ]
        out[name] = {
            "quotes": len(argued),
            "argue_their_cell": sum(argued),
            "share": round(sum(argued) / len(argued), 3) if argued else None,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, default=[SHARED / "train.jsonl"])
    parser.add_argument("--rows", default="form")
    parser.add_argument("--cols", default="cons")
    args = parser.parse_args()
    for path in args.files:
        if not path.is_file():
            raise SystemExit(f"{path}: not found (the shared evaluation set lives beside the repo)")
        print(json.dumps(measure(path, args.rows, args.cols), ensure_ascii=False))


if __name__ == "__main__":
    main()
