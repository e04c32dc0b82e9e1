"""``evidence build``: sync, field notes, extract, code, then briefs and chapters, under one lock.

The build never destroys the last good chapters: briefs, recommendations, chapters and the
manifest are written to a staging folder and published whole, in one rename, only when all
of them succeeded, and only when the literature did not fall drastically since the last
published build (unless ``accept_drop``). The codebook, the decisions file, the chapter
template and the narratives are checked before any work. ``from_scratch`` deletes the store
first (it is a cache).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evidence.coding import load_codebook, load_decisions
from evidence.config import Chapter, Settings
from evidence.errors import ConfigError, DropError, EvidenceError
from evidence.files import NotTextError, decode_text
from evidence.pdf import ENGINE as PDF_ENGINE
from evidence.report import (
    build_lock,
    compute_fingerprint,
    compute_snapshot,
    discard_staging,
    find_published,
    is_up_to_date,
    publish_staging,
    render_chapters,
    stage_reports,
)
from evidence.store import Store, open_store

from ._briefs import run_briefs
from ._fieldwork import run_fieldwork
from ._map import compute_maps
from ._pipeline import codebook_cache, run_code, run_extract, run_sync
from ._themes import THEMES_FILE, load_theme_file
from ._workbook import Workbook

__all__ = ["compute_snapshots", "delete_store", "run_build", "run_render"]


def _log(settings: Settings, summary: dict[str, Any]) -> None:
    """Append the build's summary to .evidence/build.log (one JSON line per build)."""
    log = settings.root / ".evidence" / "build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"time": stamp, **summary}, ensure_ascii=False, default=str) + "\n")


def delete_store(settings: Settings) -> None:
    """Delete the store file and its WAL companions."""
    for suffix in ("", "-wal", "-shm"):
        settings.store.with_name(settings.store.name + suffix).unlink(missing_ok=True)


def _check_inputs(settings: Settings, render: bool) -> None:
    """Fail before any work on what would stop the build later: the codebook, the decisions
    file, and (when rendering) the chapter template and the narratives."""
    load_codebook(settings.codebook)
    load_decisions(settings.decisions)
    if not render or not settings.chapters:
        return
    if not settings.chapter_template.is_file():
        raise ConfigError(
            f"{settings.chapter_template}: chapter template not found; set "
            "[workbook] chapter_template in evidence.toml"
        )
    for chapter in settings.chapters:
        if not chapter.narrative:
            continue
        path = settings.path(chapter.narrative)
        try:
            decode_text(path.read_bytes())
        except FileNotFoundError as exc:
            raise ConfigError(
                f"{path}: narrative of chapter '{chapter.id}' not found; write it or fix "
                "narrative in evidence.toml"
            ) from exc
        except (OSError, NotTextError) as exc:
            raise ConfigError(f"{path}: narrative of chapter '{chapter.id}': {exc}") from exc


def _literature(store: Store) -> dict[str, int]:
    """What the literature counts: its sources and its passages."""
    overview = store.overview(("literature",))
    return {"sources": overview["sources"], "passages": overview["passages"]}


def _check_drop(settings: Settings, now: dict[str, int]) -> None:
    """Refuse to publish a literature that fell by more than half, or to nothing, since the
    last published build."""
    published = find_published(settings.reports)
    manifest = published / "manifest.json" if published is not None else None
    if manifest is None or not manifest.is_file():
        return
    last = json.loads(manifest.read_text(encoding="utf-8")).get("literature") or {}
    fell = [
        f"{what} from {last[what]} to {now[what]}"
        for what in ("sources", "passages")
        if last.get(what, 0) > 0 and now[what] * 2 < last[what]
    ]
    if fell:
        source = "the Zotero library" if settings.zotero.configured else settings.bibliography.name
        raise DropError(
            f"the literature fell since the last published build ({'; '.join(fell)}): nothing "
            f"was published, the last good chapters are kept. Check {source} (empty or "
            "truncated?), the PDF folders and `evidence status`; if the drop is what you "
            "meant, run `evidence build --accept-drop`"
        )


