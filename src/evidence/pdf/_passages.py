"""Blocks in reading order into paragraphs with sections.

A paragraph continues across blocks, columns and pages when the text so far does not end a
sentence and the next block starts in lower case; it keeps the page where it started. Notes,
captions and tables met in between do not interrupt it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ._blocks import HEADING_NAMES, Block, heading_name, is_known_heading
from ._layout import Line
from ._text import Vocabulary, append_text, ends_sentence, ends_with_hyphen, finish_text

__all__ = ["Paragraph", "assemble_paragraphs", "split_paragraphs"]

_RUNNING = ("body", "abstract", "references", "footnote")
_HYPHENS = "-\u2010"
_MAY_END = ".!?\u2026\"'\u201d\u2019\u00bb)]"  # last characters of a sentence
_MAX_CHARS = 4000  # a paragraph longer than this is cut at the next sentence end
_MAX_ABSTRACT = 2500  # characters of abstract after which a new paragraph is body text
_ABSTRACT_START_RE = re.compile(
    r"^(?:abstract|résumé|samenvatting|summary)\s*(?:[.:\u2014\u2013-]|$)", re.IGNORECASE
)
_KEYWORDS_START_RE = re.compile(
    r"^(?:key ?words|index terms|mots[- ]cl[ée]s|trefwoorden|sleutelwoorden)\b", re.IGNORECASE
)
_REFERENCE_START_RE = re.compile(r"^(?:\[\d+\]|\d+\.\s)")


@dataclass(slots=True, eq=False)
class Paragraph:
    """A paragraph of the document: where it starts, its section and its text."""

    page: int
    section: str
    parts: list[str] = field(default_factory=list)  # lines, hyphenation already repaired
    chars: int = 0
    size: float = 0.0  # font size of the line added last
    soft: bool = False  # the last line ended with a soft hyphen (dropped when cleaned)

    @property
    def text(self) -> str:
        """Return the paragraph's text: NFC, single spaces."""
        return finish_text(" ".join(self.parts))

    def extend(self, lines: list[Line], start: int, vocabulary: Vocabulary) -> int:
        """Append lines from ``start``, joining words cut by a hyphen at a line end.

        Stops at a sentence end once the paragraph is too long; returns the index of the
        first line not taken.
        """
        parts = self.parts
        chars = self.chars
        soft = self.soft
        for i in range(start, len(lines)):
            line = lines[i]
            text = line.text
            if parts:
                last = parts[-1]
                if chars > _MAX_CHARS and ends_sentence(last):
                    self.chars, self.soft = chars, soft
                    return i
                end = last[-1]
                if (soft and end.isalpha() and text[0].isalpha()) or (
                    end in _HYPHENS and ends_with_hyphen(last) and text[0].isalnum()
                ):
                    parts[-1] = append_text(last, text, vocabulary, soft=soft)
                else:
                    parts.append(text)
            else:
                parts.append(text)
            chars += len(text) + 1
            soft = line.raw[-1] == "\u00ad"
        self.chars, self.soft, self.size = chars, soft, lines[-1].size
        return len(lines)


def _same_baseline(a: Line, b: Line) -> bool:
    return abs((a.y0 + a.y1) - (b.y0 + b.y1)) < 0.8 * b.size and b.x0 >= a.x1 - 1


def split_paragraphs(block: Block) -> list[list[Line]]:
    """Return the block's lines grouped into paragraphs.

    A new paragraph starts after a line that ends a sentence when the next line is indented
    or outdented (hanging references), the finished line stops well short of the right
    edge, or a vertical gap separates them.
    """
    lines = block.lines
    if len(lines) == 1:
        return [lines]
    groups = [[lines[0]]]
    width = block.x1 - block.x0
    for prev, cur in zip(lines, lines[1:], strict=False):
        size = cur.size
        if (
            prev.text[-1] in _MAY_END
            and ends_sentence(prev.text)
            and not _same_baseline(prev, cur)
            and (
                cur.x0 > block.x0 + 0.5 * size
                or cur.x0 < prev.x0 - 0.8 * size
                or prev.x1 < block.x1 - 0.3 * width
                or cur.y0 - prev.y1 > 0.9 * size
                or _REFERENCE_START_RE.match(cur.text)
            )
        ):
            groups.append([cur])
        else:
            groups[-1].append(cur)
    return groups


