from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from evidence.analysis import (
    CELL_COLUMNS,
    MatrixFilters,
    compute_cell_codings,
    compute_matrix,
    compute_matrix_codings,
    describe_cells,
    describe_passages,
    format_citation,
    format_pdf_link,
    format_zotero_link,
    render_passage_html,
)

TEXTS = {
    "p1": "Des coups et des blessures <graves> au guichet.",
    "p2": "Blessures après une agression & des coups.",
    "p3": "An assault left staff exhausted.",
    "p4": "Burnout among night staff.",
}
CODINGS = pd.DataFrame(
    [
        ("p1", "s1", "form.physical", "rule", "", None, json.dumps([[4, 9, "coups"]])),
        ("p1", "s1", "cons.user.health", "rule", "", None, json.dumps([[17, 26, "blessure"]])),
        (
            "p2",
            "s1",
            "form.physical",
            "rule",
            "",
            None,
            json.dumps([[20, 29, "agression"], [36, 41, "coups"]]),
        ),
        (
            "p2",
            "s1",
            "cons.user.health",
            "human",
            "review:ann",
            None,
            json.dumps([{"date": "2025-01-02", "note": "clear"}]),
        ),
        ("p3", "s2", "form.physical", "model", "suggest:v1", 0.83, "[]"),
        ("p3", "s2", "cons.worker.burnout", "rule", "", None, json.dumps([[22, 31, "exhaust*"]])),
        ("p4", "s2", "cons.worker.burnout", "rule", "", None, json.dumps([[0, 7, "burnout"]])),
    ],
    columns=["passage_id", "source_key", "code", "origin", "provenance", "score", "spans"],
)
PASSAGES = pd.DataFrame(
    [
        ("p1", "s1", "pdfs/s1.pdf", "", 0, "12", 0, "fr", "body", TEXTS["p1"]),
        ("p2", "s1", "pdfs/s1.pdf", "", 1, "13", 1, "fr", "body", TEXTS["p2"]),
        ("p3", "s2", "/data/s2.pdf", "ATT9", 4, "v", 0, "en", "body", TEXTS["p3"]),
        ("p4", "s2", "/data/s2.pdf", "ATT9", 6, "vii", 1, "en", "body", TEXTS["p4"]),
    ],
    columns=[
        "id",
        "source_key",
        "path",
        "zotero_key",
        "page_index",
        "page_label",
        "seq",
        "lang",
        "section",
        "text",
    ],
)
SOURCES = pd.DataFrame(
    [
        ("s1", json.dumps(["Dupont, Marie"]), 2020, "literature"),
        ("s2", json.dumps(["A, X", "B, Y", "C, Z"]), 2019, "field"),
    ],
    columns=["key", "authors", "year", "kind"],
)


def compute_cell_passages(
    codings: pd.DataFrame,
    passages: pd.DataFrame,
    sources: pd.DataFrame,
    row: str,
    col: str,
    *,
    filters: MatrixFilters | None = None,
    root: Path | None = None,
) -> pd.DataFrame:
    """The drill-down of one cell from frames held in memory (the store's path reads the
    same members' passages from SQLite)."""
    members = compute_cell_codings(codings, row, col, filters=filters, sources=sources)
    return describe_passages(
        passages,
        codings.rename(columns={"passage_id": "id"}),
        sources,
        members.rename(columns={"passage_id": "id"}),
        root=root,
    )


def compute_matrix_passages(
    codings: pd.DataFrame,
    passages: pd.DataFrame,
    sources: pd.DataFrame,
    matrix: pd.DataFrame,
    *,
    filters: MatrixFilters | None = None,
) -> pd.DataFrame:
    members = compute_matrix_codings(codings, matrix, filters=filters, sources=sources)
    return describe_cells(
        passages,
        codings.rename(columns={"passage_id": "id"}),
        sources,
        members.rename(columns={"passage_id": "id"}),
    )


def test_citation_forms() -> None:
    assert (
        format_citation(["Dupont, Marie", "Peeters, Els"], 2021, "12")
        == "Dupont & Peeters (2021), p. 12"
    )
    assert format_citation(["A, X", "B, Y", "C, Z"], 2019) == "A et al. (2019)"
    assert format_citation([], None) == "Anon. (s.d.)"
    # One formatter, localised: the undated mark follows the reader's language.
    assert format_citation([], None, lang="en") == "Anon. (n.d.)"
    assert format_citation(["Gamma, D"], None, "3", lang="nl") == "Gamma (z.d.), p. 3"
    assert (
        format_citation(["Dupont, Marie"], 2021, "12", style="parenthetical")
        == "Dupont, 2021, p. 12"
    )
    field = format_citation(["ORG03"], 2025, "§4", kind="field", item_type="interview")
    assert field == "Entretien ORG03 (2025), §4"


