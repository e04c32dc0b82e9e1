"""Exchange the codebook with QDA software in the REFI-QDA codebook format (.qdc).

The export writes each facet as a parent code (not codable) holding its codes; a code's name
is its label in the chosen language, its description the definition and notes, ending with a
``Code id:`` line so that the codebook's ids survive a round trip through QualCoder, NVivo,
ATLAS.ti or MAXQDA. GUIDs derive from the ids, so exporting twice gives the same file.
Patterns have no place in the format: they stay in codebook.yml. Importing a codebook made
elsewhere gives its codes with ids (derived from names when the file carries none) and
:func:`render_codebook_yaml` turns them into a codebook.yml skeleton to fill with patterns.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import yaml

from evidence.coding._codebook import Codebook

__all__ = [
    "NAMESPACE",
    "QdcCode",
    "render_qdc",
    "write_qdc",
    "parse_qdc",
    "load_qdc",
    "render_codebook_yaml",
]

#: the XML namespace of REFI-QDA codebook files
NAMESPACE = "urn:QDA-XML:codebook:1.0"
_NS = {"q": NAMESPACE}
_GUIDS = uuid.UUID("0b6f2c1e-5a7d-4f0e-9c43-7e1d2a9b5c11")
_ID_LINE = re.compile(r"^Code id:\s*(\S+)\s*$", re.M)
_COLOURS = ["#C0392B", "#2471A3", "#B9770E", "#1E8449", "#7D3C98", "#117A65", "#5D6D7E"]


@dataclass(frozen=True, slots=True)
class QdcCode:
    """A code read from a .qdc file: id, name, description, parent name and attributes."""

    id: str
    name: str
    description: str = ""
    parent: str = ""
    guid: str = ""
    color: str = ""
    codable: bool = True


def _guid(key: str) -> str:
    return str(uuid.uuid5(_GUIDS, key)).upper()


def render_qdc(codebook: Codebook, lang: str = "en", origin: str = "evidence") -> str:
    """Return the codebook as REFI-QDA codebook XML, names and facets in ``lang``."""
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(f"{{{NAMESPACE}}}CodeBook", {"origin": origin})
    codes = ET.SubElement(root, f"{{{NAMESPACE}}}Codes")
    for position, facet in enumerate(codebook.facets):
        parent = ET.SubElement(
            codes,
            f"{{{NAMESPACE}}}Code",
            {
                "guid": _guid(f"facet:{facet}"),
                "name": codebook.facet_label(facet, lang),
                "isCodable": "false",
                "color": _COLOURS[position % len(_COLOURS)],
            },
        )
        ET.SubElement(parent, f"{{{NAMESPACE}}}Description").text = f"Code id: {facet}"
        for code in codebook.codes_of(facet):
            element = ET.SubElement(
                parent,
                f"{{{NAMESPACE}}}Code",
                {
                    "guid": _guid(code.id),
                    "name": codebook.label(code.id, lang),
                    "isCodable": "true",
                    "color": _COLOURS[position % len(_COLOURS)],
                },
            )
            parts = [code.definition]
            if code.include:
                parts.append(f"Include: {code.include}")
            if code.exclude:
                parts.append(f"Exclude: {code.exclude}")
            parts.append(f"Code id: {code.id}")
            ET.SubElement(element, f"{{{NAMESPACE}}}Description").text = "\n\n".join(parts)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_qdc(path: str | Path, codebook: Codebook, lang: str = "en") -> None:
    """Write the codebook to ``path`` as a .qdc file (UTF-8)."""
    Path(path).write_text(render_qdc(codebook, lang), encoding="utf-8")


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "_", plain).strip("_") or "code"
    return f"c{slug}" if slug[0].isdigit() else slug


def parse_qdc(text: str) -> list[QdcCode]:
    """Return the codes of REFI-QDA codebook XML, parents before their children.

    A code's id is the ``Code id:`` line of its description when present; otherwise its
    parent's id and a slug of its name (``violence.verbal_abuse``), numbered if repeated.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        raise ValueError(f"not a REFI-QDA codebook: {err}") from err
    if root.tag != f"{{{NAMESPACE}}}CodeBook":
        raise ValueError(f"not a REFI-QDA codebook: the root is {root.tag}, not CodeBook")
    out: list[QdcCode] = []
    codes = root.find("q:Codes", _NS)
    if codes is not None:
        _read_codes(codes, "", "", set(), out)
    return out


def _read_codes(
    element: ET.Element, parent_name: str, parent_id: str, used: set[str], out: list[QdcCode]
) -> None:
    """Append to ``out`` the codes under ``element``, each followed by its own children.

    ``used`` holds the ids given so far, so that a repeated id gets a number.
    """
    for child in element.findall("q:Code", _NS):
        name = child.get("name", "").strip()
        description = (child.findtext("q:Description", "", _NS) or "").strip()
        marked = _ID_LINE.search(description)
        code_id = marked.group(1) if marked else ".".join(filter(None, [parent_id, _slug(name)]))
        base, n = code_id, 2
        while code_id in used:
            code_id, n = f"{base}_{n}", n + 1
        used.add(code_id)
        out.append(
            QdcCode(
                id=code_id,
                name=name,
                description=_ID_LINE.sub("", description).strip(),
                parent=parent_name,
                guid=child.get("guid", ""),
                color=child.get("color", ""),
                codable=child.get("isCodable", "true").lower() == "true",
            )
        )
        _read_codes(child, name, code_id, used, out)


def load_qdc(path: str | Path) -> list[QdcCode]:
    """Return the codes of the .qdc file at ``path``."""
    return parse_qdc(Path(path).read_text(encoding="utf-8"))


def render_codebook_yaml(
    codes: list[QdcCode], languages: tuple[str, ...] = ("fr", "nl", "en"), version: str = "1"
) -> str:
    """Return a codebook.yml skeleton for imported codes: top codes become facets.

    Every label starts as the imported name in each language; patterns are left empty.
    """
    facets: dict[str, dict[str, str]] = {}
    entries: dict[str, dict[str, object]] = {}
    for code in codes:
        if "." not in code.id:
            facets[code.id] = {lang: code.name for lang in languages}
            continue
        text = code.description
        include = re.search(r"^Include:\s*(.+)$", text, re.M)
        exclude = re.search(r"^Exclude:\s*(.+)$", text, re.M)
        definition = re.sub(r"^(Include|Exclude):.*$", "", text, flags=re.M).strip()
        entry: dict[str, object] = {
            "labels": {lang: code.name for lang in languages},
            "definition": " ".join(definition.split()) or code.name,
        }
        if include:
            entry["include"] = include.group(1).strip()
        if exclude:
            entry["exclude"] = exclude.group(1).strip()
        entry["patterns"] = {lang: [] for lang in languages}
        entries[code.id] = entry
    for code_id in entries:
        facet = code_id.split(".", 1)[0]
        facets.setdefault(facet, {lang: facet for lang in languages})
    document = {
        "version": version,
        "languages": list(languages),
        "facets": facets,
        "codes": entries,
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
