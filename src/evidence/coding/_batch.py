"""Find one language's patterns in many passages at once, with array operations.

:class:`BatchFinder` gives the same occurrences as :meth:`PatternSet.find` passage by passage,
but does the per-token work for a whole batch in numpy: a passage costs one ``str.split`` and
one dictionary look-up per whitespace-separated chunk in Python; matching token sets against
the phrase trie, level by level, and pairing NEAR sides are array operations over the batch.

Chunks (the text between whitespace) are resolved once, then cached: their tokens, each
token's atom set and its offsets in the chunk. Passages whose whitespace is not single
characters between chunks (where offsets cannot be added up) go through
:meth:`PatternSet.find`, as do the raw regular expressions.
"""

from __future__ import annotations

import re
import re._constants as _sre_constants  # type: ignore[import-not-found]  # no stubs
import re._parser as _sre_parser  # type: ignore[import-not-found]  # no stubs
from collections.abc import Callable, Sequence
from itertools import accumulate, chain
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from evidence.coding._arrays import Growing, IntArray, csr, expand, run_starts, spread
from evidence.coding._automaton import ANY_WORD, TOKEN_SPLIT, PatternSet, TrieNode
from evidence.coding._patterns import ends_sentence

__all__ = ["BatchFinder", "Occurrences"]

_INT = np.int64
_MAX_CHUNKS = 400_000
_LITERAL = _sre_constants.LITERAL


class Occurrences(NamedTuple):
    """Columns with one row per span of an occurrence: the passage, the rule, the character
    offsets and the occurrence it belongs to (a NEAR occurrence has two spans, hence two rows)."""

    passage: IntArray
    rule: IntArray
    start: IntArray
    end: IntArray
    occurrence: IntArray


class _ChunkCache(dict[str, int]):
    """Chunk ids by chunk; a new chunk is resolved (and stored) on first sight."""

    def __init__(self, resolve: Callable[[str], int]) -> None:
        super().__init__()
        self._resolve = resolve

    def __missing__(self, chunk: str) -> int:
        cid = self[chunk] = self._resolve(chunk)
        return cid


def _required_literal(regex: re.Pattern[str]) -> str:
    """Return the longest run of plain characters every match of ``regex`` contains, or "".

    Only the expression's top level is read (a run of literal characters, nothing optional),
    so a text without that run cannot match: a cheap ``in`` spares most texts the search.
    """
    if regex.flags & re.IGNORECASE:
        return ""
    try:
        parsed = _sre_parser.parse(regex.pattern, regex.flags)
    except (re.error, TypeError, ValueError):
        return ""
    best, run = "", []
    for op, arg in [*parsed, (None, None)]:
        if op is _LITERAL:
            run.append(chr(arg))
            continue
        if len(run) > len(best):
            best = "".join(run)
        run = []
    return best


class _Tokens:
    """Where the tokens of a batch are: computed for the tokens asked about only."""

    __slots__ = (
        "_owner",
        "_tok",
        "_chunk_start",
        "_chunk_passage",
        "_ends",
        "_start",
        "_end",
        "_chunk_sentence",
    )

    def __init__(
        self,
        owner: IntArray,
        tok: IntArray,
        chunk_start: IntArray,
        chunk_passage: IntArray,
        passage_ends: IntArray,
        tok_start: IntArray,
        tok_end: IntArray,
        chunk_sentence: IntArray,
    ) -> None:
        self._owner, self._tok = owner, tok
        self._chunk_start, self._chunk_passage = chunk_start, chunk_passage
        self._ends, self._start, self._end = passage_ends, tok_start, tok_end
        self._chunk_sentence = chunk_sentence

    def passage(self, index: IntArray) -> IntArray:
        """Return the passage of each token."""
        return self._chunk_passage[self._owner[index]]

    def limit(self, index: IntArray) -> IntArray:
        """Return the index after the last token of each token's passage."""
        return self._ends[self.passage(index)]

    def sentence(self, index: IntArray) -> IntArray:
        """Return the sentence of each token: sentences ended before it in the batch."""
        return self._chunk_sentence[self._owner[index]]

    def start(self, index: IntArray) -> IntArray:
        """Return the character offset where each token starts in its passage."""
        return self._start[self._tok[index]] + self._chunk_start[self._owner[index]]

    def end(self, index: IntArray) -> IntArray:
        """Return the character offset where each token ends in its passage."""
        return self._end[self._tok[index]] + self._chunk_start[self._owner[index]]


