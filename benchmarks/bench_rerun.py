"""No-change re-run: a workbook of N documents synced and extracted, then run again.

    .venv/bin/python benchmarks/bench_rerun.py [--documents 1000] [--json]

Target (issue "PDF passages"): a no-change re-run over 1,000 documents in under 2 seconds.
The first run's extraction writes every passage to the store; the re-run must find by size,
modification time and content hash that nothing changed, and do nothing.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pymupdf

from evidence.config import load_settings
from evidence.store import open_store
from evidence.workbook import run_code, run_extract, run_sync

CODEBOOK = Path(__file__).resolve().parents[1] / "codebook.yml"
TEXT = (
    "Les travailleurs de nuit décrivent des agressions verbales et physiques répétées. "
    "Après chaque incident, la peur et l'épuisement restent présents dans l'équipe. "
)


def _workbook(root: Path, n: int) -> None:
    (root / "pdfs").mkdir(parents=True)
    entries = []
    for i in range(n):
        doc = pymupdf.open()
        page = doc.new_page()
        page.insert_textbox(
            pymupdf.Rect(72, 72, 523, 760), f"Document {i}. " + TEXT * 4, fontsize=11
        )
        doc.save(root / "pdfs" / f"d{i:05d}.pdf")
        doc.close()
        entries.append(
            f"@misc{{d{i:05d},\n  title = {{Document {i}}},\n  year = {{2020}},\n"
            f"  file = {{pdfs/d{i:05d}.pdf}}\n}}\n"
        )
    (root / "references.bib").write_text("\n".join(entries), encoding="utf-8")
    (root / "codebook.yml").write_bytes(CODEBOOK.read_bytes())
    (root / "evidence.toml").write_text(
        '[workbook]\nbibliography = "references.bib"\npdf_dirs = ["pdfs"]\n'
        'store = "store.sqlite"\ndecisions = "decisions.csv"\n',
        encoding="utf-8",
    )


def _run(root: Path) -> dict[str, float]:
    settings = load_settings(root)
    times = {}
    with open_store(settings.store) as store:
        start = time.perf_counter()
        run_sync(settings, store)
        times["sync"] = time.perf_counter() - start
        start = time.perf_counter()
        run_extract(settings, store, progress=False)
        times["extract"] = time.perf_counter() - start
        start = time.perf_counter()
        run_code(settings, store, progress=False)
        times["code"] = time.perf_counter() - start
    times["total"] = sum(times.values())
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _workbook(root, args.documents)
        first = _run(root)
        again = _run(root)
    result = {
        "documents": args.documents,
        "first_run_s": first,
        "no_change_rerun_s": again,
        "target_s": 2.0,
        "met": again["sync"] + again["extract"] < 2.0,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{args.documents} documents; first run: sync {first['sync']:.2f} s, extract "
        f"{first['extract']:.2f} s, code {first['code']:.2f} s"
    )
    print(
        f"no-change re-run: sync {again['sync']:.3f} s + extract {again['extract']:.3f} s = "
        f"{again['sync'] + again['extract']:.3f} s (target < 2 s); code {again['code']:.3f} s"
    )


if __name__ == "__main__":
    main()