def _continues(prev: Paragraph, text: str, size: float) -> bool:
    if not prev.parts or prev.chars > _MAX_CHARS:
        return False
    last = prev.parts[-1]
    if ends_sentence(last):
        return False
    if abs(size - prev.size) > 0.15 * max(size, prev.size):
        return False  # a code listing or a quote set smaller is not the same paragraph
    first = text[:1]
    if prev.section == "references":
        # An entry runs on until its final full stop, whatever its next line starts with.
        return not _REFERENCE_START_RE.match(text)
    return first.islower() or (first.isalpha() and (prev.soft or ends_with_hyphen(last)))


class _Assembler:
    """Walks the blocks of the document in reading order and collects paragraphs."""

    def __init__(self, body: float, vocabulary: Vocabulary) -> None:
        self.body = body
        self.vocabulary = vocabulary
        self.paragraphs: list[Paragraph] = []
        self.open: dict[str, Paragraph] = {}
        self.zone = "body"
        self.zone_page = 0
        self.zone_size = 0.0
        self.abstract_chars = 0
        self.ref_size = 0.0

    def _heading(self, page: int, block: Block, text: str) -> bool:
        """Handle a heading; return False when it is a reference entry after all."""
        name = heading_name(text)
        role = HEADING_NAMES.get(name, "body")
        if (
            self.zone == "references"
            and role == "body"
            and not is_known_heading(text)
            and not (block.size >= self.zone_size - 0.3 and block.size >= 1.1 * self.body)
        ):
            return False
        self.zone, self.zone_page, self.zone_size = role, page, block.size
        self.abstract_chars = 0
        self.ref_size = 0.0
        self.open.clear()
        self.paragraphs.append(Paragraph(page, "heading", [text]))
        return True

    def _new(self, page: int, section: str) -> Paragraph:
        para = Paragraph(page, section)
        self.paragraphs.append(para)
        if section in _RUNNING:
            self.open[section] = para
        return para

    def add_block(self, page: int, block: Block) -> None:
        if block.kind == "heading":
            text = " ".join(ln.text for ln in block.lines)
            if self._heading(page, block, text):
                return
        if self.zone == "abstract" and page > self.zone_page + 1:
            self.zone = "body"
        kind = block.kind if block.kind != "heading" else ""
        if self.zone == "references":
            kind = self._reference_kind(block, kind)
        for lines in split_paragraphs(block):
            self._add_lines(page, lines, kind or self.zone)

    def _reference_kind(self, block: Block, kind: str) -> str:
        """Return the kind of a block inside a reference list ("" for a reference).

        Lists are often set smaller than the body text and one line per block, which looks
        like notes or table cells: only text smaller than the list itself is a note.
        """
        if not self.ref_size:
            self.ref_size = block.size
        if kind == "footnote" and block.size < 0.9 * self.ref_size:
            return kind
        if kind == "table" and len(block.lines) > 2:
            return kind
        return "" if kind in ("footnote", "table") else kind

    def _add_lines(self, page: int, lines: list[Line], section: str) -> None:
        first = lines[0].text
        if section == "body" and _ABSTRACT_START_RE.match(first):
            section = self.zone = "abstract"
            self.zone_page = page
            self.abstract_chars = 0
        ending_abstract = section == "abstract" and _KEYWORDS_START_RE.match(first)
        para = self.open.get(section)
        size = lines[0].size
        if para is not None and not _continues(para, first, size):
            para = None
        if para is None and section == "abstract" and self.abstract_chars > _MAX_ABSTRACT:
            # Without a heading to end it, an abstract ends after a few paragraphs.
            section = self.zone = "body"
            para = self.open.get(section)
            if para is not None and not _continues(para, first, size):
                para = None
        if para is None:
            para = self._new(page, section)
        start = para.extend(lines, 0, self.vocabulary)
        while start < len(lines):
            para = self._new(page, section)
            start = para.extend(lines, start, self.vocabulary)
        if section == "abstract":
            self.abstract_chars += sum(len(ln.text) for ln in lines)
        if ending_abstract:
            self.zone = "body"


def assemble_paragraphs(
    pages: Iterable[tuple[int, list[Block]]], body: float, vocabulary: Vocabulary
) -> list[Paragraph]:
    """Return the document's paragraphs in reading order, with their sections and pages."""
    assembler = _Assembler(body, vocabulary)
    for page, blocks in pages:
        for block in blocks:
            assembler.add_block(page, block)
    return [para for para in assembler.paragraphs if para.parts]
