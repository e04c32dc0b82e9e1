"""Reading field notes: .docx and .odt (their XML, with zipfile), .md and .txt, as plain text.

Paragraphs come out separated by a blank line; headings are marked with ``# `` so the
passage splitter can tell them apart. Every part of a document that can hold text is read
once: the body with its tables and text boxes (a text box is written twice in a .docx, for
new and old Word: its old copy is skipped), then footnotes and endnotes, which are the
note's text. Headers, footers, comments and the document's properties (author, last
modified by, title...) are read too, but only to be checked for names: they are never
imported. Tracked deletions are not read.

A document is a zip of XML parts: each part is inflated with a limit on the bytes actually
produced (not on the size its header declares), and any damage (a bit flip, a truncated
file, a zip bomb) is a :class:`NoteFormatError` saying what to do, never a crash. A .md or
.txt note is UTF-8 (or UTF-16/32 with a byte order mark), else read as Windows-1252, which
:attr:`NoteText.encoding` states.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from evidence.files import NotTextError, decode_text

__all__ = ["NoteFormatError", "NoteText", "SUPPORTED", "read_note", "read_note_text"]

SUPPORTED = (".docx", ".odt", ".md", ".txt")
_MAX_PART = 50 * 1024 * 1024  # bytes one XML part may inflate to
_MAX_TOTAL = 100 * 1024 * 1024  # bytes all the parts read may inflate to together
_MAX_PARTS = 200  # headers, footers... a real document has a handful
_CHUNK = 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_DOCX_NOTES = ("word/footnotes.xml", "word/endnotes.xml")
_DOCX_HIDDEN = re.compile(r"word/(header\d*|footer\d*|comments\w*)\.xml")
_DOCX_PROPERTIES = ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml")
_TAG = re.compile(r"<[^>]*>")


class NoteFormatError(ValueError):
    """A note file cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class NoteText:
    """What a note holds: its text (imported), and what is only checked for names.

    ``hidden`` holds the text of headers, footers and comments, ``properties`` the values
    of the document's properties; ``encoding`` is the encoding a .md or .txt was read with
    (``windows-1252`` when it was not UTF-8), "" for a .docx or .odt.
    """

    text: str
    hidden: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()
    encoding: str = ""


class _Archive:
    """The parts of a .docx or .odt, inflated under limits."""

    def __init__(self, data: bytes, what: str) -> None:
        self.what = what
        self.total = 0
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            self.names = [i.filename for i in self.zip.infolist()]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise self._damaged(exc) from exc

    def _damaged(self, exc: BaseException) -> NoteFormatError:
        return NoteFormatError(
            f"not a readable {self.what} file ({type(exc).__name__}: {exc}); open it and save "
            f"it again as {self.what}"
        )

    def read(self, name: str) -> bytes:
        """Return the bytes of part ``name``, counting what is inflated against the limits."""
        chunks = []
        size = 0
        try:
            with self.zip.open(name) as part:
                while chunk := part.read(_CHUNK):
                    size += len(chunk)
                    self.total += len(chunk)
                    if size > _MAX_PART or self.total > _MAX_TOTAL:
                        raise NoteFormatError(
                            f"{name} inflates to more than "
                            f"{(_MAX_PART if size > _MAX_PART else _MAX_TOTAL) // 2**20} MB: "
                            "too large for a note (or a zip bomb); split the document"
                        )
                    chunks.append(chunk)
        except KeyError as exc:
            raise NoteFormatError(
                f"not a {self.what} file: it has no {name}; open it and save it again as "
                f"{self.what}"
            ) from exc
        except NoteFormatError:
            raise
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            ValueError,
            NotImplementedError,
            RuntimeError,  # an encrypted member
        ) as exc:
            raise self._damaged(exc) from exc
        return b"".join(chunks)

    def parse(self, name: str) -> ET.Element:
        try:
            return ET.fromstring(self.read(name))
        except ET.ParseError as exc:
            raise NoteFormatError(
                f"the {self.what} XML ({name}) is damaged ({exc}); save the file again"
            ) from exc

    def loose_text(self, name: str) -> str:
        """The text of a part only checked for names: parsed, or its tags dropped if damaged."""
        data = self.read(name)
        try:
            root = ET.fromstring(data)
        except ET.ParseError:
            return _TAG.sub(" ", data.decode("utf-8", "replace"))
        return " ".join(t.strip() for t in root.itertext() if t.strip())

    def close(self) -> None:
        self.zip.close()


# -- .docx -----------------------------------------------------------------------------------
def _docx_runs(el: ET.Element, parts: list[str]) -> None:
    """The text of a paragraph's runs, without its text boxes (read after it)."""
    for child in el:
        tag = child.tag
        if tag in (f"{_MC}Fallback", f"{_W}txbxContent"):
            continue
        if tag == f"{_W}t" and child.text:
            parts.append(child.text)
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
        else:
            _docx_runs(child, parts)


def _docx_boxes(el: ET.Element) -> Iterator[ET.Element]:
    """The text boxes anchored in a paragraph (their old-Word copies skipped)."""
    for child in el:
        if child.tag == f"{_MC}Fallback":
            continue
        if child.tag == f"{_W}txbxContent":
            yield child
        else:
            yield from _docx_boxes(child)


def _docx_paragraph(p: ET.Element) -> str:
    style = p.find(f"{_W}pPr/{_W}pStyle")
    name = (style.get(f"{_W}val", "") if style is not None else "").casefold()
    parts: list[str] = []
    _docx_runs(p, parts)
    text = "".join(parts).strip()
    heading = name.startswith(("heading", "titre", "kop", "title")) and text
    return f"# {text}" if heading else text


