"""RIS files: each record is checked on its own, a malformed one is reported with its line.

Records become Zotero-shaped item data (see :mod:`evidence.library._item_data`), so a
reference gives the same source as from Zotero or BibTeX.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import rispy

from evidence.errors import LibraryError

from ._bibtex import LoadReport, split_name
from ._item_data import ItemFiles, item_data, pinned_key, read_text, sources_from_items

__all__ = ["load_ris", "parse_ris"]

_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
# Tags of more than two characters some exports write (PubMed's PMID, Ovid's): not RIS.
_LONG_TAG = re.compile(r"^[A-Z][A-Z0-9]{2,5} {1,2}- ")
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


def _creators(names: list[str], role: str) -> list[dict[str, str]]:
    """Return Zotero creators of RIS names, split by BibTeX's rules (``Liu R.`` included)."""
    out = []
    for name in names:
        family, given = split_name(name.replace("{", "").replace("}", ""))
        if family or given:
            out.append({"creatorType": role, "lastName": family, "firstName": given})
    return out


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


def _value(line: str) -> str:
    m = _RIS_TAG.match(line)
    return (m.group(2) or "").strip() if m else ""


def _not_ris(text: str, name: str) -> LibraryError:
    """Return the error for a file without any RIS record, saying what it looks like."""
    head = next((line for line in text.splitlines() if line.strip()), "")
    looks = ""
    if re.match(r"^(FN|PT|VR) ", head):
        looks = " (it looks like Web of Science plain text: export the records as RIS instead)"
    elif head.lstrip().startswith(("@", "[", "{")):
        looks = " (it looks like BibTeX or JSON: give it the .bib or .json extension)"
    return LibraryError(
        f"{name}: not a RIS file: no record starts with a 'TY  - ' line{looks}; "
        "export the references again as RIS"
    )


def _records(text: str, name: str) -> tuple[list[list[tuple[int, str]]], list[tuple[str, str]]]:
    """Return the records of RIS text as (line, tag line) lists, and the problems found.

    Database header lines, record numbers (``1.``) and blank lines outside records are
    ignored; inside a record, a line that is not a tag line continues the field above it, and
    tags longer than two letters (``PMID  -``, which some exports write) are ignored.
    """
    records: list[list[tuple[int, str]]] = []
    problems: list[tuple[str, str]] = []
    record: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        tag = _tag(line)
        if tag == "TY":
            if record:  # no ER line: the record ends where the next one starts
                records.append(record)
            record = [(number, line)]
        elif not record:
            if tag and tag != "ER":
                problems.append(
                    (f"{name}:{number}", f"a {tag} line outside a record (no TY before it)")
                )
        elif tag == "ER":
            records.append(record)
            record = []
        elif tag:
            record.append((number, line))
        elif _LONG_TAG.match(line):
            continue
        elif line.strip() and len(record) > 1:
            previous_number, previous = record[-1]
            record[-1] = (previous_number, f"{previous} {line.strip()}")
    if record:
        records.append(record)
    return records, problems


def parse_ris(text: str, name: str = "references.ris") -> LoadReport:
    """Parse RIS text; return its sources and the records skipped with line and reason.

    Raise ``LibraryError`` once when the text holds no RIS record at all.
    """
    text = text.lstrip("\ufeff")
    records, problems = _records(text, name)
    if not records:
        raise _not_ris(text, name)
    items: list[ItemFiles] = []
    skipped = list(problems)
    for record in records:
        if not any(_value(t) for _, t in record[1:]):
            skipped.append((f"{name}:{record[0][0]}", "empty record: no tag has a value"))
            continue
        items.append(_ris_record(record))
    return sources_from_items(items, skipped, name, "ris")


def load_ris(path: str | Path) -> LoadReport:
    """Read a .ris file; raise ``LibraryError`` only if the file itself cannot be read."""
    p = Path(path)
    return parse_ris(read_text(p), p.name)
