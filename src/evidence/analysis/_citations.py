"""Short citations of sources and passages: one formatter, two styles, in the reader's language.

``narrative``: ``Dubois & Peeters (2021), p. 12``, as the drill-down, the explorer and the
spreadsheets show a passage; ``parenthetical``: ``Dubois & Peeters, 2021, p. 12``, as the theme
briefs and the recommendations put it inside brackets. A field item is cited by its kind and
organisation pseudonym, its § label instead of a page: ``Entretien ORG03, 2025, §4``. Chapters
cite the literature through pandoc (``[@key, p. 12]``); field items, which are not in the
bibliography, through :func:`compute_field_references`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from evidence.i18n import text, texts

__all__ = ["STYLES", "compute_field_references", "format_citation", "read_authors"]

STYLES = ("narrative", "parenthetical")


def read_authors(value: Any) -> list[str]:
    """Return a source's authors from the store's JSON text or a list."""
    if isinstance(value, str):
        return list(json.loads(value or "[]"))
    return list(value) if isinstance(value, list | tuple) else []


def _who(authors: Sequence[str]) -> str:
    families = [a.split(",")[0].strip() for a in authors if a.strip()]
    if not families:
        return "Anon."
    if len(families) <= 2:
        return " & ".join(families)
    return f"{families[0]} et al."


def _when(year: object, lang: str) -> str:
    if year is None or pd.isna(year):
        return text("common", "undated", lang)
    return str(int(year))  # type: ignore[call-overload]


def format_citation(
    authors: Any,
    year: object,
    page: str = "",
    *,
    style: str = "narrative",
    lang: str = "fr",
    kind: str = "literature",
    item_type: str = "",
) -> str:
    """Return a short citation of a source at ``page`` in ``style`` (narrative or parenthetical).

    ``authors`` is a list or the store's JSON text; a ``field`` item is cited by its kind
    (``item_type``: interview, testimony, ...) and organisation, ``page`` being its § label.
    """
    if style not in STYLES:
        raise ValueError(f"citation style {style!r} is unknown: use {' or '.join(STYLES)}")
    names = read_authors(authors)
    when = _when(year, lang)
    if kind == "field":
        label = texts("kind", lang).get(item_type, item_type)
        who = " ".join([label, *names[:1]]).strip()
        if style == "parenthetical":
            return ", ".join(p for p in (who, when, page) if p)
        return f"{who} ({when})" + (f", {page}" if page else "")
    if style == "parenthetical":
        return ", ".join([_who(names), when] + ([f"p. {page}"] if page else []))
    return f"{_who(names)} ({when})" + (f", p. {page}" if page else "")


def compute_field_references(sources: pd.DataFrame, lang: str = "fr") -> dict[str, str]:
    """Return field source key -> plain-text reference (``Entretien ORG03, 2025``).

    Field items are not in references.bib: a chapter cites a field passage as
    ``(reference, §label)`` instead of a pandoc citation.
    """
    field = sources[sources["kind"] == "field"]
    return {
        str(k): format_citation(a, y, style="parenthetical", lang=lang, kind="field", item_type=t)
        for k, t, a, y in zip(
            field["key"], field["item_type"], field["authors"], field["year"], strict=True
        )
    }
