"""Measure pseudonymisation and the field-note import on generated, invented material.

Usage (from the repository root):
    PYTHONPATH=src .venv/bin/python benchmarks/bench_fieldwork.py [--notes 40] [--names 500]
        [--turns 120] [--json]

Generates a names list of ``--names`` invented people and organisations, and ``--notes``
interview transcripts of ``--turns`` speaker turns each (about 2 h interviews have 100-200),
whose turns mention listed names, e-mails, phone numbers and addresses. Measures: compiling
the names, pseudonymising the whole text (characters per second), the first import into a
new store, and a second import with nothing changed (every note is read and pseudonymised
again; nothing is written).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from evidence.config import load_settings
from evidence.fieldwork import (
    PseudonymKey,
    compile_names,
    parse_names,
    pseudonymise_text,
)
from evidence.store import open_store
from evidence.workbook import run_fieldwork

SYLLABLES = ["ka", "lo", "mi", "ze", "ra", "vu", "ne", "to", "bri", "sa", "quo", "del", "fen"]
SENTENCES = [
    "Un résident a frappé {who} à l'accueil de nuit, et l'équipe parle d'épuisement.",
    "Les insultes et les menaces reviennent chaque soir ; {who} ne se sent plus en sécurité.",
    "Sinds de bedreiging is {who} met ziekteverlof; intervisie helpt het team.",
    "Appelez {who} au 02 {a:03d} {b:02d} {c:02d} ou écrivez à {mail}@example.org.",
    "La réunion a lieu rue Imaginaire {n}, 1000 Bruxelles, avec {who} et {org}.",
    "De supervisie en de opleiding de-escalatie kwamen van {org}.",
]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def write_material(root: Path, notes: int, names: int, turns: int, seed: int = 7) -> int:
    """Write a workbook with invented notes and names list; return the characters written."""
    rng = random.Random(seed)
    people = sorted({f"{_name(rng)} {_name(rng)}" for _ in range(names)})
    orgs = sorted({f"ASBL {_name(rng)}" for _ in range(max(1, names // 10))})
    (root / "private").mkdir(parents=True)
    (root / "private" / "names.txt").write_text(
        "\n".join([*(f"{p}|{p.split()[0]}" for p in people), *(f"{o};organisation" for o in orgs)]),
        encoding="utf-8",
    )
    (root / "evidence.toml").write_text(
        '[workbook]\nstore = "store.sqlite"\n\n[fieldwork]\nfolder = "field"\n'
        'names = "private/names.txt"\nkey = "private/key.csv"\n',
        encoding="utf-8",
    )
    folder = root / "field"
    folder.mkdir()
    total = 0
    for i in range(notes):
        lines = [
            f"---\norganisation: {rng.choice(orgs)}\nkind: interview\nconsent: yes\n"
            f"date: 2025-01-{i % 28 + 1:02d}\nlanguage: fr\n---\n"
        ]
        for t in range(turns):
            who = rng.choice(people)
            text = rng.choice(SENTENCES).format(
                who=who if t % 3 else who.split()[0],
                org=rng.choice(orgs),
                n=rng.randint(1, 200),
                a=rng.randint(10, 999),
                b=rng.randint(0, 99),
                c=rng.randint(0, 99),
                mail=who.replace(" ", ".").lower(),
            )
            lines.append(f"{'Q' if t % 2 == 0 else 'R'} : {text}\n")
        body = "\n".join(lines)
        total += len(body)
        (folder / f"entretien-{i:03d}.md").write_text(body, encoding="utf-8")
    return total


def _timed(func: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = func()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=40)
    parser.add_argument("--names", type=int, default=500)
    parser.add_argument("--turns", type=int, default=120)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        chars = write_material(root, args.notes, args.names, args.turns)
        settings = load_settings(root)
        entries = parse_names((root / "private" / "names.txt").read_text(encoding="utf-8"))
        t_compile, matcher = _timed(lambda: compile_names(entries))
        text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((root / "field").iterdir()))
        t_text, done = _timed(lambda: pseudonymise_text(text, matcher, PseudonymKey()))
        with open_store(settings.store) as store:
            t_first, first = _timed(lambda: run_fieldwork(settings, store))
            t_again, again = _timed(lambda: run_fieldwork(settings, store))
    result = {
        "notes": args.notes,
        "names": len(entries),
        "turns_per_note": args.turns,
        "characters": chars,
        "passages": first["passages"],
        "replacements": len(done.replacements),
        "compile_names_s": round(t_compile, 3),
        "pseudonymise_chars_per_s": round(len(text) / t_text),
        "first_import_s": round(t_first, 2),
        "second_import_s": round(t_again, 2),
        "second_import_changed": again["changed"],
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>28}: {value}")


if __name__ == "__main__":
    main()
