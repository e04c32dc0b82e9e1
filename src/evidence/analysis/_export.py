"""Excel exports for readers without Python: a matrix in four sheets, the recommendations.

``matrix``: distinct sources per cell, with code labels; ``cells``: every cell's counts of
sources, passages, documents and field sources; ``gap map``: the evidence gap map as a
picture; ``passages``: every passage behind every cell with its citation, page, language,
provenance and a link that opens the PDF at the page. Headers are frozen and data sheets
carry filters.

Every cell written from data is a text or number cell, never a formula: a passage or a
field note that begins with ``=`` (``=HYPERLINK(...)``) stays the text it is. Characters
that a spreadsheet cannot hold (control characters from a PDF's text layer) are dropped.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from evidence.files import write_atomic
from evidence.i18n import texts

from ._figures import plot_gap_map
from ._matrix import pivot_matrix

__all__ = ["SHEETS", "write_matrix_xlsx", "write_recommendations_xlsx"]

SHEETS = ("matrix", "cells", "gap map", "passages")
_PASSAGE_COLUMNS = [
    "row",
    "col",
    "citation",
    "page_label",
    "lang",
    "kind",
    "provenance",
    "codes",
    "text",
    "link",
    "source_key",
    "id",
]


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without the characters a spreadsheet cannot hold, in values and labels."""

    def clean(value: object) -> object:
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    out = frame.map(clean)
    out.index = out.index.map(clean)
    out.columns = out.columns.map(clean)
    return out


def _as_text(book: Workbook) -> None:
    """Make every cell that would be a formula a text cell: the workbooks hold no formula,
    so any is data that begins with ``=`` (openpyxl takes such a string for a formula)."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def _header(name: str, lang: str) -> str:
    return texts("xlsx", lang).get(name, name.replace("_", " "))


def _cells_frame(matrix: pd.DataFrame, names: dict[str, str], lang: str) -> pd.DataFrame:
    counts = [c for c in ("sources", "passages", "documents", "field_sources") if c in matrix]
    out = matrix[["row", "col", *counts]].copy()
    out.insert(1, "row_label", [names.get(c, c) for c in out["row"]])
    out.insert(3, "col_label", [names.get(c, c) for c in out["col"]])
    return out.rename(columns=lambda c: _header(c, lang))


def _passages_frame(passages: pd.DataFrame, names: dict[str, str], lang: str) -> pd.DataFrame:
    out = passages[[c for c in _PASSAGE_COLUMNS if c in passages.columns]].copy()
    for side in ("row", "col"):
        if side in out:
            out[side] = [names.get(c, c) for c in out[side]]
    if "codes" in out:
        out["codes"] = [
            ", ".join(names.get(c) or c for c in v) if isinstance(v, list) else v
            for v in out["codes"]
        ]
    return out.rename(columns=lambda c: _header(c, lang))


def _tidy(sheet: Worksheet, widths: dict[int, float], wrap: set[int]) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index in range(1, sheet.max_column + 1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(index, 14)
    for column in wrap:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _picture(matrix: pd.DataFrame, names: dict[str, str], lang: str) -> Image:
    import matplotlib.pyplot as plt  # pyplot (and its backend) only when a figure is drawn

    ax = plot_gap_map(matrix, labels=names, lang=lang)
    figure = ax.get_figure(root=True)
    assert figure is not None  # a plotted Axes always has its figure
    buffer = io.BytesIO()
    try:
        figure.savefig(
            buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": "evidence"}
        )
    finally:
        plt.close(figure)
    buffer.seek(0)
    return Image(buffer)


def _matrix_table(matrix: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The matrix as a table of distinct sources, rows and columns named by their labels."""
    table = pivot_matrix(matrix).rename(
        index=lambda c: names.get(c, c), columns=lambda c: names.get(c, c)
    )
    table.index.name = ""
    return table


def _tidy_table(sheet: Worksheet, widths: dict[int, float], wrap: set[int]) -> None:
    """Tidy a data sheet: its header frozen, filters on its columns."""
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    _tidy(sheet, widths, wrap)


def _passage_widths(columns: list[str]) -> dict[int, float]:
    widths = {
        "text": 80,
        "citation": 28,
        "row": 24,
        "col": 24,
        "link": 40,
        "codes": 30,
        "provenance": 22,
    }
    return {i + 1: widths.get(c, 12) for i, c in enumerate(columns)}


