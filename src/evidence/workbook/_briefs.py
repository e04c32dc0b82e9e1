"""Theme briefs and the recommendations note, written to reports/ from the store.

Each brief and the recommendations count with the matrix engine and quote through its
drill-down, under the same decision rule as the chapters: rule codings and people's
decisions, never unreviewed suggestions.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from evidence.analysis import (
    compute_cell_evidence,
    compute_recommendations,
    write_recommendations_xlsx,
)
from evidence.config import Settings
from evidence.files import write_atomic
from evidence.report import build_lock, render_recommendations, render_theme_brief
from evidence.store import Store

from ._workbook import Workbook

__all__ = ["run_briefs"]


def run_briefs(settings: Settings, store: Store, *, lock: bool = True) -> list[str]:
    """Write one theme brief per chapter and the recommendations table to reports/.

    Returns the paths written, relative to the workbook root. ``lock=False`` when the
    caller already holds the build lock of reports/.
    """
    with build_lock(settings.reports) if lock else nullcontext():
        return [settings.relative(p) for p in _write_briefs(Workbook(settings, store=store))]


def _write_briefs(wb: Workbook) -> list[Path]:
    settings = wb.settings
    sources = wb.sources()
    folder = settings.reports / "briefs"
    written = []
    for chapter in settings.chapters:
        lang = chapter.language or settings.language
        matrix = wb.matrix(chapter.rows, chapter.cols)
        cells = wb.matrix_passages(matrix, lang=lang)
        brief = render_theme_brief(chapter, matrix, cells, sources, wb.labels(lang), lang)
        written.append(_write(folder / f"{chapter.id}.md", brief))
    lang = settings.language
    labels = wb.labels(lang)
    matrix = wb.matrix("form", "resp")
    cells = wb.matrix_passages(matrix, lang=lang)
    table = compute_recommendations(matrix, cells, sources, lang)
    note = render_recommendations(table, labels, lang, wb.codes("form"))
    written.append(_write(settings.reports / "recommendations.md", note))
    xlsx = settings.reports / "recommendations.xlsx"
    evidence = compute_cell_evidence(cells, sources, lang)
    written.append(write_recommendations_xlsx(xlsx, table, evidence, labels, lang))
    return written


def _write(path: Path, text: str) -> Path:
    write_atomic(path, text)
    return path
