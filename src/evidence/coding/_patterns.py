"""The pattern language of the codebook: parse patterns, compile a language's patterns at once.

A pattern is one of (full reference in ``docs/patterns.md``):

- words, matched by stem in the pattern's language (``agression`` finds ``agressées``);
- ``word*`` / ``*word`` / ``wo*rd``: a wildcard over the accent-folded word, no stemming;
- ``=word``: the exact accent-folded word, no stemming;
- several words in a row: a phrase (consecutive words; a bare ``*`` stands for any one word);
- ``(a|b c)``: alternatives inside a phrase; ``(a|b)?`` an optional group;
- ``@name``: any phrase of the named word list (defined once in the codebook);
- ``A NEAR/n B``: A and B with at most n words between them, in either order;
  ``A NEAR/ns B``: the same, within one sentence (see :func:`ends_sentence`);
- ``re:REGEX``: a regular expression over the lowercased text (accents kept: write ``[eé]``).

:class:`~evidence.coding._automaton.PatternSet` compiles all parsed patterns of one language
together (see there).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import product
from typing import Any

__all__ = [
    "Word",
    "Pattern",
    "PatternError",
    "STEMMERS",
    "Phrases",
    "parse_pattern",
    "parse_phrases",
    "lower_text",
    "fold_word",
    "ends_sentence",
]

#: snowball algorithm per supported language code
STEMMERS: dict[str, str] = {
    "fr": "french",
    "nl": "dutch",
    "en": "english",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
}

_TOKEN = re.compile(r"[^\W_]+")
_LEXEME = re.compile(
    r"\s+|NEAR/(\d+s?)\b|NEAR\b|@([a-z][a-z0-9_]*)|[()|?]|=?(?:[^\W_]|\*)+|[-'’.,/]|."
)
_EXPANDING = {"œ": "oe", "æ": "ae", "ß": "ss", "ĳ": "ij", "ﬁ": "fi", "ﬂ": "fl"}
_MAX_PHRASES = 4096
# A sentence ends with a whitespace-separated chunk ending in . ! ? … (closing quotes and
# brackets aside), unless the chunk is a one-letter initial or a usual abbreviation.
_SENTENCE_END = re.compile(r"[.!?…][\"'’”»)\]]*$")
_NOT_AN_END = re.compile(
    r"^[(\[\"'‘“«]*(?:[^\W\d_]|\d{1,2}|e\.g|i\.e|cf|etc|vs|dr|mr|mrs|ms|prof|p|pp|art|nr|n°|no|"
    r"bv|vb|o\.a|m\.a\.w|d\.w\.z|z\.b|ca|fig|vol|éd|ed|eds|al|mme|mlle|st|ste)\.$"
)


class PatternError(ValueError):
    """A pattern that cannot be parsed; the codebook loader adds the file, line and code."""


def lower_text(text: str) -> str:
    """Return ``text`` lowercased character by character, so offsets stay those of ``text``."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def fold_word(word: str) -> str:
    """Return a word lowercased, without accents and with ligatures spelt out (``œ`` -> ``oe``)."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFD", word.lower())
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    if any(c in out for c in _EXPANDING):
        out = "".join(_EXPANDING.get(c, c) for c in out)
    return out


@dataclass(frozen=True, slots=True)
class Word:
    """One pattern word: ``kind`` is ``stem``, ``exact``, ``glob`` or ``any``."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Pattern:
    """A parsed pattern: a regex, or phrases on the left and, with ``near``, on the right."""

    source: str
    left: tuple[tuple[Word, ...], ...] = ()
    near: int | None = None
    right: tuple[tuple[Word, ...], ...] = ()
    regex: re.Pattern[str] | None = None
    sentence: bool = False


Phrases = tuple[tuple[Word, ...], ...]


def parse_pattern(source: str, lists: Mapping[str, Phrases] | None = None) -> Pattern:
    """Return the parsed pattern; raise :class:`PatternError` saying what is wrong.

    ``lists`` maps the names usable as ``@name`` to their phrases (see :func:`parse_phrases`).
    """
    text = source.strip() if isinstance(source, str) else ""
    if not text:
        raise PatternError("empty pattern: write a word, a phrase or re:REGEX")
    if text.startswith("re:"):
        return Pattern(source=source, regex=_compile_regex(text[3:]))
    lexemes = _lex(text, lists or {})
    near_at = [i for i, (kind, _) in enumerate(lexemes) if kind == "near"]
    if len(near_at) > 1:
        raise PatternError("only one NEAR/n per pattern: split it into several patterns")
    if near_at:
        i = near_at[0]
        spec = lexemes[i][1]
        left = _parse_side(lexemes[:i], "left of NEAR")
        right = _parse_side(lexemes[i + 1 :], "right of NEAR")
        return Pattern(
            source=source,
            left=left,
            near=int(spec.rstrip("s")),
            right=right,
            sentence=spec.endswith("s"),
        )
    return Pattern(source=source, left=_parse_side(lexemes, "pattern"))


