"""Evidence matrices: codes of one facet crossed with codes of another.

A cell counts the distinct sources (and passages) holding at least one passage that
carries both codes; ``compute_cell_passages`` drills down to those passages with their
citation and page. Computing and plotting are separate: ``plot_*`` takes ``ax=None``
and returns the axes; saving is the caller's business.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes

__all__ = [
    "compute_cell_passages",
    "compute_citations",
    "compute_matrix",
    "compute_matrix_passages",
    "format_citation",
    "pivot_matrix",
    "plot_heatmap",
    "write_matrix_xlsx",
]


def compute_matrix(
    codings: pd.DataFrame, rows: Sequence[str], cols: Sequence[str]
) -> pd.DataFrame:
    """Return the long matrix: one row per (row code, col code) with ``sources`` and ``passages``.

    ``codings`` has columns passage_id, source_key and code (one row per code on a passage;
    duplicates from several origins are fine). Every pair of ``rows`` x ``cols`` is present,
    empty cells with 0, in the order given.
    """
    base = codings[["passage_id", "source_key", "code"]].drop_duplicates()
    left = base[base["code"].isin(rows)].rename(columns={"code": "row"})
    right = base[base["code"].isin(cols)][["passage_id", "code"]].rename(columns={"code": "col"})
    pairs = left.merge(right, on="passage_id")
    counts = pairs.groupby(["row", "col"], sort=False).agg(
        sources=("source_key", "nunique"), passages=("passage_id", "nunique")
    )
    grid = pd.MultiIndex.from_product([list(rows), list(cols)], names=["row", "col"])
    out = counts.reindex(grid, fill_value=0).reset_index()
    return out.astype({"sources": "int64", "passages": "int64"})


def pivot_matrix(matrix: pd.DataFrame, value: str = "sources") -> pd.DataFrame:
    """Return the long matrix as a row x col table of ``value``, keeping the code order."""
    rows = list(dict.fromkeys(matrix["row"]))
    cols = list(dict.fromkeys(matrix["col"]))
    table = matrix.pivot(index="row", columns="col", values=value)
    return table.reindex(index=rows, columns=cols)


def format_citation(authors: Sequence[str], year: int | float | None, page: str = "") -> str:
    """Return an author-date citation: ``Dubois & Peeters (2021), p. 12``."""
    families = [a.split(",")[0].strip() for a in authors if a.strip()]
    if not families:
        who = "Anon."
    elif len(families) == 1:
        who = families[0]
    elif len(families) == 2:
        who = f"{families[0]} & {families[1]}"
    else:
        who = f"{families[0]} et al."
    when = "s.d." if year is None or pd.isna(year) else str(int(year))
    return f"{who} ({when})" + (f", p. {page}" if page else "")


def compute_citations(sources: pd.DataFrame) -> pd.DataFrame:
    """Return key -> short citation (``Dubois (2021)``) for a sources frame."""
    out = sources[["key"]].copy()
    out["citation"] = [
        format_citation(json.loads(a) if isinstance(a, str) else list(a), y)
        for a, y in zip(sources["authors"], sources["year"], strict=True)
    ]
    return out


def compute_cell_passages(
    codings: pd.DataFrame,
    passages: pd.DataFrame,
    sources: pd.DataFrame,
    row: str,
    col: str,
) -> pd.DataFrame:
    """Return the passages behind one cell with citation, page label, language and text."""
    ids_row = set(codings.loc[codings["code"] == row, "passage_id"])
    ids_col = set(codings.loc[codings["code"] == col, "passage_id"])
    hits = passages[passages["id"].isin(ids_row & ids_col)]
    merged = hits.merge(sources, left_on="source_key", right_on="key", how="left")
    merged["citation"] = [
        format_citation(json.loads(a) if isinstance(a, str) else [], y, str(p or ""))
        for a, y, p in zip(merged["authors"], merged["year"], merged["page_label"], strict=True)
    ]
    cols = ["id", "source_key", "citation", "page_index", "page_label", "lang", "section", "text"]
    return merged[cols].sort_values(["source_key", "page_index", "id"]).reset_index(drop=True)


def compute_matrix_passages(
    codings: pd.DataFrame, passages: pd.DataFrame, sources: pd.DataFrame, matrix: pd.DataFrame
) -> pd.DataFrame:
    """Return the passages behind every non-empty cell of ``matrix``, with ``row`` and ``col``."""
    frames = [
        compute_cell_passages(codings, passages, sources, r, c).assign(row=r, col=c)
        for r, c, n in matrix[["row", "col", "sources"]].itertuples(index=False)
        if n
    ]
    columns = ["row", "col", "id", "source_key", "citation", "page_index", "page_label", "lang",
               "section", "text"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def plot_heatmap(
    matrix: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    value: str = "sources",
    title: str = "",
    ax: Axes | None = None,
) -> Axes:
    """Draw the matrix as an annotated heatmap (colour-blind-safe sequential palette)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    table = pivot_matrix(matrix, value)
    names = labels or {}
    table = table.rename(index=lambda c: names.get(c, c), columns=lambda c: names.get(c, c))
    if ax is None:
        width = max(6.0, 0.7 * len(table.columns) + 3)
        _, ax = plt.subplots(figsize=(width, max(4.0, 0.45 * len(table.index) + 2)))
    sns.heatmap(table, annot=True, fmt="d", cmap="cividis_r", linewidths=0.5, linecolor="white",
                cbar_kws={"label": value}, ax=ax, vmin=0)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", labelrotation=45)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    if title:
        ax.set_title(title)
    return ax


def write_matrix_xlsx(
    path: str | Path,
    matrix: pd.DataFrame,
    passages: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
) -> Path:
    """Write the matrix and the passages behind its cells to an Excel workbook; return the path."""
    names = labels or {}
    table = pivot_matrix(matrix).rename(
        index=lambda c: names.get(c, c), columns=lambda c: names.get(c, c)
    )
    out = Path(path)
    with pd.ExcelWriter(out, engine="openpyxl") as xl:
        table.to_excel(xl, sheet_name="matrix")
        matrix.to_excel(xl, sheet_name="cells", index=False)
        passages.to_excel(xl, sheet_name="passages", index=False)
        for name, sheet in xl.sheets.items():
            sheet.freeze_panes = "B2" if name == "matrix" else "A2"
            if name != "matrix" and sheet.max_row > 1:
                sheet.auto_filter.ref = sheet.dimensions
    return out
