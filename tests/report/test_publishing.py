"""Publishing reports/ as a whole: one rename swaps a build in, a kill at any moment leaves the
old build or the new one, never a mix, and the next build clears what a killed one left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evidence.report import discard_staging, find_published, publish_staging, stage_reports

SRC = Path(__file__).resolve().parents[2] / "src"
NAMES = ("a.md", "b.html", "c.docx", "briefs/t.md")


def _fill(staging: Path, tag: str, extra: tuple[str, ...] = ()) -> None:
    for name in (*NAMES, *extra):
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{tag} {name}\n", encoding="utf-8")


def _read(reports: Path, name: str) -> str | None:
    try:
        return (reports / name).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def test_a_build_is_published_whole_and_readers_keep_their_paths(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    first = stage_reports(reports)
    _fill(first, "v1")
    publish_staging(first, reports)
    assert _read(reports, "a.md") == "v1 a.md\n" and (reports / "current").is_symlink()
    assert os.readlink(reports / "a.md") == "current/a.md"
    second = stage_reports(reports)
    assert (second / "b.html").read_text(encoding="utf-8") == "v1 b.html\n"  # a copy
    _fill(second, "v2", extra=("d.md",))
    published = publish_staging(second, reports)
    assert {p.relative_to(reports).as_posix() for p in published} == {*NAMES, "d.md"}
    assert [_read(reports, n) for n in (*NAMES, "d.md")] == [f"v2 {n}\n" for n in (*NAMES, "d.md")]
    assert find_published(reports) == (reports / "current").resolve()
    third = stage_reports(reports)
    publish_staging(third, reports)
    # The published version and the one before it stay (readers may hold them), no more.
    assert len(list((reports / ".versions").iterdir())) == 2
    assert oct((reports / "current").resolve().stat().st_mode & 0o077) != "0o0"


def test_a_failed_build_is_kept_aside_and_publishes_nothing(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    first = stage_reports(reports)
    _fill(first, "v1")
    publish_staging(first, reports)
    failed = stage_reports(reports)
    _fill(failed, "v2")
    discard_staging(failed, reports)
    assert _read(reports, "a.md") == "v1 a.md\n"
    assert (reports / ".failed" / "a.md").read_text(encoding="utf-8") == "v2 a.md\n"


def test_the_next_build_removes_what_a_killed_one_left(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    first = stage_reports(reports)
    _fill(first, "v1")
    publish_staging(first, reports)
    (reports / ".staging-killed" / "sub").mkdir(parents=True)
    (reports / ".staging-killed" / "sub" / "half.html").write_text("half", encoding="utf-8")
    never = reports / ".versions" / "999999"  # renamed, then killed before the swap
    never.mkdir()
    (reports / ".current-12345").symlink_to(".versions/999999")
    staging = stage_reports(reports)
    assert not (reports / ".staging-killed").exists() and not never.exists()
    assert not (reports / ".current-12345").exists()
    assert sorted(p.name for p in reports.glob(".staging-*")) == [staging.name]


def test_a_report_folder_from_before_versions_is_taken_over(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / ".gitkeep").write_text("", encoding="utf-8")
    _fill(reports, "old")
    (reports / "manifest.json").write_text("{}", encoding="utf-8")
    (reports / ".state").mkdir()
    (reports / ".state" / "t.json").write_text("{}", encoding="utf-8")
    staging = stage_reports(reports)
    assert (staging / "briefs" / "t.md").read_text(encoding="utf-8") == "old briefs/t.md\n"
    assert (staging / ".state" / "t.json").is_file() and not (staging / ".gitkeep").exists()
    _fill(staging, "new")
    publish_staging(staging, reports)
    assert [_read(reports, n) for n in NAMES] == [f"new {n}\n" for n in NAMES]
    assert (reports / "briefs").is_symlink() and not (reports / ".state").exists()
    assert (reports / ".gitkeep").is_file() and not (reports / ".gitkeep").is_symlink()


_SLOW_PUBLISH = """
import os, sys, time
from pathlib import Path
from evidence.report import publish_staging
staging, reports = Path(sys.argv[1]), Path(sys.argv[2])
for name in ("replace", "rename", "symlink", "unlink"):
    def slow(*args, _real=getattr(os, name), **kwargs):
        time.sleep(0.05)
        return _real(*args, **kwargs)
    setattr(os, name, slow)
print("ready", flush=True)
publish_staging(staging, reports)
print("done", flush=True)
time.sleep(60)
"""


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["versions", "before versions"])
def test_a_kill_at_any_moment_of_publishing_leaves_one_build_whole(
    tmp_path: Path, layout: str
) -> None:
    """Publishing slowed down (each file operation waits 50 ms) in a process of its own,
    killed with SIGKILL at 25 moments from its start to its end: every time, the reports
    are those of the old build or those of the new one, and the next build publishes."""
    outcomes = set()
    for step in range(25):
        reports = tmp_path / f"r{step}" / "reports"
        if layout == "versions":
            old = stage_reports(reports)
            _fill(old, "v1")
            publish_staging(old, reports)
        else:
            reports.mkdir(parents=True)
            _fill(reports, "v1")
            (reports / "manifest.json").write_text("{}", encoding="utf-8")
        new = stage_reports(reports)
        _fill(new, "v2", extra=("d.md",))
        child = subprocess.Popen(
            [sys.executable, "-c", _SLOW_PUBLISH, str(new), str(reports)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(SRC)},
        )
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        time.sleep(0.04 * step)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        seen = {name: _read(reports, name) for name in (*NAMES, "d.md")}
        tags = {text.split()[0] for text in seen.values() if text is not None}
        if layout == "versions":
            # With versions: one rename; never a mix, not even for a moment of migration.
            assert len(tags) == 1, seen
            assert (seen["d.md"] is not None) == (tags == {"v2"}), seen
        else:
            assert None not in [seen[n] for n in NAMES], seen  # never a missing chapter
        outcomes |= tags
        again = stage_reports(reports)
        _fill(again, "v3")
        publish_staging(again, reports)
        assert [_read(reports, n) for n in NAMES] == [f"v3 {n}\n" for n in NAMES]
        assert list(reports.glob(".staging-*")) == []
    assert outcomes >= {"v1", "v2"}  # the kills fell before and after the swap
