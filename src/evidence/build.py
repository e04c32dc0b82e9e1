"""``evidence build``: sync, extract, code, then render the chapters, under one lock.

The build never destroys the last good chapters: they are replaced only when every
chapter rendered. ``from_scratch`` deletes the store first (it is a cache).
"""

from __future__ import annotations

from typing import Any

from .config import Settings
from .pipeline import run_code, run_extract, run_sync
from .report import build_lock, render_chapters
from .store import open_store

__all__ = ["delete_store", "run_build"]


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
    """Run every stage and render the chapters; return the summary with every failed item."""
    with build_lock(settings.reports):
        if from_scratch:
            delete_store(settings)
        with open_store(settings.store) as store:
            run = store.begin_run("build")
            summary: dict[str, Any] = {"sync": run_sync(settings, store)}
            summary["extract"] = run_extract(settings, store, jobs=jobs, progress=progress)
            summary["code"] = run_code(settings, store, progress=progress)
            summary["status"] = store.counts()
            summary["failures"] = store.failures()
            store.end_run(run, "rendering" if render else "done", summary)
        summary["chapters"] = render_chapters(settings, lock=False) if render else []
    return summary
