"""Read a REFI-QDA project (.qdpx) made by NVivo, ATLAS.ti, MAXQDA, QualCoder or the workbook.

Lenient where QualCoder is: the XML inside may be named after the project instead of
``project.qde``, the sources folder ``sources`` or ``Sources``, the namespace any version
(``1.0``, ``1:0``, ``0:4``). Text sources and the text representations of PDF sources are
read with their selections, converted to code points on ``\\n`` text (see
:mod:`evidence.exchange._text`). What the workbook cannot take (pictures, audio, video, areas
of PDF pages, files outside the archive) is listed in ``skipped`` with the reason.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath

from lxml import etree

from evidence.coding import child_text, children, local_name, read_codes, read_xml
from evidence.errors import ExchangeError

from ._model import QdaCoding, QdaProject, QdaSelection, QdaSource, QdaUser
from ._text import convert_positions, decode_plain_text, utf16_length

__all__ = ["read_qdpx"]

_MEDIA = {"PictureSource", "AudioSource", "VideoSource"}


def _project_xml(archive: zipfile.ZipFile, name: str) -> tuple[str, bytes]:
    names = archive.namelist()
    qde = [n for n in names if n.lower().endswith(".qde") and "/" not in n.strip("/")]
    if "project.qde" in names:
        qde = ["project.qde"]
    if not qde:
        raise ExchangeError(
            f"{name}: no project.qde (nor any .qde file) in the archive; is it a REFI-QDA "
            "project exported as .qdpx?"
        )
    return qde[0], archive.read(qde[0])


def _internal(archive: zipfile.ZipFile, path: str) -> bytes | None:
    """Return the bytes of an ``internal://`` file, in ``sources/`` or ``Sources/``."""
    if not path.startswith("internal://"):
        return None
    wanted = PurePosixPath(path[len("internal://") :].lstrip("/")).name.lower()
    for entry in archive.namelist():
        folder, _, file = entry.rpartition("/")
        if folder.lower().endswith("sources") and file.lower() == wanted:
            return archive.read(entry)
    return None


