from __future__ import annotations

import zipfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from _matrix_store import make_matrix_store
from openpyxl import load_workbook

from evidence.analysis import SHEETS, MatrixFilters, compute_matrix, write_matrix_xlsx
from evidence.store import load_matrix_codings, open_store
from evidence.workbook._queries import load_matrix_passages

ROWS = ["form.physical", "form.verbal"]
COLS = ["cons.worker.burnout", "cons.user.trauma"]
LABELS = {
    "form.physical": "Violence physique",
    "form.verbal": "Violence verbale",
    "cons.worker.burnout": "Épuisement",
    "cons.user.trauma": "Traumatisme",
}


def test_workbook_holds_matrix_cells_gap_map_and_every_passage(tmp_path: Path) -> None:
    with open_store(make_matrix_store(tmp_path / "wb")) as store:
        data = load_matrix_codings(store, ROWS + COLS)
        f = MatrixFilters(provenance="suggestions")
        matrix = compute_matrix(data.codings, ROWS, COLS, filters=f, sources=data.sources)
        passages = load_matrix_passages(store, data, matrix, filters=f, root=tmp_path / "wb")
    path = write_matrix_xlsx(
        tmp_path / "out" / "matrix.xlsx", matrix, passages, labels=LABELS, lang="fr"
    )
    book = load_workbook(path)
    assert tuple(book.sheetnames) == SHEETS
    table = book["matrix"]
    assert table.freeze_panes == "B2"
    assert [c.value for c in table[1]][1:] == ["Épuisement", "Traumatisme"]
    assert table["A2"].value == "Violence physique"
    assert table["B2"].value == int(matrix["sources"].iloc[0])
    cells = book["cells"]
    assert cells.freeze_panes == "A2" and cells.auto_filter.ref == cells.dimensions
    assert [c.value for c in cells[1]][:6] == [
        "ligne",
        "ligne (libellé)",
        "colonne",
        "colonne (libellé)",
        "sources",
        "passages",
    ]
    assert cells.max_row == 1 + len(matrix)
    assert len(book["gap map"]._images) == 1
    sheet = book["passages"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == sheet.dimensions
    assert sheet.max_row == 1 + len(passages)
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["ligne", "colonne", "citation", "page"]
    link = header.index("lien") + 1
    links = [row[0] for row in sheet.iter_rows(min_row=2, min_col=link, max_col=link)]
    assert all(c.hyperlink is not None and c.hyperlink.target == c.value for c in links if c.value)
    assert any(c.value is None for c in links)  # the annotation tied to no PDF has no link
    assert any(c.value.startswith("zotero://open-pdf/") for c in links)
    text = header.index("texte") + 1
    assert sheet.cell(row=2, column=text).alignment.wrap_text
    assert sheet.cell(row=2, column=1).value == "Violence physique"


def test_an_empty_matrix_still_writes_a_readable_workbook(tmp_path: Path) -> None:
    with open_store(make_matrix_store(tmp_path / "wb")) as store:
        data = load_matrix_codings(store, ROWS + COLS)
        f = MatrixFilters(kinds=("field",), years=(1990, 1991))
        matrix = compute_matrix(data.codings, ROWS, COLS, filters=f, sources=data.sources)
        passages = load_matrix_passages(store, data, matrix, filters=f)
    assert matrix["sources"].sum() == 0 and passages.empty
    book = load_workbook(write_matrix_xlsx(tmp_path / "empty.xlsx", matrix, passages))
    assert book["passages"].max_row == 1
    assert len(book["gap map"]._images) == 1


HOSTILE = ['=HYPERLINK("http://example.org/x","clic")', "=1+1", "+32 2 123", "@SUM(A1)", "-x"]


def _formulas(path: Path) -> list[str]:
    """The formula elements of every sheet of an xlsx, read from its XML."""
    with zipfile.ZipFile(path) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and b"<f>" in archive.read(name)
        ]


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    with open_store(make_matrix_store(tmp_path / "wb")) as store:
        data = load_matrix_codings(store, ROWS + COLS)
        f = MatrixFilters(provenance="suggestions")
        matrix = compute_matrix(data.codings, ROWS, COLS, filters=f, sources=data.sources)
        passages = load_matrix_passages(store, data, matrix, filters=f, root=tmp_path / "wb")
    texts = [HOSTILE[i % len(HOSTILE)] + "\x0b\x01" for i in range(len(passages))]
    passages = passages.assign(text=texts, citation=texts)
    labels = {**LABELS, "form.physical": "=cmd|' /C calc'!A0"}
    path = write_matrix_xlsx(tmp_path / "m.xlsx", matrix, passages, labels=labels, gap_map=False)
    assert _formulas(path) == []
    book = load_workbook(path)
    sheet = book["passages"]
    header = [c.value for c in sheet[1]]
    column = header.index("text") + 1
    written = [row[0] for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column)]
    assert [c.value for c in written] == [t.rstrip("\x0b\x01") for t in texts]
    assert {c.data_type for c in written} == {"s"}
    assert book["matrix"]["A2"].value == "=cmd|' /C calc'!A0"
    assert book["matrix"]["A2"].data_type == "s"
