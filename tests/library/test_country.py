"""Every route gives a reference its country: BibTeX and BibLaTeX address or location, RIS
and CSL-JSON places, Zotero's place and Extra field, field notes' metadata, and the
``[countries]`` table of evidence.toml for sources that name none."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import make_workbook

from evidence.config import load_settings
from evidence.fieldwork._metadata import check_metadata
from evidence.library import parse_bibtex, render_bibtex
from evidence.library._csl import parse_csl_json
from evidence.library._ris import parse_ris
from evidence.store import open_store
from evidence.workbook import run_sync

BIB = """\
@book{a2020, title = {A}, author = {Aa, A}, year = {2020}, address = {Bruxelles}}
@report{b2021, title = {B}, author = {Bb, B}, year = {2021}, location = {Leuven}}
@misc{c2022, title = {C}, author = {Cc, C}, year = {2022}}
@book{d2023, title = {D}, author = {Dd, D}, year = {2023}, address = {Paris},
  country = {Belgique}}
"""


def test_bibtex_address_location_and_country_fields() -> None:
    got = {s.key: s.country for s in parse_bibtex(BIB).sources}
    assert got == {"a2020": "BE", "b2021": "BE", "c2022": "", "d2023": "BE"}
    assert parse_bibtex(BIB).sources[0].as_record()["country"] == "BE"


def test_ris_and_csl_json_places() -> None:
    ris = "TY  - BOOK\nAU  - Aa, A\nTI  - A book\nPY  - 2020\nCY  - Gent\nER  - \n"
    assert [s.country for s in parse_ris(ris).sources] == ["BE"]
    csl = [
        {
            "id": "x",
            "type": "book",
            "title": "A book",
            "author": [{"family": "Aa", "given": "A"}],
            "issued": {"date-parts": [[2020]]},
            "publisher-place": "Den Haag",
        }
    ]
    assert [s.country for s in parse_csl_json(json.dumps(csl)).sources] == ["NL"]


def test_zotero_place_and_extra_lines() -> None:
    items = [
        {"key": "Z1", "itemType": "book", "title": "One", "date": "2020", "place": "Brussels"},
        {"key": "Z2", "itemType": "report", "title": "Two", "date": "2021", "extra": "Pays: BE"},
        {
            "key": "Z3",
            "itemType": "journalArticle",
            "title": "Three",
            "date": "2022",
            "extra": "Citation Key: three2022\npublisher-place: Lille",
        },
        {"key": "Z4", "itemType": "webpage", "title": "Four", "date": "2023"},
    ]
    keys = {"Z1": "one2020", "Z2": "two2021", "Z3": "three2022", "Z4": "four2023"}
    bib = render_bibtex(items, keys)
    assert "country = {BE}" in bib and "address = {Lille}" in bib
    got = {s.key: s.country for s in parse_bibtex(bib).sources}
    assert got == {"one2020": "BE", "two2021": "BE", "three2022": "FR", "four2023": ""}


def test_field_notes_say_their_country_in_their_metadata() -> None:
    meta, refusal, warnings = check_metadata(
        {"kind": "entretien", "consent": "oui", "pays": "Belgique"}, {}
    )
    assert refusal is None and not warnings and meta is not None and meta.country == "Belgique"


def test_the_countries_table_names_the_country_of_sources_that_name_none(tmp_path: Path) -> None:
    root = make_workbook(tmp_path / "wb")
    toml = root / "evidence.toml"
    bib = root / "references.bib"
    bib.write_text(
        bib.read_text(encoding="utf-8").replace(
            "  year = {2021},", "  year = {2021},\n  address = {Bruxelles},"
        ),
        encoding="utf-8",
    )
    toml.write_text(
        toml.read_text(encoding="utf-8") + '\n[countries]\nalpha2020shelter = "Royaume-Uni"\n',
        encoding="utf-8",
    )
    settings = load_settings(root)
    with open_store(settings.store) as store:
        run_sync(settings, store)
        got = dict(store.sources_frame()[["key", "country"]].itertuples(index=False))
    assert got == {"alpha2020shelter": "GB", "beta2021accueil": "BE", "gamma2019missing": ""}
    toml.write_text(toml.read_text(encoding="utf-8").replace("Royaume-Uni", "Ireland"))
    settings = load_settings(root)
    with open_store(settings.store) as store:
        run_sync(settings, store)  # a changed table reaches sources whose data did not change
        assert store.sources_frame().set_index("key").loc["alpha2020shelter", "country"] == "IE"
