"""Batch coding gives exactly the codings of matching passage by passage."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from evidence.coding import Matcher, code_passages, compile_codebook
from evidence.coding._batch import _required_literal
from evidence.coding._codebook import load_codebook, parse_codebook
from evidence.coding._match import Coding, contents_like

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"

CODEBOOK = """\
version: 1
languages: [fr, nl, en]
facets:
  form: {fr: Formes, nl: Vormen, en: Forms}
  target: {fr: Victimes, nl: Slachtoffers, en: Victims}
  setting: {fr: Lieux, nl: Plaatsen, en: Settings}
lists:
  staff:
    fr: [travailleurs, équipe*]
    nl: [hulpverleners, medewerkers]
    en: [staff, workers]
vetoes:
  fr: [communication non violente]
  en: [non-violent communication]
skip:
  min_words: 4
  min_matches: 2
  min_numbers: 3
  patterns:
    any: [=doi, "re:\\\\bpp\\\\.\\\\s*\\\\d+"]
codes:
  form.physical:
    labels: {fr: Violence physique, nl: Fysiek geweld, en: Physical violence}
    definition: Hitting, assault, injuries inflicted.
    patterns:
      fr: [agression, coups, "violen* physique*", "coup* de * poing"]
      nl: [mishandeling, geslagen, geweld]
      en: [assault, punched, "re:\\\\bh1t\\\\b", =covid19]
    vetoes:
      fr: [agression* sexuelle*]
      en: [sexual assault]
  target.workers:
    labels: {fr: Travailleurs, nl: Hulpverleners, en: Workers}
    definition: Workers are the victims.
    patterns:
      fr: ["(agression|violen*|menace*) NEAR/10 @staff"]
      nl: ["(agressie|geweld) NEAR/6 @staff"]
      en:
        - "(assault*|violen*|threat*) NEAR/6 @staff"
        - "staff NEAR/3 staff"
        - "exhaust* NEAR/8s @staff"
  setting.shelter:
    labels: {fr: Hébergement, nl: Opvang, en: Shelters}
    definition: Night shelters and hostels.
    patterns:
      any: [Housing First]
      fr: [abri de nuit, maison* d'accueil]
      nl: [nachtopvang, opvang]
      en: [night shelter*, hostel*, shelter]
"""

# Sentences that exercise every path: phrases, wildcards inside phrases, NEAR on both sides
# and at equal distances, vetoes of one code and of all codes, skip signs, short passages,
# tables of contents (page numbers after any kind of space), Dutch compounds, words with digits,
# irregular whitespace, and unknown languages.
PIECES = [
    "The staff were punched and later assault charges were laid.",
    "Workers faced threats; staff and staff again, violence near workers.",
    "Une agression sexuelle et des coups de son poing dans l'abri de nuit.",
    "Les travailleurs de la maison d'accueil ont subi des menaces, une agression.",
    "Het personeel werd geslagen in de nachtopvang en de daklozenopvang; straatgeweld.",
    "Geweld tegen hulpverleners en medewerkers, agressie in de opvang.",
    "Non-violent communication training for staff after an assault in the hostel.",
    "Communication non violente et agression des travailleurs.",
    "doi 10.1000/xyz pp. 12 assault staff hostel",
    "Housing First, h1t and covid19 and COVID19 cases in 2019.",
    "Assault.",
    "  assault   in\tthe  night shelter\n",
    "",
    "Œuvre: coups, agressions répétées (violences physiques) à l'équipe.",
    "-- — … ab 12 (1999). 2019, ab: a.b. x-y z_z İstanbul ǅ assault",
    "ge\u00adslagen in de nacht\u00adopvang \u00adgeweld\u00ad; as\u200bsault of sta\u00adff",
    "Assault 3 Hostels 7 2.1 Staff 12 Night shelter 15",
    "Agression\u00a03\u00a0Abri de nuit 7\u2003Équipe 12\u3000Maison d'accueil 19",
    "In 12 Brussels hostels, 30 staff reported an assault in 2019.",
    "Residents were exhausted. Staff (e.g. workers) stayed; exhaustion of staff, p. 4 workers.",
    "Exhaustion! «Staff» said: \u00abexhausted.\u00bb workers exhausted?staff",
]


def _passages(n: int, seed: int) -> list[tuple[str, str, str | None]]:
    rng = random.Random(seed)
    langs = ["fr", "nl", "en", "other", None, "nl-BE", "EN"]
    out = []
    for i in range(n):
        text = " ".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4)))
        out.append((f"p{i}", text, rng.choice(langs)))
    return out


def _one_by_one(passages, matcher: Matcher) -> list[Coding]:
    """Codings made from Matcher.match passage by passage, as code_passages promises."""
    out = []
    for passage_id, text, lang in passages:
        by_code: dict[str, list] = {}
        for m in matcher.match(text, lang):
            by_code.setdefault(m.code, []).append(m)
        for code in sorted(by_code, key=matcher.code_order.__getitem__):
            spans = by_code[code]
            out.append(Coding(passage_id, code, "rule", spans[0].pattern, tuple(spans)))
    return out


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return compile_codebook(parse_codebook(CODEBOOK, path="test.yml"))


def test_batch_codings_equal_passage_by_passage(matcher) -> None:
    passages = _passages(3000, seed=3)
    batch = code_passages(passages, matcher)
    assert batch == _one_by_one(passages, matcher)
    coded = {c.passage_id for c in batch}
    assert 0 < len(coded) < len(passages)
    # Every path was taken: NEAR codes, vetoed and skipped passages, multi-language ones.
    assert {c.code for c in batch} == {"form.physical", "target.workers", "setting.shelter"}
    contents = [p for p, text, _ in passages if contents_like(text, 3)]
    assert contents and not coded & set(contents)
    assert all(
        t[m.start : m.end] == m.text
        for c in batch
        for m in c.spans
        for t in [dict((p, x) for p, x, _ in passages)[c.passage_id]]
    )


def test_batches_of_any_size_give_the_same_codings(matcher, monkeypatch) -> None:
    passages = _passages(500, seed=5)
    whole = code_passages(passages, matcher)
    monkeypatch.setattr("evidence.coding._matcher._BATCH", 7)
    assert code_passages(iter(passages), matcher) == whole


def test_a_passage_alone_is_coded_as_in_a_batch(matcher) -> None:
    passages = _passages(200, seed=8)
    together = code_passages(passages, matcher)
    alone = [c for p in passages for c in code_passages([p], matcher)]
    assert together == alone


def test_vetoes_cancel_both_sides_of_a_near_match(matcher) -> None:
    text = "Non-violent communication was taught; workers were safe."
    assert code_passages([("v", text, "en")], matcher) == []
    # A code's own veto cancels that code only: the NEAR of target.workers stays.
    text = "Staff reported sexual assault near the hostel."
    codings = code_passages([("w", text, "en")], matcher)
    assert [c.code for c in codings] == ["target.workers", "setting.shelter"]
    assert [m.text for m in codings[0].spans] == ["Staff", "assault"]


def test_repository_codebook_in_batch_equals_one_by_one() -> None:
    matcher = compile_codebook(load_codebook(REPO / "codebook.yml"))
    texts = []
    for path in sorted((REPO / "data" / "sample").glob("*.md")) + [REPO / "README.md"]:
        texts.extend(p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip())
    rng = random.Random(1)
    passages = [(f"t{i}", t, rng.choice(["fr", "nl", "en", "other"])) for i, t in enumerate(texts)]
    passages += [(f"x{i}", t, lang) for i, (_, t, lang) in enumerate(_passages(400, seed=9))]
    assert code_passages(passages, matcher) == _one_by_one(passages, matcher)


def test_shared_evaluation_texts_in_batch_equal_one_by_one() -> None:
    path = SHARED / "evaluation" / "dev.jsonl"
    if not path.exists():
        pytest.skip("../shared/evaluation is not beside the repository")
    matcher = compile_codebook(load_codebook(REPO / "codebook.yml"))
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    passages = [(str(i), r["text"], r.get("lang")) for i, r in enumerate(records)]
    assert code_passages(passages, matcher) == _one_by_one(passages, matcher)


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        (r"\bshelter\s*[,(]\s*(19|20)\d\d", "shelter"),
        (r"\.\.\.\.+\s*\d+", "..."),
        (r"x?yz", "yz"),
        (r"(ab|cd)", ""),
        (r"A&E", ""),  # case-insensitive: no literal can be required of the lowercased text
    ],
)
def test_regular_expressions_are_tried_only_on_texts_with_their_required_characters(
    pattern: str, literal: str
) -> None:
    flags = re.IGNORECASE if any(c.isupper() for c in pattern) else 0
    assert _required_literal(re.compile(pattern, flags)) == literal
