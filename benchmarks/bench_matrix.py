"""Measure evidence matrices and full-text search on a generated store of coded passages.

Usage (from the repository root):
    PYTHONPATH=src .venv/bin/python benchmarks/bench_matrix.py [--passages 1000000] [--json]
Options: --store PATH keeps the generated store there and reuses it when it already holds the
requested number of passages (the generation takes a few minutes at a million passages);
--repeat N times each measurement and reports the best and the median.

Targets (issue 6): every matrix read straight from the store and computed in under 2 s, a
full-text search in under 100 ms. A store kept from an earlier schema is migrated in place
when opened (minutes at a million passages: the codings table and the full-text index are
rebuilt).

The store is written with ``evidence.store._store`` (its schema, triggers and FTS5 index) through
``executemany``, passages with their rowids and codings with their passage's: 100 passages
per source, one document per source, one to four codes per passage drawn from the codebook's
facets (rule codings with spans, some human decisions including rejections, some model
suggestions with a probability). Texts are made of French,
Dutch and English sentences drawn with a Zipf-like frequency, so posting lists have realistic
lengths: frequent words match hundreds of thousands of passages, rare ones a few hundred.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from evidence.analysis import MatrixFilters, compute_matrix
from evidence.store import Store, load_matrix_codings, open_store
from evidence.workbook._queries import load_cell_passages, search_passages

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
    "target": ["users", "workers", "public"],
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
    "resp": [
        "training",
        "trauma_informed",
        "staff_support",
        "peer",
        "harm_reduction",
        "housing",
        "partnership",
        "policy",
    ],
    "setting": ["shelter", "day_centre", "street", "welfare_office", "health"],
    "pop": ["women", "youth", "migrants", "mental_health", "substance_use", "lgbtq", "families"],
}
CODES = [f"{facet}.{name}" for facet, names in FACETS.items() for name in names]


def _wordlist(text: str) -> list[str]:
    return text.split()


WORDS = {
    "fr": _wordlist(
        "violence agression travailleurs sans-abri maison accueil nuit peur menace insulte "
        "équipe résidents épuisement rue police expulsion femmes jeunes migrants santé "
        "traumatisme centre jour formation logement CPAS service exclusion sécurité"
    ),
    "nl": _wordlist(
        "geweld agressie hulpverleners daklozen opvang nacht angst bedreiging schelden team "
        "bewoners uitputting straat politie uitzetting vrouwen jongeren migranten gezondheid "
        "trauma inloopcentrum vorming wonen OCMW dienst uitsluiting veiligheid"
    ),
    "en": _wordlist(
        "violence assault workers homeless shelter night fear threat insult staff residents "
        "burnout street police eviction women youth migrants health trauma centre day "
        "training housing welfare service exclusion security"
    ),
}
FILLER = _wordlist(
    "le la les de des et à un une dans pour avec sur het de een en van in op met voor "
    "the of and to a in for with on that was were are is"
)
_ZIPF = [1.0 / (k + 1) for k in range(64)]
SEARCHES = {
    "rare word": "kwetsbaarheid",
    "frequent word": "violence",
    "prefix": "agress*",
    "short prefix, 4,000 words": "mo*",
    "phrase": '"maison accueil"',
    "boolean": "geweld AND opvang",
}


def _sentences(rng: random.Random, count: int) -> list[str]:
    """Return ``count`` sentences: function words, topical words (Zipf) and a long tail."""
    out = []
    rare = [f"{stem}{i}" for i in range(4000) for stem in ("mot", "woord", "word")]
    for i in range(count):
        topical = WORDS[("fr", "nl", "en")[i % 3]]
        words = []
        for _ in range(rng.randint(8, 20)):
            draw = rng.random()
            if draw < 0.5:
                words.append(rng.choice(FILLER))
            elif draw < 0.56:
                words.append(rng.choices(topical, weights=_ZIPF[: len(topical)])[0])
            else:
                words.append(rng.choice(rare))
        if i % 997 == 0:
            words.append("kwetsbaarheid")
        out.append(" ".join(words).capitalize() + ".")
    return out


def _passage_rows(n: int, per_source: int, seed: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed)
    sentences = _sentences(rng, 30_000)
    picks = np.random.default_rng(seed).integers(0, len(sentences), size=(n, 5))
    for i in range(n):
        source = i // per_source
        seq = i % per_source
        text = " ".join(sentences[j] for j in picks[i, : 3 + i % 3])
        pid = hashlib.sha256(f"p{i}".encode()).hexdigest()[:16]
        lang = ("fr", "nl", "en", "fr")[source % 4]
        yield (
            i + 1,
            pid,
            source + 1,
            f"s{source:06d}",
            seq,
            seq // 4,
            str(seq // 4 + 1),
            lang,
            text,
        )


def _coding_rows(pid: str, rowid: int, rng: random.Random) -> list[tuple[Any, ...]]:
    """One to four codes per passage; origins rule (most), human (2 %), model (10 %)."""
    out = []
    weights = _CODE_WEIGHTS
    for code in set(rng.choices(CODES, weights=weights, k=rng.randint(1, 4))):
        start = rng.randint(0, 200)
        out.append((pid, rowid, code, "rule", "", 0, None, json.dumps([[start, start + 9, code]])))
        draw = rng.random()
        if draw < 0.02:
            negated = int(rng.random() < 0.3)
            out.append((pid, rowid, code, "human", "review:coder", negated, None, "[]"))
    if rng.random() < 0.10:
        code = rng.choice(CODES)
        out.append((pid, rowid, code, "model", "suggest:v1", 0, round(rng.random(), 3), "[]"))
    return out


_CODE_WEIGHTS = [1.0 / (1 + i % 11) for i in range(len(CODES))]


def generate_store(path: Path, passages: int, *, per_source: int = 100, seed: int = 7) -> None:
    """Write a store of ``passages`` coded passages at ``path`` (replacing any file there)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    sources = (passages + per_source - 1) // per_source
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
                    f"/data/pdfs/s{i:06d}.pdf",
                    f"{i:064x}",
                    "ok",
                    f"Z{i:07d}" if i % 3 == 0 else "",
                )
                for i in range(sources)
            ],
        )
        batch: list[tuple[Any, ...]] = []
        codings: list[tuple[Any, ...]] = []
        for row in _passage_rows(passages, per_source, seed):
            batch.append(row)
            codings.extend(_coding_rows(row[1], row[0], rng))
            if len(batch) == 50_000:
                _flush(db, batch, codings)
        _flush(db, batch, codings)
    with open_store(path) as store:
        store.db.execute("ANALYZE")


