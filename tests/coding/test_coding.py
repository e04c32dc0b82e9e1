"""Rule coding: matches with spans, vetoes, languages, codings per passage, explanations."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from evidence.coding import code_passages, compile_codebook, explain_passage, render_highlighted
from evidence.coding._codebook import load_codebook, parse_codebook
from evidence.coding._match import Coding, Match, contents_like

REPO = Path(__file__).resolve().parents[2]

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
  min_numbers: 4
  patterns:
    any: [=doi, "re:\\\\bpp\\\\.\\\\s*\\\\d+"]
codes:
  form.physical:
    labels: {fr: Violence physique, nl: Fysiek geweld, en: Physical violence}
    definition: Hitting, assault, injuries inflicted.
    patterns:
      fr: [agression, coups, "violen* physique*"]
      nl: [mishandeling, geslagen]
      en: [assault, punched]
    vetoes:
      fr: [agression* sexuelle*]
      en: [sexual assault]
  target.workers:
    labels: {fr: Travailleurs, nl: Hulpverleners, en: Workers}
    definition: Workers are the victims.
    patterns:
      fr: ["(agression|violen*|menace*) NEAR/10 @staff"]
      nl: ["(agressie|geweld) NEAR/6 @staff"]
      en: ["(assault*|violen*|threat*) NEAR/6 @staff"]
  setting.shelter:
    labels: {fr: Hébergement, nl: Opvang, en: Shelters}
    definition: Night shelters and hostels.
    patterns:
      any: [Housing First]
      fr: [abri de nuit, maison* d'accueil]
      nl: [nachtopvang]
      en: [night shelter*, hostel*]
"""


@pytest.fixture(scope="module")
def matcher():
    return compile_codebook(parse_codebook(CODEBOOK, path="test.yml"))


def codes(matches: list[Match]) -> list[str]:
    return sorted({m.code for m in matches})


def test_matches_carry_code_pattern_and_original_spans(matcher) -> None:
    text = "Dans l’abri de nuit, deux AGRESSIONS ont visé l’équipe."
    matches = matcher.match(text, "fr")
    assert codes(matches) == ["form.physical", "setting.shelter", "target.workers"]
    for m in matches:
        assert text[m.start : m.end] == m.text
    physical = [m for m in matches if m.code == "form.physical"]
    assert [(m.pattern, m.text) for m in physical] == [("agression", "AGRESSIONS")]
    workers = [m.text for m in matches if m.code == "target.workers"]
    assert workers == ["AGRESSIONS", "équipe"]
    assert [m.start for m in matches] == sorted(m.start for m in matches)


def test_veto_cancels_only_the_matches_it_overlaps(matcher) -> None:
    assert codes(matcher.match("Une agression sexuelle a été signalée.", "fr")) == []
    text = "Après une agression sexuelle, il a reçu des coups."
    assert [m.text for m in matcher.match(text, "fr")] == ["coups"]


def test_global_veto_cancels_every_code(matcher) -> None:
    text = "A non-violent communication course for staff and workers."
    assert matcher.match(text, "en") == []
    explained = explain_passage(text, "en", matcher)
    assert {m.status for m in explained} == {"veto", "vetoed"}
    assert [m.text for m in explained if m.status == "veto"] == ["non-violent communication"]


def test_language_selects_patterns_and_unknown_uses_all(matcher) -> None:
    text = "De hulpverleners in de nachtopvang werden geslagen."
    assert codes(matcher.match(text, "nl")) == ["form.physical", "setting.shelter"]
    assert matcher.match(text, "en") == []
    assert codes(matcher.match(text, "other")) == ["form.physical", "setting.shelter"]
    assert codes(matcher.match(text, None)) == ["form.physical", "setting.shelter"]
    assert codes(matcher.match(text, "nl-BE")) == ["form.physical", "setting.shelter"]
    # Patterns under any: apply in every language.
    assert codes(matcher.match("Le programme Housing First.", "fr")) == ["setting.shelter"]


def test_skip_rule_leaves_headings_and_reference_lists_uncoded(matcher) -> None:
    assert matcher.match("Assault in hostels", "en") == []
    reference = "Smith, J. Assault in hostels. Journal of Care, pp. 12-30. doi 10.1000/xyz"
    assert matcher.match(reference, "en") == []
    statuses = {m.status for m in explain_passage(reference, "en", matcher)}
    assert statuses == {"skip", "vetoed"}
    prose = "Staff in hostels described an assault that happened last winter."
    assert codes(matcher.match(prose, "en")) == [
        "form.physical",
        "setting.shelter",
        "target.workers",
    ]


