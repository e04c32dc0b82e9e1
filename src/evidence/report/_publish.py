"""Report chapters: papermill executes the chapter template for each chapter, nbconvert
takes its Markdown, pandoc (citeproc) formats the citations and writes Markdown, HTML and
DOCX into a staging folder, which is published whole only when every chapter succeeded
(see ``_versions``).

A second build while one runs is refused (a lock file); a failing notebook keeps the last
good chapters and names the failing cell and its error. Outputs carry no timestamps and no
path of the machine they were built on, so the same inputs give byte-identical Markdown,
HTML and DOCX.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import nbformat

from evidence.config import Chapter, Settings
from evidence.errors import BuildLockedError, ConfigError, ReportError
from evidence.files import LockHeld, hold_lock
from evidence.i18n import text

from ._versions import find_published

__all__ = [
    "CHROMIUM_HEADLESS",
    "build_lock",
    "find_pdf_printer",
    "render_chapters",
    "render_documents",
    "strip_run_metadata",
    "write_manifest",
]

_LOCK_NAME = ".build.lock"
_STATE_DIR = ".state"
_FAILED_DIR = ".failed"
# Fixed build date for every format that embeds one (DOCX zip entries, PDF metadata).
_SOURCE_DATE_EPOCH = "946684800"


@contextmanager
def build_lock(reports: Path) -> Iterator[None]:
    """Hold the build lock of ``reports`` for the block; refuse if another build holds it."""
    if reports.exists() and not reports.is_dir():
        raise ConfigError(
            f"{reports}: is a file, not a folder; move it away or set [workbook] "
            "reports in evidence.toml to a folder"
        )
    try:
        with hold_lock(reports / _LOCK_NAME):
            yield
    except LockHeld as exc:
        raise BuildLockedError(
            f"{reports}: another build is running (process {exc.holder or 'unknown'}, lock "
            f"{_LOCK_NAME}); wait for it to end"
        ) from exc


def strip_run_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove timings and run-specific metadata so two runs of the same inputs are identical."""
    nb.metadata.pop("papermill", None)
    nb.metadata.get("widgets", {}).clear()
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill gives it a random id
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                output.get("metadata", {}).pop("execution", None)
    return nb


def _pandoc() -> str:
    import pypandoc  # its import looks for pandoc on disk: only when a chapter is rendered

    return str(pypandoc.get_pandoc_path())


