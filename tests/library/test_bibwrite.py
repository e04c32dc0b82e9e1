"""references.bib from Zotero items: citation keys and deterministic BibTeX."""

from __future__ import annotations

import random

from evidence.library import parse_bibtex
from evidence.library._bibwrite import make_citation_keys, pinned_citation_key, render_bibtex


def _item(
    key: str,
    title: str,
    *,
    family: str = "Dupont",
    date: str = "2019",
    added: str = "2020-01-01T00:00:00Z",
    **data: object,
) -> dict:
    creators = data.pop(
        "creators", [{"creatorType": "author", "firstName": "Marie", "lastName": family}]
    )
    return {
        "key": key,
        "itemType": data.pop("itemType", "journalArticle"),
        "title": title,
        "creators": creators,
        "date": date,
        "dateAdded": added,
        **data,
    }


def test_pinned_keys_come_from_the_citation_key_field_or_extra() -> None:
    assert pinned_citation_key({"citationKey": "own2024"}) == "own2024"
    extra = "PMID: 20664272\nCitation Key: dupont2019violence\ntex.note: x"
    assert pinned_citation_key({"extra": extra}) == "dupont2019violence"
    assert pinned_citation_key({"extra": "bibtex: older2010key"}) == "older2010key"
    assert pinned_citation_key({"extra": "ArticleType: research-article"}) == ""


def test_generated_keys_follow_the_documented_rule() -> None:
    items = [
        _item("A", "Les violences envers les travailleurs sociaux", family="Côté"),
        _item("B", "Het geweld in de opvang", family="Van den Berg", date="maart 2021"),
        _item("C", "The hidden harms", creators=[], date=""),
        _item(
            "D",
            "Rapport annuel",
            creators=[{"creatorType": "editor", "firstName": "Jan", "lastName": "Peeters"}],
        ),
        _item(
            "E",
            "Jaarverslag",
            creators=[{"creatorType": "author", "name": "Brussels Observatorium"}],
            date="2022",
        ),
    ]
    keys, problems = make_citation_keys(items)
    assert keys == {
        "A": "cote2019violences",
        "B": "vandenberg2021geweld",
        "C": "anonndhidden",
        "D": "peeters2019rapport",
        "E": "brussels2022jaarverslag",
    }
    assert problems == []


def test_clashes_get_suffixes_in_the_order_items_were_added() -> None:
    first = _item("ZZZZ", "Violences", added="2020-01-01T00:00:00Z")
    second = _item("AAAA", "Violences", added="2021-01-01T00:00:00Z")
    keys, _ = make_citation_keys([second, first])
    assert keys == {"ZZZZ": "dupont2019violences", "AAAA": "dupont2019violencesa"}
    third = _item("MMMM", "Violences", added="2022-01-01T00:00:00Z")
    more, _ = make_citation_keys([third, first, second])
    assert more == {**keys, "MMMM": "dupont2019violencesb"}  # older keys never move


def test_a_pinned_key_is_never_taken_by_a_generated_one() -> None:
    older = _item("OLD1", "Violences", added="2019-01-01T00:00:00Z")
    pinned = _item(
        "NEW1", "Autre", added="2023-01-01T00:00:00Z", extra="Citation Key: dupont2019violences"
    )
    keys, _ = make_citation_keys([older, pinned])
    assert keys == {"NEW1": "dupont2019violences", "OLD1": "dupont2019violencesa"}


def test_bad_or_duplicate_pinned_keys_are_reported_and_replaced() -> None:
    a = _item("KEYA", "Un", extra="Citation Key: same2020", added="2020-01-01")
    b = _item("KEYB", "Deux", extra="Citation Key: same2020", added="2020-02-01")
    c = _item("KEYC", "Trois", citationKey="has space")
    keys, problems = make_citation_keys([a, b, c])
    assert keys == {"KEYA": "same2020", "KEYB": "same2020a", "KEYC": "dupont2019trois"}
    assert [p[0] for p in problems] == ["KEYC", "KEYB"]
    assert "pinned on two items" in problems[1][1] and "characters" in problems[0][1]


def test_the_text_is_the_same_whatever_the_order_and_reads_back() -> None:
    items = [
        _item(
            "A",
            "Violence & precarity: 100% {exposed} #1",
            family="Van der Berg",
            publicationTitle="Journal of Social_Work",
            volume="12",
            issue="3",
            pages="1-20",
            DOI="10.1000/x_y",
            language="en",
        ),
        _item(
            "B",
            "Geweld in de nachtopvang",
            itemType="report",
            institution="Observatorium",
            creators=[
                {"creatorType": "author", "firstName": "Jan", "lastName": "Peeters"},
                {"creatorType": "author", "firstName": "Ann", "lastName": "Claes"},
            ],
        ),
        _item(
            "C",
            "Une thèse",
            itemType="thesis",
            thesisType="Master's thesis",
            university="ULB",
            tags=[{"tag": "#violence/physique"}, {"tag": "accueil"}],
        ),
    ]
    keys, _ = make_citation_keys(items)
    files = {"A": ["data/pdfs/A/a.pdf", "data/pdfs/A/b.pdf"]}
    text = render_bibtex(items, keys, files=files, languages={"A": "en"}, header="Snapshot")
    shuffled = items[:]
    random.Random(7).shuffle(shuffled)
    assert (
        render_bibtex(shuffled, keys, files=files, languages={"A": "en"}, header="Snapshot") == text
    )
    assert text.startswith("% Snapshot\n")
    assert "@mastersthesis{dupont2019these," in text and "school = {ULB}" in text
    assert "@techreport{peeters2019geweld," in text and "institution = {Observatorium}" in text
    report = parse_bibtex(text)
    assert report.skipped == ()
    got = {s.key: s for s in report.sources}
    a = got["vanderberg2019violence"]
    assert a.title == "Violence & precarity: 100% exposed #1"
    assert a.authors == ("Van der Berg, Marie",) and a.year == 2019 and a.lang == "en"
    assert a.container == "Journal of Social_Work"
    assert a.files == ("data/pdfs/A/a.pdf", "data/pdfs/A/b.pdf")
    assert got["peeters2019geweld"].authors == ("Peeters, Jan", "Claes, Ann")
    assert "#violence/physique" in got["dupont2019these"].data["keywords"]