class BatchFinder:
    """The compiled patterns of one :class:`PatternSet`, applied to batches of passages."""

    def __init__(self, pset: PatternSet) -> None:
        self._pset = pset
        self._width = len(pset._atoms) + 1
        self._index_trie(pset._root)
        self._index_rules(pset)
        # Atom sets by id (0: no atom) and the chunk cache with its arrays.
        self._set_ids: dict[frozenset[int], int] = {frozenset(): 0}
        self._set_ptr = Growing([0, 0])
        self._set_atoms = Growing()
        # The first trie nodes of each atom set (where its phrases start), found once per set.
        self._root_children = {
            int(k) - 1: int(c)
            for k, c in zip(self._keys, self._children, strict=True)
            if k < self._width and k > 0
        }
        self._start_ptr = Growing([0, 0])
        self._start_nodes = Growing()
        self._reset_chunks()

    def _index_trie(self, root: TrieNode) -> None:
        """Lay the phrase trie out as arrays, breadth first.

        Node 0 is the root; a transition is a key node * width + (atom + 1) (the wildcard word
        is atom -1, so key 0 of its node), sorted so that a step is one binary search.
        """
        nodes: list[TrieNode] = [root]
        node_pid: list[int] = [-1]
        any_child: list[int] = [-1]
        keys: list[int] = []
        children: list[int] = []
        for nid, node in enumerate(nodes):  # nodes grows while it is walked: breadth first
            for atom, child in node.children.items():
                if atom == ANY_WORD:
                    any_child[nid] = len(nodes)
                keys.append(nid * self._width + atom + 1)
                children.append(len(nodes))
                nodes.append(child)
                node_pid.append(child.ends[0] if child.ends else -1)
                any_child.append(-1)
        order = np.argsort(np.asarray(keys, dtype=_INT), kind="stable")
        self._keys = np.asarray(keys, dtype=_INT)[order]
        self._children = np.asarray(children, dtype=_INT)[order]
        self._node_pid = np.asarray(node_pid, dtype=_INT)
        self._has_children = np.asarray([bool(n.children) for n in nodes])
        self._any_child = np.asarray(any_child, dtype=_INT) if max(any_child) >= 0 else None

    def _index_rules(self, pset: PatternSet) -> None:
        """Lay the rules out as arrays: each phrase's plain rules and NEAR sides, distances."""
        self._plain_ptr, self._plain_flat = csr(pset._plain_rules)
        near_rules = [
            [(i, side) for i, side in rules if pset._rules[i].near is not None]
            for rules in pset._phrase_rules
        ]
        self._near_ptr, near_flat = csr([[i * 2 + side for i, side in r] for r in near_rules])
        # (rule, side) pairs packed as rule * 2 + side
        self._near_packed = near_flat
        self._in_near = np.asarray([bool(r) for r in near_rules] or [False])
        self._distance = np.asarray(
            [rule.near if rule.near is not None else -1 for rule in pset._rules] or [-1],
            dtype=_INT,
        )
        self._sentence = np.asarray([rule.sentence for rule in pset._rules] or [False])
        self._n_rules = max(len(pset._rules), 1)
        self._regex_only = not pset._n_phrases
        self._regexes = [
            (i, regex, _required_literal(regex))
            for i in pset._regex_rules
            if (regex := pset._rules[i].regex) is not None
        ]
        self._digit_words = {w for w in (*pset._exact_index, *pset._stem_index) if not w.isalpha()}

    def _reset_chunks(self) -> None:
        """Forget the chunks seen, so that the cache stays bounded on a large corpus."""
        self._chunk_ids = _ChunkCache(self._chunk_id)
        self._shapes: dict[tuple[int, ...], int] = {}
        self._chunk_len = Growing()
        self._chunk_ptr = Growing([0])
        self._chunk_stop = Growing()
        self._tok_set = Growing()
        self._tok_start = Growing()
        self._tok_end = Growing()
        self._n_tokens = 0

    def _set_id(self, atoms: frozenset[int]) -> int:
        """Return the id of an atom set, filing a new one with the trie nodes it starts."""
        sid = self._set_ids.get(atoms)
        if sid is None:
            sid = self._set_ids[atoms] = len(self._set_ids)
            self._set_atoms.extend(sorted(atoms))
            self._set_ptr.append(len(self._set_atoms))
            roots = self._root_children
            self._start_nodes.extend(sorted(roots[a] for a in atoms if a in roots))
            self._start_ptr.append(len(self._start_nodes))
        return sid

    def _chunk_id(self, chunk: str) -> int:
        """Resolve a new chunk: its tokens, their atom sets and offsets; return its id.

        Chunks alike in length, token offsets and atom sets (most words with no atom) share
        one id, so the arrays grow with the kinds of chunk rather than with the vocabulary.
        """
        if chunk.isalnum():  # one token, the whole chunk (\w less "_" is str.isalnum)
            # A word with digits is only looked up as such (see PatternSet): most are not
            # pattern words at all.
            if chunk.isalpha() or not chunk.isascii() or chunk in self._digit_words:
                sid = self._set_id(self._pset._cache[chunk][0])
            else:
                sid = 0
            shape: tuple[int, ...] = (len(chunk), sid)
            cid = self._shapes.get(shape)
            if cid is not None:
                return cid
            self._tok_set.append(sid)
            self._tok_start.append(0)
            self._tok_end.append(len(chunk))
            self._n_tokens += 1
        else:
            parts = TOKEN_SPLIT.split(chunk)
            ends = list(accumulate(map(len, parts)))
            cache, set_id = self._pset._cache, self._set_id
            sets = [set_id(cache[token][0]) for token in parts[1::2]]
            stop = int(ends_sentence(chunk))
            # negative: never the shape of one token
            shape = (-len(chunk), stop, *sets, *ends)
            cid = self._shapes.get(shape)
            if cid is not None:
                return cid
            self._tok_set.extend(sets)
            self._tok_start.extend(ends[0::2][: len(sets)])
            self._tok_end.extend(ends[1::2])
            self._n_tokens += len(sets)
        cid = self._shapes[shape] = len(self._chunk_len)
        self._chunk_len.append(len(chunk))
        self._chunk_stop.append(0 if shape[0] > 0 else shape[1])
        self._chunk_ptr.append(self._n_tokens)
        return cid

    def find_many(self, lows: Sequence[str]) -> tuple[Occurrences, int]:
        """Return the occurrences in each of ``lows`` (lowercased texts, see lower_text).

        Rows are in no particular order; the passage column indexes ``lows``; occurrences are
        numbered from 0 to the number returned beside them (exclusive).
        """
        if len(self._chunk_ids) > _MAX_CHUNKS:
            self._reset_chunks()
        rows: list[tuple[IntArray, ...]] = []
        irregular: list[int] = []
        if not self._regex_only:
            irregular = self._find_tokens(lows, rows)
        extra = self._find_apart(lows, irregular)
        if extra:
            columns = np.asarray(extra, dtype=_INT).T
            rows.append(tuple(columns))
        return _merge(rows)

    def _find_apart(
        self, lows: Sequence[str], irregular: list[int]
    ) -> list[tuple[int, int, int, int, int]]:
        """Return the rows found passage by passage, occurrences numbered from 0.

        That is every occurrence in the ``irregular`` passages (in all passages when there are
        only regular expressions), and the regular expressions' occurrences in the others.
        """
        pset = self._pset
        extra: list[tuple[int, int, int, int, int]] = []
        occ = 0
        regexes = self._regexes
        targets = range(len(lows)) if self._regex_only else irregular
        for p in targets:
            for index, spans in pset.find(lows[p]):
                for start, end in spans:
                    extra.append((p, index, start, end, occ))
                occ += 1
        if regexes and not self._regex_only:
            done = set(irregular)
            for index, regex, literal in regexes:
                # A text without the expression's required characters cannot match it.
                chosen = [p for p, low in enumerate(lows) if literal in low and p not in done]
                for p in chosen:
                    for m in regex.finditer(lows[p]):
                        if m.end() > m.start():
                            extra.append((p, index, m.start(), m.end(), occ))
                            occ += 1
        return extra

    def _find_tokens(self, lows: Sequence[str], rows: list[tuple[IntArray, ...]]) -> list[int]:
        """Append the phrase and NEAR occurrences of regular passages; return the irregular."""
        split = list(map(str.split, lows))
        counts = list(map(len, split))
        ids = list(map(self._chunk_ids.__getitem__, chain.from_iterable(split)))
        n = len(lows)
        chunk = np.asarray(ids, dtype=_INT)
        per_passage = np.asarray(counts, dtype=_INT)
        lengths = np.fromiter(map(len, lows), dtype=_INT, count=n)
        chunk_len = self._chunk_len.array()[chunk]
        passage_of_chunk = np.repeat(np.arange(n, dtype=_INT), per_passage)
        text_len = np.bincount(passage_of_chunk, weights=chunk_len, minlength=n).astype(_INT)
        regular = text_len + per_passage - 1 == lengths
        irregular = np.flatnonzero(~regular).tolist()
        # Character offset of each chunk in its passage: the lengths before it, plus one space
        # per chunk before it.
        ends = np.cumsum(chunk_len + 1)
        first_chunk = np.cumsum(per_passage) - per_passage
        base = np.zeros(n, dtype=_INT)
        nonempty = per_passage > 0
        base[nonempty] = (ends - chunk_len - 1)[first_chunk[nonempty]]
        chunk_start = ends - chunk_len - 1 - base[passage_of_chunk]
        chunk_ptr = self._chunk_ptr.array()
        owner, tok = spread(chunk_ptr[chunk], chunk_ptr[chunk + 1] - chunk_ptr[chunk])
        tok_set = self._tok_set.array()[tok]
        stop = self._chunk_stop.array()[chunk]
        tokens = _Tokens(
            owner,
            tok,
            chunk_start,
            passage_of_chunk,
            np.cumsum(np.bincount(passage_of_chunk[owner], minlength=n)),
            self._tok_start.array(),
            self._tok_end.array(),
            np.cumsum(stop) - stop,
        )
        if irregular:
            tok_set = np.where(regular[tokens.passage(np.arange(len(tok)))], tok_set, 0)
        self._walk(tok_set, tokens, rows)
        return irregular

    def _step(self, nodes: IntArray, sets: IntArray) -> tuple[IntArray, IntArray]:
        """Return (frontier position, child) for each transition from ``nodes`` on ``sets``.

        Wildcard words match any token.
        """
        set_ptr, set_atoms = self._set_ptr.array(), self._set_atoms.array()
        pos, atoms = expand(set_ptr, set_atoms, sets)
        if len(self._keys) and len(pos):
            queries = nodes[pos] * self._width + atoms + 1
            at = np.searchsorted(self._keys, queries)
            at[at == len(self._keys)] = 0
            hit = self._keys[at] == queries
            pos, child = pos[hit], self._children[at[hit]]
        else:
            pos, child = pos[:0], atoms[:0]
        if self._any_child is not None:
            wild_child = self._any_child[nodes]
            extra = np.flatnonzero(wild_child >= 0)
            pos = np.concatenate([pos, extra])
            child = np.concatenate([child, wild_child[extra]])
        return pos, child

    def _walk(self, tok_set: IntArray, tokens: _Tokens, rows: list[tuple[IntArray, ...]]) -> None:
        """Walk the trie from every token with atoms; append the rows of what completes."""
        starts = np.flatnonzero(tok_set)
        # The wildcard word never starts a phrase: only atoms do.
        first, child = expand(self._start_ptr.array(), self._start_nodes.array(), tok_set[starts])
        origin = starts[first]
        last = origin.copy()
        found_start: list[IntArray] = []
        found_end: list[IntArray] = []
        found_pid: list[IntArray] = []
        while len(child):
            pid = self._node_pid[child]
            done = pid >= 0
            found_start.append(origin[done])
            found_end.append(last[done] + 1)
            found_pid.append(pid[done])
            go = self._has_children[child] & (last + 1 < tokens.limit(origin))
            origin, last, child = origin[go], last[go] + 1, child[go]
            if not len(child):
                break
            at, child = self._step(child, tok_set[last])
            origin, last = origin[at], last[at]
        if not found_pid:
            return
        t0 = np.concatenate(found_start)
        t1 = np.concatenate(found_end)
        pids = np.concatenate(found_pid)
        owner, rule = expand(self._plain_ptr, self._plain_flat, pids)
        if len(owner):
            a, b = t0[owner], t1[owner] - 1
            occ = np.arange(len(owner), dtype=_INT)
            rows.append((tokens.passage(a), rule, tokens.start(a), tokens.end(b), occ))
        near = np.flatnonzero(self._in_near[pids])
        if len(near):
            self._pair(t0[near], t1[near], pids[near], tokens, rows)

    def _pair(
        self,
        t0: IntArray,
        t1: IntArray,
        pids: IntArray,
        tokens: _Tokens,
        rows: list[tuple[IntArray, ...]],
    ) -> None:
        """Pair each left side of a NEAR rule with its nearest right side in the passage."""
        owner, packed = expand(self._near_ptr, self._near_packed, pids)
        side = packed & 1
        # group = passage * n_rules + rule, with the rule taken from its packed form
        group = (tokens.passage(t0) * self._n_rules)[owner] + (packed >> 1)
        if not len(group):
            return
        keep = _in_groups_with_both_sides(group, side)
        if not keep.any():
            return
        sides = _distinct_sides(group[keep], side[keep], t0[owner[keep]], t1[owner[keep]])
        pairs = self._nearest_pairs(*sides, tokens)
        if pairs is None:
            return
        r, ls, le, rs, re_ = pairs
        occ = np.arange(len(r), dtype=_INT)
        passage = tokens.passage(ls)
        # Both spans of an occurrence in one part, so that they keep one occurrence number.
        rows.append(
            (
                np.concatenate([passage, passage]),
                np.concatenate([r, r]),
                np.concatenate([tokens.start(ls), tokens.start(rs)]),
                np.concatenate([tokens.end(le - 1), tokens.end(re_ - 1)]),
                np.concatenate([occ, occ]),
            )
        )

    def _nearest_pairs(
        self, group: IntArray, side: IntArray, a: IntArray, b: IntArray, tokens: _Tokens
    ) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray] | None:
        """Return (rule, left start, left end, right start, right end) of each NEAR occurrence.

        Of the rows of :func:`_distinct_sides` (token ranges ``a`` to ``b``), every left is
        paired with every right of its group within the rule's distance (and its sentence for
        ``NEAR/ns``); a left keeps its nearest right, the first in the text among equally near
        ones. None: no pair.
        """
        left, right = side == 0, side == 1
        lg, la, lb = group[left], a[left], b[left]
        rg, ra, rb = group[right], a[right], b[right]
        lo = np.searchsorted(rg, lg, side="left")
        counts = np.searchsorted(rg, lg, side="right") - lo
        li, ri = spread(lo, counts)
        gap = np.where(ra[ri] >= lb[li], ra[ri] - lb[li], la[li] - rb[ri])
        rule = lg[li] % self._n_rules
        fine = (gap >= 0) & (gap <= self._distance[rule])
        scoped = self._sentence[rule]
        if scoped.any():
            fine &= ~scoped | (tokens.sentence(la[li]) == tokens.sentence(ra[ri]))
        li, ri, gap = li[fine], ri[fine], gap[fine]
        if not len(li):
            return None
        order = np.lexsort((ri, gap, li))
        li, ri = li[order], ri[order]
        best = run_starts(li)
        li, ri = li[best], ri[best]
        return lg[li] % self._n_rules, la[li], lb[li], ra[ri], rb[ri]