def _run_stages(
    settings: Settings, store: Store, summary: dict[str, Any], jobs: int | None, progress: bool
) -> None:
    summary["sync"] = run_sync(settings, store)
    summary["fieldwork"] = run_fieldwork(settings, store)
    summary["extract"] = run_extract(settings, store, jobs=jobs, progress=progress)
    summary["code"] = run_code(settings, store, progress=progress)
    summary["status"] = store.counts()
    summary["failures"] = store.failures()
    summary["needs_ocr"] = store.pages_needing_ocr()


def run_build(
    settings: Settings,
    *,
    from_scratch: bool = False,
    jobs: int | None = None,
    render: bool = True,
    progress: bool = True,
    accept_drop: bool = False,
) -> dict[str, Any]:
    """Run every stage and render the briefs and chapters; return the summary with every
    failed item. When nothing they are made from changed since the last good build, nothing
    is rendered (``up_to_date``).

    Raises :class:`DropError` (nothing published) when the literature fell by more than half
    since the last published build, unless ``accept_drop``.
    """
    summary: dict[str, Any] = {}
    try:
        with build_lock(settings.reports):
            _check_inputs(settings, render)
            if from_scratch:
                delete_store(settings)
            with open_store(settings.store) as store:
                run = store.begin_run("build")
                _run_stages(settings, store, summary, jobs, progress)
                literature = _literature(store)
                summary["literature"] = literature
                manifest = {
                    "codebook_version": summary["code"]["codebook_version"],
                    "extractor_version": summary["extract"]["extractor_version"],
                    "pdf_engine": dict(PDF_ENGINE),
                    "counts": summary["status"],
                    "literature": literature,
                    "data_digest": store.data_digest(),
                }
                # The arguments per theme are written from themes.yml with the briefs.
                themes = settings.root / THEMES_FILE
                fingerprint = compute_fingerprint(
                    settings, settings.chapters, manifest, inputs=[themes]
                )
                # From scratch means everything again, the chapters too.
                fresh = render and not from_scratch and _up_to_date(settings, fingerprint)
                summary["up_to_date"] = fresh
                if not render or fresh:
                    summary["briefs"] = summary["chapters"] = []
                    store.end_run(run, "done", summary)
                    _log(settings, summary)
                    return summary
                if not accept_drop:
                    _check_drop(settings, literature)
                staging = stage_reports(settings.reports)
                try:
                    summary["briefs"] = run_briefs(settings, store, staging=staging)
                    store.end_run(run, "rendering", summary)
                except BaseException:
                    discard_staging(staging, settings.reports)
                    raise
            summary["chapters"] = _render_and_publish(
                settings, staging, jobs, manifest, fingerprint
            )
    except EvidenceError as exc:
        _log(settings, {**summary, "error": str(exc)})
        raise
    except Exception as exc:
        _log(settings, {**summary, "error": f"internal error ({type(exc).__name__})"})
        raise
    _log(settings, summary)
    return summary


def _up_to_date(settings: Settings, fingerprint: str) -> bool:
    """Whether the chapters, briefs and arguments published are those of ``fingerprint``."""
    briefs = [settings.reports / "briefs" / f"{c.id}.md" for c in settings.chapters]
    briefs.append(settings.reports / "recommendations.md")
    return (
        bool(settings.chapters)
        and is_up_to_date(settings.reports, settings.chapters, fingerprint)
        and all(p.is_file() for p in briefs)
        and all(p.is_file() for p in _arguments(settings))
    )


def _render_and_publish(
    settings: Settings,
    staging: Path,
    jobs: int | None,
    manifest: dict[str, Any],
    fingerprint: str,
) -> list[str]:
    """Render the chapters into ``staging``, then publish it whole (or keep it aside)."""
    try:
        chapters = run_render(
            settings, staging=staging, jobs=jobs, manifest=manifest, fingerprint=fingerprint
        )
    except BaseException:
        discard_staging(staging, settings.reports)
        raise
    publish_staging(staging, settings.reports)
    return chapters


