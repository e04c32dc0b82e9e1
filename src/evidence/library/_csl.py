"""CSL-JSON files: each entry is checked on its own, a malformed one is reported with its index.

Entries become Zotero-shaped item data (see :mod:`evidence.library._item_data`), so a
reference gives the same source as from Zotero or BibTeX.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evidence.errors import LibraryError

from ._bibtex import LoadReport
from ._item_data import ItemFiles, item_data, pinned_key, read_text, sources_from_items

__all__ = ["load_csl_json", "parse_csl_json"]

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
_UNTOLD = "the entries after this one could not be told apart; fix the JSON and sync again"


def _csl_names(value: Any, role: str) -> list[dict[str, str]]:
    if not isinstance(value, list) or not all(isinstance(n, dict) for n in value):
        raise ValueError(f"'{role}' must be a list of names")
    out = []
    for n in value:
        if n.get("family"):
            particle = str(n.get("non-dropping-particle") or "")
            given = " ".join(filter(None, (str(n.get("given") or ""), n.get("dropping-particle"))))
            out.append(
                {
                    "creatorType": role,
                    "lastName": " ".join(filter(None, (particle, str(n["family"])))),
                    "firstName": ", ".join(filter(None, (given, n.get("suffix")))),
                }
            )
        elif n.get("literal") or n.get("given"):
            out.append({"creatorType": role, "name": str(n.get("literal") or n.get("given"))})
    return out


def _csl_date(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value or "")
    parts = value.get("date-parts") or [[]]
    if parts and parts[0]:
        return "-".join(str(p) for p in parts[0])
    return str(value.get("raw") or value.get("literal") or "")


def _csl_record(index: int, entry: Any) -> ItemFiles:
    if not isinstance(entry, dict):
        raise ValueError(f"an entry must be an object, not {type(entry).__name__}")
    if not set(entry) - {"id", "type"}:
        raise ValueError("empty entry: nothing but an id and a type")
    kind = _CSL_TYPES.get(str(entry.get("type", "")), "document")
    fields = {
        "title": str(entry.get("title") or ""),
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
        "citationKey": pinned_key(str(entry.get("id", "")).strip()),
    }
    return item_data(index, kind, fields, str(entry.get("container-title") or "")), []


def _after_broken(text: str, pos: int, exc: json.JSONDecodeError) -> int | None:
    """Return where the entry after a broken one starts, or None when it cannot be found."""
    # The next entry opens at the same indentation as the broken one did.
    indent = text[text.rfind("\n", 0, pos) + 1 : pos]
    m = re.compile(r"\n" + re.escape(indent) + r"(?=[^\s}\]])").search(text, max(exc.pos, pos + 1))
    if m is None or indent.strip():
        return None
    return m.end()


def _entries(text: str, pos: int) -> Iterator[tuple[int, Any, str]]:
    """Yield (line, entry, "") per entry of the array from ``pos``; (line, None, why) if broken."""
    decoder = json.JSONDecoder()
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return
        line = text.count("\n", 0, pos) + 1
        try:
            entry, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield line, None, f"not valid JSON ({exc.msg} at line {exc.lineno})"
            after = _after_broken(text, pos, exc)
            if after is None:
                yield line, None, _UNTOLD
                return
            pos = after
            continue
        yield line, entry, ""


def parse_csl_json(text: str, name: str = "references.json") -> LoadReport:
    """Parse a CSL-JSON array; return its sources and the entries skipped with their place.

    Entries are read one JSON value at a time and told apart by their index in the array
    (``refs.json:record 3 (line 40)``), so records sharing a line (a minified export) never
    collide. An entry that is not valid JSON is skipped up to the next line that opens one.
    """
    text = text.lstrip("\ufeff")
    start = len(text) - len(text.lstrip())
    if not text.startswith("[", start):
        raise LibraryError(f"{name}: not a CSL-JSON array (no '['); export it again as CSL JSON")
    items: list[ItemFiles] = []
    skipped: list[tuple[str, str]] = []
    labels: dict[int, str] = {}
    for index, (line, entry, broken) in enumerate(_entries(text, start + 1), start=1):
        labels[index] = f"{name}:record {index} (line {line})"
        if broken:
            skipped.append((labels[index], broken))
            continue
        try:
            items.append(_csl_record(index, entry))
        except ValueError as exc:
            skipped.append((labels[index], f"entry skipped: {exc}"))
    return sources_from_items(items, skipped, name, "csljson", labels=labels)


def load_csl_json(path: str | Path) -> LoadReport:
    """Read a CSL-JSON file; raise ``LibraryError`` only if the file itself cannot be read."""
    p = Path(path)
    return parse_csl_json(read_text(p), p.name)
