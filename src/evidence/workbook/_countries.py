"""The ``[countries]`` table of evidence.toml: the country of sources that name none.

A reference's country is read from its own fields (Zotero's place and Extra, a RIS or
BibTeX address); a field note's from its metadata. Where a source names none, or names a
place of publication that is not where the work is about, ``[countries]`` says it by
citation key; what it says wins over what was read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from evidence.config import Settings
from evidence.places import find_country

__all__ = ["with_countries"]


def with_countries(settings: Settings, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return source records with the country ``[countries]`` gives their key, if any."""
    named = settings.countries
    return [
        {**r, "country": find_country(named[r["key"]]) or named[r["key"]]}
        if r["key"] in named
        else r
        for r in records
    ]
