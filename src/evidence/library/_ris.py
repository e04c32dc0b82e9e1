"""RIS files: each record is checked on its own, a malformed one is reported with its line.

Records become Zotero-shaped item data (see :mod:`evidence.library._item_data`), so a
reference gives the same source as from Zotero or BibTeX.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import rispy

from ._bibtex import LoadReport
from ._item_data import ItemFiles, item_data, pinned_key, read_text, sources_from_items

__all__ = ["load_ris", "parse_ris"]

_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_RIS_CONTINUED = {"AB", "N1", "N2"}  # long notes are wrapped over several lines in practice
_RIS_TYPES = {
    "JOUR": "journalArticle",
    "JFULL": "journalArticle",
    "EJOUR": "journalArticle",
    "BOOK": "book",
    "EBOOK": "book",
    "CHAP": "bookSection",
    "ECHAP": "bookSection",
    "CONF": "conferencePaper",
    "CPAPER": "conferencePaper",
    "RPRT": "report",
    "THES": "thesis",
    "ELEC": "webpage",
    "WEB": "webpage",
    "NEWS": "newspaperArticle",
    "MGZN": "magazineArticle",
    "UNPB": "manuscript",
    "MANSCPT": "manuscript",
}
_TITLE_TAGS = {"TI", "T1", "CT", "BT"}


def _creators(names: list[str], role: str) -> list[dict[str, str]]:
    return [
        {
            "creatorType": role,
            "lastName": a.partition(",")[0].strip(),
            "firstName": a.partition(",")[2].strip(),
        }
        for a in names
    ]


def _container(entry: dict[str, Any]) -> str:
    return (
        entry.get("journal_name")
        or entry.get("secondary_title")
        or entry.get("alternate_title3")
        or entry.get("alternate_title1")
        or ""
    )


def _files(entry: dict[str, Any]) -> list[str]:
    attached = str(entry.get("file_attachments1") or "")
    return [f.strip() for f in re.split(r"[;\n]", attached) if f.strip()]


def _ris_record(lines: list[tuple[int, str]]) -> ItemFiles:
    entry = rispy.loads("\n".join(text for _, text in lines) + "\nER  - \n")[0]
    kind = _RIS_TYPES.get(str(entry.get("type_of_reference", "")), "document")
    authors = entry.get("authors", []) + entry.get("first_authors", [])
    pages = "--".join(p for p in (entry.get("start_page"), entry.get("end_page")) if p)
    fields = {
        "title": entry.get("title") or entry.get("primary_title"),
        "creators": _creators(authors, "author")
        + _creators(entry.get("secondary_authors", []), "editor"),
        "date": entry.get("year") or entry.get("publication_year") or entry.get("date"),
        "publisher": entry.get("publisher"),
        "place": entry.get("place_published"),
        "volume": entry.get("volume"),
        "issue": entry.get("number"),
        "pages": pages,
        "DOI": entry.get("doi"),
        "url": (entry.get("urls") or [""])[0],
        "language": entry.get("language"),
        "citationKey": pinned_key(str(entry.get("id", "")).strip()),
        "tags": [{"tag": k} for k in entry.get("keywords", [])],
    }
    return item_data(lines[0][0], kind, fields, _container(entry)), _files(entry)


def _tag(line: str) -> str:
    m = _RIS_TAG.match(line)
    return m.group(1) if m else ""


def _closed_record(record: list[tuple[int, str]], broken: str) -> ItemFiles | str:
    """Return the item of a record closed by its ER line, or why it is skipped."""
    if broken:
        return broken
    if not {_tag(t) for _, t in record} & _TITLE_TAGS:
        return "record has no title (TI or T1)"
    return _ris_record(record)


def parse_ris(text: str, name: str = "references.ris") -> LoadReport:
    """Parse RIS text; return its sources and the records skipped with line and reason."""
    items: list[ItemFiles] = []
    skipped: list[tuple[str, str]] = []
    record: list[tuple[int, str]] = []
    broken = last = ""
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line, tag = raw.rstrip(), _tag(raw.rstrip())
        last = tag or last
        if not record:
            if tag == "TY":
                record, broken = [(number, line)], ""
            elif line:
                skipped.append((f"{name}:{number}", f"text outside a record: {line[:60]!r}"))
        elif tag == "TY":
            skipped.append((f"{name}:{record[0][0]}", "record has no ER line before the next TY"))
            record, broken = [(number, line)], ""
        elif tag == "ER":
            closed = _closed_record(record, broken)
            if isinstance(closed, str):
                skipped.append((f"{name}:{record[0][0]}", closed))
            else:
                items.append(closed)
            record = []
        elif tag or (line and last in _RIS_CONTINUED):
            record.append((number, line))
        elif line:
            broken = broken or f"line {number} is not a RIS tag line: {line[:60]!r}"
    if record:
        skipped.append((f"{name}:{record[0][0]}", "record has no ER line at the end of the file"))
    return sources_from_items(items, skipped, name, "ris")


def load_ris(path: str | Path) -> LoadReport:
    """Read a .ris file; raise ``LibraryError`` only if the file itself cannot be read."""
    p = Path(path)
    return parse_ris(read_text(p), p.name)