def test_tables_of_contents_and_indexes_without_leaders_are_uncoded(matcher) -> None:
    contents = "1 Introduction 3 2 Assault in hostels 7 2.1 Staff 9 3 Night shelters 14"
    assert matcher.match(contents, "en") == []
    statuses = {m.status for m in explain_passage(contents, "en", matcher)}
    assert statuses == {"vetoed"}
    index = "Abri de nuit, 12 Agression, 31 Coups, 45 Équipe, 52 Maison d'accueil, 60 Menaces"
    assert matcher.match(index, "fr") == []
    # Prose citing figures before capitalised names is still coded.
    prose = (
        "In 2019, 12 Brussels hostels and 3 Flemish night shelters counted 40 assaults on "
        "staff, against 25 the year before, across 9 Walloon services."
    )
    assert codes(matcher.match(prose, "en")) == [
        "form.physical",
        "setting.shelter",
        "target.workers",
    ]


def test_contents_rule_needs_enough_page_numbers_and_density() -> None:
    assert contents_like("Methods 7 Results 12 Discussion 20 Annex 31", 4)
    assert not contents_like("Methods 7 Results 12 Discussion 20 Annex 31", 5)
    assert not contents_like("Methods 7 Results 12 Discussion 20 Annex 31", 0)
    assert contents_like("Inleiding 3 1.1 Context 5 1.2 Methode 8 2 Resultaten 11", 4)
    assert not contents_like("Inleiding 3 1.1 Context 5 1.2 Methode 8", 4)
    long_prose = "Methods 7 Results 12 Discussion 20 Annex 31 " + "and a long sentence " * 10
    assert not contents_like(long_prose, 4)
    # Years and numbers inside words are not page numbers.
    assert not contents_like("In 2019 Paris, 2020 Lyon, 2021 Gent, 2022 Bruxelles", 4)


def test_code_passages_gives_one_coding_per_passage_and_code(matcher) -> None:
    passages = [
        ("p1", "The staff were punched and later assault charges were laid.", "en"),
        ("p2", "Nothing here concerns the codebook at all, really.", "en"),
        ("p3", "Het personeel werd geslagen in de nachtopvang, opnieuw geslagen.", "nl"),
    ]
    codings = code_passages(passages, matcher)
    assert [(c.passage_id, c.code) for c in codings] == [
        ("p1", "form.physical"),
        ("p1", "target.workers"),
        ("p3", "form.physical"),
        ("p3", "setting.shelter"),
    ]
    first = codings[0]
    assert isinstance(first, Coding) and first.origin == "rule"
    assert first.provenance == "punched"
    assert [m.text for m in first.spans] == ["punched", "assault"]
    assert [m.text for m in codings[2].spans] == ["geslagen", "geslagen"]


def test_render_highlighted_in_three_formats(matcher) -> None:
    text = "Workers <b> were assaulted & threatened in a hostel."
    matches = explain_passage(text, "en", matcher)
    html = render_highlighted(text, matches, "html")
    assert "&lt;b&gt;" in html and "&amp;" in html
    assert '<mark class="evidence-match" data-codes="target.workers"' in html
    assert 'data-codes="form.physical, target.workers"' in html
    assert ">hostel</mark>" in html
    ansi = render_highlighted(text, matches, "ansi")
    assert "\x1b[0m" in ansi and ansi.count("\x1b[0m") == html.count("</mark>")
    markdown = render_highlighted(text, matches, "markdown")
    assert markdown.startswith("**Workers** \\<b\\> were **assaulted** ")
    assert (
        render_highlighted(text, [], "markdown")
        == "Workers \\<b\\> were assaulted & threatened in a hostel."
    )
    with pytest.raises(ValueError, match="unknown format"):
        render_highlighted(text, matches, "pdf")


def test_vetoed_matches_are_struck_through(matcher) -> None:
    text = "Une agression sexuelle a eu lieu."
    matches = explain_passage(text, "fr", matcher)
    assert "<del" in render_highlighted(text, matches, "html")
    assert "~~" in render_highlighted(text, matches, "markdown")


