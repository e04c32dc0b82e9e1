"""Pseudonymisation of field material: names from a list, and identifiers found by pattern.

Names come from the coordinator's list (``name[|alias...][;person|organisation]`` per line);
e-mail addresses, Belgian phone numbers, street addresses, IBANs and national register numbers
are detected. Each distinct value gets a stable pseudonym (P01, ORG03, EMAIL01, PHONE01,
ADDR01, IBAN01, NRN01) recorded in a :class:`PseudonymKey`. Everything here is pure: reading
and writing the list and the key is the command layer's business. A :class:`Replacement` says
what was replaced and where, never the original text, so review reports carry no names.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from evidence.errors import ConfigError

from . import _identifiers as ident

__all__ = [
    "PSEUDONYM_PATTERN",
    "PREFIXES",
    "Found",
    "NameEntry",
    "NameMatcher",
    "Pseudonymised",
    "PseudonymKey",
    "Replacement",
    "compile_names",
    "find_identifiers",
    "find_pseudonym_tokens",
    "fold_name",
    "format_key",
    "parse_key",
    "parse_names",
    "pseudonymise_text",
]

PREFIXES: dict[str, str] = {
    "person": "P",
    "organisation": "ORG",
    "email": "EMAIL",
    "phone": "PHONE",
    "address": "ADDR",
    "iban": "IBAN",
    "nrn": "NRN",
}
# When two findings overlap and start at the same place, the longer wins, then this order.
_PRIORITY = ("nrn", "iban", "email", "phone", "address", "organisation", "person")
_TOKEN = re.compile(
    r"\b(?:" + "|".join(sorted(PREFIXES.values(), key=len, reverse=True)) + r")\d{2,}\b"
)
#: a pseudonym in pseudonymised text (P01, ORG03...), for readers that must step over them
PSEUDONYM_PATTERN = _TOKEN
# Inside a name, spaces, hyphens, underscores and dots are interchangeable (file names).
_SEPARATOR = re.compile(r"[\s_.-]+")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "‐": "-", "‑": "-", "–": "-"})


def fold_name(text: str) -> str:
    """Return ``text`` folded for matching: accents removed, case-folded, apostrophes unified."""
    return _fold_with_map(text)[0]


class _FoldTable(dict[int, str]):
    """``str.translate`` table folding each character, filled on first sight of it."""

    irregular: set[str] = set()  # characters that fold to more or fewer than one

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        parts = unicodedata.normalize("NFKD", ch.translate(_APOSTROPHES))
        folded = "".join(p.casefold() for p in parts if not unicodedata.combining(p))
        if unicodedata.category(ch) == "Cf":
            folded = ""  # invisible (soft hyphen, zero-width space or joiner): hides a name
        if len(folded) != 1:
            self.irregular.add(ch)
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def _fold_with_map(text: str) -> tuple[str, list[int] | None]:
    """Fold ``text``; also return, for each folded character, the index of its original one.

    The map is None when folding kept every character in place (the usual case).
    """
    folded = text.translate(_FOLD)
    if len(folded) == len(text) and _FOLD.irregular.isdisjoint(text):
        return folded, None
    return folded, [i for i, c in enumerate(text) for _ in _FOLD[ord(c)]]


@dataclass(frozen=True)
class NameEntry:
    """One line of the names list: its spellings (the first is canonical) and category."""

    names: tuple[str, ...]
    category: str = "person"
    line: int = 0


def parse_names(text: str, path: str = "<names>") -> tuple[NameEntry, ...]:
    """Return the entries of a names list; ``#`` starts a comment, blank lines are skipped.

    Raises :class:`ConfigError` naming the line for an unknown category or a name listed
    under two categories.
    """
    entries: list[NameEntry] = []
    seen: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        names_part, _, category = line.partition(";")
        category = category.strip().casefold() or "person"
        category = {"organization": "organisation", "org": "organisation"}.get(category, category)
        if category not in ("person", "organisation"):
            raise ConfigError(
                f"{path}:{number}: category '{category}' is not person or organisation; "
                "write 'name;person' or 'name;organisation'"
            )
        names = tuple(n.strip() for n in names_part.split("|") if n.strip())
        fresh = []
        for name in names:
            folded = _spelling_key(fold_name(name))
            if folded in seen and seen[folded][0] != category:
                raise ConfigError(
                    f"{path}:{number}: this name is also listed as {seen[folded][0]} on line "
                    f"{seen[folded][1]}; keep one category per name"
                )
            if folded not in seen:
                seen[folded] = (category, number)
                fresh.append(name)
        if fresh:
            entries.append(NameEntry(tuple(fresh), category, number))
    return tuple(entries)


@dataclass(frozen=True)
class NameMatcher:
    """Compiled names: one pattern over folded text, and each spelling's entry."""

    pattern: re.Pattern[str] | None
    entries: Mapping[str, NameEntry]