class _Reader:
    def __init__(self, archive: zipfile.ZipFile, name: str, origin: str):
        self.archive = archive
        self.name = name
        self.origin = origin
        self.users: dict[str, str] = {}
        self.skipped: list[tuple[str, str]] = []

    def user(self, element: etree._Element, fallback: str = "") -> str:
        guid = (element.get("creatingUser") or element.get("modifyingUser") or "").upper()
        return self.users.get(guid, fallback)

    def where(self, element: etree._Element, label: str = "") -> str:
        return f"{self.name}:{element.sourceline}" + (f" ({label})" if label else "")

    def text(self, element: etree._Element, label: str) -> str | None:
        inline = children(element, "PlainTextContent")
        if inline:
            return (inline[0].text or "").replace("\r\n", "\n")
        path = element.get("plainTextPath") or ""
        data = _internal(self.archive, path)
        if data is None:
            why = f"its text {path or '(no plainTextPath)'} is not inside the archive"
            self.skipped.append((self.where(element, label), why))
            return None
        try:
            return decode_plain_text(data)
        except UnicodeDecodeError as err:
            self.skipped.append((self.where(element, label), f"its text is not UTF-8 ({err})"))
            return None

    def codings(self, element: etree._Element, user: str) -> tuple[QdaCoding, ...]:
        out = []
        for coding in children(element, "Coding"):
            refs = children(coding, "CodeRef")
            if refs:
                out.append(
                    QdaCoding(
                        code_guid=(refs[0].get("targetGUID") or "").upper(),
                        user=self.user(coding, user),
                        date=coding.get("creationDateTime", ""),
                    )
                )
        return tuple(out)

    def selections(
        self, element: etree._Element, raw: str, label: str, owner: str
    ) -> tuple[str, tuple[QdaSelection, ...]]:
        """Return the source's text in code points with ``\\n`` ends, and its selections."""
        found = children(element, "PlainTextSelection")
        bounds: list[int] = []
        for selection in found:
            try:
                bounds += [
                    int(selection.get("startPosition", "")),
                    int(selection.get("endPosition", "")),
                ]
            except ValueError:
                bounds += [-1, -1]
        # NVivo counts UTF-16 units; a position past the last code point but within the UTF-16
        # length says so too.
        longest = max(bounds, default=0)
        utf16 = "nvivo" in self.origin.lower() or len(raw) < longest <= utf16_length(raw)
        # ATLAS.ti counts a CRLF as one character; QualCoder counts on its text with \n ends
        # even when it writes CRLFs for MAXQDA.
        crlf_is_one = any(tool in self.origin.lower() for tool in ("atlas", "qualcoder"))
        text, points = convert_positions(raw, bounds, utf16=utf16, crlf_is_one=crlf_is_one)
        out = []
        for n, selection in enumerate(found):
            start, end = points[2 * n], points[2 * n + 1]
            codings = self.codings(selection, self.user(selection, owner))
            if bounds[2 * n] < 0 or not 0 <= start < end <= len(text):
                self.skipped.append(
                    (self.where(selection, label), "its positions are not within the text")
                )
                continue
            if not codings:
                continue  # a note on the text (MAXQDA, NVivo): not a coding
            out.append(
                QdaSelection(
                    start=start,
                    end=end,
                    codings=codings,
                    user=self.user(selection, owner),
                    name=selection.get("name", ""),
                    note=child_text(selection, "Description"),
                    date=selection.get("creationDateTime", ""),
                )
            )
        whole = self.codings(element, owner)
        if whole and text:
            out.append(QdaSelection(0, len(text), whole, user=owner, note="the whole source"))
        return text, tuple(out)

    def source(self, element: etree._Element) -> QdaSource | None:
        kind = local_name(element)
        label = element.get("name") or element.get("guid") or kind
        if kind in _MEDIA:
            self.skipped.append(
                (
                    self.where(element, label),
                    f"a {kind}: the workbook reads text and PDF sources only",
                )
            )
            return None
        owner = self.user(element)
        if kind == "PDFSource":
            return self.pdf(element, label, owner)
        if kind != "TextSource":
            return None
        raw = self.text(element, label)
        if raw is None:
            return None
        text, selections = self.selections(element, raw, label, owner)
        return QdaSource(
            guid=(element.get("guid") or "").upper(),
            name=label,
            kind="text",
            text=text,
            selections=selections,
            description=child_text(element, "Description"),
            user=owner,
            date=element.get("creationDateTime", ""),
        )

    def pdf(self, element: etree._Element, label: str, owner: str) -> QdaSource | None:
        data = _internal(self.archive, element.get("path") or "")
        if data is None:
            self.skipped.append(
                (
                    self.where(element, label),
                    f"the PDF {element.get('path') or '(no path)'} is not inside the archive",
                )
            )
            return None
        areas = children(element, "PDFSelection")
        if areas:
            self.skipped.append(
                (
                    self.where(element, label),
                    f"{len(areas)} coded area(s) of pages: the workbook codes text, not page areas",
                )
            )
        representations = children(element, "Representation")
        text: str = ""
        selections: tuple[QdaSelection, ...] = ()
        if representations:
            raw = self.text(representations[0], label)
            if raw is not None:
                text, selections = self.selections(representations[0], raw, label, owner)
        return QdaSource(
            guid=(element.get("guid") or "").upper(),
            name=label,
            kind="pdf",
            text=text,
            selections=selections,
            description=child_text(element, "Description"),
            pdf=data,
            user=owner,
            date=element.get("creationDateTime", ""),
        )

    def sources(self, root: etree._Element) -> Iterator[QdaSource]:
        for holder in children(root, "Sources"):
            for element in holder:
                if isinstance(element.tag, str):
                    source = self.source(element)
                    if source is not None:
                        yield source


def read_qdpx(data: bytes, name: str = "project.qdpx") -> QdaProject:
    """Return the project of a .qdpx archive's bytes: users, codebook, sources, selections.

    Raise ``ExchangeError`` when it is not a zip archive holding a REFI-QDA project, and
    ``CodebookError`` (with the line) when its XML is malformed.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as err:
        hint = (
            " (it is XML: a codebook is imported with `evidence codebook import`)"
            if data.lstrip().startswith((b"<", b"\xef\xbb\xbf<"))
            else ""
        )
        raise ExchangeError(
            f"{name}: not a .qdpx archive (a REFI-QDA project is a zip file){hint}"
        ) from err
    with archive:
        qde, xml = _project_xml(archive, name)
        root = read_xml(xml, f"{name}!{qde}")
        namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
        if local_name(root) != "Project" or not namespace.startswith("urn:QDA-XML:project:"):
            raise ExchangeError(
                f"{name}!{qde}: not a REFI-QDA project (the root is {local_name(root)!r} "
                f"in {namespace or 'no namespace'!r})"
            )
        reader = _Reader(archive, f"{name}!{qde}", root.get("origin", ""))
        for holder in children(root, "Users"):
            for user in children(holder, "User"):
                reader.users[(user.get("guid") or "").upper()] = (
                    user.get("name") or user.get("guid") or ""
                )
        books = children(root, "CodeBook")
        codebook = read_codes(books[0] if books else None, f"{name}!{qde}")
        sources = tuple(reader.sources(root))
    codebook = type(codebook)(
        codebook.codes, codebook.sets, codebook.origin or root.get("origin", "")
    )
    return QdaProject(
        name=root.get("name", ""),
        origin=root.get("origin", ""),
        users=tuple(QdaUser(g, n) for g, n in reader.users.items()),
        codebook=codebook,
        sources=sources,
        skipped=tuple(reader.skipped),
    )
