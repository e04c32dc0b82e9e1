"""Bibliographies written by other tools (../shared/corpora/interop): every record arrives,
with its names and titles right."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pypandoc
import pytest

from evidence.errors import LibraryError
from evidence.library import make_citation_keys, parse_bibtex, render_bibtex
from evidence.library._csl import parse_csl_json
from evidence.library._ris import parse_ris


def _interop(shared: Path) -> Path:
    return shared / "corpora" / "interop"


def _records(path: Path) -> int:
    return len(json.loads(path.read_text(encoding="utf-8")))


def test_every_csl_json_record_of_the_corpus_arrives(shared: Path) -> None:
    files = sorted((_interop(shared) / "csljson").glob("*.json"))
    assert len(files) == 12
    for path in files:
        report = parse_csl_json(path.read_text(encoding="utf-8"), path.name)
        assert (len(report.sources), report.skipped) == (_records(path), ()), path.name


def test_a_minified_csl_json_file_keeps_every_record_apart(shared: Path) -> None:
    records = []
    for path in sorted((_interop(shared) / "csljson").glob("*.json")):
        records += json.loads(path.read_text(encoding="utf-8"))
    records = records[:26]
    for n, record in enumerate(records):
        record["id"] = f"rec{n:02d}"  # pinned keys, so each record is found by its own key
    text = json.dumps(records, ensure_ascii=False, separators=(",", ":"))
    assert text.count("\n") == 0
    report = parse_csl_json(text, "min.json")
    assert report.skipped == () and len(report.sources) == 26
    by_key = {s.key: s for s in report.sources}
    for n, record in enumerate(records):
        title = re.sub(r"<[^>]+>", "", str(record.get("title", "")))  # Zotero rich text
        assert by_key[f"rec{n:02d}"].title == " ".join(title.split())


def test_a_broken_record_on_a_shared_line_is_reported_by_its_index() -> None:
    good = {"id": "a", "type": "book", "title": "First"}
    text = "[" + json.dumps(good) + ', 17, {"id": "b", "type": "book", "title": "Second"}]'
    report = parse_csl_json(text, "min.json")
    assert [s.key for s in report.sources] == ["a", "b"]
    assert report.skipped == (
        ("min.json:record 2 (line 1)", "entry skipped: an entry must be an object, not int"),
    )


def test_csl_literal_and_particle_names_are_kept_whole() -> None:
    entry = {
        "id": "cas2019award",
        "type": "report",
        "title": "Award",
        "author": [
            {"literal": "Court of Arbitration for Sport"},
            {"family": "Broeck", "given": "Jan", "non-dropping-particle": "Van den"},
        ],
        "issued": {"date-parts": [[2019]]},
    }
    (source,) = parse_csl_json(json.dumps([entry])).sources
    assert source.authors == ("Court of Arbitration for Sport", "Van den Broeck, Jan")


def test_braced_and_corporate_bibtex_names_are_kept_whole() -> None:
    text = (
        "@report{nasa2020,\n  author = {{National Aeronautics and Space Administration}},\n"
        "  title = {T}, year = {2020}}\n"
        "@report{mdm2021,\n  author = {{Médecins du Monde} and van der Berg, Jan},\n"
        "  title = {T}, year = {2021}}\n"
    )
    by_key = {s.key: s.authors for s in parse_bibtex(text).sources}
    assert by_key == {
        "nasa2020": ("National Aeronautics and Space Administration",),
        "mdm2021": ("Médecins du Monde", "van der Berg, Jan"),
    }


def test_every_bibtex_entry_of_the_corpus_arrives(shared: Path) -> None:
    for path in sorted((_interop(shared) / "bib").iterdir()):
        text = path.read_text(encoding="utf-8")
        report = parse_bibtex(text, path.name)
        entries = sum(1 for line in text.splitlines() if line.lstrip().startswith("@"))
        assert (len(report.sources), report.skipped) == (entries, ()), path.name


RIS_COUNTS = {
    # file: (records arriving, records skipped: empty ones)
    "asreview-webapp__ris_many_authors.ris": (1, 0),
    "asreview__baseline_empty_values.ris": (4, 0),
    "asreview__baseline_reference_types.ris": (59, 2),
    "asreview__baseline_zotero.ris": (100, 0),
    "asreview__faulty_year.ris": (1, 0),
    "asreview__ovid_zotero.ris": (6, 0),
    "asreview__pubmed_zotero.ris": (6, 0),
    "asreview__scopus.ris": (6, 0),
    "colrev__abi_inform_proquest_ris.ris": (2, 0),
    "colrev__ieee.ris": (2, 0),
    "colrev__trid.ris": (3, 0),
    "rispy__example_bom.ris": (1, 0),
    "rispy__example_empty_tag.ris": (1, 0),
    "rispy__example_extraneous_data.ris": (2, 0),
    "rispy__example_full.ris": (2, 0),
    "rispy__example_multiline.ris": (3, 0),
    "rispy__example_starting_newlines.ris": (1, 0),
    "rispy__example_urls.ris": (4, 0),
    "rispy__example_utf_chars.ris": (1, 0),
}


def test_every_ris_record_of_the_corpus_arrives(shared: Path) -> None:
    for name, (count, skipped) in RIS_COUNTS.items():
        path = _interop(shared) / "ris" / name
        report = parse_ris(path.read_text(encoding="utf-8"), name)
        assert (len(report.sources), len(report.skipped)) == (count, skipped), name
        assert all("empty record" in why for _, why in report.skipped), name


def test_ris_header_lines_and_record_numbers_are_not_problems(shared: Path) -> None:
    extraneous = _interop(shared) / "ris" / "rispy__example_extraneous_data.ris"
    text = extraneous.read_text(encoding="utf-8")
    assert text.startswith("Record #1 of 2")
    report = parse_ris(text, extraneous.name)
    assert report.skipped == ()
    assert len(report.sources) == 2
    full = _interop(shared) / "ris" / "rispy__example_full.ris"
    assert full.read_text(encoding="utf-8").startswith("1.")
    assert parse_ris(full.read_text(encoding="utf-8")).skipped == ()


def test_web_of_science_plain_text_is_refused_once_with_the_reason(shared: Path) -> None:
    wos = _interop(shared) / "ris" / "rispy__example_wos.ris"
    with pytest.raises(LibraryError, match="Web of Science plain text") as caught:
        parse_ris(wos.read_text(encoding="utf-8"), wos.name)
    assert str(caught.value).count("not a RIS file") == 1


EMBASE = """\
TY  - JOUR
A1  - Liu R.
A1  - Chen D.G.
A1  - Van den Broeck, Jan
T1  - Violence against shelter staff
Y1  - 2014
PMID  - 24567890
ER  -
"""


def test_embase_names_and_pubmed_tags_keep_the_record_whole() -> None:
    (source,) = parse_ris(EMBASE, "embase.ris").sources
    assert source.authors == ("Liu, R.", "Chen, D.G.", "Van den Broeck, Jan")
    assert source.title == "Violence against shelter staff" and source.year == 2014
    assert source.key == "liu2014violence"


def _zotero_item() -> dict[str, object]:
    return {
        "key": "ABCD2345",
        "itemType": "book",
        "title": 'Reading <i>The Concept of Law</i>: H<sub>2</sub>O and <span class="nocase">'
        "iPhone</span> in <b>court</b>",
        "creators": [
            {"creatorType": "author", "lastName": "Al-Khatib Foundation", "firstName": ""},
            {"creatorType": "author", "name": "Court of Arbitration for Sport"},
        ],
        "date": "2020",
        "publisher": "Invented Press",
    }


def test_zotero_rich_text_and_single_field_names_reach_references_bib_as_bibtex() -> None:
    item = _zotero_item()
    keys, _ = make_citation_keys([item])
    bib = render_bibtex([item], keys)
    assert "<" not in bib and ">" not in bib
    assert r"\emph{The Concept of Law}" in bib and r"H\textsubscript{2}O" in bib
    assert r"{iPhone}" in bib and r"\textbf{court}" in bib
    assert "author = {{Al-Khatib Foundation} and {Court of Arbitration for Sport}}" in bib
    (source,) = parse_bibtex(bib).sources
    assert source.title == "Reading The Concept of Law: H2O and iPhone in court"
    assert source.authors == ("Al-Khatib Foundation", "Court of Arbitration for Sport")


def test_pandoc_cites_what_references_bib_says(tmp_path: Path) -> None:
    item = _zotero_item()
    keys, _ = make_citation_keys([item])
    (tmp_path / "refs.bib").write_text(render_bibtex([item], keys), encoding="utf-8")
    (tmp_path / "doc.md").write_text(f"See [@{keys['ABCD2345']}].\n", encoding="utf-8")
    out = subprocess.run(
        [pypandoc.get_pandoc_path(), "doc.md", "--citeproc", "--bibliography", "refs.bib"]
        + ["-t", "plain"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "<" not in out and "Al-Khatib Foundation" in out
    assert "Court of Arbitration for Sport" in out and "Sport, Court" not in out
    assert "Concept of Law: H₂" in out and "Foundation, Al-Khatib" not in out