def _link_cells(sheet: Worksheet, at: int) -> None:
    """Make every filled cell of column ``at`` (below the header) a link to its own text."""
    for (cell,) in sheet.iter_rows(min_row=2, min_col=at, max_col=at):
        if isinstance(cell.value, str) and cell.value:
            cell.hyperlink = cell.value
            cell.style = "Hyperlink"


def _tidy_passages(sheet: Worksheet, passages: pd.DataFrame) -> None:
    """Size the passages sheet's columns, wrap the passage text and make the links clickable."""
    columns = list(passages[[c for c in _PASSAGE_COLUMNS if c in passages.columns]].columns)
    wrap = {columns.index("text") + 1} if "text" in columns else set()
    _tidy_table(sheet, _passage_widths(columns), wrap)
    if "link" in columns:
        _link_cells(sheet, columns.index("link") + 1)


def write_matrix_xlsx(
    path: str | Path,
    matrix: pd.DataFrame,
    passages: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    lang: str = "en",
    gap_map: bool = True,
) -> Path:
    """Write the matrix, its cells, its gap map (a picture) and the passages behind every
    cell to one Excel workbook; return the path."""
    names = labels or {}
    table = _clean(_matrix_table(matrix, names))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(out, engine="openpyxl") as xl:
        table.to_excel(xl, sheet_name="matrix")
        _clean(_cells_frame(matrix, names, lang)).to_excel(xl, sheet_name="cells", index=False)
        xl.book.create_sheet("gap map")
        rows = _clean(_passages_frame(passages, names, lang))
        rows.to_excel(xl, sheet_name="passages", index=False)
        sheets = {name: xl.book[name] for name in xl.book.sheetnames}
        sheets["matrix"].freeze_panes = "B2"
        _tidy(sheets["matrix"], {1: 28}, set())
        _tidy_table(sheets["cells"], {1: 22, 2: 28, 3: 22, 4: 28}, set())
        _tidy_passages(sheets["passages"], passages)
        if gap_map:
            sheets["gap map"].add_image(_picture(matrix, names, lang), "A1")
        _as_text(xl.book)
    _make_reproducible(out)
    return out


_RECOMMENDATION_COLUMNS = [
    "form",
    "response",
    "row",
    "col",
    "literature",
    "field",
    "evidence",
    "literature_sources",
    "field_sources",
    "organisations",
]


def write_recommendations_xlsx(
    path: str | Path,
    table: pd.DataFrame,
    evidence: pd.DataFrame,
    labels: dict[str, str],
    lang: str = "fr",
) -> Path:
    """Write the recommendations table and the passages behind it to Excel; return the path.

    ``table`` comes from ``compute_recommendations``, ``evidence`` from
    ``compute_cell_evidence`` (only the passages of the table's cells are written).
    """
    named = table.assign(
        form=table["row"].map(lambda c: labels.get(c, c)),
        response=table["col"].map(lambda c: labels.get(c, c)),
        evidence=table["evidence"].map(texts("evidence", lang)),
    )[_RECOMMENDATION_COLUMNS]
    # The passages follow the table: its forms in order, each form's responses in the order
    # they first appear there (best-supported first).
    rows = {c: i for i, c in enumerate(dict.fromkeys(table["row"]))}
    cols = {c: i for i, c in enumerate(dict.fromkeys(table["col"]))}
    wanted = set(zip(table["row"], table["col"], strict=True))
    at = [
        (rows[r], cols[c], i)
        for i, (r, c) in enumerate(zip(evidence["row"], evidence["col"], strict=True))
        if (r, c) in wanted
    ]
    cells = evidence.iloc[[i for *_, i in sorted(at)]]
    out = Path(path)
    with pd.ExcelWriter(out, engine="openpyxl") as xl:
        _clean(named).to_excel(xl, sheet_name="recommendations", index=False)
        _clean(cells).to_excel(xl, sheet_name="passages", index=False)
        for sheet in xl.sheets.values():
            sheet.freeze_panes = "A2"
            if sheet.max_row > 1:
                sheet.auto_filter.ref = sheet.dimensions
        _as_text(xl.book)
    _make_reproducible(out)
    return out


# The date every rebuilt spreadsheet carries (as SOURCE_DATE_EPOCH does for chapters).
_FIXED_DATE = "2000-01-01T00:00:00Z"
_STAMPS = re.compile(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _make_reproducible(path: Path) -> None:
    """Rewrite the workbook at ``path`` with fixed dates, so the same data give the same
    bytes: openpyxl stamps the save time in its properties and the zip entries."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = _STAMPS.sub(rf"\g<1>{_FIXED_DATE}\g<3>", data.decode("utf-8")).encode()
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    write_atomic(path, buffer.getvalue())