def find_pdf_printer() -> str | None:
    """Return the path of a headless Chromium that can print HTML to PDF, if installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


# Headless Chromium that makes no network call of its own (no sync, updates or probes).
CHROMIUM_HEADLESS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _print_pdf(chromium: str, html: Path, pdf: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                *CHROMIUM_HEADLESS,
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf}",
                html.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def _pandoc_base(source_md: Path, folder: Path, bibliography: Path, lang: str) -> list[str]:
    """The pandoc command line shared by every format: citations, language, resources.

    pandoc runs in ``folder`` and is given the bibliography's path from there: the DOCX keeps
    it among its properties, where an absolute path would tell the machine's folders.
    """
    return [
        _pandoc(),
        str(source_md),
        "--from=markdown-implicit_figures",
        "--citeproc",
        f"--bibliography={Path(os.path.relpath(bibliography, folder)).as_posix()}",
        f"--metadata=lang:{text('common', 'locale', lang)}",
        f"--resource-path={folder}",
    ]


def _pandoc_formats(title: str) -> dict[str, list[str]]:
    """The pandoc arguments of each format written, by file extension."""
    return {
        "md": ["--to=gfm-raw_html", "--wrap=none"],
        "html": [
            "--to=html5",
            "--standalone",
            "--embed-resources",
            "--metadata=link-citations:true",
            f"--metadata=pagetitle:{title}",
        ],
        "docx": ["--to=docx"],
    }


def _run_pandoc(
    command: list[str], stem: str, target: Path, folder: Path, env: dict[str, str]
) -> None:
    result = subprocess.run(command, capture_output=True, text=True, cwd=folder, env=env)
    if result.returncode != 0:
        raise ReportError(
            f"chapter '{stem}': pandoc could not write {target.name}: {result.stderr.strip()}"
        )


def render_documents(
    source_md: Path,
    stem: str,
    folder: Path,
    *,
    bibliography: Path,
    lang: str,
    title: str,
    pdf: bool = True,
) -> list[Path]:
    """Turn a chapter's source Markdown (pandoc citations) into .md, .html, .docx (and .pdf).

    Citations become author-date references with a bibliography of the works cited only.
    """
    base = _pandoc_base(source_md, folder, bibliography, lang)
    env = {**os.environ, "SOURCE_DATE_EPOCH": _SOURCE_DATE_EPOCH}
    written = []
    for ext, args in _pandoc_formats(title).items():
        target = folder / f"{stem}.{ext}"
        _run_pandoc([*base, *args, f"--output={target}"], stem, target, folder, env)
        written.append(target)
    chromium = find_pdf_printer() if pdf else None
    if chromium:
        _print_pdf(chromium, folder / f"{stem}.html", folder / f"{stem}.pdf")
        written.append(folder / f"{stem}.pdf")
    return written


def _notebook_markdown(nb: nbformat.NotebookNode, stem: str, folder: Path, alt: str = "") -> Path:
    """Write the notebook's outputs (no code) as pandoc Markdown plus its figures.

    Figures get ``alt`` as their text alternative instead of nbconvert's "png".
    """
    from nbconvert import MarkdownExporter  # heavy (Jinja, mistune): only when rendering

    exporter = MarkdownExporter(exclude_input=True)
    body, resources = exporter.from_notebook_node(
        nb, resources={"metadata": {"name": stem}, "output_files_dir": f"{stem}_files"}
    )
    for name, data in sorted(resources.get("outputs", {}).items()):
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    body = body.replace("![png](", f"![{alt}](")
    source = folder / _STATE_DIR / f"{stem}.source.md"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(body, encoding="utf-8")
    return source


def _with_bibliography(source: Path, lang: str) -> None:
    """End the chapter with its bibliography, at heading level 2 like the other sections."""
    heading = text("common", "references", lang)
    with open(source, "a", encoding="utf-8") as fh:
        fh.write(f"\n\n## {heading} {{.unnumbered}}\n\n::: {{#refs}}\n:::\n")


def _execute(settings: Settings, chapter: Chapter, out: Path, baseline: dict[str, Any]) -> None:
    # Heavy (Jupyter clients, kernels): loaded only when a chapter is executed.
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    params: dict[str, Any] = {
        "root": ".",
        "chapter": chapter.id,
        "lang": chapter.language,
        "baseline": baseline,
    }
    try:
        # The kernel starts in the workbook's folder. papermill's own ``cwd`` changes the
        # whole process's directory for the run, which chapters rendered in parallel threads
        # would undo for one another; nbclient starts the kernel there instead.
        pm.execute_notebook(
            str(settings.chapter_template),
            str(out),
            parameters=params,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            resources={"metadata": {"path": str(settings.root)}},
        )
    except PapermillExecutionError as exc:
        reports = settings.relative(settings.reports)
        raise ReportError(
            f"chapter '{chapter.id}': cell {exc.exec_count} of "
            f"{settings.relative(settings.chapter_template)} failed with {exc.ename}: "
            f"{exc.evalue}; the last good chapter is kept in {reports}/ and the failed "
            f"notebook in {reports}/{_FAILED_DIR}/{out.name}"
        ) from exc


def _baseline(reports: Path, chapter: Chapter, snapshot: dict[str, Any]) -> dict[str, Any]:
    """The state a chapter's "what changed" compares with: the last build with other data.

    Rebuilding the same data compares with the same baseline, so the chapter is identical.
    """
    published = find_published(reports)
    path = (published or reports) / _STATE_DIR / f"{chapter.id}.json"
    if not path.is_file():
        return {}
    state = json.loads(path.read_text(encoding="utf-8"))
    if state.get("snapshot") == snapshot:
        return dict(state.get("baseline", {}))
    return dict(state.get("snapshot", {}))


def _render_one(
    settings: Settings, chapter: Chapter, staging: Path, snapshot: dict[str, Any], pdf: bool
) -> None:
    baseline = _baseline(settings.reports, chapter, snapshot)
    out = staging / f"{chapter.id}.ipynb"
    _execute(settings, chapter, out, baseline)
    nb = strip_run_metadata(nbformat.read(out, as_version=4))
    nbformat.write(nb, out)
    alt = text("chapter", "matrix_caption", chapter.language)
    source = _notebook_markdown(nb, chapter.id, staging, alt)
    _with_bibliography(source, chapter.language)
    render_documents(
        source,
        chapter.id,
        staging,
        bibliography=settings.bibliography,
        lang=chapter.language,
        title=chapter.title_in(chapter.language),
        pdf=pdf,
    )
    state = {"snapshot": snapshot, "baseline": baseline}
    (staging / _STATE_DIR / f"{chapter.id}.json").write_text(
        json.dumps(state, sort_keys=True, ensure_ascii=False, indent=1), encoding="utf-8"
    )


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def _package_versions() -> dict[str, str]:
    """The installed version of each package a build depends on ("" when it is absent)."""
    packages = {}
    for name in (
        "evidence",
        "pymupdf",
        "pandas",
        "matplotlib",
        "seaborn",
        "papermill",
        "nbconvert",
        "pyzotero",
        "bibtexparser",
        "snowballstemmer",
        "pypandoc-binary",
    ):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = ""
    return packages


def _git_state(root: Path) -> dict[str, Any]:
    """The workbook's git commit and whether tracked files differ from it (None: no git)."""
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    return {
        "git_commit": commit.stdout.strip() if commit.returncode == 0 else "",
        "git_dirty": bool(dirty.stdout.strip()) if dirty.returncode == 0 else None,
    }


