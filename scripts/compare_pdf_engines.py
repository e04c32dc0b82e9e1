"""Compare what two PDF engines make of the same PDFs, through ``evidence passages --json``.

Each interpreter is a Python environment with the workbook installed (for instance one with
``pymupdf`` and one with ``pymupdf-lite``). Every PDF of the shared varied corpus and of the
sample library is read by both; the script prints how many gave identical output and, for the
others, the first difference. Encrypted files are opened with the password MANIFEST.tsv gives.

    python scripts/compare_pdf_engines.py OLD/bin/python NEW/bin/python [--out DIR]

Exit code 0 when every file gives the same bytes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIED = ROOT.parent / "shared" / "corpora" / "pdfs-varied"


def pdfs() -> list[tuple[Path, str]]:
    """Return every PDF to compare, with the password it needs ("" for none)."""
    passwords: dict[str, str] = {}
    manifest = VARIED / "MANIFEST.tsv"
    if manifest.is_file():
        with manifest.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                m = re.search(r"password[^'\"`]*['\"`]([^'\"`]+)['\"`]", row.get("expected", ""))
                if row.get("kind") == "encrypted" and m:
                    passwords[row["file"]] = m.group(1)
    files = sorted(VARIED.glob("*.pdf")) + sorted((ROOT / "data" / "sample").rglob("*.pdf"))
    return [(f, passwords.get(f.name, "")) for f in files]


# Run in each environment: ``evidence passages FILE --json`` for every file, in one process
# (starting the command once per file would cost more than reading most PDFs). One JSON line
# per file: the exit code and what the command printed.
DRIVER = """\
import contextlib, io, json, sys
from evidence.cli import main
for line in sys.stdin:
    pdf, password = json.loads(line)
    argv = ["passages", pdf, "--json"] + (["--password", password] if password else [])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    print(json.dumps([code, out.getvalue()]), flush=True)
"""


def passages_all(python: str, files: list[tuple[Path, str]]) -> list[str]:
    """Return the output of ``evidence passages --json`` for each file (exit code, stdout)."""
    feed = "".join(json.dumps([str(pdf), password]) + "\n" for pdf, password in files)
    done = subprocess.run(
        [python, "-c", DRIVER], input=feed, capture_output=True, text=True, timeout=7200
    )
    lines = done.stdout.splitlines()
    if done.returncode or len(lines) != len(files):
        raise SystemExit(f"{python}: {done.stderr[-2000:]}")
    return [f"exit {code}\n{stdout}" for code, stdout in map(json.loads, lines)]


def pairs_or(a: str, b: str) -> list[str]:
    """The shorter output's lines: where two outputs differ when one is a prefix of the other."""
    return min(a.splitlines(), b.splitlines(), key=len)


def _count(output: str) -> int:
    try:
        return len(json.loads(output.split("\n", 1)[1]).get("passages", []))
    except ValueError:
        return 0


def engine(python: str) -> str:
    code = "import pymupdf; print('PyMuPDF', pymupdf.VersionBind, 'MuPDF', pymupdf.VersionFitz)"
    return subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", help="Python of the first environment")
    parser.add_argument("new", help="Python of the second environment")
    parser.add_argument("--out", type=Path, help="keep each file's two outputs in this folder")
    args = parser.parse_args(argv)
    print(f"old: {engine(args.old)}\nnew: {engine(args.new)}")
    same, differ, count = 0, [], 0
    files = pdfs()
    olds, news = passages_all(args.old, files), passages_all(args.new, files)
    for (pdf, _), a, b in zip(files, olds, news, strict=True):
        count += _count(a)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{pdf.stem}.old.json").write_text(a, encoding="utf-8")
            (args.out / f"{pdf.stem}.new.json").write_text(b, encoding="utf-8")
        if a == b:
            same += 1
            continue
        differ.append(pdf.name)
        first = next(
            (
                i
                for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines(), strict=False))
                if x != y
            ),
            min(len(a.splitlines()), len(b.splitlines())),
        )
        print(f"DIFFERS {pdf.name} (line {first + 1})")
    total = same + len(differ)
    print(f"{same} of {total} PDFs ({count} passages) give identical `evidence passages --json`")
    return 0 if not differ else 1


if __name__ == "__main__":
    sys.exit(main())
