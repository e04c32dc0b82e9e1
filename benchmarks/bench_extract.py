"""Extraction speed: the full pipeline against plain ``page.get_text()``, one process and two.

Usage (from the repository root):
    PYTHONPATH=src .venv/bin/python benchmarks/bench_extract.py [--pages 2000] [--rounds 3]
        [--shared ../shared/corpora/pdfs-varied] [--json]

Three corpora: the shared PDFs beside the repository (when present), the longest of them alone
(a 352-page book, which two workers read in page ranges) and a generated one of
``--pages`` pages (documents of 50 pages: French, Dutch and English, one or two columns,
running headers, printed page numbers, headings, footnotes, hyphenated line ends), written
with pymupdf into a temporary folder.

In one process, each document is read by plain ``get_text()`` and by ``extract_pdf`` in turn,
``--rounds`` times, keeping each document's smallest CPU time (``time.process_time``), so that
other work on the machine weighs as little as possible. Then ``extract_many`` runs over the
corpus with one worker process and with two (wall time: the best of ``--rounds``); the load
average is printed beside it, since other processes on the machine slow the pool down. Beside
the wall time, the CPU time of each worker process is read from /proc (Linux): the one worker's
CPU time over that of the busier of two is the speed-up on an idle machine, were no worker ever
left waiting, and tells how evenly the work was shared whatever the load.
Targets: the full pipeline at no less than half of plain ``get_text()`` speed on one process,
and at least 1.8 times faster on two processes than on one.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import pymupdf

from evidence.pdf import extract_many, extract_pdf

_WORD_TEXT = {
    "fr": "le la les des une un et de du dans pour avec sur par que qui est sont ont été leur "
    "plus mais aussi entre selon rapport étude année centre service accueil personnes situation "
    "travail projet quartier ville soutien logement enquête analyse équipe violence agression "
    "travailleurs sociaux sans-abri insécurité épuisement professionnel hébergement d'urgence "
    "institutionnalisation accompagnement psychosocial",
    "nl": "de het een en van in voor met op dat die is zijn werd was hun meer maar ook tussen "
    "volgens rapport studie jaar centrum dienst onthaal mensen situatie werk project wijk stad "
    "steun woning onderzoek analyse team geweld agressie daklozen nachtopvang hulpverleners "
    "ervaringsdeskundigheid maatschappelijk werkers burn-out",
    "en": "the a an and of in for with on that which is are have been was their more but also "
    "between according report study year centre service reception people situation work "
    "project city support housing survey analysis team violence assault homeless shelter "
    "workers burnout trauma-informed institutionalisation accountability",
}
WORDS = {lang: text.split() for lang, text in _WORD_TEXT.items()}
HEADINGS = {
    "fr": ["Introduction", "Méthodologie", "Résultats", "Discussion", "Conclusion"],
    "nl": ["Inleiding", "Methode", "Resultaten", "Discussie", "Conclusie"],
    "en": ["Introduction", "Methods", "Results", "Discussion", "Conclusion"],
}
FONT = pymupdf.Font("helv")
BOLD = pymupdf.Font("hebo")
W, H = 595.0, 842.0


def _sentence(rng: random.Random, lang: str) -> str:
    words = [rng.choice(WORDS[lang]) for _ in range(rng.randint(8, 22))]
    return " ".join(words).capitalize() + "."


_WIDTHS: dict[str, float] = {}


def _width(text: str) -> float:
    """Return the width of ``text`` in Helvetica at size 1 (cached: generation stays fast)."""
    width = _WIDTHS.get(text)
    if width is None:
        width = _WIDTHS[text] = FONT.text_length(text, 1)
    return width


def _wrap(words: list[str], width: float, size: float, first_indent: float) -> list[str]:
    """Break words into lines of ``width`` points, hyphenating long words at line ends."""
    space = _width(" ") * size
    lines: list[str] = []
    line: list[str] = []
    used = 0.0
    limit = width - first_indent
    for word in words:
        w = _width(word) * size
        if not line or used + space + w <= limit:
            used += (space if line else 0) + w
            line.append(word)
            continue
        room = limit - used - space
        cut = len(word) - 4
        while cut > 3 and _width(word[:cut] + "-") * size > room:
            cut -= 1
        if len(word) > 9 and "-" not in word and cut > 3:
            line.append(word[:cut] + "-")
            word = word[cut:]
            w = _width(word) * size
        lines.append(" ".join(line))
        line, used, limit = [word], w, width
    if line:
        lines.append(" ".join(line))
    return lines


def _document(path: Path, pages: int, lang: str, columns: int, rng: random.Random) -> None:
    doc = pymupdf.open()
    size, lead = 10.0, 12.5
    gutter = 24.0
    col_w = (W - 144 - gutter * (columns - 1)) / columns
    title = f"{HEADINGS[lang][0]}: {rng.choice(WORDS[lang])} {rng.choice(WORDS[lang])}"
    for number in range(1, pages + 1):
        page = doc.new_page(width=W, height=H)
        tw = pymupdf.TextWriter(page.rect)
        tw.append((72, 40), title, font=FONT, fontsize=8)
        tw.append((W / 2 - 8, H - 30), f"- {number} -", font=FONT, fontsize=9)
        bottom = H - 110 if number % 3 == 0 else H - 72
        for col in range(columns):
            x = 72 + col * (col_w + gutter)
            y = 80.0
            if col == 0 and number % 4 == 1:
                tw.append((x, y), rng.choice(HEADINGS[lang]), font=BOLD, fontsize=13)
                y += 24
            while y < bottom - lead:
                words = " ".join(_sentence(rng, lang) for _ in range(rng.randint(2, 5))).split()
                for k, text in enumerate(_wrap(words, col_w, size, 12)):
                    if y >= bottom:
                        break
                    tw.append((x + (12 if k == 0 else 0), y), text, font=FONT, fontsize=size)
                    y += lead
                y += 4
        if number % 3 == 0:
            note = _wrap(_sentence(rng, lang).split(), W - 144, 7.5, 0)
            for k, text in enumerate(note[:3]):
                tw.append(
                    (72, H - 95 + k * 9), ("1 " if k == 0 else "") + text, font=FONT, fontsize=7.5
                )
        tw.write_text(page)
    doc.save(path, garbage=1, deflate=True)
    doc.close()


def generate_corpus(folder: Path, pages: int, per_doc: int = 50, seed: int = 3) -> list[Path]:
    """Write generated documents totalling at least ``pages`` pages; return their paths."""
    rng = random.Random(seed)
    paths = []
    for i in range(-(-pages // per_doc)):
        lang = ("fr", "nl", "en")[i % 3]
        path = folder / f"generated-{i:03d}-{lang}.pdf"
        _document(path, per_doc, lang, 1 + i % 2, rng)
        paths.append(path)
    return paths


def _plain(path: Path) -> int:
    try:
        doc = pymupdf.open(path)
    except (RuntimeError, ValueError):
        return 0
    n = 0
    with doc:
        if doc.needs_pass:
            return 0
        try:
            count = doc.page_count
        except RuntimeError:
            return 0
        for i in range(count):
            try:
                doc.load_page(i).get_text()
            except (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase):
                continue
            n += 1
    return n


def _page_count(path: Path) -> int:
    """Return the pages of a PDF that opens without a password (0 for any other file)."""
    try:
        with pymupdf.open(path) as doc:
            return 0 if doc.needs_pass else doc.page_count
    except (RuntimeError, ValueError):
        return 0


def measure_one_process(paths: list[Path], rounds: int) -> dict[str, float]:
    """Return pages/s of plain get_text() and of extract_pdf, each document at its best."""
    best_plain = [float("inf")] * len(paths)
    best_full = [float("inf")] * len(paths)
    pages = [0] * len(paths)
    for _ in range(rounds):
        for i, path in enumerate(paths):
            t = time.process_time()
            pages[i] = _plain(path)
            best_plain[i] = min(best_plain[i], time.process_time() - t)
            t = time.process_time()
            extract_pdf(path)
            best_full[i] = min(best_full[i], time.process_time() - t)
    total = sum(pages)
    plain, full = sum(best_plain), sum(best_full)
    return {
        "pages": total,
        "plain_pages_s": total / plain,
        "full_pages_s": total / full,
        "ratio": plain / full,
    }


def _cpu_seconds(pid: int) -> float:
    """Return the CPU time (user and system) process ``pid`` used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_processes(paths: list[Path], jobs: int, rounds: int) -> tuple[float, float]:
    """Return the best wall time of ``extract_many`` over ``paths`` with ``jobs`` processes,
    and the CPU time of the busiest worker in that round (``nan`` without /proc).

    The largest files go first, as a scheduler would send them, so that one big book does
    not start last and keep one process busy while the other waits.
    """
    ordered = sorted(paths, key=lambda p: p.stat().st_size, reverse=True)
    best, busiest = float("inf"), float("nan")
    for _ in range(rounds):
        t = time.perf_counter()
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
            for _path, _extraction in extract_many(ordered, executor=pool, jobs=jobs):
                pass
            wall = time.perf_counter() - t
            try:
                cpu = max(_cpu_seconds(pid) for pid in list(pool._processes))
            except (OSError, ValueError):
                cpu = float("nan")
        if wall < best:
            best, busiest = wall, cpu
    return best, busiest


