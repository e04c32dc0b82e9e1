"""Evidence maps: the matrix as one self-contained HTML page for readers without JupyterLab.

The data come from the matrix engine and the drill-down the chapters use (one counting path);
:func:`evidence.report.render_map` turns them into the page. Links to PDFs are relative to the
page (``../data/pdfs/x.pdf#page=3``) or Zotero links, so the file carries no absolute path of
the machine that built it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from evidence.analysis import (
    CONTEXT_FACETS,
    MatrixFilters,
    compute_map,
    compute_matrix,
    compute_matrix_codings,
    describe_passages,
    format_zotero_link,
    rank_by_support,
    select_codings,
)
from evidence.config import Chapter, Settings
from evidence.errors import ConfigError
from evidence.files import write_atomic
from evidence.report import render_map
from evidence.store import load_cell_frames, load_matrix_data

from ._workbook import Workbook

__all__ = ["compute_maps", "load_map", "write_map"]


def _relative_file(path: str, root: Path, folder: Path) -> str:
    """Return the link from ``folder`` to a document under ``root`` ("" for a document outside
    the workbook: its absolute path must not leave the machine)."""
    file = Path(path)
    absolute = (file if file.is_absolute() else root / file).resolve()
    if not absolute.is_relative_to(root.resolve()):
        return ""
    link = Path(os.path.relpath(absolute, folder.resolve())).as_posix()
    return "/".join(quote(part) for part in link.split("/"))


def _links(wb: Workbook, passages: pd.DataFrame, folder: Path) -> dict[str, str]:
    """Return per passage id its link: the Zotero item, or the PDF relative to ``folder``, at
    the passage's page."""
    library = wb.link_options()["zotero_library"]
    files: dict[str, str] = {}
    out = {}
    for pid, path, zkey, page in passages[["id", "path", "zotero_key", "page_index"]].itertuples(
        index=False
    ):
        link = format_zotero_link(zkey if isinstance(zkey, str) else "", page, library)
        if not link and isinstance(path, str) and path:
            if path not in files:
                files[path] = _relative_file(path, wb.settings.root, folder)
            link = files[path]
            if link and not pd.isna(page):
                link = f"{link}#page={int(page) + 1}"
        out[str(pid)] = link
    return out


def load_map(
    wb: Workbook,
    rows: str | list[str],
    cols: str | list[str],
    filters: MatrixFilters | None = None,
    *,
    folder: Path,
    lang: str | None = None,
    search: str = "",
) -> dict[str, Any]:
    """Return the data of the evidence map of ``rows`` x ``cols`` under ``filters`` (see
    :func:`evidence.analysis.compute_map`); links are relative to ``folder``; ``search``
    (FTS5 syntax) keeps the passages matching it."""
    f = filters or MatrixFilters()
    if f.within != "passage":
        raise ConfigError("an evidence map counts codes that meet in one passage: drop --within")
    language = lang or wb.settings.language
    row_codes, col_codes = wb.codes(rows), wb.codes(cols)
    context_codes = [c for facet in CONTEXT_FACETS for c in wb.codes(facet)]
    codes = list(dict.fromkeys([*row_codes, *col_codes, *f.context, *context_codes]))
    # Languages always: the page filters passages by language.
    data = load_matrix_data(wb.store, codes, langs=True, scores=f.provenance == "suggestions")
    hits = wb.store.search_ids(search) if search.strip() else None
    frames = {"filters": f, "sources": data.sources, "passage_ids": hits}
    matrix = compute_matrix(data.codings, row_codes, col_codes, **frames)
    members = compute_matrix_codings(data.codings, matrix, **frames)
    passages, codings = load_cell_frames(
        wb.store, members["passage_id"], list(dict.fromkeys([*row_codes, *col_codes]))
    )
    rowid_to_id = passages.set_index("rowid")["id"]
    counted = members.assign(
        id=members["passage_id"].map(rowid_to_id),
        code=members["code"].astype(str),
        origin=members["origin"].astype(str),
    )
    links = wb.link_options()
    described = describe_passages(
        passages,
        codings,
        data.sources,
        counted,
        root=links["root"],
        zotero_library=links["zotero_library"],
        lang=language,
    )
    pairs = counted[["row", "col", "id"]].drop_duplicates()
    cell_order = {
        (r, c): i for i, (r, c) in enumerate(zip(matrix["row"], matrix["col"], strict=True))
    }
    # ids as objects on both sides: an empty frame (a map with nothing counted) has floats
    order = described[["id"]].astype(object).assign(_at=range(len(described)))
    pairs = pairs.astype({"id": object})
    cells = (
        pairs.assign(
            _cell=[cell_order[(r, c)] for r, c in zip(pairs["row"], pairs["col"], strict=True)]
        )
        .merge(order, on="id")
        .sort_values(["_cell", "_at"], kind="stable")
        .merge(described, on="id", how="left", sort=False)
    )
    ranked = rank_by_support(cells.drop(columns=["_cell", "_at"]))
    kept = select_codings(data.codings, f, data.sources, hits)
    ids = set(counted["passage_id"])
    around = kept[kept["code"].astype(str).isin(context_codes) & kept["passage_id"].isin(ids)]
    context = around.assign(id=around["passage_id"].map(rowid_to_id))
    out = compute_map(
        matrix,
        ranked,
        described,
        data.sources,
        context,
        labels=wb.labels(language),
        links=_links(wb, passages, folder),
    )
    out["index"]["facets"] = {
        c: wb.codebook.facet_label(c.split(".")[0], language)
        for c in [*(x["id"] for x in out["index"]["context"])]
    }
    return out


def write_map(
    wb: Workbook,
    path: Path,
    rows: str | list[str],
    cols: str | list[str],
    filters: MatrixFilters | None = None,
    *,
    title: str = "",
    lang: str | None = None,
    search: str = "",
) -> dict[str, Any]:
    """Write the evidence map to ``path`` (one self-contained HTML file); return a summary."""
    language = lang or wb.settings.language
    data = load_map(wb, rows, cols, filters, folder=path.parent, lang=language, search=search)
    page = render_map(data, lang=language, title=title or wb.settings.name)
    write_atomic(path, page)
    index = data["index"]
    return {
        "path": str(path),
        "bytes": len(page.encode("utf-8")),
        "cells": len(index["cells"]),
        "passages": len(index["passages"]["source"]),
        "sources": len(index["sources"]["kind"]),
    }


def compute_maps(settings: Settings, chapters: Sequence[Chapter]) -> dict[str, str]:
    """Return each chapter's evidence map page, keyed by its file name (``<id>-map.html``),
    in the chapter's language and with the evidence the chapter counts."""
    pages = {}
    with Workbook(settings) as wb:
        for c in chapters:
            lang = c.language or settings.language
            filters = wb.chapter_filters(c)
            data = load_map(wb, c.rows, c.cols, filters, folder=settings.reports, lang=lang)
            pages[f"{c.id}-map.html"] = render_map(data, lang=lang, title=c.title_in(lang))
    return pages
