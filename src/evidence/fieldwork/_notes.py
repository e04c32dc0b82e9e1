"""Reading field notes: .docx and .odt (their XML, with zipfile), .md and .txt, as plain text.

Paragraphs come out separated by a blank line; headings are marked with ``# `` so the
passage splitter can tell them apart. Comments, tracked deletions, headers and document
properties (which carry authors' names) are not read.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator

__all__ = ["NoteFormatError", "SUPPORTED", "read_note_text"]

SUPPORTED = (".docx", ".odt", ".md", ".txt")
_MAX_XML = 50 * 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


class NoteFormatError(ValueError):
    """A note file cannot be read; the message says why and what to do."""


def _member(data: bytes, name: str, what: str) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(name)
            if info.file_size > _MAX_XML:
                raise NoteFormatError(f"{name} is larger than 50 MB; split the document")
            return archive.read(info)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise NoteFormatError(
            f"not a readable {what} file ({exc}); open it and save it again as {what}"
        ) from exc


def _parse(xml: bytes, what: str) -> ET.Element:
    try:
        return ET.fromstring(xml)
    except ET.ParseError as exc:
        raise NoteFormatError(f"the {what} XML is damaged ({exc}); save the file again") from exc


def _docx_paragraphs(root: ET.Element) -> Iterator[str]:
    body = root.find(f"{_W}body")
    for p in (body if body is not None else root).iter(f"{_W}p"):
        style = p.find(f"{_W}pPr/{_W}pStyle")
        name = (style.get(f"{_W}val", "") if style is not None else "").casefold()
        parts = []
        for el in p.iter():
            if el.tag == f"{_W}t" and el.text:
                parts.append(el.text)
            elif el.tag == f"{_W}tab":
                parts.append("\t")
            elif el.tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
        text = "".join(parts).strip()
        heading = name.startswith(("heading", "titre", "kop", "title")) and text
        yield f"# {text}" if heading else text


def _odt_text(el: ET.Element) -> str:
    parts = [el.text or ""]
    for child in el:
        if child.tag == f"{_TEXT}s":
            parts.append(" " * int(child.get(f"{_TEXT}c", "1")))
        elif child.tag == f"{_TEXT}tab":
            parts.append("\t")
        elif child.tag == f"{_TEXT}line-break":
            parts.append("\n")
        elif child.tag not in (
            f"{_OFFICE}annotation",
            f"{_OFFICE}annotation-end",
            f"{_TEXT}note",
            f"{_TEXT}tracked-changes",
        ):
            parts.append(_odt_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _odt_paragraphs(el: ET.Element) -> Iterator[str]:
    for child in el:
        if child.tag in (
            f"{_TEXT}tracked-changes",
            f"{_OFFICE}annotation",
            f"{_OFFICE}forms",
            f"{_TEXT}sequence-decls",
        ):
            continue
        if child.tag == f"{_TEXT}h":
            text = _odt_text(child).strip()
            yield f"# {text}" if text else ""
        elif child.tag == f"{_TEXT}p":
            yield _odt_text(child).strip()
        else:
            yield from _odt_paragraphs(child)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_note_text(name: str, data: bytes) -> str:
    """Return the text of the note ``name`` (its suffix says the format) from its bytes.

    Raises :class:`NoteFormatError` for a damaged or unsupported file.
    """
    suffix = name[name.rfind(".") :].casefold() if "." in name else ""
    if suffix in (".md", ".txt"):
        return _decode(data).replace("\r\n", "\n").replace("\r", "\n")
    if suffix == ".docx":
        root = _parse(_member(data, "word/document.xml", ".docx"), ".docx")
        return "\n\n".join(p for p in _docx_paragraphs(root) if p)
    if suffix == ".odt":
        root = _parse(_member(data, "content.xml", ".odt"), ".odt")
        body = root.find(f"{_OFFICE}body/{_OFFICE}text")
        if body is None:
            raise NoteFormatError("the .odt has no text body; is it a text document?")
        return "\n\n".join(p for p in _odt_paragraphs(body) if p)
    raise NoteFormatError(
        f"format {suffix or '(none)'} is not read; save the note as .docx, .odt, .md or .txt"
    )
