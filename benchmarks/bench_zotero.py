"""Zotero sync cost: requests and time for a first sync, a no-change sync and a small change.

Usage (from the repository root):
    PYTHONPATH=src .venv/bin/python benchmarks/bench_zotero.py [--items 2000]
        [--pdf-share 0.25] [--json]

A library of ``--items`` references (French, Dutch and English titles, five collections with
sub-collections) is generated from a fixed seed; a ``--pdf-share`` of them have a small PDF
attachment with two highlight annotations. It is served by the loopback Zotero stand-in of the
test suite (tests/fake_zotero.py: the Web API's paging of 100 items, versions, 304s) on
127.0.0.1, and synced into a fresh workbook in a temporary folder with the real pyzotero
client. Targets: the no-change sync makes at most two requests; the first sync's time is
dominated by the per-file downloads, not by the items.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pymupdf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from fake_zotero import FakeZotero  # noqa: E402

from evidence.config import load_settings  # noqa: E402
from evidence.store import open_store  # noqa: E402
from evidence.workbook import sync_zotero  # noqa: E402

KEY = "bench-key-not-secret"
WORDS = {
    "fr": [
        "violences",
        "agressions",
        "travailleurs",
        "sociaux",
        "accueil",
        "nuit",
        "sans-abri",
        "femmes",
        "rue",
        "conséquences",
        "épuisement",
        "prévention",
    ],
    "nl": [
        "geweld",
        "agressie",
        "hulpverleners",
        "nachtopvang",
        "daklozen",
        "vrouwen",
        "straat",
        "gevolgen",
        "burn-out",
        "preventie",
    ],
    "en": [
        "violence",
        "assault",
        "workers",
        "shelter",
        "homeless",
        "women",
        "street",
        "consequences",
        "burnout",
        "prevention",
    ],
}
FAMILIES = [
    "Dupont",
    "Peeters",
    "Janssens",
    "Martin",
    "Claes",
    "Smith",
    "Jones",
    "Lambert",
    "Maes",
    "Dubois",
]


def _pdf() -> bytes:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Les agressions contre les travailleurs sociaux.", fontsize=11)
    data = doc.tobytes(garbage=3, deflate=True, no_new_id=True)
    doc.close()
    return data


def generate(z: FakeZotero, n: int, pdf_share: float, seed: int = 7) -> dict[str, int]:
    """Write a library of ``n`` references into the server; return how many objects of each."""
    rnd = random.Random(seed)
    content = _pdf()
    md5 = hashlib.md5(content, usedforsecurity=False).hexdigest()
    tops = [f"TOP{i}2345" for i in range(5)]
    subs = [f"SUB{i}2345" for i in range(5)]
    z.write(
        collections=[{"key": k, "data": {"name": k, "parentCollection": False}} for k in tops]
        + [
            {"key": s, "data": {"name": s, "parentCollection": t}}
            for s, t in zip(subs, tops, strict=True)
        ]
    )
    items: list[dict[str, Any]] = []
    counts = {"references": n, "attachments": 0, "annotations": 0}
    for i in range(n):
        lang = rnd.choice(list(WORDS))
        key = f"R{i:07d}"
        items.append(
            {
                "key": key,
                "data": {
                    "itemType": rnd.choice(["journalArticle", "report", "book", "bookSection"]),
                    "title": " ".join(rnd.sample(WORDS[lang], 5)).capitalize(),
                    "creators": [
                        {
                            "creatorType": "author",
                            "firstName": "A.",
                            "lastName": rnd.choice(FAMILIES),
                        }
                    ],
                    "date": str(rnd.randint(1995, 2025)),
                    "language": lang,
                    "collections": [rnd.choice(tops + subs)],
                    "dateAdded": f"2020-01-01T{i:08d}Z",
                    "tags": [],
                    "publicationTitle": "Revue",
                    "volume": str(rnd.randint(1, 40)),
                },
            }
        )
        if rnd.random() < pdf_share:
            att = f"A{i:07d}"
            items.append(
                {
                    "key": att,
                    "data": {
                        "itemType": "attachment",
                        "parentItem": key,
                        "linkMode": "imported_file",
                        "contentType": "application/pdf",
                        "filename": f"{key}.pdf",
                        "md5": md5,
                    },
                }
            )
            z.files[att] = content
            counts["attachments"] += 1
            for j in range(2):
                counts["annotations"] += 1
                items.append(
                    {
                        "key": f"N{j}{i:06d}",
                        "data": {
                            "itemType": "annotation",
                            "parentItem": att,
                            "annotationType": "highlight",
                            "annotationText": " ".join(rnd.sample(WORDS[lang], 4)),
                            "annotationColor": "#ff6666",
                            "annotationPageLabel": str(j + 1),
                            "annotationSortIndex": f"{j:05d}|000100|00100",
                            "annotationPosition": json.dumps(
                                {"pageIndex": j, "rects": [[1, 2, 3, 4]]}
                            ),
                            "tags": [{"tag": "#violence/physique"}] if j else [],
                            "dateModified": "2024-01-01T00:00:00Z",
                        },
                    }
                )
    for start in range(0, len(items), 50):  # the Web API writes 50 objects at a time
        z.write(items[start : start + 50])
    return counts


def _workbook(root: Path, url: str) -> Path:
    root.mkdir(parents=True)
    if (REPO / "codebook.yml").is_file():
        shutil.copy(REPO / "codebook.yml", root / "codebook.yml")
    (root / "evidence.toml").write_text(
        '[workbook]\nstore = "store.sqlite"\ndecisions = "decisions.csv"\n'
        f'[zotero]\nlibrary_id = "475425"\nendpoint = "{url}"\n',
        encoding="utf-8",
    )
    return root


def _sync(root: Path) -> dict[str, Any]:
    settings = load_settings(root)
    start = time.perf_counter()
    with open_store(settings.store) as store:
        summary = sync_zotero(settings, store, api_key=KEY)
    summary["seconds"] = time.perf_counter() - start
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=2000, help="references in the library")
    parser.add_argument(
        "--pdf-share",
        type=float,
        default=0.25,
        help="share of references with a PDF and two annotations",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, FakeZotero(api_key=KEY) as z:
        results["library"] = generate(z, args.items, args.pdf_share)
        results["library"]["objects"] = len(z.items) + len(z.collections)
        root = _workbook(Path(tmp) / "wb", z.url)
        for name in ("first", "no_change"):
            results[name] = _sync(root)
        edited = sorted(k for k in z.items if k.startswith("R"))[:10]
        z.write(
            [
                {**z.items[k], "data": {**z.items[k]["data"], "title": "Edited title"}}
                for k in edited
            ]
        )
        results["ten_edits"] = _sync(root)
    keep = ("requests", "seconds", "sources", "files", "downloaded", "annotations", "changed")
    table = {k: {f: v.get(f) for f in keep} for k, v in results.items() if k != "library"}
    if args.json:
        print(json.dumps({"library": results["library"], **table}, indent=2))
        return 0
    lib = results["library"]
    print(
        f"library: {lib['references']} references, {lib['attachments']} PDFs, "
        f"{lib['annotations']} annotations ({lib['objects']} objects)"
    )
    for name, row in table.items():
        print(
            f"  {name:>10}: {row['requests']:>5} requests {row['seconds']:8.2f} s  "
            f"({row['sources']} sources, {row['files']} files, {row['downloaded']} downloaded, "
            f"{row['annotations']} annotations, {row['changed']} objects changed)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
