from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from conftest import make_workbook

from evidence.config import load_settings
from evidence.errors import BuildLockedError, ReportError
from evidence.pipeline import run_code, run_extract, run_sync
from evidence.report import build_lock, render_chapters
from evidence.store import open_store

pytestmark = pytest.mark.slow


def _prepared(root: Path) -> Path:
    settings = load_settings(root)
    with open_store(settings.store) as store:
        run_sync(settings, store)
        run_extract(settings, store, jobs=1, progress=False)
        run_code(settings, store, progress=False)
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _prepared(make_workbook(tmp_path_factory.mktemp("report") / "wb"))
    render_chapters(load_settings(root))
    return root


def test_a_chapter_is_written_as_notebook_html_and_markdown(built: Path) -> None:
    reports = built / "reports"
    assert {p.name for p in reports.iterdir() if p.is_file()} >= {"tiny.ipynb", "tiny.html", "tiny.md"}
    md = (reports / "tiny.md").read_text(encoding="utf-8")
    assert md.lstrip().startswith("# Tiny chapter")
    assert "A tiny narrative for a tiny chapter." in md
    assert "| Physical violence |" in md
    assert "Alpha & Bravo (2020), p. 1" in md or "Bêta (2021), p. 1" in md
    figures = list((reports / "tiny_files").glob("*.png"))
    assert figures and f"tiny_files/{figures[0].name}" in md
    html = (reports / "tiny.html").read_text(encoding="utf-8")
    assert "Tiny chapter" in html and "open_workbook" not in html  # no code cells


def test_the_executed_notebook_carries_no_timings(built: Path) -> None:
    nb = nbformat.read(built / "reports" / "tiny.ipynb", as_version=4)
    assert "papermill" not in nb.metadata
    assert all("papermill" not in c.metadata and "execution" not in c.metadata for c in nb.cells)


def test_two_renders_give_identical_markdown_and_html(built: Path) -> None:
    reports = built / "reports"
    before = {n: (reports / n).read_bytes() for n in ("tiny.md", "tiny.html", "tiny.ipynb")}
    render_chapters(load_settings(built))
    assert {n: (reports / n).read_bytes() for n in before} == before


def test_a_failing_cell_keeps_the_last_good_chapter_and_names_the_cell(built: Path) -> None:
    reports = built / "reports"
    good = (reports / "tiny.md").read_bytes()
    template = built / "chapter.ipynb"
    original = template.read_text(encoding="utf-8")
    nb = nbformat.reads(original, as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell("raise RuntimeError('narrative is broken')"))
    nbformat.write(nb, template)
    try:
        with pytest.raises(ReportError, match=r"cell \d+ .*RuntimeError: narrative is broken"):
            render_chapters(load_settings(built))
    finally:
        template.write_text(original, encoding="utf-8")
    assert (reports / "tiny.md").read_bytes() == good
    assert (reports / ".failed" / "tiny.ipynb").is_file()


def test_a_second_build_while_one_runs_is_refused(built: Path) -> None:
    settings = load_settings(built)
    with build_lock(settings.reports), pytest.raises(BuildLockedError, match="another build"):
        render_chapters(settings)