def _input_hashes(settings: Settings) -> dict[str, str]:
    """The sha256 of every file a chapter is built from, by path relative to the root."""
    return {
        settings.relative(p): _hash(p)
        for p in sorted(
            {
                settings.root / "evidence.toml",
                settings.bibliography,
                settings.codebook,
                settings.decisions,
                settings.chapter_template,
                *(settings.path(c.narrative) for c in settings.chapters if c.narrative),
            }
        )
    }


def write_manifest(settings: Settings, folder: Path, extra: dict[str, Any]) -> Path:
    """Write ``manifest.json``: input hashes, codebook version, package versions, git commit."""
    packages = _package_versions()
    git = _git_state(settings.root)
    manifest = {
        **git,
        "inputs": _input_hashes(settings),
        "packages": packages,
        "pandoc": subprocess.run(
            [_pandoc(), "--version"], capture_output=True, text=True
        ).stdout.splitlines()[0],
        **extra,
    }
    path = folder / "manifest.json"
    path.write_text(
        json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


def render_chapters(
    settings: Settings,
    chapters: Sequence[Chapter],
    *,
    staging: Path,
    snapshots: dict[str, dict[str, Any]],
    jobs: int | None = None,
    manifest: dict[str, Any] | None = None,
    pdf: bool = True,
) -> None:
    """Render ``chapters`` (in parallel) into the folder ``staging``, with the manifest.

    The caller holds the build lock and publishes the folder when this returns (see
    :func:`publish_staging`); a failure raises :class:`ReportError` naming the chapter, its
    cell and error. ``snapshots`` maps chapter id -> data snapshot for "what changed".
    """
    todo = list(chapters)
    if not todo:
        return
    if not settings.chapter_template.is_file():
        raise ConfigError(
            f"{settings.chapter_template}: chapter template not found; set "
            "[workbook] chapter_template in evidence.toml"
        )
    workers = max(1, min(len(todo), jobs or os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(_render_one, settings, c, staging, snapshots.get(c.id, {}), pdf)
            for c in todo
        ]
        for future in futures:
            future.result()
    write_manifest(settings, staging, {"chapters": [c.id for c in todo], **(manifest or {})})
