"""Fail when a notebook is committed with outputs (the pre-commit hook and a test run it).

Outputs of a notebook run hold whatever the run showed: quoted passages, and on a real
library names from field material. Notebooks are committed as written, outputs and execution
counts cleared: ``python scripts/check_notebooks.py --clear FILE...`` clears them.

    python scripts/check_notebooks.py [--clear] [FILE.ipynb ...]   (default: notebooks/*.ipynb)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dirty_cells(notebook: dict) -> list[int]:
    """Return the numbers (from 1) of the code cells that carry outputs or an execution count."""
    return [
        number
        for number, cell in enumerate(notebook.get("cells", []), start=1)
        if cell.get("cell_type") == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]


def clear(notebook: dict) -> dict:
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clear", action="store_true", help="clear the outputs in place")
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args(argv)
    files = args.files or sorted((ROOT / "notebooks").glob("*.ipynb"))
    dirty = 0
    for path in files:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = dirty_cells(notebook)
        if not cells:
            continue
        if args.clear:
            text = json.dumps(clear(notebook), indent=1, ensure_ascii=False) + "\n"
            path.write_text(text, encoding="utf-8")
            print(f"{path}: cleared the outputs of cells {', '.join(map(str, cells))}")
        else:
            dirty += 1
            print(
                f"{path}: cells {', '.join(map(str, cells))} have outputs; clear them with "
                f"python scripts/check_notebooks.py --clear {path}"
            )
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main())
