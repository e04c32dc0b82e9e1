"""Page geometry: words into lines, page furniture (running headers, footers), page numbers.

MuPDF's word list (``page.get_text("words")``) is the cheapest output that still carries
positions: it costs little more than plain ``get_text()``, where the span dictionary with
font names costs half as much again. Font sizes are estimated from the height of a line's
middle word, which is proportional to the font size within a document.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter

from ._text import clean_line, count_garbage, drop_garbage, has_garbage, has_odd_characters

__all__ = ["Line", "PageText", "body_size", "mark_furniture", "printed_labels", "read_lines"]

_BLOCK_LINE = itemgetter(5, 6)
_WORD = itemgetter(4)
_SAME_LINE_GAP = 1.5  # in font sizes: fragments closer than this on one baseline form one line


@dataclass(slots=True, eq=False)
class Line:
    """One visual line of text on a page."""

    x0: float
    y0: float
    x1: float
    y1: float
    size: float  # height of the middle word: proportional to the font size
    raw: str  # as extracted (soft hyphens still there)
    text: str  # cleaned (the raw text when it needed no cleaning)
    block: int
    furniture: bool = False


@dataclass(slots=True, eq=False)
class PageText:
    """The lines of one page and what is known about the page."""

    index: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    garbage: int = 0  # characters dropped as unreadable
    chars: int = 0  # characters of text found
    kept: int = 0  # characters of text kept
    text: str = ""  # the kept lines, one per line of text
    printed: list[int] = field(default_factory=list)  # page numbers printed in its margins
    roman: str = ""  # a roman page number printed in its margins (front matter)


def read_lines(words: Sequence[tuple], index: int, width: float, height: float) -> PageText:
    """Return the page's lines built from MuPDF words ``(x0, y0, x1, y1, text, block, line, n)``.

    Fragments that MuPDF splits on one baseline (justified text, inline maths) are joined
    back into one line; lines off the page are left out; text that only exists as garbage is
    counted, not kept.
    """
    page = PageText(index, width, height)
    page.lines, vertical = _visual_lines(words, width, height)
    if page.lines:
        _clean_lines(page, vertical)
    return page


def _visual_lines(words: Sequence[tuple], width: float, height: float) -> tuple[list[Line], bool]:
    """Return the lines on the page, fragments of one line joined, and if any is vertical."""
    lines: list[Line] = []
    prev: Line | None = None
    any_vertical = False
    for (block, _line), grp in groupby(words, _BLOCK_LINE):
        ws = list(grp)
        raw = " ".join(map(_WORD, ws))
        # The middle word stands for the line: the first or last is often a marker or a
        # superscript. Its height is proportional to the font size.
        mid = ws[len(ws) // 2]
        y0, y1 = mid[1], mid[3]
        size = y1 - y0
        first, last = ws[0], ws[-1]
        x0 = first[0] if first[0] < last[0] else last[0]
        x1 = last[2] if last[2] > first[2] else first[2]
        if x1 < 0 or x0 > width or y1 < 0 or y0 > height:
            continue  # off the page: hidden from the reader
        # Text set top to bottom (margin stamps, vertical CJK): its size is the word width.
        if first is last:
            vertical = size > 2 * (mid[2] - mid[0]) and len(mid[4]) > 2
        else:
            vertical = abs(last[1] - first[1]) > abs(last[0] - first[0])
        if vertical:
            size = mid[2] - mid[0]
            any_vertical = True
        elif (
            prev is not None
            and prev.block == block
            and abs((y0 + y1) - (prev.y0 + prev.y1)) < 0.8 * size
            and 0 <= x0 - prev.x1 < _SAME_LINE_GAP * size
            and not raw.isdigit()  # a page number after a running header stays apart
        ):
            prev.raw = prev.text = f"{prev.raw} {raw}"
            prev.x1 = x1
            continue
        prev = Line(x0, y0, x1, y1, size, raw, raw, block, vertical)
        lines.append(prev)
    return lines, any_vertical


def _clean_lines(page: PageText, vertical: bool) -> None:
    """Clean every line's text at once (one pass over the page), drop unreadable text."""
    lines = page.lines
    raw = "\n".join([ln.raw for ln in lines])
    if not has_odd_characters(raw) and "  " not in raw:
        # The usual case: the lines' text is already what they were built with.
        page.chars = page.kept = len(raw) - len(lines) + 1
        page.text = raw
    else:
        _clean_odd_lines(page, raw)
    if vertical:
        vertical_chars = sum(len(ln.text) for ln in page.lines if ln.furniture)
        if vertical_chars * 2 > page.kept:
            # A page written vertically: its vertical lines are the text, not margin stamps.
            for ln in page.lines:
                ln.furniture = False