def test_text_extracted_from_a_pdf_is_coded_with_its_offsets(tmp_path: Path, matcher) -> None:
    path = tmp_path / "rapport.pdf"
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 90), "Les travailleurs de la maison d'accueil", fontsize=11)
    page.insert_text((72, 106), "ont subi des menaces et des coups.", fontsize=11)
    doc.save(path)
    doc.close()
    with pymupdf.open(path) as pdf:
        text = pdf[0].get_text()
    matches = matcher.match(text, "fr")
    assert codes(matches) == ["form.physical", "setting.shelter", "target.workers"]
    assert all(text[m.start : m.end] == m.text for m in matches)
    assert "maison d'accueil" in [m.text for m in matches]


def test_repository_codebook_codes_ordinary_field_sentences() -> None:
    matcher = compile_codebook(load_codebook(REPO / "codebook.yml"))
    cases = [
        (
            "fr",
            "Les travailleurs sociaux des maisons d'accueil subissent insultes et menaces.",
            {"form.verbal", "target.workers", "setting.shelter"},
        ),
        (
            "nl",
            "Daklozen worden op straat vaak het slachtoffer van diefstal.",
            {"form.economic", "target.users", "setting.street"},
        ),
        (
            "en",
            "Women sleeping rough described being raped and robbed.",
            {"form.sexual", "form.economic", "target.users", "pop.women", "setting.street"},
        ),
    ]
    for lang, text, expected in cases:
        assert expected <= set(codes(matcher.match(text, lang))), text
    assert matcher.match("Une formation à la communication non violente.", "fr") == []


def test_repository_codebook_reads_regional_usage_and_leaves_false_friends_uncoded() -> None:
    matcher = compile_codebook(load_codebook(REPO / "codebook.yml"))
    found = [
        (
            "nl",
            "Een bewoner werd gemolesteerd en geïntimideerd aan het Noordstation.",
            {"form.physical", "form.psychological", "setting.street"},
        ),
        ("nl", "LHBTI-jongeren belanden na afwijzing door hun ouders op straat.", {"pop.lgbtq"}),
        (
            "nl",
            "Daklozen kregen een bekeuring van handhavers voor het slapen in het park.",
            {"form.police"},
        ),
        (
            "fr",
            "Faute de personnel, l'accueil de jour a réduit ses horaires d'ouverture.",
            {"cons.org.service_reduction"},
        ),
    ]
    for lang, text, expected in found:
        assert expected <= set(codes(matcher.match(text, lang))), text
    # Each pair: a sentence and a code its words must not trigger (a compound, an idiom or a
    # word with another sense).
    not_found = [
        (
            "nl",
            "We mogen deze stap in de procedure niet overslaan bij de evaluatie.",
            "form.physical",
        ),
        (
            "nl",
            "De langdurige afwezigheid van een coördinator vertraagde het project.",
            "form.institutional",
        ),
        (
            "fr",
            "Du coup, les foyers monoparentaux ont été interrogés sur leurs revenus.",
            "form.physical",
        ),
        (
            "fr",
            "Du coup, les foyers monoparentaux ont été interrogés sur leurs revenus.",
            "setting.shelter",
        ),
        (
            "fr",
            "Les personnes migrantes en transit vers le Royaume-Uni attendent un rendez-vous.",
            "setting.street",
        ),
        (
            "en",
            "Refugees and asylum seekers were interviewed about their housing history.",
            "setting.shelter",
        ),
        (
            "en",
            "Clinical supervision sessions are offered to every member of the outreach team.",
            "setting.health",
        ),
        (
            "en",
            "Some local residents reported feeling unsafe near the new development.",
            "target.users",
        ),
    ]
    for lang, text, code in not_found:
        assert code not in codes(matcher.match(text, lang)), (code, text)


def test_soft_hyphens_and_zero_width_characters_inside_words_are_ignored(matcher) -> None:
    text = "Hij werd ge\u00adslagen in de nacht\u00adopvang, nacht\u200bopvang."
    matches = matcher.match(text, "nl")
    assert [(m.code, m.text) for m in matches] == [
        ("form.physical", "ge\u00adslagen"),
        ("setting.shelter", "nacht\u00adopvang"),
        ("setting.shelter", "nacht\u200bopvang"),
    ]
    assert code_passages([("p", text, "nl")], matcher)[1].spans == tuple(matches[1:])
