"""What rule coding produces (:class:`Match`, :class:`Coding`) and the skip tests it shares.

Both ways of coding, passage by passage (:mod:`evidence.coding._rules`) and in batches
(:mod:`evidence.coding._codebatch`), build these records and skip the same passages, so the
records and the skip tests live here, below both.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "MATCH",
    "SKIP",
    "VETO",
    "VETOED",
    "Coding",
    "Match",
    "contents_like",
    "too_short",
]

#: the statuses of a :class:`Match`
MATCH, VETO, VETOED, SKIP = "match", "veto", "vetoed", "skip"
# A page number in a table of contents or an index: one to three digits on their own, before a
# capitalised title, a section number or the end ("Methods 7 2.1 Sample 8 Results 12").
_PAGE_NUMBER = re.compile(r"(?<!\S)[0-9]{1,3}(?=\s+(?:[A-ZÀ-ÖØ-Þ]|[0-9]{1,2}\.[0-9])|\s*$)")
_WORDS_PER_PAGE_NUMBER = 12


class Match(NamedTuple):
    """A pattern found in a passage: ``start``/``end`` are offsets in the original text.

    ``status`` is ``match`` for a match that codes the passage; an explanation also holds
    ``veto`` (a veto pattern found), ``vetoed`` (a match cancelled by a veto or because the
    passage is skipped) and ``skip`` (a sign that the passage is a reference list or the like).
    """

    code: str
    pattern: str
    start: int
    end: int
    text: str
    status: str = MATCH


class Coding(NamedTuple):
    """One code on one passage, with where it came from (a rule, a model or a person)."""

    passage_id: str
    code: str
    origin: str = "rule"
    provenance: str = ""
    spans: tuple[Match, ...] = ()


def too_short(low: str, min_words: int) -> bool:
    """Return whether a passage has fewer than ``min_words`` words (0: no minimum)."""
    return min_words > 0 and low.count(" ") + 1 < min_words and len(low.split()) < min_words


def contents_like(text: str, min_numbers: int) -> bool:
    """Return whether ``text`` reads as a table of contents or an index (0: never).

    That is at least ``min_numbers`` page numbers (one to three digits before a capitalised
    word, a section number or the end of the text), and at least one per 12 words, as when a
    contents page loses its dotted leaders in extraction. Prose citing a few figures does not
    qualify.
    """
    if min_numbers <= 0:
        return False
    found = len(_PAGE_NUMBER.findall(text))
    return found >= min_numbers and found * _WORDS_PER_PAGE_NUMBER >= len(text.split())