def _clean_odd_lines(page: PageText, raw: str) -> None:
    cleaned = clean_line(raw).split("\n")
    garbage = has_garbage(raw)
    kept = []
    chars = 0
    for ln, text in zip(page.lines, cleaned, strict=True):
        text = text.strip()
        if not text:
            continue
        chars += len(text)
        if garbage:
            bad = count_garbage(text)
            if bad:
                # Unreadable characters never reach a quote: a mostly unreadable line is
                # dropped, otherwise its unreadable runs are; the page counts them.
                page.garbage += bad
                if bad * 2 >= len(text.replace(" ", "")):
                    continue
                text = drop_garbage(text)
        ln.text = text
        kept.append(ln)
    page.chars = chars
    page.lines = kept
    page.text = "\n".join([ln.text for ln in kept])
    page.kept = len(page.text) - len(kept) + 1 if kept else 0


def body_size(pages: Sequence[PageText]) -> float:
    """Return the most common line size in the document, weighted by characters."""
    sizes: dict[int, int] = {}
    get = sizes.get
    for page in pages:
        for ln in page.lines:
            key = int(ln.size * 2 + 0.5)  # half points
            sizes[key] = get(key, 0) + len(ln.text)
    return max(sizes, key=sizes.__getitem__) / 2 if sizes else 10.0


# Page-number lines: "12", "- 12 -", "(12)", "Page 12", "p. 12", "Page 3 of 10", "3 / 10".
_PAGE_NUMBER_RES = (
    re.compile(r"^[-\u2013\u2014(\[|]?\s*(\d{1,4})\s*[-\u2013\u2014)\]|]?$"),
    re.compile(
        r"^(?:page|pagina|pag\.?|p\.|blz\.?|bladzijde|seite|s\.)\s*(\d{1,4})"
        r"(?:\s*(?:/|of|sur|de|van|op|von)\s*\d{1,4})?$",
        re.IGNORECASE,
    ),
    re.compile(r"^(\d{1,4})\s*(?:/|of|sur|van|op)\s*\d{1,4}$", re.IGNORECASE),
)
_ROMAN_RE = re.compile(r"^[ivxlc]{1,7}$")
_EDGE_NUMBER_RES = (
    re.compile(r"^(\d{1,4})\s*[|\u2022\u00b7\u2013\u2014-]?\s+\D"),
    re.compile(r"\D\s+[|\u2022\u00b7\u2013\u2014-]?\s*(\d{1,4})$"),
)
_EDGE_ROMAN_RE = re.compile(r"^([ivxlc]{1,7})\s+\D|\D\s+([ivxlc]{1,7})$")
_EDGE_ROMAN_KEY_RE = re.compile(r"^[ivxlc]{1,7}(?=\s)|(?<=\s)[ivxlc]{1,7}$")
_DIGITS_RE = re.compile(r"\d+")
_MARGIN = 0.12  # share of the page height where running headers and footers live
_EDGE_LINES = 4


def _page_number(text: str) -> int | None:
    for rx in _PAGE_NUMBER_RES:
        m = rx.match(text)
        if m:
            return int(m.group(1))
    return None