def _spelling_key(folded: str) -> str:
    return " ".join(w for w in _SEPARATOR.split(folded) if w)


def compile_names(entries: Iterable[NameEntry]) -> NameMatcher:
    """Return a matcher of the names: case- and accent-insensitive, on word boundaries.

    A name also matches after an elision (d'Amélie, l'ASBL) and before a possessive
    (Amélie's, Jans); spaces, hyphens, underscores and dots inside a name are interchangeable.
    """
    by_spelling: dict[str, NameEntry] = {}
    for entry in entries:
        for name in entry.names:
            by_spelling.setdefault(_spelling_key(fold_name(name)), entry)
    if not by_spelling:
        return NameMatcher(None, {})
    alternatives = [
        _SEPARATOR.pattern.join(re.escape(w) for w in spelling.split(" "))
        for spelling in sorted(by_spelling, key=lambda s: (-len(s), s))
    ]
    pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?=(?:'?s)?(?![^\W_]))")
    return NameMatcher(pattern, by_spelling)


@dataclass(frozen=True, slots=True)
class Found:
    """An identifier found in a text: category, the value it stands for, and its span."""

    category: str
    value: str
    start: int
    end: int


# A word cut at the end of a line: "Vander-" / "meersch".
_LINE_BREAK_HYPHEN = re.compile(r"(?<=[^\W\d_])-[ \t]*\r?\n[ \t]*(?=[^\W\d_])")


def _joined(folded: str, where: list[int] | None) -> tuple[str, list[int]] | None:
    """The folded text with words cut at line ends joined again, and its map; None if none."""
    if "\n" not in folded or _LINE_BREAK_HYPHEN.search(folded) is None:
        return None
    index = where if where is not None else list(range(len(folded)))
    parts: list[str] = []
    kept: list[int] = []
    pos = 0
    for m in _LINE_BREAK_HYPHEN.finditer(folded):
        parts.append(folded[pos : m.start()])
        kept += index[pos : m.start()]
        pos = m.end()
    parts.append(folded[pos:])
    kept += index[pos:]
    return "".join(parts), kept


def _find_names(text: str, matcher: NameMatcher) -> list[Found]:
    """The listed names in ``text``: also when an invisible character or a line-end hyphen
    cuts one (both readings are searched; overlaps are resolved by the caller)."""
    if matcher.pattern is None or not text:
        return []
    folded, where = _fold_with_map(text)
    found = _names_in(folded, where, matcher)
    joined = _joined(folded, where)
    if joined is not None:
        found += _names_in(*joined, matcher)
    return found


def _names_in(folded: str, where: list[int] | None, matcher: NameMatcher) -> list[Found]:
    found = []
    for m in matcher.pattern.finditer(folded):  # type: ignore[union-attr]
        entry = matcher.entries[_spelling_key(m.group())]
        start, end = m.start(), m.end()
        if where is not None:
            start, end = where[start], where[end - 1] + 1
        found.append(Found(entry.category, entry.names[0], start, end))
    return found


def find_identifiers(text: str, matcher: NameMatcher) -> list[Found]:
    """Return the names and identifiers in ``text``, overlaps resolved, in text order.

    Where two findings overlap, the one starting first wins, then the longer, then the
    more specific kind (a register number before a phone number, an e-mail before a name).
    """
    found = _find_names(text, matcher) + [
        Found(category, value, start, end) for category, value, start, end in ident.detect(text)
    ]
    found.sort(key=lambda f: (f.start, f.start - f.end, _PRIORITY.index(f.category)))
    kept: list[Found] = []
    for f in found:
        if not kept or f.start >= kept[-1].end:
            kept.append(f)
    return kept


def find_pseudonym_tokens(text: str) -> set[str]:
    """Return the pseudonym-like tokens (P01, ORG3...) already present in ``text``."""
    return set(_TOKEN.findall(text))


@dataclass(frozen=True)
class PseudonymKey:
    """The re-identification key: (category, folded value) -> (pseudonym, value as first seen).

    ``reserved`` holds pseudonym-like tokens already present in the material, never handed
    out, so a transcript that already says "P01" is not confused with a new P01.
    """

    entries: Mapping[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    reserved: frozenset[str] = frozenset()

    def lookup(self, category: str, value: str) -> str | None:
        """Return the pseudonym of ``value`` in ``category``, or None when it has none yet."""
        hit = self.entries.get((category, _key_of(category, value)))
        return hit[0] if hit else None

    def assign(self, category: str, value: str) -> tuple[PseudonymKey, str]:
        """Return the key with ``value`` given a pseudonym (its existing one if any), and it."""
        key, (pseudonym,) = self.assign_all([(category, value)])
        return key, pseudonym

    def assign_all(self, values: Iterable[tuple[str, str]]) -> tuple[PseudonymKey, list[str]]:
        """Return the key with every (category, value) given a pseudonym, and the pseudonyms.

        A new value gets the first free number of its category, in the order given.
        """
        out: list[str] = []
        new: dict[tuple[str, str], tuple[str, str]] = {}
        taken: set[str] = set()
        free: dict[str, int] = {}  # per prefix: no free number below this one
        for category, value in values:
            k = (category, _key_of(category, value))
            hit = self.entries.get(k) or new.get(k)
            if hit is None:
                if not free:
                    taken = {p for p, _ in self.entries.values()} | self.reserved
                prefix = PREFIXES[category]
                n = free.get(prefix, 1)
                while f"{prefix}{n:02d}" in taken:
                    n += 1
                free[prefix] = n + 1
                hit = new[k] = (f"{prefix}{n:02d}", value)
            out.append(hit[0])
        if not new:
            return self, out
        return PseudonymKey({**self.entries, **new}, self.reserved), out

    def with_reserved(self, tokens: Iterable[str]) -> PseudonymKey:
        """Return the key with ``tokens`` reserved (pseudonyms it has given stay valid)."""
        given = {p for p, _ in self.entries.values()}
        return PseudonymKey(self.entries, frozenset(set(tokens) - given) | self.reserved)


def _key_of(category: str, value: str) -> str:
    if category in ("person", "organisation", "address"):
        return _spelling_key(re.sub(r"[^\w\s-]", " ", fold_name(value)))
    return fold_name(value)


@dataclass(frozen=True, slots=True)
class Replacement:
    """One replacement: its category, the pseudonym put in, and where (no original text)."""

    category: str
    pseudonym: str
    start: int
    end: int


@dataclass(frozen=True)
class Pseudonymised:
    """A text with its identifiers replaced, the key after it, and what was replaced."""

    text: str
    key: PseudonymKey
    replacements: tuple[Replacement, ...]


def pseudonymise_text(text: str, matcher: NameMatcher, key: PseudonymKey) -> Pseudonymised:
    """Return ``text`` with every listed name and detected identifier replaced by its pseudonym.

    ``start``/``end`` of each replacement are offsets in the returned text.
    """
    parts: list[str] = []
    done: list[Replacement] = []
    pos = shift = 0
    found = find_identifiers(text, matcher)
    key, pseudonyms = key.assign_all((f.category, f.value) for f in found)
    for f, pseudonym in zip(found, pseudonyms, strict=True):
        parts += [text[pos : f.start], pseudonym]
        start = f.start + shift
        done.append(Replacement(f.category, pseudonym, start, start + len(pseudonym)))
        shift += len(pseudonym) - (f.end - f.start)
        pos = f.end
    parts.append(text[pos:])
    return Pseudonymised("".join(parts), key, tuple(done))


_KEY_HEADER = ("category", "pseudonym", "value")


def parse_key(text: str, path: str = "<key>") -> PseudonymKey:
    """Return the key held in CSV ``text`` (category, pseudonym, value); raise on a bad row."""
    entries: dict[tuple[str, str], tuple[str, str]] = {}
    rows = csv.reader(io.StringIO(text))
    for number, row in enumerate(rows, start=1):
        if not row or (number == 1 and tuple(row) == _KEY_HEADER):
            continue
        if len(row) != 3 or row[0] not in PREFIXES or not row[1].startswith(PREFIXES[row[0]]):
            raise ConfigError(
                f"{path}:{number}: not a key row (category,pseudonym,value with a known "
                "category); restore the file from its backup, or delete the line"
            )
        entries[(row[0], _key_of(row[0], row[2]))] = (row[1], row[2])
    return PseudonymKey(entries)


def format_key(key: PseudonymKey) -> str:
    """Return the key as CSV text, one row per pseudonym, sorted by category and pseudonym."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_KEY_HEADER)
    rows = sorted(
        ((c, p, v) for (c, _), (p, v) in key.entries.items()),
        key=lambda r: (_PRIORITY.index(r[0]), len(r[1]), r[1]),
    )
    writer.writerows(rows)
    return out.getvalue()
