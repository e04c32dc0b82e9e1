"""How well a passage argues its cell: confirmed by a person, and the two codes' words close.

A cell holds every passage that carries both of its codes, but a passage can carry them for
unrelated reasons (burnout of workers in one sentence, a fight between residents three
sentences later). The passages that argue the cell come first: those whose row code and
column code a person confirmed, and those whose matched words fall in the same sentence or
close together. A passage whose two codes' words lie far apart comes after all the others,
so it is never a cell's key quote while a closer one exists.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = [
    "CLOSE",
    "SUPPORT_COLUMNS",
    "compute_confirmation",
    "compute_support",
    "rank_by_support",
]

#: Characters between the two codes' nearest matched words below which they read together.
CLOSE = 200
SUPPORT_COLUMNS = ["confirmed", "same_sentence", "distance", "far"]
# A sentence ends at . ! ? … (or a closing quote after them) followed by a space.
_SENTENCE_END = re.compile(r"[.!?…][»”\"')\]]*\s+")


def _sentence_starts(text: str) -> np.ndarray:
    return np.array([0, *(m.end() for m in _SENTENCE_END.finditer(text))])


def _spans_of(spans: object, code: str) -> list[tuple[int, int]]:
    if not isinstance(spans, list | tuple):
        return []
    return [(int(s[0]), int(s[1])) for s in spans if len(s) > 3 and s[3] == code]


def _proximity(text: str, spans: object, row: str, col: str) -> tuple[bool, float]:
    """Return whether the row and column codes' matches share a sentence, and the fewest
    characters between them (inf when one code has no matched words: a person coded it)."""
    left, right = _spans_of(spans, row), _spans_of(spans, col)
    if not left or not right:
        return False, float("inf")
    starts = _sentence_starts(str(text))
    sentence = lambda at: int(np.searchsorted(starts, at, side="right"))  # noqa: E731
    same = any(sentence(a) == sentence(b) for a, _ in left for b, _ in right)
    gap = min(max(0, max(a, b) - min(ea, eb)) for a, ea in left for b, eb in right)
    return same, float(gap)


def compute_support(cells: pd.DataFrame, row: str = "", col: str = "") -> pd.DataFrame:
    """Return ``cells`` (a drill-down) with how each passage supports its cell.

    ``confirmed``: a person confirmed both of the cell's codes on the passage (from the
    drill-down's ``confirmed_codes``); ``same_sentence`` and ``distance``: the two codes'
    matched words share a sentence, and how many characters lie between them (inf when a
    code has no matched words); ``far``: not in one sentence and more than :data:`CLOSE`
    characters apart. The cell is each passage's ``row`` and ``col``, or the ``row`` and
    ``col`` given for the passages of one cell.
    """
    out = cells.copy()
    n = len(out)
    rows = out["row"].tolist() if "row" in out.columns else [row] * n
    cols = out["col"].tolist() if "col" in out.columns else [col] * n
    measured = [
        (r in people and c in people, *_proximity(text, spans, r, c))
        for r, c, text, spans, people in zip(
            rows, cols, out["text"], out["spans"], out["confirmed_codes"], strict=True
        )
    ]
    out["confirmed"] = [m[0] for m in measured]
    out["same_sentence"] = [m[1] for m in measured]
    out["distance"] = np.array([m[2] for m in measured], dtype=float)
    apart = ~out["same_sentence"].astype(bool)
    out["far"] = apart & (out["distance"] > CLOSE) & np.isfinite(out["distance"])
    return out


def rank_by_support(cells: pd.DataFrame, row: str = "", col: str = "") -> pd.DataFrame:
    """Return ``cells`` with :func:`compute_support`'s columns, each cell's passages
    best-supported first.

    Within a cell: passages whose codes lie far apart last; before them, those a person
    confirmed, then those whose codes share a sentence; ties keep their order (how near
    the words are within a sentence or a short span says little more: measured with
    ``benchmarks/quote_support.py``). Cells keep their order.
    """
    scored = compute_support(cells, row, col)
    if scored.empty:
        return scored
    keys = ["row", "col"] if {"row", "col"} <= set(scored.columns) else []
    cell = pd.factorize(pd.MultiIndex.from_frame(scored[keys]))[0] if keys else 0
    ranked = scored.assign(
        _cell=cell,
        _unconfirmed=~scored["confirmed"].astype(bool),
        _apart=~scored["same_sentence"].astype(bool),
        _at=np.arange(len(scored)),
    ).sort_values(["_cell", "far", "_unconfirmed", "_apart", "_at"], kind="stable")
    return ranked.drop(columns=["_cell", "_unconfirmed", "_apart", "_at"]).reset_index(drop=True)


def compute_confirmation(members: pd.DataFrame) -> dict[str, int]:
    """Return how many of the codings behind a matrix's cells a person confirmed.

    ``members`` are the counted codings of every non-empty cell (``compute_matrix_codings``:
    passage_id, code, origin); a passage's code is confirmed when one of its counted codings
    is a person's. Returns ``{"codings": n, "confirmed": k}``, each (passage, code) once.
    """
    if members.empty:
        return {"codings": 0, "confirmed": 0}
    pairs = members[["passage_id", "code"]].astype(str)
    human = members["origin"].astype(str).eq("human").to_numpy()
    key = pairs["passage_id"] + "\x1f" + pairs["code"]
    return {"codings": int(key.nunique()), "confirmed": int(key[human].nunique())}
