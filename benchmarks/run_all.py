"""Run every benchmark of the workbook, one after the other (minutes; run on demand).

    .venv/bin/python benchmarks/run_all.py [NAME ...]

NAME selects benchmarks by their file name (``extract``, ``coding``, ``matrix``, ``zotero``,
``fieldwork``, ``rebuild``). Each prints its own figures; this script only runs them and says
which failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    """Run the selected benchmarks; return 1 if any of them failed."""
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if any(name in s.stem for name in argv)]
    failed = []
    for script in scripts:
        print(f"\n== {script.name} ==", flush=True)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        print(f"-- {script.name}: exit {result.returncode} in {time.perf_counter() - start:.1f} s")
        if result.returncode:
            failed.append(script.name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
