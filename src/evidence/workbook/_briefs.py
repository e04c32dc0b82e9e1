"""Theme briefs and the recommendations note, written to reports/ from the store.

Each brief and the recommendations count with the matrix engine and quote through its
drill-down, under the same decision rule as the chapters: rule codings and people's
decisions, never unreviewed suggestions.
"""

from __future__ import annotations

from pathlib import Path

from evidence.analysis import (
    compute_cell_evidence,
    compute_recommendations,
    write_recommendations_xlsx,
)
from evidence.config import Settings
from evidence.files import write_atomic
from evidence.report import (
    build_lock,
    discard_staging,
    publish_staging,
    render_recommendations,
    render_theme_brief,
    stage_reports,
)
from evidence.store import Store

from ._themes import THEMES_FILE, load_theme_file, write_theme_arguments
from ._workbook import Workbook

__all__ = ["run_briefs"]


def run_briefs(settings: Settings, store: Store, *, staging: Path | None = None) -> list[str]:
    """Write one theme brief per chapter and the recommendations table to reports/, and when
    themes.yml exists the argument of each of its themes to reports/themes/.

    Returns the paths people read, relative to the workbook root. With ``staging`` (a build
    holding the lock), they are written there and published with the chapters; otherwise
    they are published at once, under the build lock, with what was published before.
    """
    if staging is not None:
        written = _write_briefs(Workbook(settings, store=store), staging)
        return [_published(settings, p.relative_to(staging)) for p in written]
    with build_lock(settings.reports):
        folder = stage_reports(settings.reports)
        try:
            written = _write_briefs(Workbook(settings, store=store), folder)
        except BaseException:
            discard_staging(folder, settings.reports)
            raise
        names = [_published(settings, p.relative_to(folder)) for p in written]
        publish_staging(folder, settings.reports)
    return names


def _published(settings: Settings, name: Path) -> str:
    """The path people read of ``name`` in reports/, relative to the root: reports/<name>,
    not the version folder its link resolves to."""
    return f"{settings.relative(settings.reports)}/{name.as_posix()}"


def _write_briefs(wb: Workbook, reports: Path) -> list[Path]:
    settings = wb.settings
    sources = wb.sources()
    folder = reports / "briefs"
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
    written.append(_write(reports / "recommendations.md", note))
    xlsx = reports / "recommendations.xlsx"
    evidence = compute_cell_evidence(cells, sources, lang)
    written.append(write_recommendations_xlsx(xlsx, table, evidence, labels, lang))
    themes = load_theme_file(settings.root / THEMES_FILE, set(wb.codebook.codes))
    if themes.themes:
        written += write_theme_arguments(wb, themes, reports=reports)
    return written


def _write(path: Path, text: str) -> Path:
    write_atomic(path, text)
    return path
