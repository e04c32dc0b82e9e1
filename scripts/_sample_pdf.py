"""Page layout for the sample library: wraps, flows and draws text with pymupdf only.

A document is a list of blocks (headings, paragraphs, list items, directives) poured into
frames: one frame per page, or two columns. Lines are laid out by hand so that the result
is the same on every run and so that line-end hyphenation, footnotes, running headers and
footers land exactly where the sample needs them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import pymupdf

PAGE = pymupdf.paper_rect("a4")
LEFT, RIGHT, TOP, BOTTOM = 68.0, PAGE.width - 68.0, 82.0, PAGE.height - 78.0
GUTTER = 22.0
SHY = "\u00ad"
BLACK = (0.0, 0.0, 0.0)
GREY = (0.35, 0.35, 0.35)
RED = (0.6, 0.0, 0.0)
FONTS = {name: pymupdf.Font(name) for name in ("tiro", "tiit", "helv", "hebo")}
MARK = re.compile(r"\[\^(\w+)\]")
CLOSING = re.compile(r"[:;?!»%)]+")
LAYERS = ("header", "title", "notice", "body", "notes", "footer")
LAYER_COLOURS = {"header": GREY, "notice": RED, "footer": GREY}


@dataclass(frozen=True)
class Style:
    """How a kind of line is set: font, size, line height, spacing and indents."""

    font: str
    size: float
    leading: float
    before: float = 0.0
    after: float = 5.0
    hang: float = 0.0
    prefix: str = ""


STYLES = {
    "body": Style("tiro", 11.0, 15.0, after=6.0),
    "h1": Style("hebo", 12.0, 15.0, before=8.0, after=4.0),
    "h2": Style("hebo", 10.5, 13.5, before=5.0, after=3.0),
    "item": Style("tiro", 11.0, 15.0, after=3.0, hang=14.0, prefix="–"),
    "ref": Style("tiro", 9.5, 12.5, after=3.0, hang=16.0),
    "note": Style("tiro", 8.0, 10.0, after=1.5, hang=9.0),
    "abstract": Style("tiro", 9.5, 12.5, after=4.0),
}


@dataclass
class Block:
    """One unit of a document body: h1, h2, body, item, ref, or a newpage/scanned directive."""

    kind: str
    text: str = ""


@dataclass
class Layout:
    """Page furniture of a document, as given under `layout:` in its front matter."""

    columns: int = 1
    header: str = ""
    footer: str = ""
    numbers: bool = False
    page_labels: list[dict[str, object]] = field(default_factory=list)
    first_printed_page: int | None = None


@dataclass
class Line:
    """A laid-out line; `hyphenated` names the word split at its end, if any."""

    text: str
    hyphenated: str = ""


def measure(text: str, style: Style) -> float:
    """Return the width in points of a line, footnote marks set small and raised."""
    plain = MARK.sub("", text).replace(SHY, "")
    marks = "".join(MARK.findall(text))
    return _width(plain, style.font) * style.size + _width(marks, style.font) * style.size * 0.62


def _width(text: str, font: str) -> float:
    return sum(_advance(char, font) for char in text)


@functools.cache
def _advance(char: str, font: str) -> float:
    # Font.text_length crosses into MuPDF per character; caching keeps a build to seconds.
    return FONTS[font].text_length(char, 1.0)


def _units(text: str) -> list[str]:
    """Split into breakable units, gluing lone punctuation and guillemets to their word."""
    units: list[str] = []
    glue_next = False
    for word in text.split():
        if units and (glue_next or CLOSING.fullmatch(word)):
            units[-1] += " " + word
        else:
            units.append(word)
        glue_next = word == "«"
    return units


def wrap(text: str, style: Style, width: float) -> list[Line]:
    """Return the lines of a paragraph, broken greedily, hyphenated only at soft hyphens."""
    lines: list[Line] = []
    current = ""
    for unit in _units(text):
        avail = width - (style.hang if lines or style.prefix else 0.0)
        trial = f"{current} {unit}" if current else unit
        if measure(trial, style) <= avail:
            current = trial
            continue
        split = _hyphenate(current, unit, style, avail)
        if split is not None:
            head, tail = split
            lines.append(Line(head, hyphenated=unit.replace(SHY, "")))
            current = tail
            continue
        lines.append(Line(current))
        current = unit
    if current:
        lines.append(Line(current))
    return [Line(line.text.replace(SHY, ""), line.hyphenated) for line in lines]


def _hyphenate(current: str, unit: str, style: Style, avail: float) -> tuple[str, str] | None:
    """Split `unit` at its last soft hyphen that still fits, or return None."""
    points = [i for i, char in enumerate(unit) if char == SHY]
    for point in reversed(points):
        head = unit[:point].replace(SHY, "") + "-"
        trial = f"{current} {head}" if current else head
        if measure(trial, style) <= avail:
            return trial, unit[point + 1 :]
    return None


class Canvas:
    """The text layers of one page, written in reading order when the page is finished."""

    def __init__(self, doc: pymupdf.Document, index: int) -> None:
        self.doc = doc
        self.index = index
        self.writers = {name: pymupdf.TextWriter(PAGE) for name in LAYERS}
        self.notes: list[Line] = []
        self.closed = False

    @property
    def page(self) -> pymupdf.Page:
        """A fresh handle on the page (pymupdf drops page handles when pages are added)."""
        return self.doc[self.index]

    def draw(self, layer: str, x: float, y: float, text: str, style: Style) -> None:
        """Draw one line with its baseline at y, footnote marks as superscripts."""
        writer = self.writers[layer]
        font = FONTS[style.font]
        pos = 0
        for match in MARK.finditer(text):
            chunk = text[pos : match.start()]
            writer.append((x, y), chunk, font=font, fontsize=style.size)
            x += font.text_length(chunk, style.size)
            small = style.size * 0.62
            writer.append((x, y - style.size * 0.38), match.group(1), font=font, fontsize=small)
            x += font.text_length(match.group(1), small)
            pos = match.end()
        writer.append((x, y), text[pos:], font=font, fontsize=style.size)

    def finish(self) -> None:
        """Write every layer onto the page."""
        page = self.page
        for name in LAYERS:
            writer = self.writers[name]
            if writer.text_rect.is_empty:
                continue
            writer.write_text(page, color=LAYER_COLOURS.get(name, BLACK))


@dataclass
class Placed:
    """Where one line of a block went: page index and frame (column) index."""

    block: int
    page: int
    frame: int


class Flow:
    """Pours blocks into the frames of successive pages and records where each line went."""

    def __init__(self, doc: pymupdf.Document, layout: Layout, notes: dict[str, str]) -> None:
        self.doc = doc
        self.layout = layout
        self.notes = notes
        self.canvases: list[Canvas | None] = []
        self.frames: list[pymupdf.Rect] = []
        self.frame = 0
        self.y = TOP
        self.reserved = 0.0
        self.placed: list[Placed] = []
        self.hyphenated: list[tuple[int, str]] = []

    @property
    def width(self) -> float:
        """Width of a text frame, the same for every frame of the document."""
        if self.layout.columns == 2:
            return (RIGHT - LEFT - GUTTER) / 2
        return RIGHT - LEFT

    def new_page(self, top: float = TOP) -> Canvas:
        """Start a page whose frames begin at `top` and return its canvas."""
        if self.canvases:
            self._close_page()
        self.doc.new_page(width=PAGE.width, height=PAGE.height)
        canvas = Canvas(self.doc, self.doc.page_count - 1)
        self.canvases.append(canvas)
        self.set_top(top)
        return canvas

    def set_top(self, top: float) -> None:
        """Place the frames of the current page below `top` (after a title block)."""
        if self.layout.columns == 2:
            mid = (LEFT + RIGHT) / 2
            self.frames = [
                pymupdf.Rect(LEFT, top, mid - GUTTER / 2, BOTTOM),
                pymupdf.Rect(mid + GUTTER / 2, top, RIGHT, BOTTOM),
            ]
        else:
            self.frames = [pymupdf.Rect(LEFT, top, RIGHT, BOTTOM)]
        self.frame = 0
        self.y = top
        self.reserved = 0.0

    @property
    def canvas(self) -> Canvas:
        canvas = self.canvases[-1]
        assert canvas is not None
        return canvas

    def _next_frame(self) -> None:
        if self.frame + 1 < len(self.frames):
            self.frame += 1
            self.y = self.frames[self.frame].y0
        else:
            self.new_page()

    def _room(self) -> float:
        return self.frames[self.frame].y1 - self.reserved - self.y

    def place(self, index: int, lines: list[Line], style: Style, keep: float = 0.0) -> None:
        """Place the lines of block `index`, moving on to the next frame when one is full.

        `keep` is the height that must fit below the block's first lines (a heading keeps
        two lines of the next paragraph with it).
        """
        if self.y > self.frames[self.frame].y0:
            self.y += style.before
        needed = min(len(lines), 2) * style.leading + keep
        if self._room() < needed:
            self._next_frame()
        for number, line in enumerate(lines):
            note_height = self._note_height(line.text)
            if self._room() < style.leading + note_height:
                self._next_frame()
                note_height = self._note_height(line.text)
            if note_height:
                self._reserve_notes(line.text, note_height)
            x0 = self.frames[self.frame].x0
            if style.prefix and number == 0:
                self.canvas.draw("body", x0, self.y + style.size, style.prefix, style)
            x = x0 + (style.hang if number or style.prefix else 0.0)
            self.canvas.draw("body", x, self.y + style.size, line.text, style)
            if line.hyphenated:
                self.hyphenated.append((len(self.canvases) - 1, line.hyphenated))
            self.placed.append(Placed(index, len(self.canvases) - 1, self.frame))
            self.y += style.leading
        self.y += style.after

    def _note_lines(self, text: str) -> list[Line]:
        lines: list[Line] = []
        for label in MARK.findall(text):
            lines += wrap(f"{label} {self.notes[label]}", STYLES["note"], self.width)
        return lines

    def _note_height(self, text: str) -> float:
        lines = self._note_lines(text)
        if not lines:
            return 0.0
        separator = 0.0 if self.canvas.notes else 10.0
        return separator + len(lines) * STYLES["note"].leading

    def _reserve_notes(self, text: str, height: float) -> None:
        self.reserved += height
        self.canvas.notes += self._note_lines(text)

    def _close_page(self) -> None:
        canvas = self.canvases[-1]
        if canvas is None or canvas.closed:
            return
        canvas.closed = True
        if not canvas.notes:
            return
        style = STYLES["note"]
        y = BOTTOM - len(canvas.notes) * style.leading
        canvas.page.draw_line((LEFT, y - 4), (LEFT + 120, y - 4), color=BLACK, width=0.5)
        for line in canvas.notes:
            canvas.draw("notes", LEFT, y + style.size, line.text, style)
            y += style.leading

    def close(self) -> None:
        """Finish the last page."""
        self._close_page()

    def add_raster_page(self, pixmap: pymupdf.Pixmap) -> None:
        """Append a page that holds only a picture of a page (no text layer at all)."""
        self._close_page()
        page = self.doc.new_page(width=PAGE.width, height=PAGE.height)
        page.insert_image(page.rect, pixmap=pixmap)
        self.canvases.append(None)


def draw_running_text(canvas: Canvas, header: str, footer: str, number: str) -> None:
    """Draw the running header (with a rule) and the footer with the printed page number."""
    style = Style("helv", 8.0, 10.0)
    if header:
        canvas.draw("header", LEFT, 48.0, header, style)
        canvas.page.draw_line((LEFT, 54.0), (RIGHT, 54.0), color=GREY, width=0.4)
    if footer:
        canvas.draw("footer", LEFT, PAGE.height - 42.0, footer, style)
    if number:
        num_style = Style("helv", 9.0, 10.0)
        x = (
            RIGHT - measure(number, num_style)
            if footer
            else (PAGE.width - measure(number, num_style)) / 2
        )
        canvas.draw("footer", x, PAGE.height - 42.0, number, num_style)
