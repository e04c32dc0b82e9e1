"""Measure the evidence map at scale: 5,000 sources and 200,000 coded passages.

Usage (from the repository root):
    PYTHONPATH=src .venv/bin/python benchmarks/bench_map.py [--passages 200000] [--json]
Options: --keep DIR keeps the generated workbook (and the map) there and reuses its store.

Targets (issue 20): the page stays under 20 MB and headless Chromium draws the map (first
paint of the matrix) in under 2 s. Measured: the build of the page (``write_map``), its size
(and the share of the quotes), the time from navigation to the first contentful paint and to
the map drawn with its counts (the page's ``data-ready``), and the time to open the largest
cell (which unpacks the quotes the first time).

The store is written through the store's schema with ``executemany``: texts of three to five
French, Dutch or English sentences (topical words with a Zipf-like frequency, function words
and a long tail of rare words, as in ``bench_matrix.py``), 40 passages per source, each
passage coded with one or two forms of violence, one or two consequences and often a setting or a
population (rule codings with spans on the passage's words, 3 % of them confirmed by a
person), so every passage lies in at least one cell of the form x cons map.
Documents have absolute paths outside the workbook (never written in the page) and a third of
them a Zotero attachment (linked).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _browser import CHROMIUM, chromium  # noqa: E402

from evidence.config import load_settings  # noqa: E402
from evidence.store import open_store  # noqa: E402
from evidence.workbook import Workbook, write_map  # noqa: E402

PER_SOURCE = 40
FACETS = {
    "form": [
        "physical",
        "verbal",
        "psychological",
        "sexual",
        "economic",
        "institutional",
        "structural",
        "police",
        "self_directed",
        "intimate",
    ],
    "cons": [
        "user.health",
        "user.trauma",
        "user.disengagement",
        "user.exclusion",
        "user.revictimisation",
        "worker.burnout",
        "worker.insecurity",
        "worker.turnover",
        "worker.powerlessness",
        "org.security",
        "org.service_reduction",
    ],
    "setting": ["shelter", "day_centre", "street", "welfare_office", "health"],
    "pop": ["women", "youth", "migrants", "mental_health", "substance_use", "lgbtq", "families"],
}
CODES = [f"{facet}.{name}" for facet, names in FACETS.items() for name in names]


def _words(text: str) -> list[str]:
    return text.split()


TOPICAL = _words(
    "violence agression travailleurs sans-abri maison accueil nuit peur menace insulte équipe "
    "résidents épuisement rue police expulsion femmes jeunes migrants santé traumatisme centre "
    "geweld agressie hulpverleners daklozen opvang nacht angst bedreiging schelden team bewoners "
    "uitputting straat politie uitzetting vrouwen jongeren migranten gezondheid trauma "
    "assault workers homeless shelter fear threat staff burnout eviction women youth housing"
)
FILLER = _words(
    "le la les de des et à un une dans pour avec sur het de een en van in op met voor "
    "the of and to a in for with on that was were are is"
)


def _sentences(rng: random.Random, count: int) -> list[str]:
    """Return ``count`` sentences of 8 to 20 words: function, topical (Zipf) and rare words."""
    rare = [f"{stem}{i}" for i in range(4000) for stem in ("mot", "woord", "word")]
    zipf = [1.0 / (k + 1) for k in range(len(TOPICAL))]
    out = []
    for _ in range(count):
        words = []
        for _ in range(rng.randint(8, 20)):
            draw = rng.random()
            if draw < 0.5:
                words.append(rng.choice(FILLER))
            elif draw < 0.6:
                words.append(rng.choices(TOPICAL, weights=zipf)[0])
            else:
                words.append(rng.choice(rare))
        out.append(" ".join(words).capitalize() + ".")
    return out


def _passage_rows(n: int, seed: int) -> list[tuple[Any, ...]]:
    rng = random.Random(seed)
    sentences = _sentences(rng, 30_000)
    rows = []
    for i in range(n):
        source, seq = divmod(i, PER_SOURCE)
        text = " ".join(rng.choice(sentences) for _ in range(3 + i % 3))
        pid = hashlib.sha256(f"p{i}".encode()).hexdigest()[:16]
        lang = ("fr", "nl", "en", "fr")[source % 4]
        rows.append(
            (i + 1, pid, source + 1, f"s{source:06d}", seq, seq // 4, str(seq // 4 + 1), lang, text)
        )
    return rows


TARGET_MB, TARGET_PAINT_S = 20.0, 2.0


def _codebook() -> str:
    lines = ['version: "bench-map-1"', "languages: [fr, nl, en]", "facets:"]
    lines += [f"  {f}: {{fr: {f}, nl: {f}, en: {f}}}" for f in FACETS]
    lines.append("codes:")
    for code in CODES:
        name = code.split(".", 1)[1].replace("_", " ").replace(".", " ")
        lines += [
            f"  {code}:",
            f"    labels: {{fr: {name} (fr), nl: {name} (nl), en: {name}}}",
            f"    definition: {name}.",
            f"    patterns: {{any: [{code.split('.')[-1].replace('_', '')}]}}",
        ]
    return "\n".join(lines) + "\n"


def _codings(pid: str, rowid: int, text: str, rng: random.Random) -> list[tuple[Any, ...]]:
    """Forms, consequences and often a setting or population, with spans on real words."""
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == " "]
    codes = rng.sample([f"form.{n}" for n in FACETS["form"]], rng.randint(1, 2))
    codes += rng.sample([f"cons.{n}" for n in FACETS["cons"]], rng.randint(1, 2))
    for facet in ("setting", "pop"):
        if rng.random() < 0.4:
            codes.append(f"{facet}.{rng.choice(FACETS[facet])}")
    out = []
    for code in codes:
        start = rng.choice(starts)
        end = text.find(" ", start)
        span = [[start, end if end > 0 else len(text), code.split(".")[-1]]]
        out.append((pid, rowid, code, "rule", "codebook", 0, None, json.dumps(span)))
        if rng.random() < 0.03:
            out.append((pid, rowid, code, "human", "review:coder", 0, None, "[]"))
    return out


def generate_workbook(root: Path, passages: int, seed: int = 11) -> None:
    """Write evidence.toml, codebook.yml and a store of ``passages`` coded passages."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "evidence.toml").write_text(
        '[workbook]\nname = "Benchmark"\nlanguage = "fr"\ncodebook = "codebook.yml"\n'
        'store = "store.sqlite"\n',
        encoding="utf-8",
    )
    (root / "codebook.yml").write_text(_codebook(), encoding="utf-8")
    path = root / "store.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    sources = (passages + PER_SOURCE - 1) // PER_SOURCE
    with open_store(path) as store, store.transaction() as db:
        db.executemany(
            "INSERT INTO sources(key, kind, origin, title, authors, year, lang, country) "
            "VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    f"s{i:06d}",
                    "field" if i % 5 == 0 else "literature",
                    "bibtex",
                    f"Title {i}",
                    json.dumps([f"Author{i % 977}, A.", f"Second{i % 31}, B."][: 1 + i % 2]),
                    None if i % 50 == 0 else 1990 + i % 36,
                    ("fr", "nl", "en", "fr")[i % 4],
                    ("BE", "FR", "NL", "")[i % 4],
                )
                for i in range(sources)
            ],
        )
        db.executemany(
            "INSERT INTO documents(id, source_key, path, sha256, status, zotero_key) "
            "VALUES (?,?,?,?,?,?)",
            [
                (
                    i + 1,
                    f"s{i:06d}",
                    f"/srv/coordinator/zotero/storage/s{i:06d}.pdf",
                    f"{i:064x}",
                    "ok",
                    f"Z{i:07d}" if i % 3 == 0 else "",
                )
                for i in range(sources)
            ],
        )
        rows = _passage_rows(passages, seed)
        db.executemany(
            "INSERT INTO passages(rowid, id, document_id, source_key, seq, page_index, "
            "page_label, lang, text) VALUES (?,?,?,?,?,?,?,?,?)",
            rows,
        )
        db.executemany(
            "INSERT INTO codings(passage_id, passage_rowid, code, origin, provenance, negated, "
            "score, spans) VALUES (?,?,?,?,?,?,?,?)",
            [c for r in rows for c in _codings(r[1], r[0], r[8], rng)],
        )
    with open_store(path) as store:
        store.db.execute("ANALYZE")


