"""Plain texts from other tools: byte-order marks, UTF-16 offsets, CRLF line ends, and where
the workbook's passages lie in a text.

The standard counts positions in Unicode code points on the plain text. NVivo counts UTF-16
code units (a character outside the Basic Multilingual Plane, an emoji, counts twice) and
writes texts with a byte-order mark and CRLF line ends; ATLAS.ti counts a CRLF as one
character. :func:`decode_plain_text` and :func:`convert_positions` bring all of them to code
points on the text with ``\\n`` line ends.
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections.abc import Sequence
from itertools import accumulate

__all__ = ["convert_positions", "decode_plain_text", "locate_passages", "utf16_length"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_plain_text(data: bytes) -> str:
    """Return the text of a plain-text file: UTF-8 or UTF-16 by its byte-order mark, BOM gone.

    Raise ``UnicodeDecodeError`` when it is none of them.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding)
    return data.decode("utf-8")


def utf16_length(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def convert_positions(
    text: str, positions: Sequence[int], *, utf16: bool, crlf_is_one: bool
) -> tuple[str, list[int]]:
    """Return the text with ``\\n`` line ends, and ``positions`` as code points on it.

    ``positions`` count UTF-16 units when ``utf16``, else code points, on ``text`` as stored
    (with its CRLFs, which count as one character when ``crlf_is_one``, as in ATLAS.ti).
    """
    points = list(positions)
    if crlf_is_one:
        text = text.replace("\r\n", "\n")
    if utf16:
        ends = list(accumulate(2 if ord(ch) > 0xFFFF else 1 for ch in text))
        points = [bisect.bisect_right(ends, p) for p in points]
    if "\r\n" in text:
        crs = [m.start() for m in re.finditer("\r\n", text)]
        points = [p - bisect.bisect_left(crs, p) for p in points]
        text = text.replace("\r\n", "\n")
    return text, points


def _fold(text: str) -> tuple[str, list[int]]:
    """Return the word characters of ``text``, case-folded, and each one's place in ``text``."""
    kept = [(i, ch.casefold()) for i, ch in enumerate(text) if ch.isalnum()]
    return "".join(ch for _, ch in kept), [i for i, _ in kept]


def locate_passages(
    text: str, passages: Sequence[str], *, masked: re.Pattern[str] | None = None
) -> list[tuple[int, int] | None]:
    """Return where each passage lies in ``text`` as [start, end) code points, None if nowhere.

    Passages are looked for in order, each after the previous one, on word characters only
    (spacing, punctuation and case may differ). Parts of a passage matching ``masked`` (the
    pseudonyms that replaced names) are not looked for: the passage spans from its first
    found part to its last.
    """
    folded, where = _fold(text)
    out: list[tuple[int, int] | None] = []
    cursor = 0
    for passage in passages:
        parts = masked.split(passage) if masked else [passage]
        pieces = [p for p in (_fold(part)[0] for part in parts) if p]
        if not pieces:
            out.append(None)
            continue
        first = folded.find(pieces[0], cursor)
        if first < 0:
            out.append(None)
            continue
        end, ok = first + len(pieces[0]), True
        for piece in pieces[1:]:
            found = folded.find(piece, end)
            if found < 0:
                ok = False
                break
            end = found + len(piece)
        if not ok:
            out.append(None)
            continue
        out.append((where[first], where[end - 1] + 1))
        cursor = end
    return out
