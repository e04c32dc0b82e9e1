"""Theme proposal speed: cluster the codes of a generated field and describe every theme.

Usage (from the repository root):
    PYTHONPATH=src .venv/bin/python benchmarks/bench_themes.py [--interviews 200]

Each generated interview (fixed seed) has 40 passages from one of 60 organisations; a passage
carries two or three codes of one of six planted groups of the 35-code codebook, or one or
two codes at random. The target: proposals, and for each theme its literature, carriers and
tensions, in under 5 seconds for 200 two-hour interviews (8,000 passages), so that
`evidence themes` answers while a person waits; the script also checks the six groups come
back.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time

import pandas as pd

from evidence.analysis import (
    compute_theme_carriers,
    compute_theme_literature,
    compute_theme_proposals,
    compute_theme_tensions,
)

FACETS = {
    "form": 9,
    "cons": 11,
    "resp": 5,
    "setting": 4,
    "pop": 4,
    "target": 2,
}
CODES = [f"{facet}.c{n}" for facet, size in FACETS.items() for n in range(size)]
GROUPS = [CODES[i : i + 3] for i in (0, 4, 9, 14, 20, 25)]


def _field(interviews: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = random.Random(seed)
    rows, sources = [], []
    passage = 0
    for n in range(interviews):
        key = f"f{n:04d}"
        org = f"ORG{rng.randrange(60):02d}"
        sources.append((key, "field", json.dumps([org]), "secteur"))
        groups = rng.sample(GROUPS, 2)
        for _ in range(40):
            passage += 1
            if rng.random() < 0.5:
                codes = rng.sample(rng.choice(groups), rng.choice((2, 3)))
            else:
                codes = rng.sample(CODES, rng.choice((1, 2)))
            rows += [(passage, key, code, "rule") for code in codes]
    frame = pd.DataFrame(rows, columns=["passage_id", "source_key", "code", "origin"])
    return frame, pd.DataFrame(sources, columns=["key", "kind", "authors", "container"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=200)
    args = parser.parse_args()
    codings, sources = _field(args.interviews)
    start = time.perf_counter()
    themes = compute_theme_proposals(codings, sources)
    proposed = time.perf_counter() - start
    for codes in themes["codes"]:
        compute_theme_literature(codings, sources, codes)
        compute_theme_carriers(codings, sources, codes)
        compute_theme_tensions(codings, sources, codes)
    total = time.perf_counter() - start
    found = sum(any(set(g) <= set(c) for c in themes["codes"]) for g in GROUPS)
    print(
        f"{args.interviews} interviews, {codings['passage_id'].nunique()} passages, "
        f"{len(codings)} codings: {len(themes)} themes proposed in {proposed:.2f} s, "
        f"described in {total:.2f} s; {found}/{len(GROUPS)} planted groups recovered"
    )
    return 0 if found == len(GROUPS) and total < 5.0 * max(1, args.interviews / 200) else 1


if __name__ == "__main__":
    sys.exit(main())
