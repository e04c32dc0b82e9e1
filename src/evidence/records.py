"""Stable identities: a passage's id comes from its source, its page and its text.

Because the id does not depend on when or in which order passages were extracted,
human coding decisions keyed by it survive re-extraction and a rebuild from scratch.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["make_passage_id", "normalise_for_id"]

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
