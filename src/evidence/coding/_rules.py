"""The codebook's rules compiled once per language, and how they code one passage.

:class:`Rules` holds, per language, one :class:`~evidence.coding._automaton.PatternSet` of
the skip signs, the vetoes and the codes' patterns, in that order, with the :class:`Rule` each
pattern stands for. :meth:`Rules.explain` reads one passage: every occurrence, ranked by rule
order, then skip signs and vetoes applied. The batch coder gives the same codings for many
passages at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter

from evidence.coding._automaton import PatternSet
from evidence.coding._codebook import Codebook, PatternEntry
from evidence.coding._match import MATCH, SKIP, VETO, VETOED, Match, contents_like, too_short
from evidence.coding._patterns import lower_text

__all__ = ["Rule", "Rules"]

_POSITION = attrgetter("start", "end")
_RULE_ORDER = itemgetter(0, 1)

_Spans = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """What a pattern does: code ``code`` (none for a skip sign or a veto of all codes),
    veto it, or signal a passage to skip; ``source`` is the pattern as written."""

    code: str
    source: str
    veto: bool
    skip: bool = False


class Rules:
    """The codebook's patterns compiled once per language, with the rule behind each."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self.languages = codebook.languages
        #: position of each code in the codebook, to list codes in codebook order
        self.code_order = {code_id: i for i, code_id in enumerate(codebook.codes)}
        #: per language, its compiled patterns and the rule of each (same index)
        self.sets: dict[str, tuple[PatternSet, list[Rule]]] = {}
        for lang in codebook.languages:
            rules, entries = _rules_of(codebook, lang)
            groups = [(rule.code, rule.veto, rule.skip) for rule in rules]
            self.sets[lang] = (PatternSet([e.pattern for e in entries], lang, groups), rules)

    def languages_for(self, lang: str | None) -> Sequence[str]:
        """Return the languages whose patterns code a passage in ``lang``.

        A passage in a codebook language uses that language's patterns; one in another or
        unknown language uses them all (``fr-BE`` and ``fr_BE`` count as ``fr``).
        """
        key = (lang or "").lower().split("-", 1)[0].split("_", 1)[0]
        return (key,) if key in self.sets else self.languages

    def explain(self, text: str, lang: str | None, *, keep_all: bool) -> list[Match]:
        """Return the matches in ``text`` in text order, vetoes and skip rules applied.

        With ``keep_all``, also the skip signs, the vetoes and the matches they cancelled,
        each with its status; without, only the matches that code the passage.
        """
        low = lower_text(text)
        found = self._found(low, self.languages_for(lang))
        if not found:
            return []
        skipped = self._skipped(text, low, found)
        vetoes = [(rule.code, spans) for rule, spans in found if rule.veto]
        # One match per code and span: several patterns of a code often find the same word.
        seen: set[tuple[str, int, int, str]] = set()
        out: list[Match] = []
        for rule, spans in found:
            status = _status(rule, spans, skipped, vetoes, keep_all)
            if status is None:
                continue
            for start, end in spans:
                key = (rule.code, start, end, status)
                if key not in seen:
                    seen.add(key)
                    out.append(Match(rule.code, rule.source, start, end, text[start:end], status))
        out.sort(key=_POSITION)
        return out

    def _found(self, low: str, languages: Sequence[str]) -> list[tuple[Rule, _Spans]]:
        """Return every occurrence in ``low`` with its rule, in language and rule order."""
        ranked: list[tuple[int, int, _Spans]] = []
        for position, key in enumerate(languages):
            pset, _ = self.sets[key]
            ranked.extend([(position, index, spans) for index, spans in pset.find(low)])
        # Rule order decides which of several patterns finding one span is reported.
        ranked.sort(key=_RULE_ORDER)
        return [(self.sets[languages[p]][1][i], spans) for p, i, spans in ranked]

    def _skipped(self, text: str, low: str, found: list[tuple[Rule, _Spans]]) -> bool:
        """Return whether the skip rule leaves the passage uncoded."""
        skip = self.codebook.skip
        skipped = too_short(low, skip.min_words) or contents_like(text, skip.min_numbers)
        if skip.min_matches:
            signs = {spans for rule, spans in found if rule.skip}
            skipped = skipped or len(signs) >= skip.min_matches
        return skipped


def _rules_of(codebook: Codebook, lang: str) -> tuple[list[Rule], list[PatternEntry]]:
    """Return the rules of language ``lang`` and their patterns: skip signs, vetoes, codes."""
    rules: list[Rule] = []
    entries: list[PatternEntry] = []
    for entry in codebook.skip.patterns:
        if entry.lang in (lang, "any"):
            rules.append(Rule("", entry.source, False, True))
            entries.append(entry)
    for entry in codebook.vetoes:
        if entry.lang in (lang, "any"):
            rules.append(Rule("", entry.source, True))
            entries.append(entry)
    for code in codebook.codes.values():
        for group, veto in ((code.patterns, False), (code.vetoes, True)):
            for entry in group:
                if entry.lang in (lang, "any"):
                    rules.append(Rule(code.id, entry.source, veto))
                    entries.append(entry)
    return rules, entries


def _status(
    rule: Rule,
    spans: _Spans,
    skipped: bool,
    vetoes: list[tuple[str, _Spans]],
    keep_all: bool,
) -> str | None:
    """Return the status of an occurrence of ``rule``, or None when it is not reported."""
    if rule.skip:
        return SKIP if skipped and keep_all else None
    if rule.veto:
        return VETO if keep_all else None
    if skipped or (vetoes and _is_vetoed(rule.code, spans, vetoes)):
        return VETOED if keep_all else None
    return MATCH


def _is_vetoed(code: str, spans: _Spans, vetoes: list[tuple[str, _Spans]]) -> bool:
    """Return whether a veto of ``code`` (or of all codes) overlaps one of ``spans``."""
    for veto_code, veto_spans in vetoes:
        if veto_code and veto_code != code:
            continue
        for vs, ve in veto_spans:
            for s, e in spans:
                if s < ve and vs < e:
                    return True
    return False
