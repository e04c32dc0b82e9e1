from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest
from conftest import make_pdf, make_workbook

from evidence.config import load_settings
from evidence.errors import BuildLockedError, ReportError
from evidence.report import build_lock
from evidence.store import open_store
from evidence.workbook import run_build, run_code, run_extract, run_render, run_sync

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
    run_render(load_settings(root))
    return root


def test_a_chapter_is_written_as_notebook_html_markdown_and_docx(built: Path) -> None:
    reports = built / "reports"
    names = {p.name for p in reports.iterdir() if p.is_file()}
    assert names >= {"tiny.ipynb", "tiny.html", "tiny.md", "tiny.docx", "manifest.json"}
    md = (reports / "tiny.md").read_text(encoding="utf-8")
    assert md.lstrip().startswith("# Tiny chapter")
    assert "A tiny narrative for a tiny chapter." in md
    assert "| Physical violence |" in md
    assert "[@" not in md  # every citation was formatted by citeproc
    assert "(Alpha and Bravo 2020, 1)" in md or "(Bêta 2021, 1)" in md
    assert "\n## References\n" in md and "Violence in Night Shelters" in md
    assert "<div" not in md
    assert "A book whose file is missing" not in md  # the bibliography lists works cited only
    figures = list((reports / "tiny_files").glob("*.png"))
    assert figures and f"tiny_files/{figures[0].name}" in md
    assert "![Number of distinct sources per crossing of codes.](tiny_files/" in md
    html = (reports / "tiny.html").read_text(encoding="utf-8")
    assert "Tiny chapter" in html and "open_workbook" not in html  # no code cells
    assert "data:image/png;base64" in html  # figures embedded: the file stands alone
    with zipfile.ZipFile(reports / "tiny.docx") as docx:
        assert "Tiny chapter" in docx.read("word/document.xml").decode("utf-8")


def test_the_manifest_lists_inputs_versions_and_counts(built: Path) -> None:
    manifest = json.loads((built / "reports" / "manifest.json").read_text())
    assert set(manifest["inputs"]) >= {
        "evidence.toml",
        "references.bib",
        "codebook.yml",
        "chapter.ipynb",
        "narrative.md",
    }
    assert len(manifest["inputs"]["codebook.yml"]) == 64
    assert manifest["packages"]["pymupdf-lite"] and manifest["pandoc"].startswith("pandoc")
    assert manifest["chapters"] == ["tiny"]


def test_the_executed_notebook_carries_no_timings(built: Path) -> None:
    nb = nbformat.read(built / "reports" / "tiny.ipynb", as_version=4)
    assert "papermill" not in nb.metadata
    assert all("papermill" not in c.metadata and "execution" not in c.metadata for c in nb.cells)


def test_two_renders_give_identical_markdown_and_html(built: Path) -> None:
    reports = built / "reports"
    names = ("tiny.md", "tiny.html", "tiny.ipynb", "tiny.docx", "manifest.json")
    run_render(load_settings(built), force=True)  # the same data again: "no change since"
    before = {n: (reports / n).read_bytes() for n in names}
    run_render(load_settings(built), force=True)
    assert {n: (reports / n).read_bytes() for n in names} == before


def test_a_rebuild_with_nothing_changed_renders_nothing(built: Path) -> None:
    reports = built / "reports"
    stamps = {p: p.stat().st_mtime_ns for p in reports.glob("tiny.*")}
    assert run_render(load_settings(built)) == []
    assert {p: p.stat().st_mtime_ns for p in reports.glob("tiny.*")} == stamps
    narrative = built / "narrative.md"
    original = narrative.read_text(encoding="utf-8")
    narrative.write_text(original + "\nOne more sentence.\n", encoding="utf-8")
    try:
        written = run_render(load_settings(built))
    finally:
        narrative.write_text(original, encoding="utf-8")
    assert "reports/tiny.html" in written
    md = (reports / "tiny.md").read_text(encoding="utf-8")
    assert "One more sentence." in md
    today = datetime.now(UTC).date().isoformat()
    assert f"No change in the data since the build of {today}." in md


