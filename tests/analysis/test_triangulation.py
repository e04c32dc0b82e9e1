"""Literature and field side by side: triangulation counts, citations, recommendations."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import matrix_and_cells
from openpyxl import load_workbook

from evidence.analysis import (
    compute_cell_evidence,
    compute_field_references,
    compute_recommendations,
    compute_triangulation,
    format_citation,
    select_codes,
    write_recommendations_xlsx,
)

CODES = [
    "form.physical",
    "form.verbal",
    "cons.worker.burnout",
    "cons.user.trauma",
    "resp.training",
    "resp.staff_support",
]


def _sources() -> pd.DataFrame:
    rows = [
        ("alpha2020", "literature", "article", ["Alpha, Ann", "Bravo, Ben"], 2020, ""),
        ("gamma2019", "literature", "book", ["Gamma, Dan", "Delta, Eve", "Echo, Fay"], 2019, ""),
        ("field-a", "field", "interview", ["ORG01"], 2025, "accueil de nuit"),
        ("field-b", "field", "focus_group", ["ORG02"], None, "travail de rue"),
    ]
    return pd.DataFrame(
        [(k, kind, t, json.dumps(a), y, c) for k, kind, t, a, y, c in rows],
        columns=["key", "kind", "item_type", "authors", "year", "container"],
    )


def _passages() -> pd.DataFrame:
    rows = [
        ("p1", "alpha2020", 0, "12", "Workers were assaulted and reported burnout."),
        ("p2", "gamma2019", 3, "4", "Threats led to exhaustion of the team."),
        ("p3", "field-a", 3, "§3", "Un résident m'a frappé ; l'épuisement de l'équipe suit."),
        ("p4", "field-b", 5, "§5", "Na de aanval bleef de angst; intervisie hielp het team."),
        ("p5", "alpha2020", 1, "13", "De-escalation training followed the assaults."),
    ]
    out = pd.DataFrame(rows, columns=["id", "source_key", "page_index", "page_label", "text"])
    return out.assign(lang="xx", section="body")


def _codings() -> pd.DataFrame:
    pairs = [
        ("p1", "form.physical"),
        ("p1", "cons.worker.burnout"),
        ("p2", "form.verbal"),
        ("p2", "cons.worker.burnout"),
        ("p3", "form.physical"),
        ("p3", "cons.worker.burnout"),
        ("p4", "form.physical"),
        ("p4", "cons.user.trauma"),
        ("p4", "resp.staff_support"),
        ("p5", "form.physical"),
        ("p5", "resp.training"),
        ("p1", "form.physical"),  # the same code from a second origin counts once
    ]
    source = dict(zip(_passages()["id"], _passages()["source_key"], strict=True))
    return pd.DataFrame(
        [(p, source[p], c) for p, c in pairs], columns=["passage_id", "source_key", "code"]
    )


def _cells(rows: list[str], cols: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The matrix and its drill-down, as the workbook computes them from the store."""
    return matrix_and_cells(_codings(), _passages(), _sources(), rows, cols)


def test_each_cell_says_literature_only_field_only_both_or_none() -> None:
    tri = compute_triangulation(
        *_cells(["form.physical", "form.verbal"], ["cons.worker.burnout", "cons.user.trauma"])
    )
    got = {
        (r.row, r.col): (r.literature, r.field, r.literature_passages, r.field_passages, r.evidence)
        for r in tri.itertuples()
    }
    assert got == {
        ("form.physical", "cons.worker.burnout"): (1, 1, 1, 1, "both"),
        ("form.physical", "cons.user.trauma"): (0, 1, 0, 1, "field"),
        ("form.verbal", "cons.worker.burnout"): (1, 0, 1, 0, "literature"),
        ("form.verbal", "cons.user.trauma"): (0, 0, 0, 0, "none"),
    }
    assert list(tri["row"]) == ["form.physical"] * 2 + ["form.verbal"] * 2