def _merge(rows: list[tuple[IntArray, ...]]) -> tuple[Occurrences, int]:
    """Return the parts ``rows`` as one set of columns, and the number of occurrences."""
    if not rows:
        empty = np.zeros(0, dtype=_INT)
        return Occurrences(empty, empty, empty, empty, empty), 0
    # Each part numbers its occurrences from 0: shift them so that they stay apart.
    base = 0
    shifted = []
    for part in rows:
        shifted.append(part[4] + base)
        base += int(part[4].max()) + 1 if len(part[4]) else 0
    passage, rule, start, end = (np.concatenate([r[k] for r in rows]) for k in range(4))
    return Occurrences(passage, rule, start, end, np.concatenate(shifted)), base


def _in_groups_with_both_sides(group: IntArray, side: IntArray) -> NDArray[np.bool_]:
    """Return which rows belong to a group (passage and rule) where both sides occur."""
    size = int(group.max()) + 1
    has_left = np.zeros(size, dtype=bool)
    has_right = np.zeros(size, dtype=bool)
    has_left[group[side == 0]] = True
    has_right[group[side == 1]] = True
    return has_left[group] & has_right[group]


def _distinct_sides(
    group: IntArray, side: IntArray, a: IntArray, b: IntArray
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Return one row per group, side and token range ``a`` to ``b``.

    Several phrases may find the same range. Rows come ordered by group, side, then position
    in the text.
    """
    order = np.lexsort((b, a, side, group))
    group, side, a, b = group[order], side[order], a[order], b[order]
    new = run_starts(group, side, a, b)
    return group[new], side[new], a[new], b[new]
