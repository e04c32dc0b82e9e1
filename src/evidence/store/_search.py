"""Search queries as people type them, turned into FTS5 expressions.

Plain words (``violences``, ``sans-abri``, ``l'aide``, ``"sans abri"``, ``épuisement``
typed without its accent) never trip FTS5's syntax: each word or quoted phrase must occur,
matched through its stem in the passage's language against the stemmed index
(``passages_stem``), so ``violences`` also finds ``violence`` and ``violent``. A query with
FTS5 operators (``AND``, ``OR``, ``NOT``, ``NEAR``, a ``*`` prefix, parentheses) is FTS5
and runs on the words as written (``passages_fts``); words FTS5 cannot take bare there
(``sans-abri AND violence``) are quoted for it. ``fts:`` before a query passes it to FTS5
untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from evidence.coding import STEM_LANGUAGES, stem_word

from ._schema import STEM_COLUMNS

__all__ = ["RAW_PREFIX", "SearchQuery", "compile_query", "mark_snippet", "quote_barewords"]

#: what a query starts with to reach FTS5 untouched
RAW_PREFIX = "fts:"
_TOKENS = re.compile(r'"[^"]*"?|[()]|[^\s()"]+')
_OPERATORS = {"AND", "OR", "NOT"}
_WORD = re.compile(r"[^\W_]+")
_BAREWORD = re.compile(r"^(?:[^\W]|[\u0080-\U0010ffff])+\*?$")


@dataclass(frozen=True)
class SearchQuery:
    """A query ready for the store: the FTS5 table and expression, and for a plain query
    the folded stems it looks for in each column (to mark them in snippets)."""

    table: str
    match: str
    stems: dict[str, frozenset[str]] = field(default_factory=dict)
    raw: bool = False

    @property
    def plain(self) -> bool:
        """Whether the query was plain words (matched by stems)."""
        return self.table == "passages_stem"


def _is_fts(tokens: list[str]) -> bool:
    return any(
        t in _OPERATORS or t.startswith("NEAR") or t in "()" or (t.endswith("*") and t[0] != '"')
        for t in tokens
    )


def quote_barewords(query: str) -> str:
    """Return an FTS5 query with each word FTS5 cannot take bare (``sans-abri``) quoted."""
    out = []
    for token in _TOKENS.findall(query):
        if token in "()" or token in _OPERATORS:
            out.append(token)
            continue
        if token.startswith('"'):
            out.append(token if len(token) > 1 and token.endswith('"') else f'{token}"')
            continue
        if token.startswith("NEAR") or _BAREWORD.match(token):
            out.append(token)
            continue
        comma = token.endswith(",")
        body = token.rstrip(",")
        star = "*" if body.endswith("*") else ""
        body = body.rstrip("*").replace('"', '""')
        out.append(f'"{body}"{star}' + ("," if comma else ""))
    return " ".join(out)


def _phrase(words: list[str]) -> str:
    return '"' + " ".join(w.replace('"', '""') for w in words) + '"'


def _keys(word: str, lang: str) -> set[str]:
    """The folded stems ``word`` may have in ``lang``: typed with or without its accents."""
    keys = {stem_word(word, lang)}
    keys.add(stem_word(stem_word(word, "other"), lang))
    return keys


def compile_query(query: str) -> SearchQuery:
    """Return the store's form of ``query``: plain words (stems), FTS5, or ``fts:`` raw."""
    text = query.strip()
    if text.lower().startswith(RAW_PREFIX):
        return SearchQuery("passages_fts", text[len(RAW_PREFIX) :].strip(), raw=True)
    tokens = _TOKENS.findall(text)
    if _is_fts(tokens):
        return SearchQuery("passages_fts", text)
    stems: dict[str, set[str]] = {c: set() for c in STEM_COLUMNS}
    terms = []
    for token in tokens:
        words = _WORD.findall(token)
        if not words:
            continue
        options = []
        for column in STEM_COLUMNS:
            lang = column if column in STEM_LANGUAGES else "other"
            keys = [sorted(_keys(w, lang)) for w in words]
            stems[column].update(k for ks in keys for k in ks)
            if len(words) == 1:
                options += [f"{column} : {_phrase([k])}" for k in keys[0]]
            else:
                options.append(f"{column} : {_phrase([stem_word(w, lang) for w in words])}")
        terms.append("(" + " OR ".join(dict.fromkeys(options)) + ")")
    frozen = {c: frozenset(s) for c, s in stems.items()}
    return SearchQuery("passages_stem", " AND ".join(terms), frozen)


def mark_snippet(text: str, lang: str, stems: dict[str, frozenset[str]], words: int = 16) -> str:
    """Return about ``words`` words of ``text`` around its first match, matches in ``[…]``.

    A word matches when its stem in the passage's language is one the query looks for.
    """
    column = lang if lang in STEM_LANGUAGES else "other"
    wanted = stems.get(column, frozenset())
    found = list(_WORD.finditer(text))
    hits = [i for i, m in enumerate(found) if stem_word(m.group(), column) in wanted]
    if not found:
        return text[:200]
    first = hits[0] if hits else 0
    start = max(0, first - words // 3)
    stop = min(len(found), start + words)
    start = max(0, stop - words)
    pieces = []
    at = found[start].start()
    marked = set(hits)
    for i in range(start, stop):
        m = found[i]
        pieces.append(text[at : m.start()])
        pieces.append(f"[{m.group()}]" if i in marked else m.group())
        at = m.end()
    head = "…" if start > 0 else ""
    tail = "…" if stop < len(found) else text[at:]
    return head + "".join(pieces) + tail