def _docx_paragraphs(el: ET.Element) -> Iterator[str]:
    """Every paragraph, in order: tables' cells, and each text box after its anchor."""
    for child in el:
        if child.tag == f"{_MC}Fallback":
            continue
        if child.tag == f"{_W}p":
            yield _docx_paragraph(child)
            for box in _docx_boxes(child):
                yield from _docx_paragraphs(box)
        else:
            yield from _docx_paragraphs(child)


def _read_docx(data: bytes) -> NoteText:
    archive = _Archive(data, ".docx")
    try:
        root = archive.parse("word/document.xml")
        body = root.find(f"{_W}body")
        paragraphs = list(_docx_paragraphs(body if body is not None else root))
        for name in _DOCX_NOTES:
            if name in archive.names:
                paragraphs += _docx_paragraphs(archive.parse(name))
        hidden = [n for n in archive.names if _DOCX_HIDDEN.fullmatch(n)][:_MAX_PARTS]
        properties = [n for n in _DOCX_PROPERTIES if n in archive.names]
        return NoteText(
            "\n\n".join(p for p in paragraphs if p),
            tuple(archive.loose_text(n) for n in hidden),
            tuple(archive.loose_text(n) for n in properties),
        )
    finally:
        archive.close()


# -- .odt ------------------------------------------------------------------------------------
_ODT_SKIPPED = (
    f"{_OFFICE}annotation",
    f"{_OFFICE}annotation-end",
    f"{_TEXT}note",
    f"{_TEXT}tracked-changes",
)


def _spaces(count: str) -> int:
    """The number of spaces of a <text:s c="..."/>; a damaged count is one space."""
    return min(int(count), 1000) if count.isdigit() else 1


def _odt_text(el: ET.Element, notes: list[ET.Element]) -> str:
    parts = [el.text or ""]
    for child in el:
        if child.tag == f"{_TEXT}s":
            parts.append(" " * _spaces(child.get(f"{_TEXT}c", "1")))
        elif child.tag == f"{_TEXT}tab":
            parts.append("\t")
        elif child.tag == f"{_TEXT}line-break":
            parts.append("\n")
        elif child.tag == f"{_TEXT}note":
            notes.extend(child.iter(f"{_TEXT}note-body"))  # read after the body, once
        elif child.tag not in _ODT_SKIPPED:
            parts.append(_odt_text(child, notes))
        parts.append(child.tail or "")
    return "".join(parts)


def _odt_paragraphs(el: ET.Element, notes: list[ET.Element]) -> Iterator[str]:
    for child in el:
        if child.tag in (
            f"{_TEXT}tracked-changes",
            f"{_OFFICE}annotation",
            f"{_OFFICE}forms",
            f"{_TEXT}sequence-decls",
        ):
            continue
        if child.tag == f"{_TEXT}h":
            text = _odt_text(child, notes).strip()
            yield f"# {text}" if text else ""
        elif child.tag == f"{_TEXT}p":
            yield _odt_text(child, notes).strip()
        else:
            yield from _odt_paragraphs(child, notes)


def _odt_hidden(root: ET.Element | None, archive: _Archive) -> list[str]:
    """Comments of the body, headers and footers of the styles: checked, not imported."""
    hidden = []
    if root is not None:
        hidden += [" ".join(a.itertext()) for a in root.iter(f"{_OFFICE}annotation")]
    if "styles.xml" in archive.names:
        try:
            styles = archive.parse("styles.xml")
        except NoteFormatError:
            return [*hidden, archive.loose_text("styles.xml")]
        for tag in ("header", "footer", "header-left", "footer-left", "header-first"):
            hidden += [" ".join(h.itertext()) for h in styles.iter(f"{_STYLE}{tag}")]
    return hidden


def _read_odt(data: bytes) -> NoteText:
    archive = _Archive(data, ".odt")
    try:
        root = archive.parse("content.xml")
        body = root.find(f"{_OFFICE}body/{_OFFICE}text")
        if body is None:
            raise NoteFormatError("the .odt has no text body; is it a text document?")
        notes: list[ET.Element] = []
        paragraphs = list(_odt_paragraphs(body, notes))
        done: list[ET.Element] = []
        while notes:  # a note's own notes (rare) come after it
            note = notes.pop(0)
            done.append(note)
            paragraphs += _odt_paragraphs(note, notes)
        properties = ("meta.xml",) if "meta.xml" in archive.names else ()
        return NoteText(
            "\n\n".join(p for p in paragraphs if p),
            tuple(_odt_hidden(root, archive)),
            tuple(archive.loose_text(n) for n in properties),
        )
    finally:
        archive.close()


# -- all formats -----------------------------------------------------------------------------
def read_note(name: str, data: bytes) -> NoteText:
    """Return what the note ``name`` (its suffix says the format) holds, from its bytes.

    Raises :class:`NoteFormatError` for a damaged, hostile or unsupported file.
    """
    suffix = name[name.rfind(".") :].casefold() if "." in name else ""
    try:
        if suffix in (".md", ".txt"):
            try:
                decoded = decode_text(data, fallback="cp1252")
            except NotTextError as exc:
                raise NoteFormatError(str(exc)) from exc
            text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
            return NoteText(text, encoding=decoded.encoding)
        if suffix == ".docx":
            return _read_docx(data)
        if suffix == ".odt":
            return _read_odt(data)
    except RecursionError as exc:
        raise NoteFormatError(
            "its XML is nested too deeply to be a note; open it and save it again"
        ) from exc
    raise NoteFormatError(
        f"format {suffix or '(none)'} is not read; save the note as .docx, .odt, .md or .txt"
    )


def read_note_text(name: str, data: bytes) -> str:
    """Return the text of the note ``name`` (its suffix says the format) from its bytes.

    Raises :class:`NoteFormatError` for a damaged or unsupported file.
    """
    return read_note(name, data).text
