"""Code passages with the codebook's rules, and explain why a passage got its codes.

:func:`compile_codebook` compiles every pattern once per language; :meth:`Matcher.match` returns
the matches in a passage (character offsets in the original text), vetoes applied;
:func:`code_passages` turns them into one :class:`Coding` per passage and code.
"""

from __future__ import annotations

import gc
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, NamedTuple

from evidence.coding._automaton import PatternSet
from evidence.coding._codebook import Codebook, PatternEntry
from evidence.coding._patterns import lower_text

if TYPE_CHECKING:
    from evidence.coding._codebatch import BatchCoder

__all__ = [
    "Match",
    "Coding",
    "Matcher",
    "compile_codebook",
    "code_passages",
    "explain_passage",
    "render_highlighted",
]

MATCH, VETO, VETOED, SKIP = "match", "veto", "vetoed", "skip"
_POSITION = attrgetter("start", "end")
_RULE_ORDER = itemgetter(0, 1)
_BATCH = 4096
# A page number in a table of contents or an index: one to three digits on their own, before a
# capitalised title, a section number or the end ("Methods 7 2.1 Sample 8 Results 12").
_PAGE_NUMBER = re.compile(r"(?<!\S)[0-9]{1,3}(?=\s+(?:[A-ZÀ-ÖØ-Þ]|[0-9]{1,2}\.[0-9])|\s*$)")
_WORDS_PER_PAGE_NUMBER = 12


class Match(NamedTuple):
    """A pattern found in a passage: ``start``/``end`` are offsets in the original text.

    ``status`` is ``match`` for a match that codes the passage; :func:`explain_passage` also
    returns ``veto`` (a veto pattern found), ``vetoed`` (a match cancelled by a veto or because
    the passage is skipped) and ``skip`` (a sign that the passage is a reference list or the like).
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


@dataclass(frozen=True, slots=True)
class _RuleInfo:
    code: str
    source: str
    veto: bool
    skip: bool = False


class Matcher:
    """The codebook's patterns compiled once per language."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self.version = codebook.version
        self.languages = codebook.languages
        #: position of each code in the codebook, to list codes in codebook order
        self.code_order = {code_id: i for i, code_id in enumerate(codebook.codes)}
        self._sets: dict[str, tuple[PatternSet, list[_RuleInfo]]] = {}
        # Made on first use by code_passages, and kept with its caches.
        self._batch_coder: BatchCoder | None = None
        for lang in codebook.languages:
            infos: list[_RuleInfo] = []
            entries: list[PatternEntry] = []
            for entry in codebook.skip.patterns:
                if entry.lang in (lang, "any"):
                    infos.append(_RuleInfo("", entry.source, False, True))
                    entries.append(entry)
            for entry in codebook.vetoes:
                if entry.lang in (lang, "any"):
                    infos.append(_RuleInfo("", entry.source, True))
                    entries.append(entry)
            for code in codebook.codes.values():
                for group, veto in ((code.patterns, False), (code.vetoes, True)):
                    for entry in group:
                        if entry.lang in (lang, "any"):
                            infos.append(_RuleInfo(code.id, entry.source, veto))
                            entries.append(entry)
            groups = [(info.code, info.veto, info.skip) for info in infos]
            pset = PatternSet([e.pattern for e in entries], lang, groups)
            self._sets[lang] = (pset, infos)

    def match(self, text: str, lang: str | None) -> list[Match]:
        """Return the matches that code ``text``, in text order, vetoes applied.

        ``lang`` selects the language's patterns; another or unknown language uses them all.
        """
        return self._explain(text, lang, keep_all=False)

    def explain(self, text: str, lang: str | None) -> list[Match]:
        """Return every match in ``text``, including vetoes and the matches they cancelled."""
        return self._explain(text, lang, keep_all=True)

    def _languages(self, lang: str | None) -> Sequence[str]:
        key = (lang or "").lower().split("-", 1)[0].split("_", 1)[0]
        return (key,) if key in self._sets else self.languages

    def _explain(self, text: str, lang: str | None, *, keep_all: bool = True) -> list[Match]:
        low = lower_text(text)
        languages = self._languages(lang)
        ranked: list[tuple[int, int, tuple[tuple[int, int], ...]]] = []
        for position, key in enumerate(languages):
            pset, _ = self._sets[key]
            ranked.extend([(position, index, spans) for index, spans in pset.find(low)])
        if not ranked:
            return []
        # Rule order decides which of several patterns finding one span is reported.
        ranked.sort(key=_RULE_ORDER)
        found = [(self._sets[languages[p]][1][i], spans) for p, i, spans in ranked]
        skip = self.codebook.skip
        skipped = too_short(low, skip.min_words) or contents_like(text, skip.min_numbers)
        if skip.min_matches:
            signs = {spans for info, spans in found if info.skip}
            skipped = skipped or len(signs) >= skip.min_matches
        vetoes = [(info.code, spans) for info, spans in found if info.veto]
        # One match per code and span: several patterns of a code often find the same word.
        seen: set[tuple[str, int, int, str]] = set()
        out: list[Match] = []
        for info, spans in found:
            if info.skip:
                if not (skipped and keep_all):
                    continue
                status = SKIP
            elif info.veto:
                if not keep_all:
                    continue
                status = VETO
            elif skipped or (vetoes and _is_vetoed(info.code, spans, vetoes)):
                if not keep_all:
                    continue
                status = VETOED
            else:
                status = MATCH
            for start, end in spans:
                key = (info.code, start, end, status)
                if key not in seen:
                    seen.add(key)
                    out.append(Match(info.code, info.source, start, end, text[start:end], status))
        out.sort(key=_POSITION)
        return out


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


