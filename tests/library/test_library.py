from __future__ import annotations

from pathlib import Path

import pytest

from evidence.errors import LibraryError
from evidence.library._bibtex import (
    hash_file,
    load_bibtex,
    normalise_language,
    parse_bibtex,
    split_file_field,
    split_name,
)

GOOD_AND_BAD = """\
@article{dupont2020,
  author = {Dupont, Marie and Jan van der Berg},
  title = {Les {\\'e}quipes de nuit},
  journal = {Revue},
  year = {2020},
  langid = {french},
  file = {pdfs/dupont2020.pdf}
}

@article{broken2021,
  author = {Nobody},
  title = {Unbalanced {brace,
  year = {2021}

@misc{dupont2020,
  title = {Same key again},
  year = {2022}
}

@report{peeters2019,
  author = {Peeters, Els},
  title = {Geweld in de nachtopvang},
  date = {2019-05},
  institution = {Onderzoekscentrum},
  language = {Dutch}
}
"""


def test_entries_load_and_malformed_ones_are_reported_with_their_line() -> None:
    report = parse_bibtex(GOOD_AND_BAD, "refs.bib")
    keys = [s.key for s in report.sources]
    assert "dupont2020" in keys and "peeters2019" in keys
    items = " ".join(item for item, _ in report.skipped)
    reasons = " ".join(reason for _, reason in report.skipped)
    assert "refs.bib:" in items
    assert "dupont2020" in reasons  # the duplicate key is named


def test_fields_are_decoded_and_normalised() -> None:
    report = parse_bibtex(GOOD_AND_BAD)
    dupont = next(s for s in report.sources if s.key == "dupont2020")
    assert dupont.title == "Les équipes de nuit"
    assert dupont.authors == ("Dupont, Marie", "van der Berg, Jan")
    assert dupont.year == 2020 and dupont.lang == "fr"
    assert dupont.files == ("pdfs/dupont2020.pdf",)
    peeters = next(s for s in report.sources if s.key == "peeters2019")
    assert peeters.year == 2019 and peeters.lang == "nl"
    assert peeters.container == "Onderzoekscentrum"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("data/x.pdf", ["data/x.pdf"]),
        (
            "Full Text:files/743/Yu - 2015.pdf:application/pdf;"
            "Snapshot:files/429/full.html:text/html",
            ["files/743/Yu - 2015.pdf"],
        ),
        ("~\\\\BBTTEST\\\\storage\\\\paper.pdf", ["~/BBTTEST/storage/paper.pdf"]),
        ("a.pdf;b.pdf", ["a.pdf", "b.pdf"]),
        ("notes.html", []),
    ],
)
def test_file_fields_of_every_flavour(value: str, expected: list[str]) -> None:
    assert split_file_field(value) == expected


def test_names_with_particles_and_braces() -> None:
    assert split_name("Jan van der Meer") == ("van der Meer", "Jan")
    assert split_name("{de Gaulle}, Charles") == ("de Gaulle", "Charles")
    assert split_name("Plato") == ("Plato", "")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # a braced corporate name is one family name, "and" and all
        (
            "{{National Aeronautics and Space Administration}}",
            ("National Aeronautics and Space Administration", ""),
        ),
        ("{World Health Organization}", ("World Health Organization", "")),
        # particles, lower case (BibTeX's von part) and Flemish capitals
        ("Ludwig von Beethoven", ("von Beethoven", "Ludwig")),
        ("Charles de Gaulle", ("de Gaulle", "Charles")),
        ("de Beauvoir, Simone", ("de Beauvoir", "Simone")),
        ("Jan Van den Broeck", ("Van den Broeck", "Jan")),
        ("{boven d'Eert}, Christianus", ("boven d'Eert", "Christianus")),
        # family name first, then initials only (PubMed and Vancouver styles)
        ("Liu R.", ("Liu", "R.")),
        ("Smith JA", ("Smith", "JA")),
        ("D. E. Knuth", ("Knuth", "D. E.")),
        # BibTeX's three-part form, and LaTeX in names
        ("King, Jr., Martin Luther", ("King", "Martin Luther, Jr.")),
        ("Oxenl{\\o}we, Leif K.", ("Oxenløwe", "Leif K.")),
        ("Dupont, Marie", ("Dupont", "Marie")),
    ],
)
def test_names_split_as_bibtex_reads_them(name: str, expected: tuple[str, str]) -> None:
    assert split_name(name) == expected


def test_an_author_list_keeps_a_braced_and_whole() -> None:
    text = (
        "@report{nasa2020,\n  author = {{National Aeronautics and Space Administration} and "
        "Liu R. and Jan van der Meer},\n  title = {T},\n  year = {2020}\n}\n"
    )
    (source,) = parse_bibtex(text).sources
    assert source.authors == (
        "National Aeronautics and Space Administration",
        "Liu, R.",
        "van der Meer, Jan",
    )


def test_string_macros_apply_and_an_unclosed_entry_costs_only_itself() -> None:
    text = (
        "@string{rev = {Revue de la nuit}}\n"
        "@article{a, title = {Unclosed {brace, year = {2020}\n"
        "@article{b, title = {Fine}, journal = rev, year = 2021}\n"
    )
    report = parse_bibtex(text, "x.bib")
    assert [s.key for s in report.sources] == ["b"]
    assert report.sources[0].container == "Revue de la nuit"
    assert [item for item, _ in report.skipped] == ["x.bib:2"]


def test_language_names_and_codes() -> None:
    assert normalise_language("fr-BE") == "fr"
    assert normalise_language("Nederlands") == "nl"
    assert normalise_language("american") == "en"
    assert normalise_language("german") == ""


def test_missing_file_is_a_library_error(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="no such file"):
        load_bibtex(tmp_path / "nope.bib")


def test_hash_is_the_sha256_of_the_content(tmp_path: Path) -> None:
    f = tmp_path / "a.bin"
    f.write_bytes(b"abc")
    assert hash_file(f) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_real_exports_load_and_report_their_broken_entries(shared: Path) -> None:
    bib = shared / "corpora" / "bibtex"
    malformed = load_bibtex(bib / "bbt-import__entries-discarded-malformed_#873.bib")
    assert len(malformed.sources) > 900
    assert any("Duplicate" in r or "duplicate" in r for _, r in malformed.skipped)
    native = load_bibtex(bib / "zotero-native__IndustrialSymbiosis.bib")
    with_pdf = [s for s in native.sources if s.files]
    assert len(native.sources) == 858 and with_pdf
    assert all(f.endswith(".pdf") for s in with_pdf for f in s.files)
    oslash = load_bibtex(bib / "bbt__unicode-oslash-author_#1538.bib").sources[0]
    assert "Oxenløwe, Leif K." in oslash.authors
