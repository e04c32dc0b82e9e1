"""A fault campaign on the sample workbook: bad inputs, hostile files and kills.

Each case copies a workbook already built from the sample library (its store too), damages
one input (a bit flip, a truncation, a wrong encoding, a file of the shared corpora beside
the repository, a zip bomb) or kills a build with SIGKILL at a random moment, then runs the
real command ``evidence build --no-render --jobs 2 --json`` in a process group of its own and
checks what a user is promised:

- the exit code is 0, 1 or 2 (3 is for a chapter or an internal error: none expected here);
- no traceback and no "internal error" on the terminal;
- no process of the build is left 5 s after it ended (orphans);
- no name of the names list in its output or in the store (leaks);
- the rest was built: the PDFs and notes not damaged are still read.

Run from the repository root (it takes minutes; ``--quick`` runs a handful of cases):

    .venv/bin/python scripts/fault_campaign.py [--quick] [--seed N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpora"
FIELD = Path("data/sample/fieldwork")
PDFS = Path("data/sample/pdfs")
_ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}
_ENV.pop("EVIDENCE_DEBUG", None)

Damage = Callable[[Path, random.Random], str]  # damages a workbook, returns what it did


def _fold(text: str) -> str:
    text = re.sub(r"-[ \t]*\r?\n[ \t]*", "", text)
    plain = unicodedata.normalize("NFKD", text)
    return "".join(
        c for c in plain if not unicodedata.combining(c) and unicodedata.category(c) != "Cf"
    ).casefold()


def _listed() -> list[str]:
    names = []
    for line in (REPO / FIELD / "names.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        names += [n.strip() for n in line.split(";")[0].split("|") if len(n.strip()) > 3]
    return names


# -- damages ---------------------------------------------------------------------------------
def _flip(data: bytes, rng: random.Random, flips: int) -> bytes:
    out = bytearray(data)
    for _ in range(flips):
        at = rng.randrange(len(out))
        out[at] ^= 1 << rng.randrange(8)
    return bytes(out)


def flip(relative: str, flips: int = 3) -> Damage:
    def damage(root: Path, rng: random.Random) -> str:
        path = root / relative
        path.write_bytes(_flip(path.read_bytes(), rng, rng.randint(1, flips)))
        return f"bit flips in {relative}"

    return damage


def truncate(relative: str) -> Damage:
    def damage(root: Path, rng: random.Random) -> str:
        path = root / relative
        data = path.read_bytes()
        path.write_bytes(data[: rng.randrange(max(1, len(data)))])
        return f"{relative} truncated"

    return damage


def encode(relative: str, encoding: str) -> Damage:
    def damage(root: Path, rng: random.Random) -> str:
        path = root / relative
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding, "replace"))
        return f"{relative} in {encoding}"

    return damage


def replace_with(relative: str, source: Path) -> Damage:
    def damage(root: Path, rng: random.Random) -> str:
        shutil.copyfile(source, root / relative)
        return f"{relative} replaced by {source.name}"

    return damage


def bomb(relative: str) -> Damage:
    def damage(root: Path, rng: random.Random) -> str:
        with zipfile.ZipFile(root / relative, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("word/document.xml", "<w:document>" + " " * (120 * 2**20))
        return f"{relative} is a zip bomb"

    return damage


def metadata_row(root: Path, rng: random.Random) -> str:
    path = root / FIELD / "metadata.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = rng.randrange(1, len(lines))
    lines[at] = rng.choice([lines[at] + ";extra", lines[at].replace(";", '";', 1), ";;;"])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"metadata.csv line {at + 1} malformed"


def _cases(quick: bool) -> list[tuple[Damage, str]]:
    """(damage, what it may cost: "pdf", "note", "literature" or "")."""
    notes = sorted(p.name for p in (REPO / FIELD).iterdir() if p.suffix in (".docx", ".odt"))
    texts = sorted(p.name for p in (REPO / FIELD).iterdir() if p.suffix in (".md", ".txt"))
    pdfs = sorted(p.name for p in (REPO / PDFS).glob("*.pdf"))
    cases: list[tuple[Damage, str]] = []
    for name in notes:
        cases += [(flip(str(FIELD / name)), "note") for _ in range(3 if quick else 12)]
        cases += [(truncate(str(FIELD / name)), "note") for _ in range(1 if quick else 4)]
        cases.append((bomb(str(FIELD / name)), "note"))
    for name in texts[: 1 if quick else None]:
        for encoding in ("cp1252", "utf-16-le", "utf-16", "latin-1"):
            cases.append((encode(str(FIELD / name), encoding), "note"))
        cases.append((flip(str(FIELD / name), 8), "note"))
    for encoding in ("cp1252", "utf-16-le"):
        cases.append((encode(str(FIELD / "metadata.csv"), encoding), "table"))
    cases += [(metadata_row, "note") for _ in range(2 if quick else 6)]
    cases += [(flip(str(FIELD / "metadata.csv"), 5), "table") for _ in range(1 if quick else 4)]
    for name in pdfs[: 2 if quick else None]:
        cases += [(flip(str(PDFS / name), 20), "pdf"), (truncate(str(PDFS / name)), "pdf")]
    varied = sorted((SHARED / "pdfs-varied").glob("*.pdf")) if SHARED.is_dir() else []
    for source in varied[: 3 if quick else None]:
        cases.append((replace_with(str(PDFS / pdfs[0]), source), "pdf"))
    bibs = sorted((SHARED / "bibtex").glob("*.bib")) if SHARED.is_dir() else []
    for source in bibs[: 2 if quick else None]:
        cases.append((replace_with("references.bib", source), "literature"))
    cases += [
        (truncate("references.bib"), "literature"),
        (flip("references.bib", 10), "literature"),
        (encode("references.bib", "utf-16-le"), "literature"),
        (encode("references.bib", "cp1252"), "literature"),
        (truncate("codebook.yml"), "literature"),
        (flip("codebook.yml", 6), "literature"),
        (truncate("evidence.toml"), "literature"),
        (flip("evidence.toml", 4), "literature"),
        (encode("evidence.toml", "utf-16"), "literature"),
        (flip("data/coding-decisions.csv", 6), "literature"),
        (encode("data/coding-decisions.csv", "cp1252"), "literature"),
    ]
    return cases


# -- running ---------------------------------------------------------------------------------
def _group(pgid: int) -> list[int]:
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[2]) == pgid:
                alive.append(int(entry.name))
    return alive


def _run(root: Path, *args: str, kill_after: float | None = None) -> tuple[int, str, int]:
    """Run ``evidence -C root args``; return its exit code, its output and orphans 5 s on."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "evidence.cli", "-C", str(root), *args],
        env=_ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    if kill_after is not None:
        try:
            out, _ = proc.communicate(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
    else:
        out, _ = proc.communicate(timeout=1800)
    deadline = time.monotonic() + 5
    while _group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    orphans = len(_group(proc.pid))
    if orphans:
        os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, out, orphans


def _field_text(root: Path, out: str) -> str:
    """What the build said and stored of the field material (the literature's fictional
    authors share surnames with the sample's fictional names list)."""
    said = out
    try:
        summary = json.loads(out[out.index("{") :])
        said = json.dumps(summary.get("fieldwork"), ensure_ascii=False) + json.dumps(
            [f for f in summary.get("failures", []) if f.get("stage") == "fieldwork"],
            ensure_ascii=False,
        )
    except (ValueError, AttributeError):
        pass
    path = root / "data" / "evidence.sqlite"
    if not path.is_file():
        return said
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = [
            " ".join(map(str, row))
            for query in (
                "SELECT * FROM sources WHERE kind = 'field'",
                "SELECT * FROM passages WHERE origin = 'field'",
                "SELECT * FROM failures WHERE stage = 'fieldwork'",
            )
            for row in con.execute(query)
        ]
    except sqlite3.Error:
        rows = []
    finally:
        con.close()
    return said + "\n".join(rows)


def _counts(root: Path) -> tuple[int, int]:
    """(PDFs read, field sources) in the store."""
    con = sqlite3.connect(root / "data" / "evidence.sqlite")
    try:
        ok = con.execute(
            "SELECT count(*) FROM documents d JOIN sources s ON s.key = d.source_key "
            "WHERE d.extracted_sha256 != '' AND s.kind = 'literature'"
        ).fetchone()
        field = con.execute("SELECT count(*) FROM sources WHERE kind = 'field'").fetchone()
    finally:
        con.close()
    return ok[0], field[0]


def _table_rows(root: Path) -> int:
    return len((root / FIELD / "metadata.csv").read_text(encoding="utf-8").splitlines()) - 1


def _base(folder: Path) -> Path:
    root = folder / "base"
    root.mkdir()
    for name in ("evidence.toml", "codebook.yml", "references.bib"):
        shutil.copy(REPO / name, root / name)
    for name in ("data/sample", "chapters", "notebooks"):
        shutil.copytree(REPO / name, root / name)
    (root / "data" / "coding-decisions.csv").write_bytes(
        (REPO / "data" / "coding-decisions.csv").read_bytes()
    )
    code, out, _ = _run(root, "build", "--no-render", "--jobs", "2", "--json")
    if code not in (0, 1):
        raise SystemExit(f"the sample workbook does not build ({code}):\n{out}")
    return root


def run_campaign(quick: bool, seed: int, limit: int | None = None) -> dict[str, object]:
    """Run every case (or ``limit`` of them, spread over the kinds, and one kill); return the
    figures and the cases that broke a promise."""
    rng = random.Random(seed)
    listed = [re.compile(rf"(?<!\w){re.escape(_fold(n))}(?!\w)") for n in _listed()]
    figures: Counter[str] = Counter()
    broken: list[str] = []
    with tempfile.TemporaryDirectory(prefix="evidence-faults-") as tmp:
        base = _base(Path(tmp))
        good = _counts(base)
        cases = [(d, cost, None) for d, cost in _cases(quick)]
        kills = 3 if quick else 12
        if limit is not None:
            step = max(1, len(cases) // max(1, limit))
            cases, kills = cases[::step][:limit], 1
        cases += [(None, "", rng.uniform(0.5, 4.0)) for _ in range(kills)]
        for number, (damage, cost, kill) in enumerate(cases):
            root = Path(tmp) / f"case{number}"
            shutil.copytree(base, root, symlinks=True)
            if kill is not None:
                (root / "data" / "evidence.sqlite").unlink()
                for suffix in ("-wal", "-shm"):
                    (root / "data" / f"evidence.sqlite{suffix}").unlink(missing_ok=True)
                what = f"kill -9 after {kill:.1f} s"
                code, out, orphans = _run(
                    root, "build", "--no-render", "--jobs", "2", kill_after=kill
                )
                figures["kills"] += 1
                again, out2, orphans2 = _run(root, "build", "--no-render", "--jobs", "2", "--json")
                orphans += orphans2
                if again not in (0, 1):
                    broken.append(f"{what}: the next build exited {again}: {out2[-300:]}")
                out += out2
                code = again
            else:
                what = damage(root, rng)
                code, out, orphans = _run(root, "build", "--no-render", "--jobs", "2", "--json")
                figures["inputs"] += 1
            figures[f"exit {code}"] += 1
            figures["orphans"] += orphans
            if code in (1, 2) and "Traceback" not in out:
                figures["clear errors"] += 1
            if "Traceback" in out or "internal error" in out:
                figures["tracebacks"] += 1
                broken.append(f"{what}: traceback or internal error: {out[-400:]}")
            if code not in (0, 1, 2):
                broken.append(f"{what}: exit {code}: {out[-400:]}")
            seen = _fold(_field_text(root, out))
            leaked = [n for n in listed if n.search(seen)]
            figures["leaks"] += len(leaked)
            if leaked:
                broken.append(f"{what}: {len(leaked)} listed names leaked")
            if code in (0, 1) and cost != "literature" and (root / "data").is_dir():
                ok, field = _counts(root)
                # A damaged metadata.csv may refuse every note that takes its consent from it.
                notes_lost = {"note": 1, "table": _table_rows(base)}.get(cost, 0)
                if ok < good[0] - (cost == "pdf") or field < good[1] - notes_lost:
                    figures["rest not built"] += 1
                    broken.append(
                        f"{what}: the rest was not built ({ok}/{good[0]} PDFs, "
                        f"{field}/{good[1]} notes)"
                    )
            shutil.rmtree(root, ignore_errors=True)
    for key in ("tracebacks", "orphans", "leaks", "rest not built"):
        figures.setdefault(key, 0)
    return {"figures": dict(sorted(figures.items())), "broken": broken}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a handful of cases (a test)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--limit", type=int, default=None, help="run only this many cases")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run_campaign(args.quick, args.seed, args.limit)
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
    else:
        for key, value in result["figures"].items():  # type: ignore[union-attr]
            print(f"{key:>16}: {value}")
        for line in result["broken"]:  # type: ignore[union-attr]
            print("BROKEN", line)
    return 1 if result["broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
