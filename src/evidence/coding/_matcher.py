"""Code passages with the codebook's rules, and explain why a passage got its codes.

:func:`compile_codebook` compiles every pattern once per language; :meth:`Matcher.match` returns
the matches in a passage (character offsets in the original text), vetoes applied;
:func:`code_passages` turns them into one :class:`~evidence.coding._match.Coding` per passage
and code, coding passages in batches.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from itertools import islice

from evidence.coding._codebatch import BatchCoder
from evidence.coding._codebook import Codebook
from evidence.coding._match import Coding, Match
from evidence.coding._rules import Rules

__all__ = ["Matcher", "code_passages", "compile_codebook", "explain_passage"]

_BATCH = 4096


class Matcher:
    """The codebook's patterns compiled once per language."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self.version = codebook.version
        self.languages = codebook.languages
        self._rules = Rules(codebook)
        #: position of each code in the codebook, to list codes in codebook order
        self.code_order = self._rules.code_order
        # Made on first use by code_passages, and kept with its caches.
        self._batch_coder: BatchCoder | None = None

    def match(self, text: str, lang: str | None) -> list[Match]:
        """Return the matches that code ``text``, in text order, vetoes applied.

        ``lang`` selects the language's patterns; another or unknown language uses them all.
        """
        return self._rules.explain(text, lang, keep_all=False)

    def explain(self, text: str, lang: str | None) -> list[Match]:
        """Return every match in ``text``, including vetoes and the matches they cancelled."""
        return self._rules.explain(text, lang, keep_all=True)


def compile_codebook(codebook: Codebook) -> Matcher:
    """Return a :class:`Matcher` with every pattern of ``codebook`` compiled per language."""
    return Matcher(codebook)


def code_passages(passages: Iterable[tuple[str, str, str]], matcher: Matcher) -> list[Coding]:
    """Return one rule :class:`Coding` per (passage, code) for ``(passage_id, text, lang)``.

    The provenance is the pattern of the code's first match in the passage; spans are all its
    matches. Codings come in passage order, then codebook order. Passages are coded in
    batches (see :mod:`evidence.coding._codebatch`): the codings are those of :meth:`Matcher.match`.
    """
    coder = matcher._batch_coder
    if coder is None:
        coder = matcher._batch_coder = BatchCoder(matcher._rules)
    out: list[Coding] = []
    rows = iter(passages)
    # Codings and matches are tuples that cannot form cycles, made by the hundred thousand:
    # the cyclic collector, triggered by their number, would walk every object each time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        while batch := list(islice(rows, _BATCH)):
            out.extend(coder.code(batch))
    finally:
        if collecting:
            gc.enable()
    return out


def explain_passage(text: str, lang: str | None, matcher: Matcher) -> list[Match]:
    """Return every match in ``text``, including vetoes and the matches they cancelled."""
    return matcher.explain(text, lang)
