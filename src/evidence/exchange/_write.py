"""Write a REFI-QDA project (.qdpx): ``project.qde`` and the sources it points to, zipped.

The XML follows the standard's Project.xsd (1.0): users, the codebook (the same codes and
GUIDs as ``evidence codebook export``), text sources with their plain text in
``sources/<GUID>.txt``, PDF sources with the PDF in ``sources/<GUID>.pdf`` and their plain-text
``Representation`` beside it, and every coding as a ``PlainTextSelection`` in code points on
that text, made by its user. Every GUID derives from what it names and no date is invented, so
the same workbook always gives the same bytes.
"""

from __future__ import annotations

import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from evidence.coding import Codebook, children, local_name, read_xml, render_qdc

from ._model import QdaProject, QdaSelection, QdaSource

__all__ = ["PROJECT_NAMESPACE", "make_guid", "render_project_xml", "write_qdpx"]

#: the XML namespace of REFI-QDA projects
PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"
_NS = f"{{{PROJECT_NAMESPACE}}}"
_GUIDS = uuid.UUID("6d1f0c8a-3e2b-4b7a-9f51-2c4e8a7d9b30")
# Zip entries carry this date, so that the archive is the same bytes on every export.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def make_guid(*parts: str) -> str:
    """Return a stable GUID for what ``parts`` name (``"user", "rules"``)."""
    return str(uuid.uuid5(_GUIDS, "\x1f".join(parts))).upper()


def _element(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, _NS + tag, {k: v for k, v in attributes.items() if v})


def _codebook(parent: etree._Element, codebook: Codebook, lang: str) -> None:
    """Append the codebook as ``evidence codebook export`` writes it, in the project namespace."""
    exported = read_xml(render_qdc(codebook, lang), "codebook")
    book = _element(parent, "CodeBook")
    for codes in children(exported, "Codes"):
        copy = etree.fromstring(etree.tostring(codes))
        for element in copy.iter():
            if isinstance(element.tag, str):
                element.tag = _NS + local_name(element)
        book.append(copy)
    etree.cleanup_namespaces(book)


def _description(parent: etree._Element, text: str) -> None:
    if text:
        _element(parent, "Description").text = text


def _selections(
    parent: etree._Element, source: QdaSource, users: dict[str, str]
) -> Iterable[etree._Element]:
    for n, selection in enumerate(source.selections):
        yield _selection(parent, source, n, selection, users)


def _selection(
    parent: etree._Element,
    source: QdaSource,
    n: int,
    selection: QdaSelection,
    users: dict[str, str],
) -> etree._Element:
    element = _element(
        parent,
        "PlainTextSelection",
        guid=make_guid("selection", source.guid, str(n)),
        name=selection.name,
        startPosition=str(selection.start),
        endPosition=str(selection.end),
        creatingUser=users.get(selection.user, ""),
        creationDateTime=selection.date,
    )
    _description(element, selection.note)
    for coding in selection.codings:
        made = _element(
            element,
            "Coding",
            guid=make_guid("coding", source.guid, str(n), coding.code_guid),
            creatingUser=users.get(coding.user, ""),
            creationDateTime=coding.date,
        )
        _element(made, "CodeRef", targetGUID=coding.code_guid)
    return element


def _source(parent: etree._Element, source: QdaSource, users: dict[str, str]) -> None:
    text_path = f"internal://{source.guid}.txt"
    if source.kind == "pdf":
        element = _element(
            parent,
            "PDFSource",
            guid=source.guid,
            name=source.name,
            path=f"internal://{source.guid}.pdf",
            creatingUser=users.get(source.user, ""),
        )
        _description(element, source.description)
        representation = _element(
            element,
            "Representation",
            guid=make_guid("representation", source.guid),
            name=f"Representation_for_{source.name}",
            plainTextPath=text_path,
            creatingUser=users.get(source.user, ""),
        )
        list(_selections(representation, source, users))
        return
    element = _element(
        parent,
        "TextSource",
        guid=source.guid,
        name=source.name,
        plainTextPath=text_path,
        creatingUser=users.get(source.user, ""),
    )
    _description(element, source.description)
    list(_selections(element, source, users))


def render_project_xml(project: QdaProject, codebook: Codebook, lang: str = "en") -> bytes:
    """Return ``project.qde``: the project as REFI-QDA XML (UTF-8, with a declaration)."""
    root = etree.Element(
        _NS + "Project",
        {"name": project.name, "origin": project.origin},
        nsmap={None: PROJECT_NAMESPACE},
    )
    users = {u.name: u.guid for u in project.users}
    if project.users:
        holder = _element(root, "Users")
        for user in project.users:
            _element(holder, "User", guid=user.guid, name=user.name)
    _codebook(root, codebook, lang)
    if project.sources:
        holder = _element(root, "Sources")
        for source in project.sources:
            _source(holder, source, users)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8") + b"\n"


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def write_qdpx(
    target: BinaryIO, project: QdaProject, codebook: Codebook, lang: str = "en"
) -> dict[str, int]:
    """Write the project as a .qdpx archive to ``target``; return counts of what it holds.

    Plain texts are UTF-8 without a byte-order mark, with ``\\n`` line ends, so that code
    points, UTF-16 units and every tool's reading agree on each position up to the first
    character outside the Basic Multilingual Plane.
    """
    with zipfile.ZipFile(target, "w") as archive:
        _add(archive, "project.qde", render_project_xml(project, codebook, lang))
        for source in project.sources:
            _add(archive, f"sources/{source.guid}.txt", source.text.encode("utf-8"))
            if source.kind == "pdf":
                _add(archive, f"sources/{source.guid}.pdf", Path(source.pdf_path).read_bytes())
    return {
        "users": len(project.users),
        "codes": len(codebook.codes),
        "sources": len(project.sources),
        "selections": sum(len(s.selections) for s in project.sources),
        "codings": sum(len(x.codings) for s in project.sources for x in s.selections),
    }
