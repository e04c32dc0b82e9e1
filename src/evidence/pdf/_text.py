"""Text clean-up for extracted lines: odd characters, TeX accents, hyphenation, garbage.

Everything here works on plain strings and is called once per line or per paragraph, so it
sticks to ``str.translate`` and precompiled regular expressions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "Vocabulary",
    "append_text",
    "clean_line",
    "count_garbage",
    "drop_garbage",
    "ends_sentence",
    "ends_with_hyphen",
    "finish_text",
    "has_garbage",
    "has_odd_characters",
    "join_hyphenated",
]

_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_SPACES = dict.fromkeys(
    [
        0x00A0,
        0x1680,
        *range(0x2000, 0x200B),
        0x202F,
        0x205F,
        0x3000,
        0x0009,
        0x000B,
        0x000C,
        0x000D,
    ],
    " ",
)
# Zero-width characters, byte-order marks and soft hyphens carry no text of their own.
_DROPPED = dict.fromkeys([0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF], None)
_TRANSLATE = str.maketrans({**_LIGATURES, **{chr(k): v for k, v in _SPACES.items()}}) | _DROPPED
# ``str.translate`` is slow on non-ASCII text; a regex scan finds the rare lines that need it.
_ODD_RE = re.compile("[" + "".join(re.escape(chr(k)) for k in _TRANSLATE) + "]")

_MULTISPACE = re.compile(r" {2,}")
# Chinese and Japanese put no spaces between words: MuPDF's word list cuts them apart.
_CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_SPACE_RE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
# TeX fonts without a Unicode map for accented letters give the accent as a spacing character
# before the letter ("F´ısica", "Investigaci´on"); rebuilding the letter keeps words searchable.
_SPACING_ACCENTS = {
    "\u00b4": "\u0301",  # acute
    "`": "\u0300",  # grave
    "\u02c6": "\u0302",  # circumflex
    "\u00a8": "\u0308",  # diaeresis
    "\u02dc": "\u0303",  # tilde
    "\u00b8": "\u0327",  # cedilla
    "\u02c7": "\u030c",  # caron
}
_ACCENT_RE = re.compile(r"([\u00b4`\u02c6\u00a8\u02dc\u00b8\u02c7]) ?([A-Za-z\u0131])")

# Characters that only appear when a font has no usable Unicode map: the replacement
# character, C0/C1 controls (a space shifted to \x03 and the like) and the private-use area.
_GARBAGE_RE = re.compile(r"[\ufffd\x00-\x08\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]")

# One scan over a page tells whether any of the slower clean-ups is needed at all.
_ANY_ODD_RE = re.compile(
    "[" + "".join(re.escape(chr(k)) for k in _TRANSLATE) + "\u00b4`\u02c6\u00a8\u02dc\u00b8\u02c7"
    "\ufffd\x00-\x08\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]"
)
_HYPHENS = ("-", "\u2010", "\u00ad")
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_HYPHEN_LETTER_RE = re.compile(r"-[^\W\d_]")
# Prefixes after which French, Dutch and English keep the hyphen even at a line end.
_KEEP_PREFIX_WORDS = "self well ex sans semi quasi non post vis peut arc après avant demi mi"
_KEEP_PREFIXES = frozenset(_KEEP_PREFIX_WORDS.split())
_CONJUNCTIONS = frozenset(["en", "of", "tot", "et", "ou", "and", "or", "to"])
_SENTENCE_ENDS = ".!?\u2026"
_CLOSERS = "\"'\u201d\u2019\u00bb)]"


def clean_line(text: str) -> str:
    """Return text with ligatures, odd spaces and invisible characters normalised.

    Newlines are kept, so a whole page of lines can be cleaned in one call.
    """
    if _ANY_ODD_RE.search(text):
        if _ODD_RE.search(text):
            text = text.translate(_TRANSLATE)
        if _ACCENT_RE.search(text):
            text = _ACCENT_RE.sub(_compose_accent, text)
    if "  " in text:
        text = _MULTISPACE.sub(" ", text)
    return text.strip(" ")


def _compose_accent(match: re.Match[str]) -> str:
    accent, letter = match.group(1), match.group(2)
    base = "i" if letter == "\u0131" else letter
    composed = unicodedata.normalize("NFC", base + _SPACING_ACCENTS[accent])
    return composed if len(composed) == 1 else match.group(0)


def has_odd_characters(text: str) -> bool:
    """Return True when ``text`` may need cleaning or hold unreadable characters."""
    return _ANY_ODD_RE.search(text) is not None


def has_garbage(text: str) -> bool:
    """Return True when ``text`` holds any character betraying a font without a Unicode map."""
    return _GARBAGE_RE.search(text) is not None


def count_garbage(text: str) -> int:
    """Return how many characters of ``text`` betray a font without a Unicode map."""
    return len(_GARBAGE_RE.findall(text))


def drop_garbage(text: str) -> str:
    """Return ``text`` without its unreadable characters, spaces tidied."""
    return _MULTISPACE.sub(" ", _GARBAGE_RE.sub("", text)).strip()


def ends_sentence(text: str) -> bool:
    """Return True when ``text`` ends a sentence (., !, ?, ... possibly followed by a quote)."""
    if text and text[-1] in _CLOSERS:
        text = text.rstrip(_CLOSERS)
    if not text or text[-1] not in _SENTENCE_ENDS:
        return False
    # An initial ("In P.", "J.") is not the end of a sentence.
    return not (len(text) > 1 and text[-2].isupper() and (len(text) == 2 or text[-3] == " "))


def ends_with_hyphen(raw: str) -> bool:
    """Return True when a line ends with a hyphen that follows a letter or a digit."""
    return len(raw) > 1 and raw[-1] in _HYPHENS and raw[-2].isalnum()


class Vocabulary:
    """The document's words, to tell a hyphenated compound from a word cut at a line end.

    Lines are joined with newlines, so a hyphen at a line end never looks like a compound.
    Compounds are found from their hyphens (a fast literal scan); whole words are looked up
    in the text itself, which is needed only for the rare hyphens that stay in doubt.
    """

    __slots__ = ("_compounds", "_text")

    def __init__(self, lines: Iterable[str]) -> None:
        self._text = "\n".join(lines).lower()
        self._compounds: set[str] | None = None

    def has_compound(self, compound: str) -> bool:
        """Return True when ``compound`` (lower case, with its hyphen) occurs inside a line."""
        if self._compounds is None:
            self._compounds = _compounds(self._text)
        return compound in self._compounds

    def has_word(self, word: str) -> bool:
        """Return True when ``word`` (lower case) occurs in the document's text."""
        return word in self._text


