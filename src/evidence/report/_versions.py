"""Publishing reports/ as a whole: each build is a version, swapped in by one rename.

A build writes everything it publishes (chapters, briefs, recommendations, the manifest)
into a staging folder, ``reports/.staging-*``, which starts as a copy of what is published.
Publishing renames it to ``reports/.versions/<n>``, then replaces the link
``reports/current`` (pointing at the published version) by a link to it, in one rename: a
reader, or a build killed at any moment, sees the old version whole or the new one whole,
never a mix. The paths people read stay put: ``reports/<name>`` is a link to
``current/<name>``, made once. The version before the current one is kept for readers
still holding it; older ones, and staging folders left by a killed build, are removed by
the next build.

Where the file system has no symbolic links (Windows without developer mode), files are
published one by one, each replaced whole.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
import tempfile
from pathlib import Path

__all__ = [
    "CURRENT",
    "discard_staging",
    "find_published",
    "publish_staging",
    "stage_reports",
]

CURRENT = "current"
_VERSIONS = ".versions"
_STAGING = ".staging-"
_FAILED = ".failed"
_STATE = ".state"  # published with each version, not linked: what "what changed" compares
_UMASK = os.umask(0)
os.umask(_UMASK)


def find_published(reports: Path) -> Path | None:
    """Return the folder of the published version, or None before the first publication.

    A reports/ folder published before versions existed is its own version.
    """
    link = reports / CURRENT
    if link.is_symlink():
        target = link.resolve()
        return target if target.is_dir() else None
    if (reports / "manifest.json").is_file():
        return reports
    return None


def _clean_leftovers(reports: Path) -> None:
    """Remove staging folders and versions no longer published (the caller holds the lock)."""
    for leftover in reports.glob(f"{_STAGING}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for link in reports.glob(".current-*"):
        if link.is_dir() and not link.is_symlink():  # an old folder swapped out (_exchange)
            shutil.rmtree(link, ignore_errors=True)
        else:
            link.unlink(missing_ok=True)
    versions = reports / _VERSIONS
    if not versions.is_dir():
        return
    published = find_published(reports)
    kept = sorted(v.resolve() for v in versions.iterdir() if v.is_dir())
    if published is not None and published in kept:
        # The published version and the one before it; newer ones were never published.
        keep = set(kept[: kept.index(published) + 1][-2:])
    else:
        keep = set()
    for version in versions.iterdir():
        if version.resolve() not in keep:
            shutil.rmtree(version, ignore_errors=True)


def _published_entries(folder: Path) -> list[Path]:
    """What a version publishes: its visible entries, and its state of "what changed"."""
    return [
        p
        for p in sorted(folder.iterdir())
        if (not p.name.startswith(".") or p.name == _STATE) and p.name != CURRENT
    ]


def stage_reports(reports: Path) -> Path:
    """Return a new staging folder holding a copy of the published version.

    Leftovers of killed builds are removed first. The caller holds the build lock.
    """
    reports.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(reports)
    staging = Path(tempfile.mkdtemp(prefix=_STAGING, dir=reports))
    # mkdtemp makes the folder private; a published version is read like any folder.
    os.chmod(staging, 0o777 & ~_UMASK)
    published = find_published(reports)
    if published is not None:
        for entry in _published_entries(published):
            if entry.is_dir() and not entry.is_symlink():
                shutil.copytree(entry, staging / entry.name, symlinks=True)
            elif entry.is_file():
                shutil.copy2(entry, staging / entry.name)
    return staging


def discard_staging(staging: Path, reports: Path) -> Path:
    """Keep a failed build's staging folder as reports/.failed (replacing the last one)."""
    kept = reports / _FAILED
    shutil.rmtree(kept, ignore_errors=True)
    os.replace(staging, kept)
    return kept


def _next_version(reports: Path) -> Path:
    versions = reports / _VERSIONS
    versions.mkdir(exist_ok=True)
    numbers = [int(v.name) for v in versions.iterdir() if v.name.isdigit()]
    return versions / f"{max(numbers, default=0) + 1:06d}"


def _swap_current(reports: Path, version: Path) -> None:
    """Point reports/current at ``version``: the one rename that publishes."""
    link = reports / f".current-{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(version, reports), link, target_is_directory=True)
    os.replace(link, reports / CURRENT)


def _link_entries(reports: Path, version: Path, *, replace: bool) -> None:
    """Make reports/<name> a link to current/<name> for every visible entry of ``version``.

    Links that exist already are left alone (they follow ``current``). Without ``replace``,
    only names that do not exist get a link (before the swap: it leads nowhere until the
    swap, then to the new file); with it, a file or folder left by a build from before
    versions existed is replaced by its link.
    """
    for entry in _published_entries(version):
        place = reports / entry.name
        target = f"{CURRENT}/{entry.name}"
        if entry.name.startswith(".") or (place.is_symlink() and os.readlink(place) == target):
            continue
        if place.exists() and not replace:
            continue
        link = reports / f".current-{os.getpid()}-{entry.name}"
        link.unlink(missing_ok=True)
        os.symlink(target, link, target_is_directory=entry.is_dir())
        if place.is_dir() and not place.is_symlink():
            # A folder cannot be renamed over: swap it with its link in one step where the
            # system can, so a reader never finds it missing; else move it aside first.
            if not _exchange(link, place):
                aside = reports / f".current-{os.getpid()}-old-{entry.name}"
                os.rename(place, aside)
                os.replace(link, place)
                link = aside
            shutil.rmtree(link)
            continue
        os.replace(link, place)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE); False where the
    system cannot, and nothing was changed."""
    if sys.platform != "linux":
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _publish_files(staging: Path, reports: Path) -> None:
    """Without symbolic links: replace the published files one by one, each whole."""
    for path in sorted(staging.rglob("*")):
        if path.is_file():
            target = reports / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
    shutil.rmtree(staging, ignore_errors=True)


def _symlinks_work(reports: Path) -> bool:
    probe = reports / f".current-{os.getpid()}-probe"
    try:
        probe.unlink(missing_ok=True)
        os.symlink(".", probe, target_is_directory=True)
    except (OSError, NotImplementedError):
        return False
    probe.unlink()
    return True


def publish_staging(staging: Path, reports: Path) -> list[Path]:
    """Publish ``staging`` whole; return the published paths people read (reports/<name>...).

    The caller holds the build lock.
    """
    if not (reports / CURRENT).is_symlink() and not _symlinks_work(reports):
        names = [reports / p.relative_to(staging) for p in sorted(staging.rglob("*"))]
        _publish_files(staging, reports)
        return [p for p in names if p.is_file()]
    version = _next_version(reports)
    os.rename(staging, version)
    _link_entries(reports, version, replace=False)
    _swap_current(reports, version)
    _link_entries(reports, version, replace=True)  # once, after a build from before versions
    old_state = reports / _STATE
    if old_state.is_dir() and not old_state.is_symlink():
        shutil.rmtree(old_state, ignore_errors=True)
    shutil.rmtree(reports / _FAILED, ignore_errors=True)
    _clean_leftovers(reports)
    return [reports / p.relative_to(version) for p in sorted(version.rglob("*")) if p.is_file()]
