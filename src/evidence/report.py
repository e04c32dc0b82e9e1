"""Report chapters: papermill executes the chapter template, nbconvert turns it into HTML
and Markdown, and the published files in reports/ are replaced only when all succeeded.

A second build while one runs is refused (a lock file); a failing notebook keeps the last
good chapters and names the failing cell and its error.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import nbformat

from .config import Chapter, Settings
from .errors import BuildLockedError, ReportError

__all__ = ["build_lock", "render_chapters", "render_notebook_outputs", "strip_run_metadata"]

LOCK_NAME = ".build.lock"


@contextmanager
def build_lock(reports: Path) -> Iterator[None]:
    """Hold the build lock of ``reports`` for the block; refuse if another build holds it."""
    reports.mkdir(parents=True, exist_ok=True)
    with open(reports / LOCK_NAME, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BuildLockedError(
                f"{reports}: another build is running (lock {LOCK_NAME}); wait for it to end"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def strip_run_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove timings and run-specific metadata so two runs of the same inputs are identical."""
    nb.metadata.pop("papermill", None)
    nb.metadata.get("widgets", {}).clear()
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                output.get("metadata", {}).pop("execution", None)
    return nb


def render_notebook_outputs(nb: nbformat.NotebookNode, stem: str, folder: Path) -> list[Path]:
    """Write ``stem.html`` (no code cells) and ``stem.md`` (+ its figures) into ``folder``."""
    from nbconvert import HTMLExporter, MarkdownExporter

    written = []
    html_exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = html_exporter.from_notebook_node(nb, resources={"metadata": {"name": stem}})
    (folder / f"{stem}.html").write_text(body, encoding="utf-8")
    written.append(folder / f"{stem}.html")
    md_exporter = MarkdownExporter(exclude_input=True)
    body, resources = md_exporter.from_notebook_node(
        nb, resources={"metadata": {"name": stem}, "output_files_dir": f"{stem}_files"}
    )
    (folder / f"{stem}.md").write_text(body, encoding="utf-8")
    written.append(folder / f"{stem}.md")
    for name, data in sorted(resources.get("outputs", {}).items()):
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written


def _execute(settings: Settings, chapter: Chapter, out: Path) -> nbformat.NotebookNode:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    params: dict[str, Any] = {"root": ".", "chapter": chapter.id, "lang": chapter.language}
    try:
        pm.execute_notebook(
            str(settings.chapter_template), str(out), parameters=params, cwd=str(settings.root),
            kernel_name="python3", progress_bar=False, log_output=False,
        )
    except PapermillExecutionError as exc:
        raise ReportError(
            f"chapter '{chapter.id}': cell {exc.exec_count} of {settings.relative(settings.chapter_template)}"
            f" failed with {exc.ename}: {exc.evalue}; the last good chapter is kept in "
            f"{settings.relative(settings.reports)}/ and the failed notebook in "
            f"{settings.relative(settings.reports)}/.failed/{out.name}"
        ) from exc
    nb = nbformat.read(out, as_version=4)
    return strip_run_metadata(nb)


def render_chapters(
    settings: Settings, chapters: Sequence[Chapter] | None = None, *, lock: bool = True
) -> list[str]:
    """Render chapters into reports/, replacing published files only if all succeeded.

    ``lock=False`` when the caller already holds the build lock. Returns the paths written,
    relative to the workbook root.
    """
    todo = list(chapters if chapters is not None else settings.chapters)
    if not todo:
        return []
    if not settings.chapter_template.is_file():
        raise ReportError(
            f"{settings.chapter_template}: chapter template not found; set "
            "[workbook] chapter_template in evidence.toml"
        )
    reports = settings.reports
    with build_lock(reports) if lock else nullcontext():
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=reports))
        try:
            for chapter in todo:
                nb = _execute(settings, chapter, staging / f"{chapter.id}.ipynb")
                nbformat.write(nb, staging / f"{chapter.id}.ipynb")
                render_notebook_outputs(nb, chapter.id, staging)
        except BaseException:
            kept = reports / ".failed"
            shutil.rmtree(kept, ignore_errors=True)
            os.replace(staging, kept)
            raise
        written = []
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                target = reports / path.relative_to(staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
                written.append(settings.relative(target))
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(reports / ".failed", ignore_errors=True)
    return written
