"""The data of an interactive evidence map: the matrix, the passages behind its cells, and
what a browser needs to filter them, packed small.

Nothing is counted here: the counts are the matrix engine's (:func:`compute_matrix`), the
cells' passages are its members (:func:`compute_matrix_codings`), ranked as every drill-down
ranks them (:func:`rank_by_support`). What a reader can filter in the page (source type,
language, years, country, setting, population, confirmed by a person) is packed per source
and per passage, so the page recounts exactly as :func:`select_codings` would.

Packing. ``index`` (needed to draw the map and filter it) holds integers only: per source its
type, year and country; per passage its source, language and setting/population codes; per
cell the list of its passages (index ``i``, or ``-1 - i`` when a person confirmed both codes),
ranked. ``quotes`` (needed once a cell is opened) holds per passage the excerpt, the matched
words as (start, end, code) triples, and indexes into a table of citations and a table of
links, each distinct string once. An excerpt is the passage up to :data:`EXCERPT` characters,
cut around the matched words when the passage is longer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CONTEXT_FACETS", "EXCERPT", "compute_map", "cut_excerpt", "excerpt_length"]

#: Facets a map offers as filters (a passage must carry one of the chosen codes of each).
CONTEXT_FACETS = ("setting", "pop")
#: Longest excerpt of a passage kept in a map, in characters, and the shortest.
EXCERPT, _SHORTEST = 400, 120
#: Characters of excerpts a map holds in all (about 0.45 bytes each once gzipped in base64).
_BUDGET = 30_000_000
_BEFORE = 50  # characters kept before the first matched word of a long passage


def excerpt_length(passages: int) -> int:
    """Return the longest excerpt a map of ``passages`` passages keeps (see the module doc)."""
    return max(_SHORTEST, min(EXCERPT, _BUDGET // max(1, passages)))


def cut_excerpt(
    text: str, spans: Sequence[Sequence[Any]], limit: int = EXCERPT
) -> tuple[str, list[list[Any]]]:
    """Return ``text`` cut to at most ``limit`` characters (plus ellipses) around its first
    matched word, and ``spans`` shifted into the excerpt (those cut off are dropped)."""
    if len(text) <= limit:
        return text, [list(s) for s in spans]
    first = min((int(s[0]) for s in spans), default=0)
    start = max(0, min(first - _BEFORE, len(text) - limit))
    if start:
        # Start at a word boundary, so the excerpt does not open mid-word.
        blank = text.find(" ", start, start + 20)
        start = blank + 1 if blank >= 0 else start
    end = min(len(text), start + limit)
    head, tail = ("…" if start else ""), ("…" if end < len(text) else "")
    shift = len(head) - start
    kept = [
        [int(s[0]) + shift, int(s[1]) + shift, *s[2:]]
        for s in spans
        if int(s[0]) >= start and int(s[1]) <= end
    ]
    return head + text[start:end] + tail, kept


def _table(values: Sequence[str]) -> tuple[list[str], list[int]]:
    """Return the distinct strings (in order of first use) and each value's index."""
    codes, uniques = pd.factorize(pd.Series(list(values), dtype=object), sort=False)
    return [str(u) for u in uniques], [int(c) for c in codes]


def _year(value: object) -> int | None:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return None if pd.isna(number) else int(number)


