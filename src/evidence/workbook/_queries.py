"""What the notebooks, the explorer and the chapters ask of the store: cells and search.

The matrix engine (``evidence.analysis``) says which codings a cell counts; the store reads
those passages' text and place; the drill-down (``evidence.analysis.describe_passages``)
turns them into quotes with their citation, provenance, highlights and links. One path for
the command line, the notebooks, the explorer and the chapters.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import pandas as pd

from evidence.analysis import (
    MatrixFilters,
    compute_cell_codings,
    compute_matrix_codings,
    describe_cells,
    describe_passages,
    rank_by_support,
)
from evidence.store import RANK_LIMIT, MatrixData, Store, load_cell_frames

__all__ = ["load_cell_passages", "load_matrix_passages", "search_passages"]


def _counted(members: pd.DataFrame, passages: pd.DataFrame) -> pd.DataFrame:
    """Return ``members`` (rowids) keyed by passage id, with codes and origins as text."""
    return members.assign(
        id=members["passage_id"].map(passages.set_index("rowid")["id"]),
        code=members["code"].astype(str),
        origin=members["origin"].astype(str),
    )


def load_cell_passages(
    store: Store,
    data: MatrixData,
    row: str,
    col: str,
    *,
    filters: MatrixFilters | None = None,
    passage_ids: Collection[object] | None = None,
    root: Path | None = None,
    zotero_library: str = "library",
    limit: int | None = None,
    lang: str = "fr",
    link_base: str | None = None,
) -> pd.DataFrame:
    """Return the passages behind one cell with citation, highlights and links to the PDF,
    those that argue the cell best first (``rank_by_support``).

    Columns ``evidence.analysis.CELL_COLUMNS`` and ``SUPPORT_COLUMNS``; ``passage_ids`` are
    rowids (e.g. from :meth:`Store.search_ids`). ``limit`` keeps the first passages (by
    source, then in document order), for a screen that shows a few of a large cell.
    """
    members = compute_cell_codings(
        data.codings, row, col, filters=filters, sources=data.sources, passage_ids=passage_ids
    )
    if limit is not None:
        first = (
            members[["source_key", "passage_id"]]
            .astype({"source_key": str})
            .drop_duplicates()
            .sort_values(["source_key", "passage_id"])
            .head(limit)
        )
        members = members[members["passage_id"].isin(first["passage_id"]).to_numpy()]
    passages, codings = load_cell_frames(store, members["passage_id"], [row, col])
    cell = describe_passages(
        passages,
        codings,
        data.sources,
        _counted(members, passages),
        root=root,
        zotero_library=zotero_library,
        lang=lang,
        link_base=link_base,
    )
    return rank_by_support(cell, row, col)


def load_matrix_passages(
    store: Store,
    data: MatrixData,
    matrix: pd.DataFrame,
    *,
    filters: MatrixFilters | None = None,
    passage_ids: Collection[object] | None = None,
    root: Path | None = None,
    zotero_library: str = "library",
    lang: str = "fr",
    link_base: str | None = None,
) -> pd.DataFrame:
    """Return the passages behind every non-empty cell of ``matrix``, ``row`` and ``col`` first."""
    members = compute_matrix_codings(
        data.codings, matrix, filters=filters, sources=data.sources, passage_ids=passage_ids
    )
    codes: Sequence[str] = sorted(set(matrix["row"]) | set(matrix["col"]))
    passages, codings = load_cell_frames(store, members["passage_id"], codes)
    return describe_cells(
        passages,
        codings,
        data.sources,
        _counted(members, passages),
        root=root,
        zotero_library=zotero_library,
        lang=lang,
        link_base=link_base,
    )


def search_passages(store: Store, query: str, limit: int = 20) -> pd.DataFrame:
    """Return up to ``limit`` hits: id, source_key, page_label, section, lang, snippet, rank.

    Hits are ranked by BM25 when at most ``RANK_LIMIT`` passages match (``ranked`` True);
    otherwise they come in document order. ``matches`` counts the matching passages up to
    ``RANK_LIMIT + 1``.
    """
    hits, ranked, matches = store.search_page(query, limit, RANK_LIMIT)
    out = pd.DataFrame(
        hits, columns=["id", "source_key", "page_label", "section", "lang", "snippet", "rank"]
    )
    return out.assign(ranked=ranked, matches=matches)
