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
from lxml import etree

from evidence.coding._codebook import Codebook
from evidence.errors import CodebookError

__all__ = [
    "IMPORTED_FACET",
    "NAMESPACE",
    "QdcBook",
    "QdcCode",
    "QdcSet",
    "child_text",
    "code_guid",
    "children",
    "load_qdc_book",
    "local_name",
    "namespace_of",
    "read_codes",
    "read_qdc",
    "read_xml",
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


def code_guid(key: str) -> str:
    """Return the stable GUID of a code id (``facet:form`` for a facet) in REFI-QDA files."""
    return str(uuid.uuid5(_GUIDS, key)).upper()


_guid = code_guid


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


#: the namespaces REFI-QDA files are written in: ``1.0``, and ATLAS.ti's ``1:0`` and ``0:4``
_NAMESPACE_PREFIXES = ("urn:QDA-XML:codebook:", "urn:QDA-XML:project:")
#: the facet of codes a flat codebook (Taguette, ATLAS.ti) gives without a parent
IMPORTED_FACET = "imported"


@dataclass(frozen=True, slots=True)
class QdcSet:
    """A code set of a REFI-QDA codebook: its name, description and member code ids."""

    name: str
    description: str = ""
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QdcBook:
    """A REFI-QDA codebook as read: its codes (parents first), its sets and its origin."""

    codes: tuple[QdcCode, ...]
    sets: tuple[QdcSet, ...] = ()
    origin: str = ""


def local_name(element: etree._Element) -> str:
    """Return an element's tag without its namespace (``Code``), "" for comments."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace_of(element: etree._Element) -> str:
    """Return an element's namespace URI ("" when it has none)."""
    tag = element.tag
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def children(element: etree._Element, name: str) -> list[etree._Element]:
    """Return the child elements called ``name``, in any REFI-QDA namespace."""
    return [c for c in element if local_name(c) == name]


def child_text(element: etree._Element, name: str) -> str:
    """Return the stripped text of the first child called ``name``, "" when none."""
    found = children(element, name)
    return (found[0].text or "").strip() if found else ""


def read_xml(data: str | bytes, name: str) -> etree._Element:
    """Return the root of REFI-QDA XML; raise ``CodebookError`` with the line when malformed.

    A byte-order mark and any encoding declaration are read as XML allows.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        return etree.fromstring(raw.lstrip(), parser)
    except etree.XMLSyntaxError as err:
        line = err.lineno if err.lineno else None
        message = err.msg or str(err)
        raise CodebookError(
            f"not well-formed XML ({message}); fix the file or export it again",
            path=name,
            line=line,
        ) from err


def _checked_namespace(root: etree._Element, name: str, expected: str) -> None:
    namespace = namespace_of(root)
    if local_name(root) != expected or not namespace.startswith(_NAMESPACE_PREFIXES):
        raise CodebookError(
            f"not a REFI-QDA {expected}: the root is {local_name(root) or root.tag!r} in "
            f"namespace {namespace or '(none)'!r}, not {expected} in urn:QDA-XML:...",
            path=name,
            line=root.sourceline,
        )


def read_codes(codes_parent: etree._Element | None, name: str) -> QdcBook:
    """Return the codes under a ``CodeBook`` element (of a .qdc or a project) and its sets.

    Lenient where QualCoder is: any namespace version, ``isCodable`` true unless "false",
    guids that are not GUIDs, a missing colour, an empty ``<Sets/>``. A code without a name
    is an error naming its line.
    """
    out: list[QdcCode] = []
    if codes_parent is None:
        return QdcBook(())
    by_guid: dict[str, str] = {}
    for codes in children(codes_parent, "Codes"):
        _read_codes(codes, "", "", set(), out, by_guid, name)
    sets = tuple(
        QdcSet(
            name=element.get("name", "").strip(),
            description=child_text(element, "Description"),
            members=tuple(
                by_guid[m.get("targetGUID", "").upper()]
                for m in children(element, "MemberCode")
                if m.get("targetGUID", "").upper() in by_guid
            ),
        )
        for sets_element in children(codes_parent, "Sets")
        for element in children(sets_element, "Set")
    )
    return QdcBook(tuple(out), sets, codes_parent.get("origin", ""))


def read_qdc(data: str | bytes, name: str = "codebook.qdc") -> QdcBook:
    """Return the codebook of a REFI-QDA .qdc file's content, with its sets and origin.

    Raise ``CodebookError`` (with the line) when the file is not well-formed XML or not a
    codebook.
    """
    root = read_xml(data, name)
    if local_name(root) == "Project":
        raise CodebookError(
            "this is a REFI-QDA project, not a codebook: use `evidence qdpx import`", path=name
        )
    _checked_namespace(root, name, "CodeBook")
    return read_codes(root, name)


def parse_qdc(text: str | bytes, name: str = "codebook.qdc") -> list[QdcCode]:
    """Return the codes of REFI-QDA codebook XML, parents before their children.

    A code's id is the ``Code id:`` line of its description when present; otherwise its
    parent's id and a slug of its name (``violence.verbal_abuse``), numbered if repeated.
    A code without a parent and without children (a flat codebook) goes under the
    ``imported`` facet.
    """
    return list(read_qdc(text, name).codes)


def _read_codes(
    element: etree._Element,
    parent_name: str,
    parent_id: str,
    used: set[str],
    out: list[QdcCode],
    by_guid: dict[str, str],
    name: str,
) -> None:
    """Append to ``out`` the codes under ``element``, each followed by its own children.

    ``used`` holds the ids given so far, so that a repeated id gets a number.
    """
    for child in children(element, "Code"):
        code_name = " ".join((child.get("name") or "").split())
        if not code_name:
            raise CodebookError("a Code has no name; give it one", path=name, line=child.sourceline)
        description = child_text(child, "Description")
        marked = _ID_LINE.search(description)
        flat = not parent_id and not children(child, "Code") and not marked
        if flat and IMPORTED_FACET not in used:
            used.add(IMPORTED_FACET)
            out.append(QdcCode(id=IMPORTED_FACET, name="Imported codes", codable=False))
        parent = IMPORTED_FACET if flat else parent_id
        code_id = marked.group(1) if marked else ".".join(filter(None, [parent, _slug(code_name)]))
        base, n = code_id, 2
        while code_id in used:
            code_id, n = f"{base}_{n}", n + 1
        used.add(code_id)
        by_guid[child.get("guid", "").upper()] = code_id
        out.append(
            QdcCode(
                id=code_id,
                name=code_name,
                description=_ID_LINE.sub("", description).strip(),
                parent="Imported codes" if flat else parent_name,
                guid=child.get("guid", ""),
                color=child.get("color", ""),
                codable=child.get("isCodable", "true").strip().lower() != "false",
            )
        )
        _read_codes(child, code_name, code_id, used, out, by_guid, name)


def load_qdc(path: str | Path) -> list[QdcCode]:
    """Return the codes of the .qdc file at ``path``."""
    return list(load_qdc_book(path).codes)


def load_qdc_book(path: str | Path) -> QdcBook:
    """Return the codebook of the .qdc file at ``path``, with its sets and origin."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as err:
        raise CodebookError(f"cannot read the file ({err.strerror})", path=str(p)) from err
    return read_qdc(data, str(p))


def render_codebook_yaml(
    codes: list[QdcCode] | tuple[QdcCode, ...],
    languages: tuple[str, ...] = ("fr", "nl", "en"),
    version: str = "1",
    *,
    sets: tuple[QdcSet, ...] = (),
    origin: str = "",
) -> str:
    """Return a codebook.yml skeleton for imported codes: top codes become facets.

    Every label starts as the imported name in each language; patterns are left empty.
    codebook.yml has no place for a facet's description or for code sets: they are kept in
    the codebook's ``description``, one paragraph each, so nothing of the file is lost.
    """
    facets: dict[str, dict[str, str]] = {}
    entries: dict[str, dict[str, object]] = {}
    notes: list[str] = [f"Imported from a REFI-QDA codebook made by {origin}."] if origin else []
    for code in codes:
        if "." not in code.id:
            facets[code.id] = {lang: code.name for lang in languages}
            if code.description:
                notes.append(f"Facet {code.id} ({code.name}): {code.description}")
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
    for code_set in sets:
        members = ", ".join(code_set.members) or "no codes"
        text = f"Set {code_set.name}: {members}."
        notes.append(f"{text} {code_set.description}".strip())
    document: dict[str, object] = {"version": version, "languages": list(languages)}
    if notes:
        document["description"] = "\n\n".join(notes)
    document |= {"facets": facets, "codes": entries}
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