def _flush(db: Any, batch: list[tuple[Any, ...]], codings: list[tuple[Any, ...]]) -> None:
    db.executemany(
        "INSERT INTO passages(rowid, id, document_id, source_key, seq, page_index, page_label, "
        "lang, text) VALUES (?,?,?,?,?,?,?,?,?)",
        batch,
    )
    db.executemany(
        "INSERT INTO codings(passage_id, passage_rowid, code, origin, provenance, negated, "
        "score, spans) VALUES (?,?,?,?,?,?,?,?)",
        codings,
    )
    batch.clear()
    codings.clear()


def _time(func: Callable[[], Any], repeat: int) -> tuple[dict[str, float], Any]:
    """Return the best and median wall time, and the best CPU time of this process (less
    sensitive to other work on a shared machine), with the last result."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = func()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {
        "best_s": round(min(times), 4),
        "median_s": round(statistics.median(times), 4),
        "cpu_s": round(min(cpu), 4),
    }, result


def run(store: Store, repeat: int) -> dict[str, Any]:
    """Time matrices (load from the store and compute) and searches; return the figures."""
    rows = [c for c in CODES if c.startswith("form.")]
    cols = [c for c in CODES if c.startswith("cons.")]
    out: dict[str, Any] = {
        "passages": store.db.execute("SELECT count(*) FROM passages").fetchone()[0],
        "codings": store.db.execute("SELECT count(*) FROM codings").fetchone()[0],
    }
    cases = {
        "form x cons": (rows, cols, MatrixFilters()),
        "form x cons, within source": (rows, cols, MatrixFilters(within="source")),
        "form x cons, human only": (rows, cols, MatrixFilters(provenance="human")),
        "form x cons, with suggestions >= 0.7": (
            rows,
            cols,
            MatrixFilters(provenance="suggestions", min_score=0.7),
        ),
        "form x cons, field, 2010-2020, fr, shelter": (
            rows,
            cols,
            MatrixFilters(
                kinds=("field",), years=(2010, 2020), langs=("fr",), context=("setting.shelter",)
            ),
        ),
        "form x setting": (
            [c for c in CODES if c.startswith("form.")],
            [c for c in CODES if c.startswith("setting.")],
            MatrixFilters(),
        ),
    }
    matrices = {}
    for name, (r, c, filters) in cases.items():

        def once(r=r, c=c, filters=filters) -> Any:
            data = load_matrix_codings(
                store,
                [*r, *c, *filters.context],
                langs=bool(filters.langs),
                scores=filters.provenance == "suggestions",
            )
            return compute_matrix(data.codings, r, c, filters=filters, sources=data.sources)

        timing, matrix = _time(once, repeat)
        timing["cells"] = len(matrix)
        timing["sources_in_cells"] = int(matrix["sources"].sum())
        matrices[name] = timing
    data = load_matrix_codings(store, [*rows, *cols], scores=False)
    timing, _ = _time(
        lambda: compute_matrix(data.codings, rows, cols, sources=data.sources), repeat
    )
    matrices["form x cons, computed from loaded codings"] = timing
    out["matrix"] = matrices
    searches = {}
    for name, query in SEARCHES.items():
        timing, hits = _time(lambda q=query: search_passages(store, q, limit=20), repeat)
        timing["hits"] = len(hits)
        plain, _ = _time(lambda q=query: store.search(q, 20), 1)
        timing["store_search_s"] = plain["best_s"]
        searches[f"{name}: {query}"] = timing
    out["search"] = searches
    matrix = compute_matrix(data.codings, rows, cols, sources=data.sources)
    top = matrix.sort_values("passages").iloc[-1]
    cells = {}
    for name, limit in (("largest cell, first 30 passages", 30), ("largest cell, all", None)):
        timing, cell = _time(
            lambda limit=limit: load_cell_passages(
                store, data, top["row"], top["col"], limit=limit
            ),
            max(1, repeat // 2) if limit is None else repeat,
        )
        timing["passages"] = len(cell)
        cells[name] = timing
    out["drill-down"] = cells
    return out


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the store, print the figures; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--store", type=Path, help="keep the generated store here and reuse it")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / "bench.sqlite"
        generated = None
        if not _holds(path, args.passages):
            start = time.perf_counter()
            generate_store(path, args.passages)
            generated = round(time.perf_counter() - start, 1)
        with open_store(path) as store:
            figures = {"generation_s": generated, **run(store, args.repeat)}
    # Other work on the machine slows wall times; the load average says how busy it was.
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        _print(figures)
    return 0


def _holds(path: Path, passages: int) -> bool:
    if not path.is_file():
        return False
    with open_store(path) as store:
        return store.db.execute("SELECT count(*) FROM passages").fetchone()[0] == passages


def _print(figures: dict[str, Any]) -> None:
    print(
        f"{figures['passages']:,} passages, {figures['codings']:,} codings"
        + (f" (generated in {figures['generation_s']} s)" if figures["generation_s"] else "")
        + f"; load average {figures['load_average']}"
    )
    for section in ("matrix", "search", "drill-down"):
        print(f"{section}:")
        for name, t in figures[section].items():
            extra = {k: v for k, v in t.items() if k not in ("best_s", "median_s", "cpu_s")}
            print(
                f"  {name:<44} best {t['best_s'] * 1000:8.1f} ms  "
                f"median {t['median_s'] * 1000:8.1f} ms  cpu {t['cpu_s'] * 1000:8.1f} ms  {extra}"
            )


if __name__ == "__main__":
    sys.exit(main())