def test_chapters_are_laid_out_on_a4_unless_letter_is_asked(built: Path) -> None:
    reports = built / "reports"
    with zipfile.ZipFile(reports / "tiny.docx") as docx:
        page = re.search(r"<w:pgSz [^>]*>", docx.read("word/document.xml").decode())
    assert page and 'w:w="11906"' in page[0] and 'w:h="16838"' in page[0]  # A4 in twips
    html = (reports / "tiny.html").read_text(encoding="utf-8")
    assert "size: A4" in html and "max-width: 100%" in html
    assert "Evidence gap map" in html  # the gap map stands beside the heatmap
    assert html.count("data:image/png;base64") >= 2
    md = (reports / "tiny.md").read_text(encoding="utf-8")
    assert "![Number of distinct sources" in md  # each figure described by its own caption
    assert "![Each bubble" in md


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
            run_render(load_settings(built))
    finally:
        template.write_text(original, encoding="utf-8")
    assert (reports / "tiny.md").read_bytes() == good
    assert (reports / ".failed" / "tiny.ipynb").is_file()


def test_a_second_build_while_one_runs_is_refused(built: Path) -> None:
    settings = load_settings(built)
    with build_lock(settings.reports), pytest.raises(BuildLockedError, match="another build"):
        run_render(settings)


def test_what_changed_names_new_sources_and_changed_cells(tmp_path: Path) -> None:
    root = _prepared(make_workbook(tmp_path / "wb"))
    run_render(load_settings(root))
    first = (root / "reports" / "tiny.md").read_text(encoding="utf-8")
    assert "First build of this chapter." in first
    run_render(load_settings(root))
    assert (root / "reports" / "tiny.md").read_text(encoding="utf-8") == first
    make_pdf(
        root / "pdfs" / "delta2022new.pdf",
        ["Residents were hitting each other; the fear stayed with them for months."],
    )
    with open(root / "references.bib", "a", encoding="utf-8") as bib:
        bib.write(
            "\n@article{delta2022new,\n  author = {Delta, Eve},\n  title = {New},\n"
            "  journal = {J},\n  year = {2022},\n  file = {pdfs/delta2022new.pdf}\n}\n"
        )
    _prepared(root)
    run_render(load_settings(root))
    changed = (root / "reports" / "tiny.md").read_text(encoding="utf-8")
    assert "New sources: delta2022new." in changed
    assert "- Physical violence × Trauma: 1 → 2" in changed
    today = datetime.now(UTC).date().isoformat()
    assert f"Compared with the build of {today}:" in changed
    run_render(load_settings(root))  # the same data again: the same comparison
    assert (root / "reports" / "tiny.md").read_text(encoding="utf-8") == changed


def test_no_output_of_a_build_holds_the_zotero_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "s3cr3tZoteroKey0123456789"
    monkeypatch.setenv("ZOTERO_API_KEY", secret)
    root = make_workbook(tmp_path / "wb")
    (root / ".env").write_text(f"ZOTERO_API_KEY={secret}\n")
    run_build(load_settings(root), progress=False)
    leaks = [
        p
        for p in root.rglob("*")
        if p.is_file() and p.name != ".env" and secret.encode() in p.read_bytes()
    ]
    assert leaks == []


def test_chapters_run_in_the_workbook_without_changing_the_process_directory(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chapters render in parallel threads, which share one working directory: a chdir by one
    # would start another's kernel in the wrong folder, on an empty store.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    moves: list[str] = []
    monkeypatch.setattr("os.chdir", lambda path: moves.append(str(path)))
    run_render(load_settings(built), force=True)
    assert set(moves) <= {str(elsewhere)}  # papermill's file handler re-enters it, no more
    md = (built / "reports" / "tiny.md").read_text(encoding="utf-8")
    assert "(Alpha and Bravo 2020, 1)" in md or "(Bêta 2021, 1)" in md
    assert not (elsewhere / "data").exists()