def parse_phrases(source: str, lists: Mapping[str, Phrases] | None = None) -> Phrases:
    """Return the phrases a word-list item stands for: a pattern without NEAR or re:."""
    pattern = parse_pattern(source, lists)
    if pattern.regex is not None or pattern.near is not None:
        raise PatternError("a word-list item is a word or phrase: no NEAR/n and no re:")
    return pattern.left


def _compile_regex(body: str) -> re.Pattern[str]:
    if not body.strip():
        raise PatternError("re: needs a regular expression after it")
    flags = re.IGNORECASE if any(c.isupper() for c in re.sub(r"\\.", "", body)) else 0
    try:
        return re.compile(body, flags)
    except re.error as err:
        raise PatternError(f"invalid regular expression: {err}") from err


def ends_sentence(chunk: str) -> bool:
    """Return whether a whitespace-separated chunk of lowercased text ends a sentence.

    ``violence.`` and ``(2019).`` do; ``p.``, ``e.g.`` and the initial ``j.`` do not. Both
    matchers use it, so ``NEAR/ns`` gives the same result passage by passage and in batches.
    """
    return _SENTENCE_END.search(chunk) is not None and _NOT_AN_END.match(chunk) is None


def _lex(text: str, lists: Mapping[str, Phrases]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for m in _LEXEME.finditer(text):
        tok = m.group(0)
        if tok.isspace() or tok in "-'’.,/":
            continue
        if m.group(1) is not None:
            out.append(("near", m.group(1)))
        elif m.group(2) is not None:
            if m.group(2) not in lists:
                raise PatternError(f"unknown word list @{m.group(2)}: define it under lists")
            out.append(("list", lists[m.group(2)]))
        elif tok == "NEAR":
            raise PatternError("NEAR needs a distance: write NEAR/5 for at most 5 words between")
        elif tok in "()|?":
            out.append((tok, tok))
        elif _TOKEN.search(tok) or not tok.strip("*="):
            out.append(("word", tok))
        else:
            raise PatternError(
                f"unexpected character {tok!r}: patterns are words, phrases, (a|b), "
                "NEAR/n or re:REGEX"
            )
    return out


def _parse_side(lexemes: list[tuple[str, Any]], where: str) -> Phrases:
    if not lexemes:
        raise PatternError(f"nothing to match {where}")
    phrases, pos = _parse_seq(lexemes, 0)
    if pos != len(lexemes):
        raise PatternError(f"unbalanced ')' {where}")
    for phrase in phrases:
        if not phrase:
            raise PatternError(f"the {where} can match nothing: make fewer groups optional")
        if phrase[0].kind == "any" or phrase[-1].kind == "any":
            raise PatternError("a bare * may only stand between two words of a phrase")
    return tuple(dict.fromkeys(phrases))


def _parse_seq(lex: list[tuple[str, Any]], pos: int) -> tuple[list[tuple[Word, ...]], int]:
    parts: list[list[tuple[Word, ...]]] = []
    while pos < len(lex) and lex[pos][0] not in (")", "|"):
        kind, value = lex[pos]
        if kind == "?":
            raise PatternError("'?' makes a group optional: write it right after ')'")
        if kind == "(":
            options, pos = _parse_seq(lex, pos + 1)
            alternatives = [options]
            while pos < len(lex) and lex[pos][0] == "|":
                options, pos = _parse_seq(lex, pos + 1)
                alternatives.append(options)
            if pos >= len(lex) or lex[pos][0] != ")":
                raise PatternError("unbalanced '(': close the group with ')'")
            pos += 1
            options = [p for alt in alternatives for p in alt]
            if pos < len(lex) and lex[pos][0] == "?":
                options.append(())
                pos += 1
            parts.append(options)
        elif kind == "list":
            parts.append(list(value))
            pos += 1
        else:
            parts.append([(_parse_word(value),)])
            pos += 1
    if not parts:
        raise PatternError("empty alternative: remove the stray '|' or '()'")
    count = 1
    for options in parts:
        count *= len(options)
    if count > _MAX_PHRASES:
        raise PatternError(f"the alternatives expand to {count} phrases; split the pattern")
    return [tuple(w for piece in combo for w in piece) for combo in product(*parts)], pos


def _parse_word(raw: str) -> Word:
    if raw == "*":
        return Word("any", "*")
    exact = raw.startswith("=")
    body = fold_word(raw[1:] if exact else raw)
    if exact and "*" in body:
        raise PatternError(f"{raw!r}: '=' (exact word) and '*' (wildcard) exclude each other")
    if "*" in body:
        if not body.replace("*", ""):
            raise PatternError(f"{raw!r}: a wildcard needs at least one letter")
        if "**" in body:
            raise PatternError(f"{raw!r}: write one '*', not several")
        return Word("glob", body)
    if not _TOKEN.fullmatch(body):
        raise PatternError(f"{raw!r} is not a word")
    return Word("exact" if exact else "stem", body)
