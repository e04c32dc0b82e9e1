"""``evidence build``: sync, field notes, extract, code, then briefs and chapters, under one lock.

The build never destroys the last good chapters: they are replaced only when every
chapter rendered. ``from_scratch`` deletes the store first (it is a cache).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

from evidence.config import Chapter, Settings
from evidence.errors import EvidenceError
from evidence.pdf import ENGINE as PDF_ENGINE
from evidence.report import (
    build_lock,
    compute_fingerprint,
    compute_snapshot,
    is_up_to_date,
    render_chapters,
)
from evidence.store import open_store

from ._briefs import run_briefs
from ._fieldwork import run_fieldwork
from ._map import compute_maps
from ._pipeline import run_code, run_extract, run_sync
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


def run_build(
    settings: Settings,
    *,
    from_scratch: bool = False,
    jobs: int | None = None,
    render: bool = True,
    progress: bool = True,
) -> dict[str, Any]:
    """Run every stage and render the briefs and chapters; return the summary with every
    failed item. When nothing they are made from changed since the last good build, nothing
    is rendered (``up_to_date``)."""
    summary: dict[str, Any] = {}
    try:
        with build_lock(settings.reports):
            if from_scratch:
                delete_store(settings)
            with open_store(settings.store) as store:
                run = store.begin_run("build")
                summary["sync"] = run_sync(settings, store)
                summary["fieldwork"] = run_fieldwork(settings, store)
                summary["extract"] = run_extract(settings, store, jobs=jobs, progress=progress)
                summary["code"] = run_code(settings, store, progress=progress)
                summary["status"] = store.counts()
                manifest = {
                    "codebook_version": summary["code"]["codebook_version"],
                    "extractor_version": summary["extract"]["extractor_version"],
                    "pdf_engine": dict(PDF_ENGINE),
                    "counts": summary["status"],
                    "data_digest": store.data_digest(),
                }
                fingerprint = compute_fingerprint(settings, settings.chapters, manifest)
                # From scratch means everything again, the chapters too.
                fresh = render and not from_scratch and _up_to_date(settings, fingerprint)
                rendering = render and not fresh
                summary["briefs"] = run_briefs(settings, store, lock=False) if rendering else []
                summary["failures"] = store.failures()
                summary["needs_ocr"] = store.pages_needing_ocr()
                store.end_run(run, "rendering" if rendering else "done", summary)
            summary["chapters"] = (
                run_render(
                    settings,
                    lock=False,
                    jobs=jobs,
                    manifest=manifest,
                    fingerprint=fingerprint,
                    force=from_scratch,
                )
                if rendering
                else []
            )
            summary["up_to_date"] = fresh
    except EvidenceError as exc:
        _log(settings, {**summary, "error": str(exc)})
        raise
    _log(settings, summary)
    return summary


def _up_to_date(settings: Settings, fingerprint: str) -> bool:
    """Whether the chapters and briefs published are those of ``fingerprint``."""
    briefs = [settings.reports / "briefs" / f"{c.id}.md" for c in settings.chapters]
    briefs.append(settings.reports / "recommendations.md")
    return (
        bool(settings.chapters)
        and is_up_to_date(settings.reports, settings.chapters, fingerprint)
        and all(p.is_file() for p in briefs)
    )


def compute_snapshots(settings: Settings, chapters: Sequence[Chapter]) -> dict[str, dict[str, Any]]:
    """Return each chapter's data snapshot (as its notebook computes it) for "what changed"."""
    with Workbook(settings) as wb:
        snapshots = {}
        for c in chapters:
            filters = wb.chapter_filters(c)
            matrix = wb.matrix(c.rows, c.cols, filters)
            snapshots[c.id] = compute_snapshot(wb.passage_counts(filters), matrix)
        return snapshots


def run_render(
    settings: Settings,
    chapters: Sequence[Chapter] | None = None,
    *,
    lock: bool = True,
    jobs: int | None = None,
    manifest: dict[str, Any] | None = None,
    pdf: bool = True,
    fingerprint: str = "",
    force: bool = False,
) -> list[str]:
    """Render the chapters (all of evidence.toml's by default) into reports/; return the paths
    written (none when nothing they are made from changed since the last good build).

    ``lock=False`` when the caller holds the build lock; ``force`` renders even then.
    """
    todo = list(chapters if chapters is not None else settings.chapters)
    with build_lock(settings.reports) if lock else nullcontext():
        manifest = dict(manifest or {})
        if "data_digest" not in manifest:
            with open_store(settings.store) as store:
                manifest["data_digest"] = store.data_digest()
        fingerprint = fingerprint or compute_fingerprint(settings, todo, manifest, pdf)
        if not force and is_up_to_date(settings.reports, todo, fingerprint):
            return []
        return render_chapters(
            settings,
            todo,
            jobs=jobs,
            snapshots=compute_snapshots(settings, todo),
            manifest=manifest,
            pdf=pdf,
            fingerprint=fingerprint,
            force=force,
            pages=compute_maps(settings, todo),
        )
