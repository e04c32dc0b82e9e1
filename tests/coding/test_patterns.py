"""The pattern language: parsing, stems per language, wildcards, phrases, NEAR, lists, regexes."""

from __future__ import annotations

import re

import pytest

from evidence.coding._automaton import PatternSet
from evidence.coding._patterns import (
    PatternError,
    fold_word,
    lower_text,
    parse_pattern,
    parse_phrases,
)


def found(patterns: list[str], text: str, lang: str, lists: dict | None = None) -> list[list[str]]:
    """Return, per occurrence, the matched pieces of text, in pattern order."""
    pset = PatternSet([parse_pattern(p, lists) for p in patterns], lang)
    hits = sorted(pset.find(lower_text(text)), key=lambda h: (h[0], h[1]))
    return [[text[s:e] for s, e in spans] for _, spans in hits]


def words(patterns: list[str], text: str, lang: str) -> list[str]:
    return [" / ".join(pieces) for pieces in found(patterns, text, lang)]


@pytest.mark.parametrize(
    "text",
    ["Elle a été agressée.", "Ils ont agressé un homme.", "Deux agressions la nuit.", "AGRESSION"],
)
def test_french_inflections_match_one_word(text: str) -> None:
    assert len(words(["agression"], text, "fr")) == 1


def test_stems_follow_the_pattern_language() -> None:
    assert words(["threat"], "She was threatened twice; threats continued.", "en") == ["threats"]
    assert words(["threaten"], "She was threatened twice.", "en") == ["threatened"]
    assert words(["bedreiging"], "De bedreigingen namen toe.", "nl") == ["bedreigingen"]


def test_dutch_prefix_stripping_does_not_equate_unrelated_words() -> None:
    # The Dutch stemmer reduces both "geweld" and "wel" to "wel"; the guard keeps them apart.
    assert words(["geweld"], "Dat is wel zo, maar geweld blijft.", "nl") == ["geweld"]


def test_wildcards_match_the_folded_word_without_stemming() -> None:
    text = "Gewelddadig gedrag en straatgeweld; geweldloos verzet."
    assert words(["geweld*"], text, "nl") == ["Gewelddadig", "geweldloos"]
    assert words(["*geweld"], text, "nl") == ["straatgeweld"]
    assert words(["ge*ig"], text, "nl") == ["Gewelddadig"]


def test_accents_and_case_are_folded_and_spans_stay_on_the_original() -> None:
    text = "HÉBERGEMENT d'urgence et hebergement collectif"
    assert words(["hébergement"], text, "fr") == ["HÉBERGEMENT", "hebergement"]
    assert words(["=hebergement"], text, "fr") == ["HÉBERGEMENT", "hebergement"]
    # İ lowercases to two characters; offsets must still point into the original text.
    assert words(["coups"], "İİ des coups", "fr") == ["coups"]


def test_exact_words_are_not_stemmed() -> None:
    assert words(["=vol"], "Un vol, des vols, il a volé.", "fr") == ["vol"]
    assert words(["vol"], "Un vol, des vols, il a volé.", "fr") == ["vol", "vols", "volé"]


def test_phrases_need_consecutive_words_and_split_like_the_text() -> None:
    text = "Les sans-abri et les sans abri; sans domicile ni abri."
    assert words(["sans-abri"], text, "fr") == ["sans-abri", "sans abri"]
    assert words(["maison d'accueil"], "La maison d’accueil ferme.", "fr") == ["maison d’accueil"]


def test_alternatives_optional_groups_and_any_word() -> None:
    text = "sexual assault, sexual harassment, sexually harassed staff"
    assert words(["(sexual|sexually) (assault*|harass*)"], text, "en") == [
        "sexual assault",
        "sexual harassment",
        "sexually harassed",
    ]
    assert words(["by (the)? police"], "moved on by police, searched by the police", "en") == [
        "by police",
        "by the police",
    ]
    assert words(["coups * poing"], "des coups de poing", "fr") == ["coups de poing"]


def test_near_finds_either_order_within_the_distance() -> None:
    pattern = ["violence NEAR/3 (staff|workers)"]
    assert words(pattern, "violence against our staff", "en") == ["violence / staff"]
    assert words(pattern, "staff reported violence", "en") == ["violence / staff"]
    assert words(pattern, "violence was, in the end, reported by staff", "en") == []


