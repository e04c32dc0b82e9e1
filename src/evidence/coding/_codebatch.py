"""Code a batch of passages at once: the batch form of :meth:`Rules.explain`.

Occurrences come from each language's :class:`~evidence.coding._batch.BatchFinder` as rows (passage,
rule, span, occurrence); the rules shared by every passage (skip signs, vetoes) are applied
to the few passages where they occur, and the rest is sorting and de-duplicating arrays.
The result is exactly that of matching passage by passage: one match per code and span, the
first rule in codebook order naming it, vetoes and skip rules applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from operator import getitem
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evidence.coding._arrays import IntArray, run_starts, spread
from evidence.coding._batch import BatchFinder, Occurrences
from evidence.coding._match import MATCH, Coding, Match, contents_like, too_short
from evidence.coding._patterns import lower_text
from evidence.coding._rules import Rules

__all__ = ["BatchCoder"]

_PLAIN, _VETO, _SKIP = 0, 1, 2
# Bytes that may follow the last digit of a page number: the first bytes of the UTF-8 forms of
# whitespace (NUL, which ends a text here, is tested apart).
_SPACE_BYTE = np.zeros(256, dtype=bool)
_SPACE_BYTE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 0xC2, 0xE1, 0xE2, 0xE3]] = True
_new_tuple = tuple.__new__


class BatchCoder:
    """Rule codings for batches of ``(passage_id, text, lang)``, with the given ``rules``."""

    def __init__(self, rules: Rules) -> None:
        self._rules = rules
        # Per language, its finder and the index of its first rule in the arrays below.
        self._finders: dict[str, tuple[BatchFinder, int]] = {}
        ranks: list[Any] = []
        kinds: list[Any] = []
        sources: list[Any] = []
        for lang in rules.languages:
            pset, lang_rules = rules.sets[lang]
            self._finders[lang] = (BatchFinder(pset), len(ranks))
            for rule in lang_rules:
                ranks.append(rules.code_order[rule.code] if rule.code else -1)
                kinds.append(_SKIP if rule.skip else _VETO if rule.veto else _PLAIN)
                sources.append(rule.source)
        self._rank = np.asarray(ranks or [-1], dtype=np.int64)
        self._code_names = np.asarray(list(rules.codebook.codes), dtype=object)
        self._source_names = np.asarray(sources or [""], dtype=object)
        self._kind = np.asarray(kinds or [_PLAIN], dtype=np.int64)
        self._skip = rules.codebook.skip

    def code(self, batch: Sequence[tuple[str, str, str]]) -> list[Coding]:
        """Return the codings of ``batch``, in passage order and then codebook order."""
        texts = [text for _, text, _ in batch]
        lows = _lowered(texts)
        found = self._occurrences(lows, self._members(batch))
        if found is None:
            return []
        rows, n_occurrences = found
        keep = self._kept(texts, lows, rows, n_occurrences)
        passage, rule, start, end = (
            rows.passage[keep],
            rows.rule[keep],
            rows.start[keep],
            rows.end[keep],
        )
        if not len(passage):
            return []
        passage, rank, start, end, rule = self._first_per_code_and_span(passage, rule, start, end)
        matches = self._matches(texts, passage, rank, start, end, rule)
        return self._codings(batch, matches, passage, rank, rule)

    def _members(self, batch: Sequence[tuple[str, str, str]]) -> dict[str, list[int]]:
        """Return, per language of the rules, the passages of ``batch`` its patterns read."""
        by_lang: dict[str | None, list[int]] = {}
        for p, (_, _, lang) in enumerate(batch):
            found = by_lang.get(lang)
            if found is None:
                by_lang[lang] = [p]
            else:
                found.append(p)
        members: dict[str, list[int]] = {}
        for language, chosen in by_lang.items():
            for key in self._rules.languages_for(language):
                members.setdefault(key, []).extend(chosen)
        return members

    def _occurrences(
        self, lows: list[str], members: dict[str, list[int]]
    ) -> tuple[Occurrences, int] | None:
        """Return the occurrences of every language's rules in its passages, and their number.

        Passages index the batch, rules the arrays of all languages; None when nothing occurs.
        """
        columns = []
        n_seen = 0
        for key, chosen in members.items():
            finder, offset = self._finders[key]
            (p, rule, start, end, occ), n_occ = finder.find_many([lows[i] for i in chosen])
            if len(p):
                where = np.asarray(chosen, dtype=np.int64)[p]
                columns.append((where, rule + offset, start, end, occ + n_seen))
                n_seen += n_occ
        if not columns:
            return None
        return Occurrences(*(np.concatenate([c[k] for c in columns]) for k in range(5))), n_seen

    def _kept(
        self, texts: list[str], lows: list[str], rows: Occurrences, n_occurrences: int
    ) -> NDArray[np.bool_]:
        """Return which rows are matches that code their passage, skip rules and vetoes applied."""
        passage, rule = rows.passage, rows.rule
        keep = self._kind[rule] == _PLAIN
        min_words = self._skip.min_words
        if min_words:
            short = [too_short(low, min_words) for low in lows]
            keep &= ~np.asarray(short, dtype=bool)[passage]
        if self._skip.min_numbers:
            matched = np.zeros(len(texts), dtype=bool)
            matched[passage[keep]] = True
            keep &= ~self._contents(texts, matched)[passage]
        if (self._kind[rule] != _PLAIN).any():
            keep &= self._apply_special(len(texts), n_occurrences, rows)
        return keep

    def _first_per_code_and_span(
        self, passage: IntArray, rule: IntArray, start: IntArray, end: IntArray
    ) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
        """Return (passage, rank, start, end, rule) of one match per code and span.

        Rows come sorted by passage, code rank and position; of several rules finding one
        span for a code, the first in rule order is kept.
        """
        rank = self._rank[rule]
        order = np.lexsort((rule, end, start, rank, passage))
        passage, rank, start, end, rule = (
            passage[order],
            rank[order],
            start[order],
            end[order],
            rule[order],
        )
        first = run_starts(passage, rank, start, end)
        return passage[first], rank[first], start[first], end[first], rule[first]

    def _matches(
        self,
        texts: list[str],
        passage: IntArray,
        rank: IntArray,
        start: IntArray,
        end: IntArray,
        rule: IntArray,
    ) -> list[Match]:
        """Return the :class:`Match` of each row."""
        # Matches (and codings) are made with C-level maps over the columns: a Python loop
        # per match would cost more than finding it.
        texts_of = np.asarray(texts, dtype=object)[passage].tolist()
        return list(
            map(
                _new_tuple,
                repeat(Match),
                zip(
                    self._code_names[rank].tolist(),
                    self._source_names[rule].tolist(),
                    start.tolist(),
                    end.tolist(),
                    map(getitem, texts_of, map(slice, start.tolist(), end.tolist())),
                    repeat(MATCH),
                ),
            )
        )

    def _codings(
        self,
        batch: Sequence[tuple[str, str, str]],
        matches: list[Match],
        passage: IntArray,
        rank: IntArray,
        rule: IntArray,
    ) -> list[Coding]:
        """Return one :class:`Coding` per run of ``matches`` of a passage and code.

        Its provenance is the rule of the run's first match; its spans are the run.
        """
        heads = np.flatnonzero(run_starts(passage, rank))
        bounds = [*heads.tolist(), len(matches)]
        spans = [tuple(matches[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
        ids = np.asarray([pid for pid, _, _ in batch], dtype=object)[passage[heads]].tolist()
        return list(
            map(
                _new_tuple,
                repeat(Coding),
                zip(
                    ids,
                    self._code_names[rank[heads]].tolist(),
                    repeat("rule"),
                    self._source_names[rule[heads]].tolist(),
                    spans,
                ),
            )
        )

    def _apply_special(
        self, n_passages: int, n_occurrences: int, rows: Occurrences
    ) -> NDArray[np.bool_]:
        """Return which rows survive the skip signs and vetoes of their passages.

        A passage with ``min_matches`` distinct skip signs loses every match; a match that
        overlaps a veto of its code (or a veto of all codes) is cancelled with the rest of its
        occurrence (both sides of a NEAR).
        """
        keep = np.ones(len(rows.passage), dtype=bool)
        kind = self._kind[rows.rule]
        signs = np.flatnonzero(kind == _SKIP)
        if self._skip.min_matches and len(signs):
            keep &= self._few_signs(n_passages, rows, signs)
        vetoes = np.flatnonzero((kind == _VETO) & keep)
        if not len(vetoes):
            return keep
        plain = np.flatnonzero(kind == _PLAIN)
        cancelled = self._cancelled(n_passages, n_occurrences, rows, plain[keep[plain]], vetoes)
        return keep & ~cancelled[rows.occurrence]

    def _few_signs(self, n_passages: int, rows: Occurrences, signs: IntArray) -> NDArray[np.bool_]:
        """Return which rows are in passages with fewer than ``min_matches`` skip signs."""
        passage, _, start, end, occ = rows
        # Signs are counted once per span, however many patterns found them; a sign with
        # two spans (a NEAR) counts by its pair of spans, as passage by passage.
        sign = self._sign_keys(passage[signs], start[signs], end[signs], occ[signs])
        counted = np.unique(sign, axis=0)
        found = np.bincount(counted[:, 0], minlength=n_passages)
        return found[passage] < self._skip.min_matches

    def _cancelled(
        self,
        n_passages: int,
        n_occurrences: int,
        rows: Occurrences,
        plain: IntArray,
        vetoes: IntArray,
    ) -> NDArray[np.bool_]:
        """Return, per occurrence, whether a veto cancels it.

        A row of ``plain`` (the matches still kept) is cancelled by a row of ``vetoes`` in its
        passage that overlaps it and vetoes its code or all codes.
        """
        passage, rule, start, end, occ = rows
        vetoed = np.zeros(n_passages, dtype=bool)
        vetoed[passage[vetoes]] = True
        plain = plain[vetoed[passage[plain]]]
        order = np.argsort(passage[vetoes], kind="stable")
        vetoes = vetoes[order]
        vp = passage[vetoes]
        lo = np.searchsorted(vp, passage[plain], side="left")
        counts = np.searchsorted(vp, passage[plain], side="right") - lo
        owner, at = spread(lo, counts)
        mi, vi = plain[owner], vetoes[at]
        vcode = self._rank[rule[vi]]
        hit = (
            ((vcode < 0) | (vcode == self._rank[rule[mi]]))
            & (start[mi] < end[vi])
            & (start[vi] < end[mi])
        )
        cancelled = np.zeros(n_occurrences, dtype=bool)
        cancelled[occ[mi[hit]]] = True
        return cancelled

    def _contents(self, texts: Sequence[str], matched: np.ndarray) -> np.ndarray:
        """Return which texts read as a table of contents (see :func:`contents_like`).

        Only the texts with matches (``matched``, a mask) that may hold enough page numbers
        (:meth:`_page_number_counts`) are read with the expression.
        """
        minimum = self._skip.min_numbers
        flagged = np.zeros(len(texts), dtype=bool)
        chosen = np.flatnonzero(matched)
        if not len(chosen):
            return flagged
        picked = [texts[i] for i in chosen.tolist()]
        joined = "\x00".join(picked)
        if joined.count("\x00") == len(picked) - 1:
            chosen = chosen[self._page_number_counts(joined, len(picked)) >= minimum]
        # else a text holds NUL, which the byte pass uses as a separator: read them all.
        for i in chosen.tolist():
            flagged[i] = contents_like(texts[i], minimum)
        return flagged

    @staticmethod
    def _page_number_counts(joined: str, n_texts: int) -> np.ndarray:
        """Return, per text of ``joined`` (NUL-separated), how many page numbers it may hold.

        A possible page number is a run of one to three digits that follows a space (or no
        character, or one outside ASCII) and precedes a space or the end, but not one space and
        a small letter: at least every match of the expression. One pass over the UTF-8 bytes
        finds the digits; the rest looks at the few bytes around them.
        """
        # Three NULs before and two after, so that every look around a digit stays inside.
        raw = np.frombuffer(
            b"\x00\x00\x00" + joined.encode("utf-8", "surrogatepass") + b"\x00\x00", dtype=np.uint8
        )
        ends = np.flatnonzero(raw == 0)
        digit = np.flatnonzero((raw - 48) < 10)
        after = raw[digit + 1]
        last = digit[_SPACE_BYTE[after] | (after == 0)]
        one_space_then_small = (raw[last + 1] == 32) & ((raw[last + 2] - 97) < 26)
        last = last[~one_space_then_small]
        before = [raw[last - k] for k in (1, 2, 3)]
        is_digit = [(b - 48) < 10 for b in before]
        # The byte before the run: a run of 4 or more digits is never a page number.
        lead = np.where(is_digit[0], np.where(is_digit[1], before[2], before[1]), before[0])
        long_run = is_digit[0] & is_digit[1] & is_digit[2]
        possible = ~long_run & ~((lead >= 0x21) & (lead <= 0x7E))
        owner = np.searchsorted(ends, last[possible]) - 3
        return np.bincount(owner, minlength=n_texts)

    @staticmethod
    def _sign_keys(
        passage: np.ndarray, start: np.ndarray, end: np.ndarray, occ: np.ndarray
    ) -> np.ndarray:
        """Return one (passage, spans...) row per skip-sign occurrence, for counting."""
        order = np.lexsort((end, start, occ, passage))
        passage, start, end, occ = passage[order], start[order], end[order], occ[order]
        head = run_starts(occ, passage)
        # Each occurrence has one or two spans; the second span of a two-span one follows.
        second = np.flatnonzero(~head)
        first = np.flatnonzero(head)
        keys = np.full((len(first), 5), -1, dtype=np.int64)
        keys[:, 0], keys[:, 1], keys[:, 2] = passage[first], start[first], end[first]
        if len(second):
            slot = np.searchsorted(first, second, side="right") - 1
            keys[slot, 3], keys[slot, 4] = start[second], end[second]
        return keys


def _lowered(texts: list[str]) -> list[str]:
    """Return ``texts`` lowercased, each as long as its original (see lower_text)."""
    lows = list(map(str.lower, texts))
    # Lowercasing may change a text's length (a few Unicode letters): lower_text keeps
    # the offsets of the original for those.
    changed = np.flatnonzero(
        np.fromiter(map(len, lows), np.int64, len(lows))
        != np.fromiter(map(len, texts), np.int64, len(texts))
    )
    for p in changed.tolist():
        lows[p] = lower_text(texts[p])
    return lows
