"""Offline imports: RIS and CSL-JSON, malformed records reported with their line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_workbook

from evidence.config import load_settings
from evidence.errors import LibraryError
from evidence.library import load_references, parse_bibtex
from evidence.library._csl import parse_csl_json
from evidence.library._ris import parse_ris
from evidence.store import open_store

RIS = """\
TY  - JOUR
ID  - alpha2020shelter
AU  - Alpha, Ann
AU  - Bravo, Ben
TI  - Violence in night shelters
PY  - 2020///
JO  - Journal of Invented Studies
LA  - english
L1  - pdfs/alpha2020shelter.pdf
AB  - Workers in the night shelter were assaulted
   several times a month.
ER  -

TY  - BOOK
TI  - A record with a stray line
this line has no tag
ER  -

TY  - RPRT
AU  - Bêta, Claire
TI  - Agressions en maison d'accueil
PY  - 2021
PB  - Observatoire imaginaire
LA  - fr
L1  - pdfs/beta2021accueil.pdf
ER  -

TY  - CHAP
AU  - Nobody, N.
ER  -

TY  - JOUR
TI  - Never closed
"""

CSL = [
    {
        "id": "alpha2020shelter",
        "type": "article-journal",
        "title": "Violence in night shelters",
        "author": [{"family": "Alpha", "given": "Ann"}, {"family": "Bravo", "given": "Ben"}],
        "issued": {"date-parts": [[2020, 5, 1]]},
        "container-title": "Journal of Invented Studies",
        "language": "en-GB",
    },
    {
        "id": "http://zotero.org/users/1/items/ABCD2345",
        "type": "report",
        "title": "Geweld in de opvang",
        "author": [{"literal": "Observatorium"}],
        "issued": {"raw": "2022"},
        "language": "nl",
    },
    17,
    {"id": "x", "type": "book", "title": "Authors as text", "author": "Somebody"},
    {"id": "y", "type": "book"},
]


def _csl_text() -> str:
    lines = json.dumps(CSL, indent=2, ensure_ascii=False).splitlines()
    # Break the JSON of one entry the way a hand edit does: a missing comma.
    at = next(i for i, line in enumerate(lines) if '"Geweld in de opvang"' in line)
    lines[at] = lines[at].rstrip(",")
    return "\n".join(lines)


def test_ris_records_load_whole_and_stray_lines_continue_their_field() -> None:
    report = parse_ris(RIS, "refs.ris")
    keys = [s.key for s in report.sources]
    # A stray line continues the field above it, a record without a title or an ER line still
    # arrives: nothing of the file is lost.
    assert keys == [
        "alpha2020shelter",
        "anonndnever",
        "anonndrecord",
        "beta2021agressions",
        "nobodynd",
    ]
    alpha = report.sources[0]
    assert alpha.origin == "ris" and alpha.item_type == "article" and alpha.year == 2020
    assert alpha.authors == ("Alpha, Ann", "Bravo, Ben") and alpha.lang == "en"
    assert alpha.container == "Journal of Invented Studies"
    assert alpha.files == ("pdfs/alpha2020shelter.pdf",)
    assert report.sources[3].container == "Observatoire imaginaire"
    by_key = {s.key: s for s in report.sources}
    assert by_key["anonndrecord"].title == "A record with a stray line this line has no tag"
    assert by_key["nobodynd"].authors == ("Nobody, N.",) and by_key["nobodynd"].title == ""
    assert report.skipped == ()


def test_csl_json_entries_load_and_malformed_ones_are_reported_with_their_index() -> None:
    text = _csl_text()
    report = parse_csl_json(text, "refs.json")
    assert [s.key for s in report.sources] == ["alpha2020shelter"]
    assert report.sources[0].lang == "en" and report.sources[0].origin == "csljson"
    lines = text.splitlines()
    where = {item: reason for item, reason in report.skipped}
    geweld = next(
        i for i, line in enumerate(lines, 1) if line.strip() == "{" and "ABCD2345" in lines[i]
    )
    assert "not valid JSON" in where[f"refs.json:record 2 (line {geweld})"]
    assert where[f"refs.json:record 3 (line {lines.index('  17,') + 1})"].endswith("not int")
    assert "must be a list of names" in where["refs.json:record 4 (line 43)"]
    assert "empty entry" in where["refs.json:record 5 (line 49)"]
    assert len(report.skipped) == 4


def test_the_same_reference_reads_the_same_from_bib_ris_and_csl_json() -> None:
    bib = parse_bibtex(
        "@article{alpha2020shelter,\n  author = {Alpha, Ann and Bravo, Ben},\n"
        "  title = {Violence in night shelters},\n"
        "  journal = {Journal of Invented Studies},\n  year = {2020},\n"
        "  langid = {english},\n}\n"
    ).sources[0]
    ris = parse_ris(RIS).sources[0]
    csl = parse_csl_json(json.dumps(CSL[:1])).sources[0]
    fields = ("key", "title", "authors", "year", "container", "lang", "item_type")
    assert {f: getattr(ris, f) for f in fields} == {f: getattr(bib, f) for f in fields}
    assert {f: getattr(csl, f) for f in fields} == {f: getattr(bib, f) for f in fields}


def test_load_references_picks_the_reader_by_extension(tmp_path: Path) -> None:
    (tmp_path / "a.ris").write_text(RIS, encoding="utf-8")
    (tmp_path / "a.json").write_text(json.dumps(CSL[:1]), encoding="utf-8")
    (tmp_path / "a.bib").write_text("@book{k, title = {T}, year = {2001}}\n", encoding="utf-8")
    assert [load_references(tmp_path / f"a.{x}")[0] for x in ("ris", "json", "bib")] == [
        "ris",
        "csljson",
        "bibtex",
    ]
    with pytest.raises(LibraryError, match="no such file"):
        load_references(tmp_path / "absent.ris")
    (tmp_path / "latin1.ris").write_bytes("TY  - JOUR\nTI  - Séance\nER  - \n".encode("latin-1"))
    with pytest.raises(LibraryError, match="not UTF-8"):
        load_references(tmp_path / "latin1.ris")
    (tmp_path / "object.json").write_text('{"items": []}', encoding="utf-8")
    with pytest.raises(LibraryError, match="not a CSL-JSON array"):
        load_references(tmp_path / "object.json")


def test_sync_reads_a_ris_bibliography_and_registers_its_files(workbook: Path) -> None:
    from evidence.workbook import run_sync

    (workbook / "references.ris").write_text(RIS, encoding="utf-8")
    toml = workbook / "evidence.toml"
    toml.write_text(toml.read_text().replace('"references.bib"', '"references.ris"'))
    settings = load_settings(workbook)
    with open_store(settings.store) as store:
        summary = run_sync(settings, store)
        docs = [(d.source_key, d.path, d.status) for d in store.documents()]
    assert summary["route"] == "ris" and summary["sources"] == 5 and summary["files"] == 2
    assert summary["skipped"] == []
    assert docs == [
        ("alpha2020shelter", "pdfs/alpha2020shelter.pdf", "pending"),
        ("beta2021agressions", "pdfs/beta2021accueil.pdf", "pending"),
    ]


def test_a_workbook_folder_made_for_bibtex_still_syncs_bibtex(tmp_path: Path) -> None:
    from evidence.workbook import run_sync

    root = make_workbook(tmp_path / "wb")
    settings = load_settings(root)
    with open_store(settings.store) as store:
        summary = run_sync(settings, store)
    assert summary["route"] == "bibtex" and summary["annotations"] == 0
