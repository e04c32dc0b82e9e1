"""REFI-QDA codebook exchange: export, import, round trip, codebooks made elsewhere."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from evidence.coding._codebook import load_codebook, parse_codebook
from evidence.coding._qdc import (
    load_qdc,
    load_qdc_book,
    parse_qdc,
    read_qdc,
    render_codebook_yaml,
    render_qdc,
    write_qdc,
)
from evidence.errors import CodebookError

REPO = Path(__file__).resolve().parents[2]
NS = {"q": "urn:QDA-XML:codebook:1.0"}

SMALL = """\
version: 2
languages: [fr, nl, en]
facets:
  form: {fr: Formes de violence, nl: Vormen van geweld, en: Forms of violence}
  setting: {fr: Lieux, nl: Plaatsen, en: Settings}
codes:
  form.verbal:
    labels: {fr: Violence verbale, nl: Verbaal geweld, en: Verbal violence}
    definition: Insults, shouting & threats <of harm>.
    include: Threats made to staff.
    exclude: Threats of eviction.
    patterns:
      fr: [insult*]
  setting.shelter:
    labels: {fr: Hébergement d'urgence, nl: Nachtopvang, en: Shelters}
    definition: Night shelters and hostels.
    patterns:
      en: [hostel*]
"""

FOREIGN = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="QualCoder">
  <Codes>
    <Code guid="9A1B2C3D-0000-4000-8000-000000000001" name="Violence" isCodable="true">
      <Code guid="9A1B2C3D-0000-4000-8000-000000000002" name="Verbal abuse" isCodable="true"
            color="#FF0000">
        <Description>Shouting, insults.</Description>
      </Code>
      <Code guid="9A1B2C3D-0000-4000-8000-000000000003" name="Vérbal abuse!" isCodable="true"/>
      <Code guid="9A1B2C3D-0000-4000-8000-000000000004" name="2nd wave" isCodable="true"/>
    </Code>
  </Codes>
  <Sets/>
</CodeBook>
"""


def test_export_has_facets_as_parents_and_stable_guids() -> None:
    cb = parse_codebook(SMALL)
    xml = render_qdc(cb, "fr")
    assert xml.startswith("<?xml") and xml == render_qdc(parse_codebook(SMALL), "fr")
    root = ET.fromstring(xml)
    parents = root.findall("q:Codes/q:Code", NS)
    assert [(p.get("name"), p.get("isCodable")) for p in parents] == [
        ("Formes de violence", "false"),
        ("Lieux", "false"),
    ]
    child = parents[0].find("q:Code", NS)
    assert child.get("name") == "Violence verbale" and child.get("isCodable") == "true"
    assert len(child.get("guid")) == 36 and child.get("color").startswith("#")
    description = child.findtext("q:Description", namespaces=NS)
    assert description.endswith("Code id: form.verbal")
    assert "Exclude: Threats of eviction." in description


def test_round_trip_keeps_ids_labels_and_notes(tmp_path: Path) -> None:
    cb = parse_codebook(SMALL)
    path = tmp_path / "codebook.qdc"
    write_qdc(path, cb, "nl")
    codes = load_qdc(path)
    assert [(c.id, c.name, c.parent) for c in codes] == [
        ("form", "Vormen van geweld", ""),
        ("form.verbal", "Verbaal geweld", "Vormen van geweld"),
        ("setting", "Plaatsen", ""),
        ("setting.shelter", "Nachtopvang", "Plaatsen"),
    ]
    assert not codes[0].codable and codes[1].codable
    rebuilt = parse_codebook(render_codebook_yaml(codes))
    assert list(rebuilt.codes) == list(cb.codes)
    verbal = rebuilt.codes["form.verbal"]
    assert verbal.definition == cb.codes["form.verbal"].definition
    assert (verbal.include, verbal.exclude) == ("Threats made to staff.", "Threats of eviction.")
    assert rebuilt.label("setting.shelter", "fr") == "Nachtopvang"
    assert rebuilt.facet_label("setting", "en") == "Plaatsen"


def test_repository_codebook_round_trips() -> None:
    cb = load_codebook(REPO / "codebook.yml")
    codes = parse_qdc(render_qdc(cb, "fr"))
    imported = {c.id: c for c in codes}
    assert set(cb.codes) | set(cb.facets) == set(imported)
    for code in cb.codes.values():
        assert imported[code.id].name == code.labels["fr"]
        assert imported[code.id].description.startswith(code.definition)


def test_codebook_made_elsewhere_gets_ids_from_names() -> None:
    codes = parse_qdc(FOREIGN)
    assert [c.id for c in codes] == [
        "violence",
        "violence.verbal_abuse",
        "violence.verbal_abuse_2",
        "violence.c2nd_wave",
    ]
    assert codes[1].description == "Shouting, insults." and codes[1].color == "#FF0000"
    skeleton = parse_codebook(render_codebook_yaml(codes, languages=("fr", "en")))
    assert list(skeleton.codes) == [
        "violence.verbal_abuse",
        "violence.verbal_abuse_2",
        "violence.c2nd_wave",
    ]
    assert skeleton.codes["violence.c2nd_wave"].definition == "2nd wave"
    assert skeleton.facet_label("violence", "fr") == "Violence"


def test_not_a_codebook_is_refused_with_the_line() -> None:
    with pytest.raises(CodebookError, match="REFI-QDA project, not a codebook"):
        parse_qdc("<Project xmlns='urn:QDA-XML:project:1.0'/>")
    with pytest.raises(CodebookError, match=r"codebook.qdc:1: not well-formed XML"):
        parse_qdc("<CodeBook")
    with pytest.raises(CodebookError, match="not a REFI-QDA CodeBook"):
        parse_qdc("<CodeBook xmlns='urn:other'/>")
    with pytest.raises(CodebookError, match=r"codebook.qdc:3: a Code has no name"):
        parse_qdc(
            "<CodeBook xmlns='urn:QDA-XML:codebook:1.0'>\n<Codes>\n"
            "<Code guid='A' isCodable='true'/></Codes></CodeBook>"
        )


def _corpus(shared: Path, name: str) -> Path:
    return shared / "corpora" / "interop" / "qdc" / name


def test_flat_codebooks_import_their_codes_under_one_facet(shared: Path) -> None:
    book = load_qdc_book(_corpus(shared, "taguette-1.4.1_uto_tag_codebook.qdc"))
    assert book.origin == "Taguette 1.4.1" and book.sets == ()
    skeleton = parse_codebook(render_codebook_yaml(book.codes, origin=book.origin))
    assert skeleton.facets == ("imported",)
    assert list(skeleton.codes) == [
        "imported.xsd_element_name",
        "imported.codebook",
        "imported.variables",
    ]
    assert skeleton.label("imported.codebook", "fr") == "CodeBook"


def test_namespace_variants_seen_in_the_wild_are_read(shared: Path) -> None:
    text = _corpus(shared, "derived_atlasti-23.2-win_ponte_codebook.qdc").read_text("utf-8")
    expected = [("commits", False), ("commits.c2022_05_10t02_05_59z_19e4dce", True)]
    for namespace in (
        "urn:QDA-XML:codebook:1.0",
        "urn:QDA-XML:codebook:1:0",
        "urn:QDA-XML:codebook:0:4",
        "urn:QDA-XML:project:1.0",
    ):
        codes = parse_qdc(text.replace("urn:QDA-XML:codebook:1.0", namespace))
        assert [(c.id, "." in c.id) for c in codes][:2] == expected, namespace
        assert len(codes) == 3


def test_a_bom_and_a_nested_code_under_a_codable_code_are_read(shared: Path) -> None:
    path = _corpus(shared, "synthetic_qualcoder-style_utf8-sig.qdc")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    codes = {c.id: c for c in load_qdc(path)}
    assert codes["barrieres_obstacles"].description == "Catégorie — obstacles"
    assert not codes["barrieres_obstacles"].codable
    assert codes["barrieres_obstacles.cout"].description == "Le coût <direct>"
    assert codes["barrieres_obstacles.cout.sub_code_of_cout"].parent == "Coût"
    assert codes["imported.unlinked_code"].color == "#F781F3"
    skeleton = parse_codebook(render_codebook_yaml(list(codes.values())))
    assert "Facet barrieres_obstacles (Barrières & obstacles): Catégorie — obstacles" in (
        skeleton.description
    )


def test_non_guid_guids_are_read_and_a_broken_copy_names_its_line(shared: Path) -> None:
    codes = load_qdc(_corpus(shared, "openqda_example_codebook.qdc"))
    assert len(codes) == 44 and codes[0].guid == "c001"
    assert codes[0].description == "All emotions with negative valence and positive arousal."
    with pytest.raises(CodebookError, match=r"defect.qdc:132: not well-formed XML"):
        load_qdc(_corpus(shared, "openqda_example_codebook_defect.qdc"))


def test_code_sets_and_top_level_descriptions_are_kept() -> None:
    text = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1:0" origin="MAXQDA 2022">
  <Codes>
    <Code guid="c1" name="Violence" isCodable="false">
      <Description>Every form of violence.</Description>
      <Code guid="c2" name="Verbal" isCodable="true"><Description>Insults.</Description></Code>
    </Code>
    <Code guid="c3" name="Shelter" isCodable="true"/>
  </Codes>
  <Sets>
    <Set guid="s1" name="Night work"><Description>What night staff face.</Description>
      <MemberCode targetGUID="c2"/><MemberCode targetGUID="c3"/></Set>
  </Sets>
</CodeBook>"""
    book = read_qdc(text)
    assert book.sets[0].members == ("violence.verbal", "imported.shelter")
    skeleton = parse_codebook(render_codebook_yaml(book.codes, sets=book.sets, origin=book.origin))
    assert skeleton.codes["violence.verbal"].definition == "Insults."
    assert "Facet violence (Violence): Every form of violence." in skeleton.description
    assert "Set Night work: violence.verbal, imported.shelter. What night staff face." in (
        skeleton.description
    )
    assert "made by MAXQDA 2022" in skeleton.description