def _compounds(text: str) -> set[str]:
    found = set()
    for m in _HYPHEN_LETTER_RE.finditer(text):
        start = m.start()
        left = start
        while left > 0 and text[left - 1].isalpha():
            left -= 1
        right = _LETTERS_RE.match(text, start + 1)
        if left < start and right is not None:
            found.add(text[left : right.end()])
    return found


def join_hyphenated(left: str, right: str, vocabulary: Vocabulary) -> str:
    """Return ``left`` (ending with a hyphen) and ``right`` joined as the author wrote them.

    A suspended compound keeps hyphen and space (``dak- en thuislozen``, ``low- and
    middle-income``). A capitalised or numeric continuation (``Housing-First``, ``COVID-19``,
    ``105-109``) keeps its hyphen, as do compounds seen with their hyphen elsewhere in the
    document (``sans-abri``) and a few prefixes that keep it in fr/nl/en; everything else is
    a word cut at the line end (``vio-`` + ``lence``).
    """
    stem = left[:-1]
    # Plain loops: the words at either side are short, and regular expressions with Unicode
    # letter classes are slow.
    end = 0
    while end < len(right) and right[end].isalpha():
        end += 1
    tail = right[:end].lower()
    if tail in _CONJUNCTIONS and end < len(right) and right[end] == " ":
        return f"{left} {right}"
    if not tail or right[0].isupper() or stem[-1].isdigit():
        return left + right
    start = len(stem)
    while start > 0 and stem[start - 1].isalpha():
        start -= 1
    last_word = stem[start:]
    if last_word.isupper() and len(last_word) > 1:
        return left + right
    stem_word = last_word.lower()
    joined = stem_word + tail
    if vocabulary.has_compound(f"{stem_word}-{tail}") and not vocabulary.has_word(joined):
        return left + right
    if stem_word in _KEEP_PREFIXES and not vocabulary.has_word(joined):
        return left + right
    return stem + right


def append_text(text: str, line: str, vocabulary: Vocabulary, *, soft: bool = False) -> str:
    """Return ``text`` followed by ``line``: joined across a hyphen, else with one space.

    ``soft`` says that ``text`` ended with a soft hyphen (dropped by :func:`clean_line`).
    """
    if not text:
        return line
    if soft and text[-1].isalpha() and line[:1].isalpha():
        return text + line
    if ends_with_hyphen(text) and line[:1].isalnum():
        return join_hyphenated(text, line, vocabulary)
    return f"{text} {line}"


def finish_text(text: str) -> str:
    """Return paragraph text in Unicode NFC with single spaces (none between CJK characters)."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        if _CJK_SPACE_RE.search(text):
            text = _CJK_SPACE_RE.sub("", text)
    if "  " in text:
        text = _MULTISPACE.sub(" ", text)
    return text.strip()
