"""Coding speed: apply codebook.yml to generated passages in one process and print the rate.

Usage (from the repository root):
    PYTHONPATH=src .venv/bin/python benchmarks/bench_coding.py [--passages 100000]

Passages are generated from a fixed seed: 20 to 90 words of ordinary French, Dutch or English
with field vocabulary mixed in (about one word in eight), so that most passages get codes and
the vocabulary grows as in a real corpus (numbers and rare words make new tokens). The target
is over 20,000 passages per second.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import timeit
from pathlib import Path

from evidence.coding import (
    SHIPPED_MODEL,
    apply_model,
    code_passages,
    compile_codebook,
    load_codebook,
    load_model,
)


def _bank(text: str) -> list[str]:
    return [w.strip() for w in text.split("|")]


FILLER = {
    "fr": _bank(
        "le|la|les|des|une|un|et|de|du|dans|pour|avec|sur|par|que|qui|est|sont|ont|été|était|"
        "leur|leurs|plus|mais|aussi|entre|selon|rapport|étude|année|centre|service|accueil|"
        "personnes|situation|travail|projet|quartier|ville|région|public|soutien|logement|"
        "nombre|enquête|analyse|question|réponse|équipe|manière|moment|suite|cadre"
    ),
    "nl": _bank(
        "de|het|een|en|van|in|voor|met|op|dat|die|is|zijn|werd|was|hun|meer|maar|ook|tussen|"
        "volgens|rapport|studie|jaar|centrum|dienst|onthaal|mensen|situatie|werk|project|wijk|"
        "stad|regio|publiek|steun|woning|aantal|onderzoek|analyse|vraag|antwoord|team|manier"
    ),
    "en": _bank(
        "the|a|an|and|of|in|for|with|on|that|which|is|are|have|been|was|their|more|but|also|"
        "between|according|report|study|year|centre|service|reception|people|situation|work|"
        "project|neighbourhood|city|region|public|support|housing|number|survey|analysis|"
        "question|answer|team|way|moment"
    ),
}
FIELD = {
    "fr": _bank(
        "agression|agressée|coups|vol|vols|insultes|menaces|harcèlement|viol|sans-abri|"
        "sans-chez-soi|maison d'accueil|abri de nuit|CPAS|épuisement professionnel|femmes|"
        "jeunes|migrants|rue|gare|police|expulsion|travailleurs sociaux|intervenants|"
        "réduction des risques|pair-aidant|traumatisme vicariant|suicide|violence conjugale|"
        "drogue|alcool"
    ),
    "nl": _bank(
        "geweld|gewelddadig|agressie|bedreiging|schelden|intimidatie|verkrachting|diefstal|"
        "daklozen|dak- en thuislozen|nachtopvang|inloopcentrum|OCMW|burn-out|"
        "ervaringsdeskundige|intervisie|politie|op straat|vrouwen|jongeren|hulpverleners|"
        "medewerkers|zelfdoding|partnergeweld|verslaving|Housing First"
    ),
    "en": _bank(
        "assault|assaulted|abuse|threats|harassment|rape|theft|robbed|homeless|rough sleeping|"
        "night shelter|drop-in|burnout|vicarious trauma|de-escalation|trauma-informed care|"
        "staff|workers|police|eviction|women|young people|migrants|suicide|domestic violence|"
        "drugs|alcohol|street outreach|Housing First"
    ),
}


def generate(n: int, seed: int = 7) -> list[tuple[str, str, str]]:
    """Return ``n`` generated ``(passage_id, text, lang)`` triples."""
    rng = random.Random(seed)
    langs = ["fr", "nl", "en"] * 6 + ["other"]
    out = []
    for i in range(n):
        lang = langs[i % len(langs)]
        vocab_lang = lang if lang != "other" else rng.choice(["fr", "nl", "en"])
        words = []
        for _ in range(rng.randint(20, 90)):
            roll = rng.random()
            if roll < 0.12:
                words.append(rng.choice(FIELD[vocab_lang]))
            elif roll < 0.16:
                words.append(f"{rng.choice(FILLER[vocab_lang])}{rng.randint(0, 5000)}")
            else:
                words.append(rng.choice(FILLER[vocab_lang]))
        out.append((f"p{i}", " ".join(words).capitalize() + ".", lang))
    return out


def reference_microseconds() -> float:
    """Return the best time of sum(range(1000)) in microseconds, to compare machines.

    A current laptop takes about 5 to 8 microseconds; a shared or throttled machine more.
    """
    return min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--codebook", type=Path, default=Path("codebook.yml"))
    parser.add_argument(
        "--model",
        default=str(SHIPPED_MODEL),
        help="the learned layer applied after the rules, as evidence code does (none: rules alone)",
    )
    args = parser.parse_args(argv)
    model = None if args.model == "none" else load_model(Path(args.model))

    started = time.perf_counter()
    matcher = compile_codebook(load_codebook(args.codebook))
    compiled = time.perf_counter() - started
    passages = generate(args.passages)
    chars = sum(len(t) for _, t, _ in passages)

    reference = reference_microseconds()
    started, cpu = time.perf_counter(), time.process_time()
    codings = code_passages(passages, matcher)
    ruled = time.perf_counter() - started
    if model is not None:
        codings = apply_model(model, codings, passages)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu

    coded = len({c.passage_id for c in codings})
    rate = len(passages) / elapsed
    print(f"codebook {matcher.version}: compiled in {compiled * 1000:.0f} ms")
    if model is not None:
        print(
            f"model {model.version}: rules {ruled:.2f} s, model {elapsed - ruled:.2f} s "
            f"({len(passages) / max(elapsed - ruled, 1e-9):,.0f} passages/second alone)"
        )
    print(
        f"{len(passages):,} passages ({chars / len(passages):.0f} characters on average), "
        f"{coded:,} coded, {len(codings):,} codings"
    )
    print(
        f"{elapsed:.2f} s wall, {cpu:.2f} s CPU: {rate:,.0f} passages/second on one process "
        f"({len(passages) / cpu:,.0f} per CPU second; target 20,000)"
    )
    after = reference_microseconds()
    print(
        f"machine reference: sum(range(1000)) takes {reference:.1f} us before, {after:.1f} us "
        "after (a current laptop: 5 to 8 us)"
    )
    return 0 if rate >= 20_000 else 1


if __name__ == "__main__":
    sys.exit(main())
