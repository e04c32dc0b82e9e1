"""The records every stage hands on (documents, passages, codings) and their stable ids.

A passage's id comes from its source, its page and its text. Because the id does not depend
on when or in which order passages were extracted, human coding decisions keyed by it
survive re-extraction and a rebuild from scratch.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "CodingRow",
    "DocumentRow",
    "PassageRow",
    "make_passage_id",
    "normalise_for_id",
]

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_for_id(text: str) -> str:
    """Return ``text`` folded for identity: NFKC, case-folded, punctuation and spaces removed."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def make_passage_id(source_key: str, page_index: int | None, text: str, occurrence: int = 0) -> str:
    """Return the 16-hex-digit id of a passage: source key, page index, text, repeat number.

    ``occurrence`` tells apart identical passages on the same page of the same source.
    """
    page = "" if page_index is None else str(page_index)
    material = "\x1f".join((source_key, page, normalise_for_id(text), str(occurrence)))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """A registered file of a source, with what was last extracted from it."""

    id: int
    source_key: str
    path: str
    sha256: str
    status: str
    reason: str
    extracted_sha256: str
    extractor_version: str
    coded_version: str


@dataclass(frozen=True, slots=True)
class PassageRow:
    """A passage ready to be written: id, place, text."""

    id: str
    source_key: str
    seq: int
    page_index: int | None
    page_label: str
    section: str
    lang: str
    text: str
    origin: str = "pdf"
    comment: str = ""
    extra: str = "{}"


@dataclass(frozen=True, slots=True)
class CodingRow:
    """One code on one passage, with where it came from."""

    passage_id: str
    code: str
    origin: str
    provenance: str = ""
    negated: bool = False
    score: float | None = None
    spans: str = "[]"