def test_links_open_the_pdf_at_the_page(tmp_path: Path) -> None:
    assert (
        format_pdf_link("pdfs/a b.pdf", 0, tmp_path)
        == (tmp_path / "pdfs" / "a b.pdf").as_uri() + "#page=1"
    )
    assert format_pdf_link("/x/y.pdf", None) == "file:///x/y.pdf"
    assert format_pdf_link("", 3) == ""
    assert format_zotero_link("ABCD2345", 9) == "zotero://open-pdf/library/items/ABCD2345?page=10"
    assert (
        format_zotero_link("ABCD2345", 0, "groups/42")
        == "zotero://open-pdf/groups/42/items/ABCD2345?page=1"
    )
    assert format_zotero_link("", 0) == ""


def test_highlights_escape_the_text_and_merge_overlaps() -> None:
    text = "Une <agression> & des coups"
    out = render_passage_html(
        text,
        [
            [4, 15, "agression", "form.physical"],
            [5, 14, "agress*", "form.verbal"],
            [23, 28, "coups", "form.physical"],
        ],
    )
    assert out.count("<mark") == 4  # the outer span splits around the inner one
    assert "&lt;" in out and "&amp;" in out and "<agression>" not in out
    assert 'title="form.physical: agression; form.verbal: agress*"' in out
    assert render_passage_html("plain", []) == "plain"


def test_cell_passages_carry_citation_provenance_highlights_and_links(tmp_path: Path) -> None:
    cell = compute_cell_passages(
        CODINGS, PASSAGES, SOURCES, "form.physical", "cons.user.health", root=tmp_path
    )
    assert list(cell.columns) == CELL_COLUMNS
    assert list(cell["id"]) == ["p1", "p2"]
    assert list(cell["citation"]) == ["Dupont (2020), p. 12", "Dupont (2020), p. 13"]
    first, second = cell.to_dict("records")
    assert first["provenance"] == "rule"
    assert second["provenance"] == "human (review:ann); rule"
    # Only rule codings carry spans; a person's decision note is not a span.
    assert [s[2] for s in second["spans"]] == ["agression", "coups"]
    assert second["highlighted"].count("<mark") == 2 and "&amp;" in second["highlighted"]
    assert first["link"] == (tmp_path / "pdfs" / "s1.pdf").as_uri() + "#page=1"
    assert first["zotero_link"] == "" and first["kind"] == "literature"


def test_model_suggestions_show_only_when_asked_for() -> None:
    rules = compute_cell_passages(
        CODINGS, PASSAGES, SOURCES, "form.physical", "cons.worker.burnout"
    )
    assert rules.empty and list(rules.columns) == CELL_COLUMNS
    with_model = compute_cell_passages(
        CODINGS,
        PASSAGES,
        SOURCES,
        "form.physical",
        "cons.worker.burnout",
        filters=MatrixFilters(provenance="suggestions"),
    )
    row = with_model.iloc[0]
    assert row["provenance"] == "model 0.83; rule"
    assert row["link"] == "zotero://open-pdf/library/items/ATT9?page=5"
    assert row["pdf_link"] == "file:///data/s2.pdf#page=5"


def test_within_a_source_the_cell_shows_every_passage_with_either_code() -> None:
    f = MatrixFilters(within="source", provenance="suggestions")
    cell = compute_cell_passages(
        CODINGS, PASSAGES, SOURCES, "form.physical", "cons.worker.burnout", filters=f
    )
    assert list(cell["id"]) == ["p3", "p4"]
    assert list(cell["codes"]) == [
        ["cons.worker.burnout", "form.physical"],
        ["cons.worker.burnout"],
    ]


def test_matrix_passages_cover_every_non_empty_cell_once() -> None:
    rows, cols = ["form.physical"], ["cons.user.health", "cons.worker.burnout"]
    f = MatrixFilters(provenance="suggestions")
    m = compute_matrix(CODINGS, rows, cols, filters=f)
    everything = compute_matrix_passages(CODINGS, PASSAGES, SOURCES, m, filters=f)
    assert list(everything.columns[:2]) == ["row", "col"]
    assert list(zip(everything["col"], everything["id"], strict=True)) == [
        ("cons.user.health", "p1"),
        ("cons.user.health", "p2"),
        ("cons.worker.burnout", "p3"),
    ]
    per_cell = everything.groupby("col")["id"].nunique()
    assert per_cell.to_dict() == dict(zip(m["col"], m["passages"], strict=True))
