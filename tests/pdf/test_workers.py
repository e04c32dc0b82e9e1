"""An extraction worker imports what extraction needs, and not the workbook behind it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("pandas", "onnxruntime", "matplotlib", "ipykernel", "jupyter_client", "IPython")

PROBE = """\
import json, sys
from concurrent.futures import ProcessPoolExecutor

if __name__ == "__main__":
    import evidence.cli  # the parent holds the whole command line, as `evidence extract` does
    from evidence.pdf._pool import worker_context

    with ProcessPoolExecutor(1, mp_context=worker_context()) as pool:
        loaded = pool.submit(eval, "sorted(__import__('sys').modules)").result()
    print(json.dumps({"parent": sorted(sys.modules), "worker": loaded}))
"""


def test_a_worker_started_by_the_command_line_imports_no_workbook(tmp_path: Path) -> None:
    script = tmp_path / "probe.py"  # a main script: workers may import it again
    script.write_text(PROBE, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=True
    )
    modules = json.loads(done.stdout)
    assert "pandas" in modules["parent"]  # the probe is real: the parent has it
    worker = set(modules["worker"])
    assert "pymupdf" in worker and "evidence.pdf" in worker
    assert [m for m in HEAVY if m in worker] == []


def test_the_entry_point_and_the_pdf_stage_import_no_workbook() -> None:
    code = (
        "import sys, evidence.__main__, evidence.pdf; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
