"""Records of RIS and CSL-JSON files as Zotero-shaped item data, and the sources they give.

The other formats do not build sources themselves: their records become the ``data`` dicts
the Zotero API returns, and go through the same citation-key rule and BibTeX reading as the
Zotero route (see :mod:`evidence.library._bibwrite`), so a reference gives the same source
whichever file it came from.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evidence.errors import LibraryError

from ._bibtex import LoadReport, normalise_language, parse_bibtex
from ._bibwrite import make_citation_keys, render_bibtex

__all__ = ["ItemFiles", "item_data", "pinned_key", "read_text", "sources_from_items"]

# One record: its Zotero-shaped data, and the paths of its attached files.
ItemFiles = tuple[dict[str, Any], list[str]]

_CONTAINER = {
    "journalArticle": "publicationTitle",
    "newspaperArticle": "publicationTitle",
    "magazineArticle": "publicationTitle",
    "bookSection": "bookTitle",
    "conferencePaper": "proceedingsTitle",
}
_KEY = re.compile(r"^[A-Za-z][\w:.+-]*$")


def pinned_key(value: str) -> str:
    """Return a record's own citation key when it can be one, else ""."""
    return value if _KEY.match(value) else ""


def item_data(position: int, kind: str, fields: dict[str, Any], container: str) -> dict[str, Any]:
    """Return Zotero item data for a record at ``position`` (its line or index: its item key)."""
    data = {"key": f"{position:09d}", "itemType": kind, **{k: v for k, v in fields.items() if v}}
    if container:
        data[_CONTAINER.get(kind, "publicationTitle")] = container
    return data


def sources_from_items(
    items: Sequence[ItemFiles],
    skipped: list[tuple[str, str]],
    name: str,
    origin: str,
    *,
    labels: Mapping[int, str] | None = None,
) -> LoadReport:
    """Return the sources of item data read from file ``name``, skipped records by line.

    ``labels`` names a record by its position when ``name:position`` would not (CSL-JSON).
    """
    datas = [d for d, _ in items]
    keys, problems = make_citation_keys(datas)
    named = labels or {}
    skipped += [(named.get(int(z), f"{name}:{int(z)}"), why) for z, why in problems]
    bib = render_bibtex(
        datas,
        keys,
        files={d["key"]: f for d, f in items},
        languages={d["key"]: normalise_language(d.get("language", "")) for d in datas},
    )
    parsed = parse_bibtex(bib, name)
    sources = tuple(dataclasses.replace(s, origin=origin) for s in parsed.sources)
    return LoadReport(sources, tuple(sorted(skipped, key=lambda s: _position(s[0]))))


def _position(item: str) -> int:
    digits = re.match(r"\D*(\d+)", item.rsplit(":", 1)[-1])
    return int(digits.group(1)) if digits else 0


def read_text(path: Path) -> str:
    """Return a reference file's text; raise ``LibraryError`` when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise LibraryError(
            f"{path}: no such file; set [workbook] bibliography in evidence.toml "
            "or configure [zotero]"
        ) from exc
    except UnicodeDecodeError as exc:
        raise LibraryError(f"{path}: not UTF-8 text ({exc}); export it again as UTF-8") from exc
