"""A rebuild with nothing changed: ``evidence build`` on a copy of the sample library, twice.

    .venv/bin/python benchmarks/bench_rebuild.py [--runs 3] [--json]

Target (issue "The coordinator's tools work every time"): a build whose inputs, codebook,
decisions, narrative and template are unchanged since the last good build renders nothing
and takes under 3 seconds on the sample, as the command a person or a nightly job runs (a
new process: imports included). The first build renders both chapters; each later one is
timed, wall clock and CPU, and must say the chapters are up to date.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COPIED = ("evidence.toml", "codebook.yml", "references.bib", "chapters", "data", "notebooks")


def _copy_sample(root: Path) -> None:
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(
                source, root / name, ignore=shutil.ignore_patterns("*.sqlite*", ".ipynb_*")
            )
        else:
            shutil.copy2(source, root / name)


def _build(root: Path) -> tuple[float, float, dict]:
    """Run ``evidence build --json`` in ``root``; return wall seconds, CPU seconds, summary."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "evidence.cli", "-C", str(root), "build", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        raise SystemExit(f"evidence build failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, cpu, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed rebuilds (default 3)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _copy_sample(root)
        first_wall, first_cpu, first = _build(root)
        runs = [_build(root) for _ in range(args.runs)]
    walls = sorted(w for w, _, _ in runs)
    result = {
        "first_build_s": round(first_wall, 2),
        "first_rendered": first["chapters"],
        "rebuild_wall_s": [round(w, 2) for w in walls],
        "rebuild_cpu_s": [round(c, 2) for _, c, _ in runs],
        "up_to_date": all(s["up_to_date"] and not s["chapters"] for _, _, s in runs),
        "load_average": os.getloadavg()[0],
        "target_s": 3.0,
        "met": walls[len(walls) // 2] < 3.0,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"first build: {first_wall:.1f} s, rendered {', '.join(first['chapters']) or 'nothing'}")
    print(
        "rebuilds with nothing changed: "
        + ", ".join(f"{w:.2f} s ({c:.2f} s CPU)" for w, c, _ in runs)
        + f"; median {walls[len(walls) // 2]:.2f} s (target < 3 s); chapters up to date: "
        + str(result["up_to_date"])
        + f"; load average {result['load_average']:.1f}"
    )


if __name__ == "__main__":
    main()