def run(name: str, paths: list[Path], rounds: int) -> dict[str, object]:
    """Measure one corpus and return its figures."""
    one = measure_one_process(paths, rounds)
    wall1, cpu1 = measure_processes(paths, 1, rounds)
    wall2, cpu2 = measure_processes(paths, 2, rounds)
    pages = one["pages"]
    return {
        "load_average": os.getloadavg()[0],
        "corpus": name,
        "documents": len(paths),
        **one,
        "jobs1_pages_s": pages / wall1,
        "jobs2_pages_s": pages / wall2,
        "speedup_2_vs_1": wall1 / wall2,
        "cpu_speedup_2_vs_1": cpu1 / cpu2,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="pages of the generated corpus")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions; the best counts")
    default_shared = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "pdfs-varied"
    parser.add_argument("--shared", type=Path, default=default_shared)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    results = []
    if args.shared.is_dir():
        shared = sorted(args.shared.glob("*.pdf"))
        results.append(run("shared", shared, args.rounds))
        longest = max(shared, key=_page_count)
        results.append(run("longest", [longest], args.rounds))
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        paths = generate_corpus(Path(tmp), args.pages)
        generated_in = time.perf_counter() - t
        result = run("generated", paths, args.rounds)
        result["generated_in_s"] = generated_in
        results.append(result)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    head = (
        "corpus",
        "docs",
        "pages",
        "get_text p/s",
        "extract p/s",
        "ratio",
        "1 proc p/s",
        "2 proc p/s",
        "speed-up",
        "cpu s-up",
        "load",
    )
    print("{:10} {:>5} {:>6} {:>13} {:>12} {:>6} {:>11} {:>11} {:>9} {:>9} {:>5}".format(*head))
    for r in results:
        print(
            f"{r['corpus']:10} {r['documents']:>5} {r['pages']:>6} {r['plain_pages_s']:>13.0f} "
            f"{r['full_pages_s']:>12.0f} {r['ratio']:>6.2f} {r['jobs1_pages_s']:>11.0f} "
            f"{r['jobs2_pages_s']:>11.0f} {r['speedup_2_vs_1']:>9.2f} "
            f"{r['cpu_speedup_2_vs_1']:>9.2f} {r['load_average']:>5.1f}"
        )
    print("targets: ratio >= 0.50 (full pipeline vs get_text, one process); speed-up >= 1.80")
    return 0


if __name__ == "__main__":
    sys.exit(main())