def _margin_lines(page: PageText) -> list[Line]:
    """Return the few lines at the very top and bottom of the page, inside the margins."""
    ordered = sorted(page.lines, key=_line_top)
    top = [ln for ln in ordered[:_EDGE_LINES] if ln.y1 <= page.height * _MARGIN * 1.25]
    bottom = [ln for ln in ordered[-_EDGE_LINES:] if ln.y0 >= page.height * (1 - _MARGIN)]
    seen = {id(ln) for ln in top}
    return top + [ln for ln in bottom if id(ln) not in seen]


def _line_top(line: Line) -> float:
    return line.y0


def _furniture_key(text: str) -> str:
    # Page numbers, arabic or roman ("xvi PREFACE"), vary from page to page.
    # Odd and even pages put the number on either side: "xiv PREFACE", "PREFACE xv".
    return " ".join(_EDGE_ROMAN_KEY_RE.sub("", _DIGITS_RE.sub("", text.lower())).split())


def mark_furniture(pages: Sequence[PageText], body: float) -> None:
    """Flag running headers, footers and page numbers; record the printed page numbers.

    A margin line is furniture when it is a page number, or when the same line (digits
    ignored) sits in the margins of several pages in a font no larger than the body text
    (a heading that opens several chapters is not a running header).
    """
    margins = [_margin_lines(p) for p in pages]
    counts: Counter[str] = Counter()
    for lines in margins:
        counts.update({_furniture_key(ln.text) for ln in lines if ln.size <= 1.05 * body})
    with_text = sum(1 for p in pages if p.lines)
    needed = 3 if with_text >= 4 else 2
    for page, lines in zip(pages, margins, strict=True):
        # A page whose only line repeats elsewhere keeps it: it is the page's text.
        repeats_count = len(page.lines) > 1
        for ln in lines:
            number = _page_number(ln.text)
            if number is not None:
                ln.furniture = True
                page.printed.append(number)
                continue
            if _ROMAN_RE.match(ln.text):
                ln.furniture = True
                page.roman = ln.text
                continue
            if (
                repeats_count
                and with_text > 1
                and ln.size <= 1.05 * body
                and counts[_furniture_key(ln.text)] >= needed
            ):
                ln.furniture = True
                for rx in _EDGE_NUMBER_RES:
                    m = rx.search(ln.text)
                    if m:
                        page.printed.append(int(m.group(1)))
                m = _EDGE_ROMAN_RE.search(ln.text)
                if m:
                    page.roman = m.group(1) or m.group(2)


def printed_labels(pages: Sequence[PageText], page_count: int) -> dict[int, str]:
    """Return labels from the page numbers printed on the pages, by page index.

    The offset between printed number and page index that most pages agree on is trusted
    (with any other offset that several pages share, as in a scan with a missing page);
    pages without a printed number take the offset of the nearest numbered page before them.
    Front matter before page 1 keeps its printed roman number, else its index + 1.
    """
    votes: Counter[int] = Counter()
    for page in pages:
        votes.update({n - page.index for n in page.printed})
    if not votes:
        return {}
    with_text = sum(1 for p in pages if p.lines)
    best, best_votes = votes.most_common(1)[0]
    if with_text > 1 and best_votes < max(2, with_text // 4):
        return {}
    accepted = {off for off, v in votes.items() if v >= 2} | {best}
    found = {}
    for page in pages:
        offsets = [n - page.index for n in page.printed if n - page.index in accepted]
        if offsets:
            found[page.index] = offsets[0]
    roman = {page.index: page.roman for page in pages if page.roman}
    labels: dict[int, str] = {}
    current: int | None = None
    first = found[min(found)] if found else 0
    for index in range(page_count):
        current = found.get(index, current)
        offset = current if current is not None else first
        number = index + offset
        if number >= 1:
            labels[index] = str(number)
        else:
            labels[index] = roman.get(index) or str(index + 1)
    return labels