def _measure_browser(page: Path, profile: Path) -> dict[str, float]:
    with chromium(profile) as tools:
        tools.send("Page.enable")
        start = time.perf_counter()
        tools.send("Page.navigate", url=page.as_uri())
        tools.wait_for("document.documentElement?.dataset.ready === 'true'", 120)
        drawn = time.perf_counter() - start
        paint = tools.evaluate(
            "(() => { const p = performance.getEntriesByName('first-contentful-paint')[0];"
            " const n = performance.getEntriesByType('navigation')[0];"
            " return {fcp: p ? p.startTime : null,"
            " dom: n ? n.domContentLoadedEventEnd : null}; })()"
        )
        largest = tools.evaluate(
            "[...document.querySelectorAll('button.cell')]"
            ".sort((a, b) => b.dataset.passages - a.dataset.passages)[0].dataset.index"
        )
        start = time.perf_counter()
        tools.evaluate(f"document.querySelector('button.cell[data-index=\"{largest}\"]').click()")
        tools.wait_for("document.querySelectorAll('#passages li').length > 0", 120)
        opened = time.perf_counter() - start
    return {
        "map_drawn_s": round(drawn, 3),
        "first_contentful_paint_s": round((paint or {}).get("fcp") / 1000, 3)  # type: ignore[union-attr, operator]
        if paint and paint.get("fcp")  # type: ignore[union-attr]
        else None,
        "dom_content_loaded_s": round(paint["dom"] / 1000, 3) if paint else None,  # type: ignore[index]
        "open_largest_cell_s": round(opened, 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the workbook, write the map, measure it; return 1 on a missed target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, help="keep the workbook here and reuse its store")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "wb"
        figures: dict[str, Any] = {"passages": args.passages}
        if not (root / "store.sqlite").is_file():
            start = time.perf_counter()
            generate_workbook(root, args.passages)
            figures["generation_s"] = round(time.perf_counter() - start, 1)
        page = root / "reports" / "map.html"
        with Workbook(load_settings(root)) as wb:
            start = time.perf_counter()
            summary = write_map(wb, page, "form", "cons")
            figures["build_s"] = round(time.perf_counter() - start, 1)
        text = page.read_text(encoding="utf-8")
        quotes = text.split('id="map-quotes"', 1)[1].split("</script>", 1)[0]
        figures.update(
            sources=summary["sources"],
            passages_in_map=summary["passages"],
            cells=summary["cells"],
            size_mb=round(summary["bytes"] / 1e6, 2),
            quotes_mb=round(len(quotes.encode("utf-8")) / 1e6, 2),
            quotes_gzipped='data-encoding="gzip"' in text.split('id="map-quotes"', 1)[0][-200:]
            or 'data-encoding="gzip"' in quotes[:100],
            absolute_paths_in_page="/srv/coordinator" in text,
        )
        if CHROMIUM.exists():
            figures.update(_measure_browser(page, Path(tmp) / "profile"))
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    missed = figures["size_mb"] >= TARGET_MB or (figures.get("map_drawn_s") or 0) >= TARGET_PAINT_S
    figures["targets"] = f"size < {TARGET_MB} MB, map drawn < {TARGET_PAINT_S} s: " + (
        "missed" if missed else "met"
    )
    print(json.dumps(figures, indent=None if not args.json else 2, ensure_ascii=False))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
