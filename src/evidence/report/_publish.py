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

import functools
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidence.config import Chapter, Settings
from evidence.errors import BuildLockedError, ConfigError, ReportError
from evidence.files import LockHeld, hold_lock
from evidence.i18n import text

from ._print import write_print_css, write_reference_docx
from ._versions import find_published

if TYPE_CHECKING:
    import nbformat

__all__ = [
    "CHROMIUM_HEADLESS",
    "build_lock",
    "compute_fingerprint",
    "find_pdf_printer",
    "is_up_to_date",
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
        # The browser's crash database and settings cache go into the throwaway profile too:
        # a build writes nothing in the user's home but the caches of matplotlib and Jupyter.
        home = {"HOME": profile, "XDG_CONFIG_HOME": profile, "XDG_CACHE_HOME": profile}
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
            env={**os.environ, **home},
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


def _pandoc_formats(title: str, folder: Path, paper: str) -> dict[str, list[str]]:
    """The pandoc arguments of each format written, by file extension: the HTML (printed to
    PDF) and the DOCX on the page size of ``paper``."""
    return {
        "md": ["--to=gfm-raw_html", "--wrap=none"],
        "html": [
            "--to=html5",
            "--standalone",
            "--embed-resources",
            f"--css={write_print_css(folder / _STATE_DIR, paper)}",
            "--metadata=link-citations:true",
            f"--metadata=pagetitle:{title}",
        ],
        "docx": [
            "--to=docx",
            f"--reference-doc={write_reference_docx(folder / _STATE_DIR, paper, _pandoc())}",
        ],
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
    paper: str = "a4",
) -> list[Path]:
    """Turn a chapter's source Markdown (pandoc citations) into .md, .html, .docx (and .pdf).

    Citations become author-date references with a bibliography of the works cited only;
    the HTML, its PDF and the DOCX are laid out for ``paper`` (a4 or letter).
    """
    base = _pandoc_base(source_md, folder, bibliography, lang)
    env = {**os.environ, "SOURCE_DATE_EPOCH": _SOURCE_DATE_EPOCH}
    written = []
    for ext, args in _pandoc_formats(title, folder, paper).items():
        target = folder / f"{stem}.{ext}"
        _run_pandoc([*base, *args, f"--output={target}"], stem, target, folder, env)
        written.append(target)
    chromium = find_pdf_printer() if pdf else None
    if chromium:
        _print_pdf(chromium, folder / f"{stem}.html", folder / f"{stem}.pdf")
        written.append(folder / f"{stem}.pdf")
    return written


def _notebook_markdown(
    nb: nbformat.NotebookNode, stem: str, folder: Path, alts: Sequence[str] = ("",)
) -> Path:
    """Write the notebook's outputs (no code) as pandoc Markdown plus its figures.

    Figures get ``alts`` in order as their text alternatives (the last one for any further
    figure) instead of nbconvert's "png".
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
    parts = body.split("![png](")
    body = parts[0] + "".join(
        f"![{alts[min(i, len(alts) - 1)]}](" + part for i, part in enumerate(parts[1:])
    )
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


def _baseline(reports: Path, chapter: Chapter) -> dict[str, Any]:
    """The state a chapter's "what changed" compares with: the previous build's snapshot,
    with the date of that build (``built``) and since when its data was the same (``since``).
    """
    state = _chapter_state(reports, chapter)
    if "snapshot" not in state:
        return {}
    dates = {k: state[k] for k in ("built", "since") if k in state}
    return {**state["snapshot"], **dates}


def _chapter_state(reports: Path, chapter: Chapter) -> dict[str, Any]:
    # the published build's state: reports/ points at its folder (see _versions)
    path = (find_published(reports) or reports) / _STATE_DIR / f"{chapter.id}.json"
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _next_state(reports: Path, chapter: Chapter, snapshot: dict[str, Any]) -> dict[str, Any]:
    """The state this build leaves: its snapshot and date, and since when the data is so."""
    today = datetime.now(UTC).date().isoformat()
    state = _chapter_state(reports, chapter)
    same = state.get("snapshot") == snapshot
    return {
        "snapshot": snapshot,
        "built": today,
        "since": state.get("since", "") if same else today,
    }


def _render_one(
    settings: Settings, chapter: Chapter, staging: Path, snapshot: dict[str, Any], pdf: bool
) -> None:
    baseline = _baseline(settings.reports, chapter)
    out = staging / f"{chapter.id}.ipynb"
    _execute(settings, chapter, out, baseline)
    # nbformat loads jsonschema and its grammars (a second): only when a chapter is rendered.
    import nbformat

    nb = strip_run_metadata(nbformat.read(out, as_version=4))
    nbformat.write(nb, out)
    alts = [text("chapter", key, chapter.language) for key in ("matrix_caption", "gap_map_caption")]
    source = _notebook_markdown(nb, chapter.id, staging, alts)
    _with_bibliography(source, chapter.language)
    render_documents(
        source,
        chapter.id,
        staging,
        bibliography=settings.bibliography,
        lang=chapter.language,
        title=chapter.title_in(chapter.language),
        pdf=pdf,
        paper=settings.paper,
    )
    state = _next_state(settings.reports, chapter, snapshot)
    (staging / _STATE_DIR / f"{chapter.id}.json").write_text(
        json.dumps(state, sort_keys=True, ensure_ascii=False, indent=1), encoding="utf-8"
    )


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def _package_versions() -> dict[str, str]:
    """The installed version of each package a build depends on ("" when it is absent)."""
    packages = {}
    for name in (
        "evidence-workbook",
        "pymupdf-lite",
        "numpy",
        "pandas",
        "matplotlib",
        "seaborn",
        "papermill",
        "nbconvert",
        "pyzotero",
        "pybtex",
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


_BUILD_STATE = "build.json"
# What each chapter publishes; a build is up to date only while they are all there.
_PUBLISHED = ("ipynb", "md", "html", "docx")


def compute_fingerprint(
    settings: Settings,
    chapters: Sequence[Chapter],
    manifest: dict[str, Any],
    pdf: bool = True,
    *,
    inputs: Sequence[Path] = (),
) -> str:
    """Return a digest of everything the chapters are made from: the files people own
    (settings, references, codebook, decisions, narratives, template), the store's state the
    caller describes in ``manifest`` (its ``data_digest``), the chapters and the software.
    ``inputs`` are further files the caller publishes from (themes.yml for the arguments);
    one that does not exist counts as empty."""
    material = {
        "inputs": _input_hashes(settings) | {settings.relative(p): _hash(p) for p in inputs},
        "chapters": [c.id for c in chapters],
        "manifest": manifest,
        "packages": _package_versions(),
        "code": _code_digest(),
        "pdf": bool(pdf and find_pdf_printer()),
        "paper": settings.paper,
    }
    encoded = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


@functools.cache
def _code_digest() -> str:
    """A digest of the workbook's own code: an edited install (a development checkout, a
    patched release of the same version) renders again."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def is_up_to_date(reports: Path, chapters: Sequence[Chapter], fingerprint: str) -> bool:
    """Whether the last good build was made from the same ``fingerprint`` and its chapters
    are all still published: then rendering again would give the same files."""
    state = (find_published(reports) or reports) / _STATE_DIR / _BUILD_STATE
    if not state.is_file():
        return False
    try:
        stored = json.loads(state.read_text(encoding="utf-8")).get("fingerprint")
    except (json.JSONDecodeError, AttributeError):
        return False
    published = all((reports / f"{c.id}.{ext}").is_file() for c in chapters for ext in _PUBLISHED)
    return stored == fingerprint and published