def test_near_pairs_each_left_with_its_nearest_right() -> None:
    text = "workers said that the violence and more violence hit workers"
    assert words(["violence NEAR/2 workers"], text, "en") == ["violence / workers"]
    assert words(["violence NEAR/5 workers"], text, "en") == [
        "violence / workers",
        "violence / workers",
    ]


def test_near_in_one_sentence_does_not_cross_a_sentence_end() -> None:
    pattern = ["exhaust* NEAR/8s (staff|workers)"]
    assert words(pattern, "Residents were exhausted. Staff stayed.", "en") == []
    assert words(pattern, "Staff stayed! Residents were exhausted", "en") == []
    assert words(pattern, "the exhaustion of staff (p. 4, e.g. j. Doe).", "en") == [
        "exhaustion / staff"
    ]
    # an abbreviation, an initial or a list number does not end the sentence
    assert words(pattern, "exhausted, e.g. 3. staff", "en") == ["exhausted / staff"]
    # without s, NEAR crosses sentences as before
    assert words(["exhaust* NEAR/8 staff"], "They were exhausted. Staff stayed.", "en") == [
        "exhausted / Staff"
    ]
    assert parse_pattern("a NEAR/8s b").sentence and not parse_pattern("a NEAR/8 b").sentence


def test_word_lists_expand_in_place() -> None:
    lists = {"people": parse_phrases("(homeless people|rough sleepers|residents)")}
    text = "Rough sleepers were assaulted."
    pattern = [parse_pattern("assault* NEAR/4 @people", lists)]
    hits = PatternSet(pattern, "en").find(lower_text(text))
    assert [[text[s:e] for s, e in spans] for _, spans in hits] == [["assaulted", "Rough sleepers"]]


def test_regular_expressions_run_on_the_lowercased_text() -> None:
    assert words([r"re:\bpv\s*n°\s*\d+"], "Un PV n° 1234 a été dressé.", "fr") == ["PV n° 1234"]
    assert words([r"re:\bA&E\b"], "sent to A&E", "en") == ["A&E"]


def test_fold_word_spells_out_ligatures() -> None:
    assert fold_word("Œuvre") == "oeuvre"
    assert fold_word("Thuislozenzorg") == "thuislozenzorg"


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("", "empty pattern"),
        ("   ", "empty pattern"),
        ("(coups|frappé", "unbalanced '('"),
        ("coups)", "unbalanced ')'"),
        ("violence NEAR staff", "NEAR needs a distance"),
        ("violence NEAR/3", "nothing to match right of NEAR"),
        ("a NEAR/2 b NEAR/2 c", "only one NEAR"),
        ("* abri", "bare *"),
        ("abri *", "bare *"),
        ("=vol*", "exclude each other"),
        ("**", "at least one letter"),
        ("geweld**", "one '*'"),
        ('"coups"', "unexpected character"),
        ("coups ? blessures", "'?' makes a group optional"),
        ("(a|b)? (c)?", "can match nothing"),
        ("(a|)", "empty alternative"),
        ("re:", "needs a regular expression"),
        ("re:(unclosed", "invalid regular expression"),
        ("@nowhere", "unknown word list @nowhere"),
    ],
)
def test_invalid_patterns_say_what_is_wrong(pattern: str, reason: str) -> None:
    with pytest.raises(PatternError, match=re.escape(reason)):
        parse_pattern(pattern)


def test_list_items_cannot_be_near_or_regex() -> None:
    with pytest.raises(PatternError, match="word-list item"):
        parse_phrases("a NEAR/2 b")
    with pytest.raises(PatternError, match="word-list item"):
        parse_phrases("re:abc")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(PatternError, match="no stemmer"):
        PatternSet([parse_pattern("geweld")], "xx")


def test_dutch_compounds_match_by_their_head() -> None:
    text = "Straatgeweld in de daklozenopvang; politieagenten; een oproep; opvangcentrum."
    assert words(["geweld"], text, "nl") == ["Straatgeweld"]
    assert words(["opvang"], text, "nl") == ["daklozenopvang"]
    assert words(["agent"], text, "nl") == ["politieagenten"]
    # Particle verbs (op-roep) are not compounds; French words never match inside others.
    assert words(["roep"], text, "nl") == []
    assert words(["vol"], "Un envol, puis un vol.", "fr") == ["vol"]
