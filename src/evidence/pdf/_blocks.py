"""Blocks of lines on a page: reading order across columns, and what each block is.

Reading order: blocks that cross a column gutter (or span most of the text width) cut the
page into horizontal bands; inside a band, columns are read left to right, each top to bottom.
Kinds: heading, caption, table, footnote, or "" for running text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ._layout import Line, PageText

__all__ = [
    "HEADING_NAMES",
    "Block",
    "classify_blocks",
    "heading_name",
    "is_known_heading",
    "make_blocks",
    "order_blocks",
]

_WIDE = 0.6  # share of the text width above which a block spans the columns


@dataclass(slots=True, eq=False)
class Block:
    """Consecutive lines that MuPDF grouped together, with their bounding box."""

    lines: list[Line]
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    kind: str = ""


HEADING_NAMES = {
    "abstract": "abstract",
    "résumé": "abstract",
    "resume": "abstract",
    "samenvatting": "abstract",
    "summary": "abstract",
    "executive summary": "abstract",
    "synthèse": "abstract",
    "references": "references",
    "reference list": "references",
    "références": "references",
    "références bibliographiques": "references",
    "bibliography": "references",
    "bibliographie": "references",
    "bibliografie": "references",
    "literatuur": "references",
    "literatuurlijst": "references",
    "referenties": "references",
    "bronnen": "references",
    "literature": "references",
    "literature cited": "references",
    "works cited": "references",
}
_OTHER_HEADING_WORDS = (
    "introduction inleiding conclusion conclusions conclusie conclusies discussion discussie "
    "results résultats resultaten methods method méthode méthodes méthodologie methodology "
    "methode methoden background contexte context acknowledgements acknowledgments "
    "remerciements dankwoord appendix annexe annexes bijlage bijlagen notes keywords "
    "mots-clés trefwoorden recommendations recommandations aanbevelingen contents "
    "inhoud inhoudstafel sommaire foreword préface voorwoord"
)
_OTHER_HEADINGS = frozenset(_OTHER_HEADING_WORDS.split())
_NUMBERING_RE = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.|[A-Z]\.|[A-Z]\d*(?:\.\d+)+\.?)\s+")
_CAPTION_RE = re.compile(
    r"^(?:figure|fig\.|figuur|figures|table|tableau|tabel|tab\.|graphique|graph|chart|grafiek|"
    r"schéma|schema|illustration|afbeelding|encadré|box|kader)\s*"
    r"(?:\d+(?:\.\d+)*|[IVXLC]+|[A-Z])\b\s*(?P<after>.?)",
    re.IGNORECASE,
)
_DIGIT_RE = re.compile(r"\d")
# A short line ending like a sentence or a quotation is text, not a label in a figure.
_FRAGMENT_ENDS = ".!?:,;\u2026\"'\u00bb\u201d\u2019)"
_NUMERIC_TOKEN_RE = re.compile(r"^[(\[]?[-+\u2212\u00b1]?[\d.,:/%\u2013-]*\d[\d.,:/%\u2013)\]*]*$")


def heading_name(text: str) -> str:
    """Return the normalised name of a heading: numbering and trailing punctuation removed."""
    text = _NUMBERING_RE.sub("", text.strip()).strip(" .:\u2014\u2013-").lower()
    return " ".join(text.split())


def is_known_heading(text: str) -> bool:
    """Return True for the usual names of sections (Abstract, Références, Inleiding...)."""
    name = heading_name(text)
    return name in HEADING_NAMES or name in _OTHER_HEADINGS


def _make_block(lines: list[Line]) -> Block:
    first = lines[0]
    if len(lines) == 1:
        return Block(lines, first.x0, first.y0, first.x1, first.y1, first.size)
    x0, y0, x1, y1 = first.x0, first.y0, first.x1, lines[-1].y1
    for ln in lines:
        if ln.x0 < x0:
            x0 = ln.x0
        if ln.x1 > x1:
            x1 = ln.x1
    size = sorted([ln.size for ln in lines])[len(lines) // 2]
    return Block(lines, x0, min(y0, lines[-1].y0), x1, max(y1, first.y1), size)


def make_blocks(page: PageText) -> list[Block]:
    """Return the page's blocks without furniture, split where MuPDF joined unrelated lines.

    A block is split when the next line jumps up or far down, and a known section name on
    its own first line (``References``) becomes a block of its own. MuPDF lists the lines of
    a block one after the other, so one pass over the page is enough.
    """
    blocks: list[Block] = []
    current: list[Line] = []
    prev: Line | None = None
    for ln in page.lines:
        if ln.furniture:
            continue
        if prev is not None and (
            ln.block != prev.block or ln.y0 < prev.y0 - ln.size or ln.y0 - prev.y1 > 2.5 * ln.size
        ):
            _close(current, blocks)
            current = []
        current.append(ln)
        prev = ln
    if current:
        _close(current, blocks)
    return blocks


def _close(lines: list[Line], blocks: list[Block]) -> None:
    first = lines[0].text
    if len(lines) > 1 and len(first) < 40 and is_known_heading(first):
        blocks.append(_make_block(lines[:1]))
        lines = lines[1:]
    blocks.append(_make_block(lines))


def _gutters(blocks: Sequence[Block], left: float, right: float) -> list[tuple[float, float]]:
    """Return the x-intervals that (almost) no narrow paragraph crosses.

    Only blocks of two lines or more are evidence of columns: centred one-liners (author
    names, affiliations) often sit across the gutter above the columns.
    """
    width = right - left
    narrow = [b for b in blocks if len(b.lines) > 1 and b.x1 - b.x0 < _WIDE * width]
    if len(narrow) < 2:
        return []
    events = sorted(
        [(b.x0, len(b.lines)) for b in narrow] + [(b.x1, -len(b.lines)) for b in narrow]
    )
    cover = peak = 0
    for _x, delta in events:
        cover += delta
        peak = max(peak, cover)
    # A gutter may be crossed by a little text (a centred affiliation above the columns).
    limit = max(1, 0.15 * peak)
    gutters = []
    cover = 0
    gap_start = None
    for x, delta in events:
        was_gap = cover < limit
        cover += delta
        if was_gap and cover >= limit and gap_start is not None:
            if x - gap_start >= 3 and left + 0.1 * width < gap_start and x < right - 0.1 * width:
                gutters.append((gap_start, x))
            gap_start = None
        elif not was_gap and cover < limit:
            gap_start = x
    return gutters


def order_blocks(blocks: list[Block], left: float, right: float) -> list[Block]:
    """Return the blocks in reading order (columns left to right inside bands)."""
    if len(blocks) < 2:
        return blocks
    gutters = _gutters(blocks, left, right)
    if not gutters:
        return sorted(blocks, key=_block_top)
    width = right - left
    mids = [(a + b) / 2 for a, b in gutters]
    spanning = []
    placed = []
    for b in blocks:
        if b.x1 - b.x0 >= _WIDE * width or any(b.x0 < m < b.x1 for m in mids):
            spanning.append(b)
        else:
            centre = (b.x0 + b.x1) / 2
            placed.append((sum(m < centre for m in mids), b))
    spanning.sort(key=_block_top)
    bands: list[list[tuple[int, Block]]] = [[] for _ in range(len(spanning) + 1)]
    for column, b in placed:
        centre = (b.y0 + b.y1) / 2
        band = sum((s.y0 + s.y1) / 2 <= centre for s in spanning)
        bands[band].append((column, b))
    ordered: list[Block] = []
    for k, members in enumerate(bands):
        members.sort(key=lambda cb: (cb[0], cb[1].y0))
        ordered.extend(b for _, b in members)
        if k < len(spanning):
            ordered.append(spanning[k])
    return ordered


def _block_top(block: Block) -> float:
    return block.y0


def _block_text(block: Block) -> str:
    return " ".join(ln.text for ln in block.lines)


def _is_heading(block: Block, text: str, body: float) -> bool:
    if len(block.lines) > 3 or len(text) > 160 or not text[0].isupper() and not text[0].isdigit():
        return False
    words = len(text.split())
    letters = sum(c.isalpha() for c in text)
    if letters < 0.5 * (len(text) - words + 1):
        return False
    if block.size >= 1.1 * body and words <= 20 and text[-1] not in ",;":
        return True
    if len(block.lines) > 1 or words > 12 or block.size < 0.9 * body:
        return False  # a note mark ("1 http://...") is no section number
    if is_known_heading(text):
        return True
    if text[-1] in ".,;:" or not any(c.isalpha() for c in text):
        return False
    if _NUMBERING_RE.match(text):
        return True
    upper = sum(c.isupper() for c in text)
    return letters >= 4 and upper >= 0.8 * letters


def _is_table(text: str, lines: int) -> bool:
    if not any(c.isalpha() for c in text):
        return True
    if len(text) > 35 * lines or _DIGIT_RE.search(text) is None:
        return False  # long lines are prose; no digits, no numeric table
    tokens = text.split()
    numeric = sum(1 for t in tokens if _NUMERIC_TOKEN_RE.match(t))
    return len(tokens) >= 3 and numeric >= 0.5 * len(tokens)


def _is_caption(text: str, block: Block, body: float) -> bool:
    m = _CAPTION_RE.match(text)
    if m is None:
        return False
    after = m.group("after")
    return (
        after in ("", ".", ":", "\u2014", "\u2013", "-", "|")
        or block.size < 0.95 * body
        or (len(block.lines) <= 2 and text[-1] not in ".!?")
    )


def _grid_cells(blocks: Sequence[Block], width: float) -> set[int]:
    """Return ids of short blocks that sit side by side in two rows or more (a table)."""
    small = sorted(
        (b for b in blocks if len(b.lines) <= 2 and b.x1 - b.x0 < 0.3 * width),
        key=_block_top,
    )
    rows: list[list[Block]] = []
    for b in small:
        if rows and b.y0 < (rows[-1][0].y0 + rows[-1][0].y1) / 2:
            rows[-1].append(b)
        else:
            rows.append([b])
    wide_rows = [r for r in rows if len(r) >= 3]
    if len(wide_rows) < 2:
        return set()
    return {id(b) for r in wide_rows for b in r}


def _fragments(blocks: Sequence[Block]) -> set[int]:
    """Return ids of the short one-line labels a figure leaves on the page (three or more)."""
    found = set()
    for b in blocks:
        if len(b.lines) == 1:
            text = b.lines[0].text
            if len(text.split()) <= 6 and text[-1] not in _FRAGMENT_ENDS:
                found.add(id(b))
    return found if len(found) >= 3 else set()


def classify_blocks(blocks: Sequence[Block], page: PageText, body: float, width: float) -> None:
    """Set each block's kind: heading, caption, table, footnote or "" (running text).

    Figures' text (axis labels, boxes of a diagram) counts as table: it is not prose.
    """
    cells = _grid_cells(blocks, width) | _fragments(blocks)
    for b in blocks:
        text = _block_text(b)
        if _is_table(text, len(b.lines)):
            b.kind = "table"
        elif _is_caption(text, b, body):
            b.kind = "caption"
        elif _is_heading(b, text, body):
            b.kind = "heading"
        elif id(b) in cells:
            b.kind = "table"
        elif b.size < 0.9 * body and b.y0 > 0.5 * page.height and not _text_below(b, blocks, body):
            b.kind = "footnote"


def _text_below(block: Block, blocks: Sequence[Block], body: float) -> bool:
    """Return True when body-size text sits below ``block`` in the same column."""
    return any(
        o.y0 > block.y1 - 1 and o.size >= 0.9 * body and o.x0 < block.x1 and o.x1 > block.x0
        for o in blocks
        if o is not block
    )