def _arguments(settings: Settings) -> list[Path]:
    """The files the arguments of themes.yml's themes are published as (none without it)."""
    path = settings.root / THEMES_FILE
    if not path.is_file():
        return []
    codebook = load_codebook(settings.codebook, cache=codebook_cache(settings))
    file = load_theme_file(path, set(codebook.codes))
    folder = settings.reports / "themes"
    return [folder / f"{t.id}.{ext}" for t in file.themes for ext in ("md", "html", "docx")]


def compute_snapshots(settings: Settings, chapters: Sequence[Chapter]) -> dict[str, dict[str, Any]]:
    """Return each chapter's data snapshot (as its notebook computes it) for "what changed"."""
    with Workbook(settings) as wb:
        snapshots = {}
        for c in chapters:
            filters = wb.chapter_filters(c)
            matrix = wb.matrix(c.rows, c.cols, filters)
            snapshots[c.id] = compute_snapshot(wb.passage_counts(filters), matrix)
        return snapshots


def _chapter_files(staging: Path, chapters: Sequence[Chapter]) -> list[Path]:
    """The files of ``chapters`` in ``staging``, and the manifest, relative to it."""
    names = ["manifest.json"]
    for c in chapters:
        names += [p.name for p in staging.glob(f"{c.id}.*") if p.is_file()]
        names += [f"{c.id}_files/{p.name}" for p in sorted((staging / f"{c.id}_files").glob("*"))]
    return sorted(Path(n) for n in set(names) if (staging / n).is_file())


def run_render(
    settings: Settings,
    chapters: Sequence[Chapter] | None = None,
    *,
    lock: bool = True,
    jobs: int | None = None,
    manifest: dict[str, Any] | None = None,
    pdf: bool = True,
    staging: Path | None = None,
    fingerprint: str = "",
    force: bool = False,
) -> list[str]:
    """Render the chapters (all of evidence.toml's by default) into reports/; return the paths
    written (none when nothing they are made from changed since the last good build, unless
    ``force``).

    With ``staging`` (a build holding the lock), they are rendered there and the caller
    publishes; otherwise they are rendered and published whole, under the build lock
    (``lock=False`` when the caller holds it). A failing chapter publishes nothing: its
    staging folder is kept in reports/.failed/.
    """
    todo = list(chapters if chapters is not None else settings.chapters)
    if staging is not None:
        return _render_into(settings, todo, staging, jobs, manifest, pdf, fingerprint)
    with build_lock(settings.reports) if lock else nullcontext():
        manifest = dict(manifest or {})
        if "data_digest" not in manifest or "literature" not in manifest:
            with open_store(settings.store) as store:
                manifest.setdefault("data_digest", store.data_digest())
                manifest.setdefault("literature", _literature(store))
        fingerprint = fingerprint or compute_fingerprint(settings, todo, manifest, pdf)
        if not force and is_up_to_date(settings.reports, todo, fingerprint):
            return []
        folder = stage_reports(settings.reports)
        try:
            written = _render_into(settings, todo, folder, jobs, manifest, pdf, fingerprint)
        except BaseException:
            discard_staging(folder, settings.reports)
            raise
        publish_staging(folder, settings.reports)
        return written


def _render_into(
    settings: Settings,
    todo: list[Chapter],
    staging: Path,
    jobs: int | None,
    manifest: dict[str, Any] | None,
    pdf: bool,
    fingerprint: str,
) -> list[str]:
    if manifest is None:
        with open_store(settings.store) as store:
            manifest = {"literature": _literature(store)}
    render_chapters(
        settings,
        todo,
        staging=staging,
        jobs=jobs,
        snapshots=compute_snapshots(settings, todo),
        manifest=manifest,
        pdf=pdf,
        fingerprint=fingerprint,
        pages=compute_maps(settings, todo),
    )
    if not todo:
        return []
    # reports/<name> links into the published version: named, not resolved
    reports = settings.relative(settings.reports)
    return [f"{reports}/{p.as_posix()}" for p in _chapter_files(staging, todo)]