def test_citations_are_plain_text_for_field_items_and_author_date_for_the_literature() -> None:
    def cite(kind: str, item_type: str, authors: object, year: object, page: str, lang: str = "fr"):
        return format_citation(
            authors, year, page, style="parenthetical", lang=lang, kind=kind, item_type=item_type
        )

    assert cite("literature", "article", '["Alpha, Ann", "Bravo, Ben"]', 2020, "12") == (
        "Alpha & Bravo, 2020, p. 12"
    )
    assert (
        cite("literature", "book", ["Gamma, D", "Delta, E", "Echo, F"], None, "", "nl")
        == "Gamma et al., z.d."
    )
    assert cite("field", "interview", '["ORG03"]', 2025, "§4") == "Entretien ORG03, 2025, §4"
    assert cite("field", "meeting", [], float("nan"), "", "en") == "Meeting, n.d."
    assert cite("field", "focus_group", ["ORG03"], 2025, "§4", "nl") == "Focusgroep ORG03, 2025, §4"
    assert cite("field", "testimony", [], 2024, "§2") == "Témoignage, 2024, §2"


def test_field_references_let_a_chapter_cite_field_items_without_references_bib() -> None:
    assert compute_field_references(_sources(), "en") == {
        "field-a": "Interview ORG01, 2025",
        "field-b": "Focus group ORG02, n.d.",
    }


def test_cell_evidence_lists_literature_first_with_citations_and_organisations() -> None:
    cells = compute_cell_evidence(_cells(["form.physical"], ["cons.worker.burnout"])[1], _sources())
    assert list(cells["id"]) == ["p1", "p3"]
    assert list(cells["citation"]) == ["Alpha & Bravo, 2020, p. 12", "Entretien ORG01, 2025, §3"]
    assert list(cells["reference"]) == ["Alpha & Bravo, 2020", "Entretien ORG01, 2025"]
    assert list(cells["organisation"]) == ["", "ORG01"]


def test_recommendations_cross_forms_with_responses_and_name_their_sources() -> None:
    matrix, cells = _cells(
        ["form.physical", "form.verbal"], ["resp.training", "resp.staff_support"]
    )
    table = compute_recommendations(matrix, cells, _sources())
    assert table[["row", "col", "literature", "field", "evidence"]].values.tolist() == [
        ["form.physical", "resp.staff_support", 0, 1, "field"],
        ["form.physical", "resp.training", 1, 0, "literature"],
    ]
    assert list(table["field_sources"]) == ["Focus group ORG02, s.d.", ""]
    assert list(table["literature_sources"]) == ["", "Alpha & Bravo, 2020"]
    assert list(table["organisations"]) == ["ORG02", ""]


def test_the_recommendations_workbook_holds_the_table_and_its_passages(tmp_path: Path) -> None:
    matrix, cells = _cells(["form.physical"], ["resp.training", "resp.staff_support"])
    table = compute_recommendations(matrix, cells, _sources())
    labels = {"form.physical": "Violence physique", "resp.training": "Formation"}
    evidence = compute_cell_evidence(cells, _sources())
    path = write_recommendations_xlsx(tmp_path / "r.xlsx", table, evidence, labels)
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["recommendations", "passages"]
    rec = sheets["recommendations"]
    assert list(rec["form"]) == ["Violence physique"] * 2
    assert list(rec["response"]) == ["resp.staff_support", "Formation"]
    assert list(rec["evidence"]) == ["terrain seul", "littérature seule"]
    assert sorted(sheets["passages"]["id"]) == ["p4", "p5"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("form", ["form.physical", "form.verbal"]),
        ("cons.user.*", ["cons.user.trauma"]),
        (["resp.training"], ["resp.training"]),
    ],
)
def test_codes_are_selected_by_facet_prefix_or_list(spec: object, expected: list[str]) -> None:
    assert select_codes(CODES, spec) == expected  # type: ignore[arg-type]


def test_the_recommendations_workbook_holds_no_formula(tmp_path: Path) -> None:
    matrix, cells = _cells(["form.physical"], ["resp.training", "resp.staff_support"])
    hostile = '=HYPERLINK("http://example.org/x","clic")'
    table = compute_recommendations(matrix, cells, _sources())
    table = table.assign(field_sources=hostile)
    evidence = compute_cell_evidence(cells, _sources())
    evidence = evidence.assign(**{c: hostile for c in evidence.columns if c == "text"})
    path = write_recommendations_xlsx(tmp_path / "r.xlsx", table, evidence, {"x": "=1+1"})
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(n) for n in sheets)
    book = load_workbook(path)
    written = [c for row in book["recommendations"].iter_rows(min_row=2) for c in row]
    assert any(c.value == hostile and c.data_type == "s" for c in written)
    assert "text" in evidence and any(
        c.value == hostile for row in book["passages"].iter_rows(min_row=2) for c in row
    )
