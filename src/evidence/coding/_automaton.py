"""The compiled form of a language's patterns: one token index and one phrase trie.

Pattern words become atoms. Each distinct text token is resolved once (then cached) to the
atoms it satisfies: by stem, exact word or wildcard. Phrases are walked in a trie keyed by
atom, so a passage costs a dictionary look-up per token plus the phrases that actually
continue; NEAR rules pair the occurrences of their two sides.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, count
from operator import itemgetter

import snowballstemmer

from evidence.coding._patterns import (
    STEMMERS,
    Pattern,
    PatternError,
    Word,
    ends_sentence,
    fold_word,
)

__all__ = ["ANY_WORD", "TOKEN_SPLIT", "PatternSet", "TrieNode"]

# A token is a run of letters and digits; soft hyphens and zero-width characters inside a word
# (left by word processors and some PDFs) belong to it and are ignored when it is looked up.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060"
#: splits a text into separator, token, separator, ... (tokens at the odd positions)
TOKEN_SPLIT = re.compile(rf"([^\W_]+(?:[{_INVISIBLE}]+[^\W_]+)*)")
_DROP_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE))
_CHUNK = re.compile(r"\S+")
_MAX_CACHE = 400_000
_COMPOUNDING = {"nl", "de"}
_MIN_HEAD = 4
_MIN_MODIFIER = 4
#: the atom of a bare ``*`` in a phrase, which any one word satisfies
ANY_WORD = -1
_ACTIVE = itemgetter(5)


@dataclass(slots=True)
class _Rule:
    near: int | None
    regex: re.Pattern[str] | None
    sentence: bool = False


class TrieNode:
    """A node of the phrase trie: children by atom id, and the phrases that end here."""

    __slots__ = ("children", "ends")

    def __init__(self) -> None:
        self.children: dict[int, TrieNode] = {}
        self.ends: list[int] = []


# Per distinct token: its atoms; the plain rules it completes alone; the one-word phrases it
# completes that belong to NEAR rules; the trie nodes from which a phrase may continue and the
# atoms that may follow them (None: any); whether it does any of this.
_TokenInfo = tuple[
    frozenset[int],
    tuple[int, ...],
    tuple[int, ...],
    tuple[TrieNode, ...],
    frozenset[int] | None,
    bool,
]
_EMPTY: _TokenInfo = (frozenset(), (), (), (), frozenset(), False)


def _bits(indices: Iterable[int]) -> int:
    """Return the integer with bit ``i`` set for each of ``indices``."""
    return sum(1 << i for i in set(indices))


class _TokenCache(dict[str, _TokenInfo]):
    """Token information by token; a missing token is resolved (and stored) on first sight."""

    def __init__(self, lookup: Callable[[str], _TokenInfo]) -> None:
        super().__init__()
        self._resolve = lookup

    def __missing__(self, token: str) -> _TokenInfo:
        return self._resolve(token)


class PatternSet:
    """Patterns of one language compiled together; :meth:`find` returns their occurrences.

    Pattern words become atoms; each distinct text token is resolved once to the atoms it
    satisfies (cached), and phrases are walked in a trie keyed by atom, so a passage costs a
    dictionary look-up per token plus the phrases that actually continue.
    """

    def __init__(
        self, patterns: Sequence[Pattern], lang: str, groups: Sequence[Hashable] | None = None
    ) -> None:
        """Compile ``patterns``; ``groups`` (one key per pattern) declares patterns equivalent.

        Of several patterns of one group found at the same span, only the first is reported:
        a caller that only needs one match per code and span says so by grouping by code.
        """
        if lang not in STEMMERS:
            raise PatternError(f"no stemmer for language {lang!r}; use one of {sorted(STEMMERS)}")
        self.lang = lang
        self._stemmer = snowballstemmer.stemmer(STEMMERS[lang])
        self._atoms: dict[Word, int] = {}
        self._stem_index: dict[str, list[tuple[int, str]]] = {}
        self._stem_heads: set[str] = set()
        self._compounds = lang in _COMPOUNDING
        self._tails: dict[str, list[int]] = {}
        self._exact_index: dict[str, list[int]] = {}
        self._glob_heads: dict[str, list[tuple[re.Pattern[str], int]]] = {}
        self._glob_tails: dict[str, list[tuple[re.Pattern[str], int]]] = {}
        self._glob_other: dict[str, list[tuple[re.Pattern[str], int]]] = {}
        self._root = TrieNode()
        self._n_phrases = 0
        self._phrase_ids: dict[tuple[int, ...], int] = {}
        self._phrase_rules: list[list[tuple[int, int]]] = []
        self._rules: list[_Rule] = []
        self._regex_rules: list[int] = []
        self._cache = _TokenCache(self._lookup)
        for index, pattern in enumerate(patterns):
            self._add(index, pattern)
        self._glob_span = max(map(len, [*self._glob_heads, *self._glob_tails]), default=0)
        self._groups: Sequence[Hashable] = range(len(patterns)) if groups is None else groups
        self._plain_rules = [
            self._first_of_groups(i for i, _ in rules if self._rules[i].near is None)
            for rules in self._phrase_rules
        ]
        self._index_near_rules()

    def _index_near_rules(self) -> None:
        """Index the NEAR rules by the phrases of their sides.

        NEAR rules are looked up from the phrases found on their left; their sides are the
        phrase ids of each side, intersected with the phrases that occur in the passage.
        """
        near = [rule.near is not None for rule in self._rules]
        self._in_near = [any(near[i] for i, _ in rules) for rules in self._phrase_rules]
        sides: dict[int, tuple[set[int], set[int]]] = {}
        for pid, rules in enumerate(self._phrase_rules):
            for i, side in rules:
                if near[i]:
                    sides.setdefault(i, (set(), set()))[side].add(pid)
        self._near_sides = {i: (frozenset(lp), frozenset(rp)) for i, (lp, rp) in sides.items()}
        # The NEAR rules each phrase can be the left (right) side of, as bits of an integer, so
        # the rules with both sides present in a passage are one AND away.
        self._left_bits = [
            _bits(i for i, s in rules if s == 0 and near[i]) for rules in self._phrase_rules
        ]
        self._right_bits = [
            _bits(i for i, s in rules if s == 1 and near[i]) for rules in self._phrase_rules
        ]

    def _first_of_groups(self, indices: Iterable[int]) -> tuple[int, ...]:
        """Return ``indices`` without repeats, keeping the first pattern of each group."""
        groups = self._groups
        seen: set[Hashable] = set()
        out: list[int] = []
        for index in indices:
            group = groups[index]
            if group not in seen:
                seen.add(group)
                out.append(index)
        return tuple(out)

    def _add(self, index: int, pattern: Pattern) -> None:
        self._rules.append(_Rule(pattern.near, pattern.regex, pattern.sentence))
        if pattern.regex is not None:
            self._regex_rules.append(index)
            return
        for side, phrases in enumerate((pattern.left, pattern.right)):
            for phrase in phrases:
                pid = self._phrase_id(tuple(self._atom(w) for w in phrase))
                self._phrase_rules[pid].append((index, side))

    def _phrase_id(self, atoms: tuple[int, ...]) -> int:
        pid = self._phrase_ids.get(atoms)
        if pid is None:
            pid = self._phrase_ids[atoms] = self._n_phrases
            self._n_phrases += 1
            self._phrase_rules.append([])
            node = self._root
            for atom in atoms:
                node = node.children.setdefault(atom, TrieNode())
            node.ends.append(pid)
        return pid

    def _atom(self, word: Word) -> int:
        if word.kind == "any":
            return ANY_WORD
        aid = self._atoms.get(word)
        if aid is not None:
            return aid
        aid = self._atoms[word] = len(self._atoms)
        if word.kind == "stem":
            for key in self._stem_keys(word.text):
                self._stem_index.setdefault(key, []).append((aid, word.text[:2]))
            self._stem_heads.add(word.text[:2])
            if self._compounds and len(word.text) >= _MIN_HEAD:
                # Dutch and German compounds are right-headed: "straatgeweld" is a kind of
                # "geweld", so a word also matches compounds ending with it or with its stem
                # (unless the stemmer cut a prefix, as Dutch "ge-").
                self._tails.setdefault(word.text, []).append(aid)
                stem = fold_word(self._stemmer.stemWord(word.text))
                if len(stem) >= _MIN_HEAD and word.text.startswith(stem):
                    self._tails.setdefault(stem, []).append(aid)
        elif word.kind == "exact":
            self._exact_index.setdefault(word.text, []).append(aid)
        else:
            # Globs are filed under their literal head (before the first *) or, when they
            # start with *, their literal tail, so a token checks only the globs it could match.
            regex = re.compile(".*".join(re.escape(p) for p in word.text.split("*")))
            head, _, rest = word.text.partition("*")
            tail = rest.rpartition("*")[2] if not head else ""
            index = self._glob_heads if head else self._glob_tails if tail else self._glob_other
            index.setdefault(head or tail, []).append((regex, aid))
        return aid

    def _stem_keys(self, word: str) -> set[str]:
        stem = self._stemmer.stemWord
        folded = fold_word(word)
        keys = {fold_word(stem(word))}
        if folded != word:
            keys.add(stem(folded))
        return keys

    def _compound_atoms(self, folded: str, keys: set[str]) -> set[int]:
        """Atoms of the pattern words that end this compound (nachtopvang ends with opvang)."""
        found: set[int] = set()
        for text in (folded, *keys):
            for start in range(_MIN_MODIFIER, len(text) - _MIN_HEAD + 1):
                found.update(self._tails.get(text[start:], ()))
        return found

    def _lookup(self, raw: str) -> _TokenInfo:
        token = raw if raw.isalnum() else raw.translate(_DROP_INVISIBLE)
        folded = fold_word(token)
        atoms: set[int] = set(self._exact_index.get(folded, ()))
        # The prefix guard stops stemmers that strip prefixes (Dutch ge-) from equating
        # unrelated words: "geweld" and "wel" share a stem but not their first letters.
        # Words with digits are neither stemmed nor matched by wildcards, only looked up as such.
        head = folded[:2]
        if not folded.isalpha():
            atoms.update(aid for aid, h in self._stem_index.get(folded, ()) if h == head)
        else:
            keys = self._stem_keys(token) if head in self._stem_heads or self._tails else set()
            for key in keys:
                atoms.update(aid for aid, h in self._stem_index.get(key, ()) if h == head)
            if self._tails:
                atoms.update(self._compound_atoms(folded, keys))
            candidates = list(self._glob_other.get("", ()))
            for size in range(1, min(len(folded), self._glob_span) + 1):
                candidates.extend(self._glob_heads.get(folded[:size], ()))
                candidates.extend(self._glob_tails.get(folded[-size:], ()))
            atoms.update(aid for regex, aid in candidates if regex.fullmatch(folded))
        value = self._token_info(atoms) if atoms else _EMPTY
        if len(self._cache) >= _MAX_CACHE:
            self._cache.clear()
        self._cache[raw] = value
        return value

    def _token_info(self, atoms: set[int]) -> _TokenInfo:
        root = self._root.children
        starts = [root[a] for a in atoms if a in root]
        ends = tuple(pid for node in starts for pid in node.ends)
        conts = tuple(node for node in starts if node.children)
        followers: frozenset[int] | None = frozenset(a for node in conts for a in node.children)
        if followers is not None and ANY_WORD in followers:
            followers = None
        plain = self._first_of_groups(sorted({i for pid in ends for i in self._plain_rules[pid]}))
        near = tuple(pid for pid in ends if self._in_near[pid])
        return (frozenset(atoms), plain, near, conts, followers, bool(plain or near or conts))

    def find(self, low: str) -> list[tuple[int, tuple[tuple[int, int], ...]]]:
        """Return ``(pattern index, spans)`` for each occurrence in ``low`` (see lower_text).

        Spans are character offsets; a NEAR occurrence has two spans, one per side.
        """
        found: list[tuple[int, tuple[tuple[int, int], ...]]] = []
        if self._n_phrases:
            found.extend(self._find_phrases(low))
        for index in self._regex_rules:
            regex = self._rules[index].regex
            assert regex is not None
            found.extend((index, (m.span(),)) for m in regex.finditer(low) if m.end() > m.start())
        return found

    def _find_phrases(self, low: str) -> list[tuple[int, tuple[tuple[int, int], ...]]]:
        """Return the phrase and NEAR occurrences in ``low``, from the tokens that start one."""
        parts = TOKEN_SPLIT.split(low)
        vals = list(map(self._cache.__getitem__, parts[1::2]))
        actives = list(compress(count(), map(_ACTIVE, vals)))
        if not actives:
            return []
        # parts alternate separator, token, separator...; their running lengths give the spans:
        # token i runs from ends[2i] to ends[2i + 1].
        ends = list(accumulate(map(len, parts)))
        n_tokens = len(vals)
        out: list[tuple[int, tuple[tuple[int, int], ...]]] = []
        near_hits: dict[int, list[tuple[int, int]]] = {}
        for i in actives:
            _, plain, near, conts, followers, _ = vals[i]
            if plain:
                span = ((ends[2 * i], ends[2 * i + 1]),)
                out.extend([(index, span) for index in plain])
            for pid in near:
                found = near_hits.get(pid)
                if found is None:
                    near_hits[pid] = [(i, i + 1)]
                else:
                    found.append((i, i + 1))
            if not conts or i + 1 >= n_tokens:
                continue
            if followers is not None and followers.isdisjoint(vals[i + 1][0]):
                continue
            self._continue_phrases(i, conts, vals, ends, out, near_hits)
        if near_hits:
            self._pair_near(near_hits, ends, out, low)
        return list(dict.fromkeys(out)) if len(out) > 1 else out

    def _continue_phrases(
        self,
        i: int,
        conts: tuple[TrieNode, ...],
        vals: list[_TokenInfo],
        ends: list[int],
        out: list[tuple[int, tuple[tuple[int, int], ...]]],
        near_hits: dict[int, list[tuple[int, int]]],
    ) -> None:
        """Walk the trie from the nodes ``conts`` of token ``i`` over the tokens that follow.

        Each phrase completed at token ``j`` adds its plain rules' occurrences to ``out`` and,
        when it is a side of a NEAR rule, its token range to ``near_hits``.
        """
        plain_of, in_near = self._plain_rules, self._in_near
        frontier = list(conts)
        j = i + 1
        while frontier and j < len(vals):
            reached = _children(frontier, vals[j][0])
            j += 1
            frontier = []
            for node in reached:
                for pid in node.ends:
                    if plain_of[pid]:
                        span = ((ends[2 * i], ends[2 * j - 1]),)
                        out.extend([(index, span) for index in plain_of[pid]])
                    if in_near[pid]:
                        near_hits.setdefault(pid, []).append((i, j))
                if node.children:
                    frontier.append(node)

    def _pair_near(
        self,
        near_hits: dict[int, list[tuple[int, int]]],
        ends: list[int],
        out: list[tuple[int, tuple[tuple[int, int], ...]]],
        low: str,
    ) -> None:
        """Add to ``out`` each left occurrence of a NEAR rule paired with its nearest right
        (in the same sentence for ``NEAR/ns``)."""
        present = near_hits.keys()
        bounds: list[int] | None = None
        lefts = rights = 0
        left_bits, right_bits = self._left_bits, self._right_bits
        for pid in present:
            lefts |= left_bits[pid]
            rights |= right_bits[pid]
        candidates = lefts & rights
        while candidates:
            low_bit = candidates & -candidates
            candidates ^= low_bit
            index = low_bit.bit_length() - 1
            left_pids, right_pids = self._near_sides[index]
            # Of equally near right sides, the first in the text is taken.
            right_hits = sorted(h for pid in right_pids & present for h in near_hits[pid])
            if not right_hits:
                continue
            distance = self._rules[index].near
            assert distance is not None
            scoped = self._rules[index].sentence
            if scoped and bounds is None:
                bounds = _sentence_ends(low)
            for pid in left_pids & present:
                for ls, le in near_hits[pid]:
                    best = None
                    for rs, re_ in right_hits:
                        gap = rs - le if rs >= le else ls - re_
                        if scoped and not _same_sentence(bounds, ends[2 * ls], ends[2 * rs]):
                            continue
                        if 0 <= gap <= distance and (best is None or gap < best[0]):
                            best = (gap, rs, re_)
                    if best is not None:
                        left = (ends[2 * ls], ends[2 * le - 1])
                        right = (ends[2 * best[1]], ends[2 * best[2] - 1])
                        out.append((index, (left, right)))


def _sentence_ends(low: str) -> list[int]:
    """Return the offsets where the sentences of ``low`` end (see ``ends_sentence``)."""
    return [m.end() for m in _CHUNK.finditer(low) if ends_sentence(m.group())]


def _same_sentence(bounds: list[int] | None, a: int, b: int) -> bool:
    """Return whether offsets ``a`` and ``b`` lie in the same sentence."""
    assert bounds is not None
    return bisect_right(bounds, a) == bisect_right(bounds, b)


def _children(nodes: list[TrieNode], atoms: frozenset[int]) -> list[TrieNode]:
    """Return the children of ``nodes`` reached by a token with ``atoms`` (or by any word)."""
    reached: list[TrieNode] = []
    for node in nodes:
        children = node.children
        for atom in atoms:
            child = children.get(atom)
            if child is not None:
                reached.append(child)
        if ANY_WORD in children:
            reached.append(children[ANY_WORD])
    return reached