def render_chapters(
    settings: Settings,
    chapters: Sequence[Chapter],
    *,
    staging: Path,
    snapshots: dict[str, dict[str, Any]],
    jobs: int | None = None,
    manifest: dict[str, Any] | None = None,
    pdf: bool = True,
    fingerprint: str = "",
    pages: dict[str, str] | None = None,
) -> None:
    """Render ``chapters`` (in parallel) into the folder ``staging``, with the manifest.

    The caller holds the build lock and publishes the folder when this returns (see
    :func:`publish_staging`); a failure raises :class:`ReportError` naming the chapter, its
    cell and error. ``snapshots`` maps chapter id -> data snapshot for "what changed";
    ``pages`` (file name -> HTML, e.g. the chapters' evidence maps) are written beside the
    chapters; ``fingerprint`` (:func:`compute_fingerprint`) is kept so that the next build
    knows whether anything changed (:func:`is_up_to_date`).
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
    for name, page in (pages or {}).items():
        (staging / name).write_text(page, encoding="utf-8")
    (staging / _STATE_DIR).mkdir(parents=True, exist_ok=True)
    (staging / _STATE_DIR / _BUILD_STATE).write_text(
        json.dumps({"fingerprint": fingerprint}, indent=1) + "\n", encoding="utf-8"
    )
