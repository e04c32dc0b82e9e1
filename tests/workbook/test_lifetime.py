"""A killed build leaves nothing behind: no worker, no lock; the next build runs."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_pdf, make_workbook

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux)")


def _group(pgid: int) -> list[int]:
    """The live (not zombie) processes of the process group ``pgid``."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            alive.append(int(entry.name))
    return alive


def _extracted(root: Path) -> int:
    try:
        con = sqlite3.connect(root / "store.sqlite", timeout=5)
        try:
            return con.execute(
                "SELECT count(*) FROM documents WHERE extracted_sha256 != ''"
            ).fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_build_killed_during_extraction_leaves_no_worker_and_no_lock(
    tmp_path: Path, jobs: str
) -> None:
    root = make_workbook(tmp_path / "big")
    entries = []
    for i in range(30):
        key = f"doc{i:03d}"
        pages = [
            f"Document {i}, page {p}. Workers were assaulted; burnout. " * 14 for p in range(8)
        ]
        make_pdf(root / "pdfs" / f"{key}.pdf", pages)
        entries.append(f"@misc{{{key},\n  title = {{Doc {i}}},\n  file = {{pdfs/{key}.pdf}}\n}}\n")
    (root / "references.bib").write_text("\n".join(entries), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    cmd = [sys.executable, "-m", "evidence.cli", "-C", str(root), "build"]
    build = subprocess.Popen(
        [*cmd, "--jobs", jobs, "--no-render"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: what belongs to it is known
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and build.poll() is None:
            if len(_group(build.pid)) > 1 and _extracted(root) >= 1:
                break
            time.sleep(0.05)
        assert build.poll() is None, "the build ended before it could be killed"
        assert len(_group(build.pid)) > 1, "no worker was started"
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        time.sleep(5)
        assert _group(build.pid) == []
    finally:
        if _group(build.pid):
            os.killpg(build.pid, signal.SIGKILL)
    lock = root / "reports" / ".build.lock"
    again = subprocess.run(
        [*cmd, "--jobs", "1", "--no-render", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert '"documents": ' in again.stdout and _extracted(root) == 30
    assert lock.read_text(encoding="utf-8") == ""  # released: no holder written in it


def test_a_refused_build_names_the_holder_of_the_lock(workbook: Path) -> None:
    from evidence.files import hold_lock

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    (workbook / "reports").mkdir(exist_ok=True)
    with hold_lock(workbook / "reports" / ".build.lock"):
        refused = subprocess.run(
            [sys.executable, "-m", "evidence.cli", "-C", str(workbook), "build", "--no-render"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert refused.returncode == 2
    assert str(os.getpid()) in refused.stderr and "Traceback" not in refused.stderr