def _is_vetoed(
    code: str,
    spans: tuple[tuple[int, int], ...],
    vetoes: list[tuple[str, tuple[tuple[int, int], ...]]],
) -> bool:
    for veto_code, veto_spans in vetoes:
        if veto_code and veto_code != code:
            continue
        for vs, ve in veto_spans:
            for s, e in spans:
                if s < ve and vs < e:
                    return True
    return False


def compile_codebook(codebook: Codebook) -> Matcher:
    """Return a :class:`Matcher` with every pattern of ``codebook`` compiled per language."""
    return Matcher(codebook)


def code_passages(passages: Iterable[tuple[str, str, str]], matcher: Matcher) -> list[Coding]:
    """Return one rule :class:`Coding` per (passage, code) for ``(passage_id, text, lang)``.

    The provenance is the pattern of the code's first match in the passage; spans are all its
    matches. Codings come in passage order, then codebook order. Passages are coded in
    batches (see :mod:`evidence.coding._codebatch`): the codings are those of :meth:`Matcher.match`.
    """
    from evidence.coding._codebatch import BatchCoder  # it builds on this module's types

    coder = matcher._batch_coder
    if coder is None:
        coder = matcher._batch_coder = BatchCoder(matcher)
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


_ANSI = {MATCH: "\x1b[1;30;43m", VETO: "\x1b[9;37;41m", VETOED: "\x1b[2;9m", SKIP: "\x1b[4;36m"}
_ANSI_RESET = "\x1b[0m"


def render_highlighted(text: str, matches: Sequence[Match], fmt: str = "html") -> str:
    """Return ``text`` with ``matches`` highlighted as ``html``, ``ansi`` or ``markdown``.

    Overlapping matches are merged into one highlighted segment naming all their codes.
    """
    if fmt not in ("html", "ansi", "markdown"):
        raise ValueError(f"unknown format {fmt!r}: use html, ansi or markdown")
    bounds = sorted({0, len(text)} | {b for m in matches for b in (m.start, m.end)})
    runs: list[tuple[int, int, list[Match]]] = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        covering = [m for m in matches if m.start < end and start < m.end]
        prev = runs[-1] if runs else None
        if (
            prev is not None
            and covering
            and prev[2]
            and prev[1] == start
            and _status(covering) == _status(prev[2])
        ):
            runs[-1] = (prev[0], end, prev[2] + [m for m in covering if m not in prev[2]])
            continue
        runs.append((start, end, covering))
    return "".join(
        _render_segment(text[s:e], cov, fmt) if cov else _escape(text[s:e], fmt)
        for s, e, cov in runs
    )


def _status(covering: list[Match]) -> str:
    statuses = {m.status for m in covering}
    for status in (MATCH, VETO, SKIP):
        if status in statuses:
            return status
    return VETOED


def _escape(segment: str, fmt: str) -> str:
    if fmt == "html":
        return html.escape(segment, quote=False)
    if fmt == "markdown":
        return "".join("\\" + c if c in "\\`*_[]<>#|" else c for c in segment)
    return segment


def _render_segment(segment: str, covering: list[Match], fmt: str) -> str:
    status = _status(covering)
    codes = ", ".join(dict.fromkeys(m.code or "all codes" for m in covering))
    if fmt == "ansi":
        return f"{_ANSI[status]}{segment}{_ANSI_RESET}"
    body = _escape(segment, fmt)
    if fmt == "markdown":
        return f"**{body}**" if status == MATCH else f"~~{body}~~"
    title = "; ".join(
        dict.fromkeys(f"{m.code or 'all codes'}: {m.pattern} ({m.status})" for m in covering)
    )
    tag = "mark" if status == MATCH else "del"
    return (
        f'<{tag} class="evidence-{status}" data-codes="{html.escape(codes)}" '
        f'title="{html.escape(title)}">{body}</{tag}>'
    )
