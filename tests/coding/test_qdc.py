"""REFI-QDA codebook exchange: export, import, round trip, codebooks made elsewhere."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from evidence.coding._codebook import load_codebook, parse_codebook
from evidence.coding._qdc import load_qdc, parse_qdc, render_codebook_yaml, render_qdc, write_qdc

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


def test_not_a_codebook_is_refused() -> None:
    with pytest.raises(ValueError, match="not a REFI-QDA codebook"):
        parse_qdc("<Project xmlns='urn:QDA-XML:project:1.0'/>")
    with pytest.raises(ValueError, match="not a REFI-QDA codebook"):
        parse_qdc("<CodeBook")
