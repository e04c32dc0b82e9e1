"""Offline reference files besides BibTeX: RIS and CSL-JSON.

Each record is checked on its own: a malformed one is reported with its line and skipped,
the rest load. Records are turned into Zotero-shaped item data and go through the same
citation-key rule and BibTeX reading as the Zotero route (see
:mod:`evidence.library._bibwrite`), so a reference gives the same source whichever file it
came from.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import rispy

from evidence.errors import LibraryError

from ._bibtex import LoadReport, load_bibtex, normalise_language, parse_bibtex
from ._bibwrite import make_citation_keys, render_bibtex

__all__ = ["load_csl_json", "load_references", "load_ris", "parse_csl_json", "parse_ris"]

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
_CSL_TYPES = {
    "article-journal": "journalArticle",
    "book": "book",
    "chapter": "bookSection",
    "paper-conference": "conferencePaper",
    "report": "report",
    "thesis": "thesis",
    "webpage": "webpage",
    "post-weblog": "webpage",
    "article-newspaper": "newspaperArticle",
    "article-magazine": "magazineArticle",
    "manuscript": "manuscript",
}
_CONTAINER = {
    "journalArticle": "publicationTitle",
    "newspaperArticle": "publicationTitle",
    "magazineArticle": "publicationTitle",
    "bookSection": "bookTitle",
    "conferencePaper": "proceedingsTitle",
}
_KEY = re.compile(r"^[A-Za-z][\w:.+-]*$")


def _item(line: int, kind: str, fields: dict[str, Any], container: str) -> dict[str, Any]:
    data = {"key": f"{line:09d}", "itemType": kind, **{k: v for k, v in fields.items() if v}}
    if container:
        data[_CONTAINER.get(kind, "publicationTitle")] = container
    return data


def _report(
    items: Sequence[tuple[dict[str, Any], list[str]]],
    skipped: list[tuple[str, str]],
    name: str,
    origin: str,
) -> LoadReport:
    datas = [d for d, _ in items]
    keys, problems = make_citation_keys(datas)
    skipped += [(f"{name}:{int(z)}", why) for z, why in problems]
    bib = render_bibtex(
        datas,
        keys,
        files={d["key"]: f for d, f in items},
        languages={d["key"]: normalise_language(d.get("language", "")) for d in datas},
    )
    parsed = parse_bibtex(bib, name)
    sources = tuple(dataclasses.replace(s, origin=origin) for s in parsed.sources)
    return LoadReport(sources, tuple(sorted(skipped, key=lambda s: _line(s[0]))))


def _line(item: str) -> int:
    tail = item.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _ris_record(lines: list[tuple[int, str]]) -> tuple[dict[str, Any], list[str]]:
    entry = rispy.loads("\n".join(text for _, text in lines) + "\nER  - \n")[0]
    kind = _RIS_TYPES.get(str(entry.get("type_of_reference", "")), "document")
    creators = [
        {
            "creatorType": "author",
            "lastName": a.partition(",")[0].strip(),
            "firstName": a.partition(",")[2].strip(),
        }
        for a in entry.get("authors", []) + entry.get("first_authors", [])
    ]
    creators += [
        {
            "creatorType": "editor",
            "lastName": a.partition(",")[0].strip(),
            "firstName": a.partition(",")[2].strip(),
        }
        for a in entry.get("secondary_authors", [])
    ]
    pages = "--".join(p for p in (entry.get("start_page"), entry.get("end_page")) if p)
    pinned = str(entry.get("id", "")).strip()
    fields = {
        "title": entry.get("title") or entry.get("primary_title"),
        "creators": creators,
        "date": entry.get("year") or entry.get("publication_year") or entry.get("date"),
        "publisher": entry.get("publisher"),
        "place": entry.get("place_published"),
        "volume": entry.get("volume"),
        "issue": entry.get("number"),
        "pages": pages,
        "DOI": entry.get("doi"),
        "url": (entry.get("urls") or [""])[0],
        "language": entry.get("language"),
        "citationKey": pinned if _KEY.match(pinned) else "",
        "tags": [{"tag": k} for k in entry.get("keywords", [])],
    }
    container = (
        entry.get("journal_name")
        or entry.get("secondary_title")
        or entry.get("alternate_title3")
        or entry.get("alternate_title1")
        or ""
    )
    files = [
        f.strip()
        for f in re.split(r"[;\n]", str(entry.get("file_attachments1") or ""))
        if f.strip()
    ]
    return _item(lines[0][0], kind, fields, container), files


def _tag(line: str) -> str:
    m = _RIS_TAG.match(line)
    return m.group(1) if m else ""


def parse_ris(text: str, name: str = "references.ris") -> LoadReport:
    """Parse RIS text; return its sources and the records skipped with line and reason."""
    items: list[tuple[dict[str, Any], list[str]]] = []
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
            tags = {_tag(t) for _, t in record}
            if broken:
                skipped.append((f"{name}:{record[0][0]}", broken))
            elif not tags & {"TI", "T1", "CT", "BT"}:
                skipped.append((f"{name}:{record[0][0]}", "record has no title (TI or T1)"))
            else:
                items.append(_ris_record(record))
            record = []
        elif tag or (line and last in _RIS_CONTINUED):
            record.append((number, line))
        elif line:
            broken = broken or f"line {number} is not a RIS tag line: {line[:60]!r}"
    if record:
        skipped.append((f"{name}:{record[0][0]}", "record has no ER line at the end of the file"))
    return _report(items, skipped, name, "ris")


def _csl_names(value: Any, role: str) -> list[dict[str, str]]:
    if not isinstance(value, list) or not all(isinstance(n, dict) for n in value):
        raise ValueError(f"'{role}' must be a list of names")
    return [
        {
            "creatorType": role,
            "lastName": str(n.get("family", "")),
            "firstName": str(n.get("given", "")),
        }
        if n.get("family")
        else {"creatorType": role, "name": str(n.get("literal", ""))}
        for n in value
    ]


def _csl_date(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value or "")
    parts = value.get("date-parts") or [[]]
    if parts and parts[0]:
        return "-".join(str(p) for p in parts[0])
    return str(value.get("raw") or value.get("literal") or "")


def _csl_record(line: int, entry: Any) -> tuple[dict[str, Any], list[str]]:
    if not isinstance(entry, dict):
        raise ValueError(f"an entry must be an object, not {type(entry).__name__}")
    if not entry.get("title"):
        raise ValueError("entry has no title")
    kind = _CSL_TYPES.get(str(entry.get("type", "")), "document")
    pinned = str(entry.get("id", "")).strip()
    fields = {
        "title": str(entry["title"]),
        "creators": _csl_names(entry.get("author", []), "author")
        + _csl_names(entry.get("editor", []), "editor"),
        "date": _csl_date(entry.get("issued")),
        "publisher": entry.get("publisher"),
        "place": entry.get("publisher-place"),
        "volume": entry.get("volume"),
        "issue": entry.get("issue"),
        "pages": entry.get("page"),
        "DOI": entry.get("DOI"),
        "url": entry.get("URL"),
        "language": entry.get("language"),
        "citationKey": pinned if _KEY.match(pinned) else "",
    }
    return _item(line, kind, fields, str(entry.get("container-title") or "")), []


def parse_csl_json(text: str, name: str = "references.json") -> LoadReport:
    """Parse a CSL-JSON array; return its sources and the entries skipped with line and reason.

    An entry that is not valid JSON is skipped up to the next line that opens an object.
    """
    decoder = json.JSONDecoder()
    text = text.lstrip("\ufeff")
    start = len(text) - len(text.lstrip())
    if not text.startswith("[", start):
        raise LibraryError(f"{name}: not a CSL-JSON array (no '['); export it again as CSL JSON")
    items: list[tuple[dict[str, Any], list[str]]] = []
    skipped: list[tuple[str, str]] = []
    pos = start + 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            break
        line = text.count("\n", 0, pos) + 1
        try:
            entry, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            skipped.append((f"{name}:{line}", f"not valid JSON ({exc.msg} at line {exc.lineno})"))
            # The next entry opens at the same indentation as the broken one did.
            indent = text[text.rfind("\n", 0, pos) + 1 : pos]
            m = re.compile(r"\n" + re.escape(indent) + r"(?=[^\s}\]])").search(
                text, max(exc.pos, pos + 1)
            )
            if m is None or indent.strip():
                skipped.append(
                    (
                        f"{name}:{line}",
                        "the entries after this one could not be "
                        "told apart; fix the JSON and sync again",
                    )
                )
                break
            pos = m.end()
            continue
        try:
            items.append(_csl_record(line, entry))
        except ValueError as exc:
            skipped.append((f"{name}:{line}", f"entry skipped: {exc}"))
    return _report(items, skipped, name, "csljson")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise LibraryError(
            f"{path}: no such file; set [workbook] bibliography in evidence.toml "
            "or configure [zotero]"
        ) from exc
    except UnicodeDecodeError as exc:
        raise LibraryError(f"{path}: not UTF-8 text ({exc}); export it again as UTF-8") from exc


def load_ris(path: str | Path) -> LoadReport:
    """Read a .ris file; raise ``LibraryError`` only if the file itself cannot be read."""
    p = Path(path)
    return parse_ris(_read(p), p.name)


def load_csl_json(path: str | Path) -> LoadReport:
    """Read a CSL-JSON file; raise ``LibraryError`` only if the file itself cannot be read."""
    p = Path(path)
    return parse_csl_json(_read(p), p.name)


def load_references(path: str | Path) -> tuple[str, LoadReport]:
    """Read a bibliography by its extension (.bib, .ris, .json); return (route, report)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".ris":
        return "ris", load_ris(p)
    if suffix == ".json":
        return "csljson", load_csl_json(p)
    return "bibtex", load_bibtex(p)
