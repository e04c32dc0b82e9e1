from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
from openpyxl import load_workbook

from evidence.matrix import (
    compute_cell_passages,
    compute_matrix,
    compute_matrix_passages,
    format_citation,
    pivot_matrix,
    plot_heatmap,
    write_matrix_xlsx,
)

# Three sources; p1 and p2 are in source s1, p3 in s2, p4 in s3.
CODINGS = pd.DataFrame(
    [
        ("p1", "s1", "form.physical"), ("p1", "s1", "cons.user.health"),
        ("p1", "s1", "form.physical"),  # the same code from a second origin counts once
        ("p2", "s1", "form.physical"), ("p2", "s1", "cons.user.health"),
        ("p3", "s2", "form.physical"), ("p3", "s2", "cons.worker.burnout"),
        ("p4", "s3", "form.verbal"),
    ],
    columns=["passage_id", "source_key", "code"],
)
PASSAGES = pd.DataFrame(
    [("p1", "s1", 0, "12", "fr", "body", "coups"), ("p2", "s1", 1, "13", "fr", "body", "blessures"),
     ("p3", "s2", 0, "1", "en", "body", "assault"), ("p4", "s3", 0, "2", "nl", "body", "schelden")],
    columns=["id", "source_key", "page_index", "page_label", "lang", "section", "text"],
)
SOURCES = pd.DataFrame(
    [("s1", json.dumps(["Dupont, Marie"]), 2020), ("s2", json.dumps(["A, X", "B, Y", "C, Z"]), 2019),
     ("s3", json.dumps([]), None)],
    columns=["key", "authors", "year"],
)
ROWS = ["form.physical", "form.verbal"]
COLS = ["cons.user.health", "cons.worker.burnout"]


def test_cells_count_distinct_sources_and_passages_with_empty_cells() -> None:
    m = compute_matrix(CODINGS, ROWS, COLS)
    assert list(zip(m["row"], m["col"], m["sources"], m["passages"], strict=True)) == [
        ("form.physical", "cons.user.health", 1, 2),
        ("form.physical", "cons.worker.burnout", 1, 1),
        ("form.verbal", "cons.user.health", 0, 0),
        ("form.verbal", "cons.worker.burnout", 0, 0),
    ]


def test_pivot_keeps_the_code_order() -> None:
    table = pivot_matrix(compute_matrix(CODINGS, ROWS, COLS))
    assert list(table.index) == ROWS and list(table.columns) == COLS
    assert table.loc["form.physical", "cons.user.health"] == 1


def test_cell_drill_down_gives_citations_with_page_labels() -> None:
    cell = compute_cell_passages(CODINGS, PASSAGES, SOURCES, "form.physical", "cons.user.health")
    assert list(cell["id"]) == ["p1", "p2"]
    assert list(cell["citation"]) == ["Dupont (2020), p. 12", "Dupont (2020), p. 13"]
    everything = compute_matrix_passages(CODINGS, PASSAGES, SOURCES, compute_matrix(CODINGS, ROWS, COLS))
    assert list(everything["id"]) == ["p1", "p2", "p3"]
    assert list(everything["col"]) == ["cons.user.health"] * 2 + ["cons.worker.burnout"]


def test_citation_forms() -> None:
    assert format_citation(["Dupont, Marie", "Peeters, Els"], 2021, "12") == "Dupont & Peeters (2021), p. 12"
    assert format_citation(["A, X", "B, Y", "C, Z"], 2019) == "A et al. (2019)"
    assert format_citation([], None) == "Anon. (s.d.)"


def test_heatmap_draws_on_the_given_axes() -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    out = plot_heatmap(compute_matrix(CODINGS, ROWS, COLS), labels={"form.physical": "Physique"}, ax=ax)
    assert out is ax
    assert "Physique" in [t.get_text() for t in ax.get_yticklabels()]
    plt.close(fig)


def test_xlsx_has_matrix_cells_and_passages_with_frozen_headers(tmp_path: Path) -> None:
    m = compute_matrix(CODINGS, ROWS, COLS)
    cells = compute_matrix_passages(CODINGS, PASSAGES, SOURCES, m)
    path = write_matrix_xlsx(tmp_path / "m.xlsx", m, cells)
    book = load_workbook(path)
    assert book.sheetnames == ["matrix", "cells", "passages"]
    assert book["matrix"].freeze_panes == "B2"
    assert book["passages"].auto_filter.ref is not None
    assert book["passages"].max_row == 1 + len(cells)
    assert book["matrix"]["B2"].value == 1