def compute_map(
    matrix: pd.DataFrame,
    ranked: pd.DataFrame,
    described: pd.DataFrame,
    sources: pd.DataFrame,
    context: pd.DataFrame,
    *,
    labels: Mapping[str, str],
    links: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the map's data: ``{"index": ..., "quotes": ...}``, JSON-able.

    ``matrix``: :func:`compute_matrix` (row, col, sources, passages, field_sources), in the
    order to draw. ``ranked``: :func:`rank_by_support` of the cells' passages (row, col, id,
    confirmed), best first within each cell. ``described``: :func:`describe_passages` of every
    passage of the map, once each (id, source_key, lang, text, spans, citation, kind).
    ``sources``: key, kind, year, country. ``context``: the counted codings of setting and
    population codes on those passages (id, code, origin). ``labels``: code -> label.
    ``links``: passage id -> link (relative to the map, or a Zotero link; none by default).
    """
    rows = list(dict.fromkeys(matrix["row"]))
    cols = list(dict.fromkeys(matrix["col"]))
    codes = [*rows, *[c for c in cols if c not in rows]]
    code_at = {c: i for i, c in enumerate(codes)}
    described = described.drop_duplicates("id").reset_index(drop=True)
    at = {pid: i for i, pid in enumerate(described["id"])}

    used = sorted(set(described["source_key"]))
    source_at = {k: i for i, k in enumerate(used)}
    table = sources.drop_duplicates("key").set_index("key").reindex(used)
    kinds = sorted({str(k) for k in table["kind"].fillna("literature")})
    countries: dict[str, str] = {}
    for c in table["country"].fillna("").astype(str):
        if c.strip():
            countries.setdefault(c.strip().casefold(), c.strip())
    country_keys = sorted(countries)
    langs = sorted({str(v) for v in described["lang"].fillna("")})

    context_codes = sorted(set(context["code"].astype(str))) if len(context) else []
    context_at = {c: i for i, c in enumerate(context_codes)}
    per_passage: list[list[int]] = [[] for _ in range(len(described))]
    if len(context):
        for pid, code, origin in (
            context[["id", "code", "origin"]].astype(str).itertuples(index=False)
        ):
            if pid in at:
                per_passage[at[pid]].append(context_at[code] * 2 + (origin == "human"))
    per_passage = [sorted(set(p)) for p in per_passage]

    cells: dict[tuple[str, str], list[int]] = {}
    for r, c, pid, confirmed in ranked[["row", "col", "id", "confirmed"]].itertuples(index=False):
        i = at[pid]
        cells.setdefault((r, c), []).append(-1 - i if bool(confirmed) else i)

    cites, cite_of = _table(described["citation"].astype(str).tolist())
    link_values = [(links or {}).get(pid, "") for pid in described["id"]]
    link_table, link_of = _table(link_values)
    texts, marks, limit = [], [], excerpt_length(len(described))
    for text, spans in zip(described["text"], described["spans"], strict=True):
        spans = [s for s in (spans if isinstance(spans, list) else []) if s[3] in code_at]
        excerpt, kept = cut_excerpt(str(text), spans, limit)
        texts.append(excerpt)
        marks.append([v for s in kept for v in (int(s[0]), int(s[1]), code_at[s[3]])])

    counts = matrix.reindex(columns=["sources", "passages", "field_sources"])
    index = {
        "codes": [{"id": c, "label": labels.get(c, c)} for c in codes],
        "rows": [code_at[r] for r in rows],
        "cols": [code_at[c] for c in cols],
        "kinds": kinds,
        "langs": langs,
        "countries": [countries[k] for k in country_keys],
        "context": [{"id": c, "label": labels.get(c, c)} for c in context_codes],
        "sources": {
            "kind": [kinds.index(str(k)) for k in table["kind"].fillna("literature")],
            "year": [_year(y) for y in table["year"]],
            "country": [
                country_keys.index(c.strip().casefold()) if c.strip() else -1
                for c in table["country"].fillna("").astype(str)
            ],
        },
        "passages": {
            "source": [source_at[k] for k in described["source_key"]],
            "lang": [langs.index(str(v)) for v in described["lang"].fillna("")],
            "context": per_passage,
        },
        "cells": [cells.get((r, c), []) for r, c in zip(matrix["row"], matrix["col"], strict=True)],
        "counts": np.nan_to_num(counts.to_numpy(dtype=float)).astype(int).tolist(),
    }
    quotes = {
        "text": texts,
        "marks": marks,
        "cite": cite_of,
        "cites": cites,
        "link": link_of,
        "links": link_table,
    }
    index["excerpt"] = limit
    return {"index": index, "quotes": quotes}
