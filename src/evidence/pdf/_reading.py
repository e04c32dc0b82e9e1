"""Reading a document's pages into lines, and the warnings their problems give.

A page's lines depend on that page alone, so a document may be read in page ranges by
several workers and put back together (see ``_parts``).
"""

from __future__ import annotations

from time import monotonic
from typing import Any

import pymupdf

from ._document import MUPDF_ERRORS, describe_error, has_images, ocr_languages, read_words
from ._layout import PageText, read_lines

__all__ = ["GARBLED_PAGE", "NEEDS_OCR", "OCR_HINT", "join_ocr_lines", "page_warnings", "read_pages"]

GARBLED_PAGE = 0.25  # share of unreadable characters that flags a page
OCR_HINT = "OCR it with `evidence extract --ocr` (Tesseract with the fra and nld packs)"
_IMAGE_ONLY = "images without a text layer (scanned?)"
_GARBLED = "unreadable text (fonts without a Unicode map) left out"
#: what the warnings of a document with pages that OCR would read say about those pages
NEEDS_OCR = (_IMAGE_ONLY, _GARBLED)
_PARAGRAPH_GAP = 0.75  # in line heights: a wider gap between two OCR lines starts a paragraph


def read_pages(
    doc: pymupdf.Document,
    start: int,
    stop: int,
    *,
    ocr: bool,
    deadline: float | None,
    notes: dict[str, list[int]],
) -> tuple[list[PageText], int]:
    """Read the lines of pages ``start``..``stop``; return them and where time ran out (or -1).

    A page's lines depend on that page alone: pages read in ranges are those read in one go.
    """
    use_ocr = ocr and bool(ocr_languages())
    out: list[Any] = []
    for index in range(start, stop):
        if deadline is not None and monotonic() > deadline:
            return out, index
        text = _read_page(doc, index, use_ocr=use_ocr, notes=notes)
        if text is not None:
            out.append(text)
    return out, -1


def _read_page(
    doc: pymupdf.Document, index: int, *, use_ocr: bool, notes: dict[str, list[int]]
) -> PageText | None:
    """Return one page's lines (by OCR when its text layer is unusable), None if unreadable.

    The page's problem, if any, is noted under its kind in ``notes``.
    """
    try:
        page = doc.load_page(index)
        box = page.cropbox
        words = read_words(page, ocr=False)
    except MUPDF_ERRORS as exc:
        notes.setdefault(f"error:{describe_error(exc)}", []).append(index)
        return None
    text = read_lines(words, index, box.width, box.height)
    garbled = text.garbage > GARBLED_PAGE * max(text.chars, 1)
    blank = not text.lines
    if use_ocr and (garbled or (blank and has_images(page))):
        try:
            words = read_words(page, ocr=True)
        except MUPDF_ERRORS as exc:
            notes.setdefault(f"error:OCR failed ({describe_error(exc)})", []).append(index)
        else:
            text = read_lines(join_ocr_lines(words), index, box.width, box.height)
            notes.setdefault("ocr", []).append(index)
    elif garbled:
        notes.setdefault("garbled", []).append(index)
    elif text.garbage:
        notes.setdefault("garbage", []).append(index)
    elif blank and has_images(page):
        notes.setdefault("image_only", []).append(index)
    return text


def join_ocr_lines(words: list[tuple]) -> list[tuple]:
    """Return OCR words with their lines grouped into paragraphs the way a text layer is.

    Tesseract often makes each line of a scan a block of its own, and blocks become
    passages; here consecutive lines of one column whose gap is under ``_PARAGRAPH_GAP`` of
    a line's height share a block, so a paragraph is one passage as in a born-digital PDF.
    """
    lines: dict[tuple[int, int], list[tuple]] = {}
    for w in words:
        lines.setdefault((w[5], w[6]), []).append(w)
    out: list[tuple] = []
    block, line_no = -1, 0
    prev: tuple[float, float, float, float] | None = None
    for key in lines:  # Tesseract's reading order
        ws = lines[key]
        box = (
            min(w[0] for w in ws),
            min(w[1] for w in ws),
            max(w[2] for w in ws),
            max(w[3] for w in ws),
        )
        height = max(box[3] - box[1], 1.0)
        same = (
            prev is not None
            and 0 <= box[1] - prev[3] <= _PARAGRAPH_GAP * height + 1
            and box[0] < prev[2]
            and prev[0] < box[2]
        )
        if same:
            line_no += 1
        else:
            block, line_no = block + 1, 0
        out += [(*w[:5], block, line_no, n) for n, w in enumerate(ws)]
        prev = box
    return out


def _label_list(labels: list[str], indices: list[int], limit: int = 10) -> str:
    shown = ", ".join(labels[i] for i in indices[:limit])
    more = f" and {len(indices) - limit} more" if len(indices) > limit else ""
    return f"{'page' if len(indices) == 1 else 'pages'} {shown}{more}"


def page_warnings(notes: dict[str, list[int]], labels: list[str], ocr: bool) -> list[str]:
    """Return one warning per kind of page problem, naming the pages by their labels."""
    out = []
    for key, indices in notes.items():
        where = _label_list(labels, indices)
        if key.startswith("error:"):
            out.append(f"{where}: cannot be read ({key[6:]}); the other pages are kept")
        elif key == "image_only":
            hint = "OCR is not available: install Tesseract" if ocr else OCR_HINT
            out.append(f"{where}: {_IMAGE_ONLY}: {hint}")
        elif key == "garbled":
            out.append(f"{where}: {_GARBLED}: {OCR_HINT}")
        elif key == "garbage":
            out.append(
                f"{where}: a few unreadable characters (fonts without a Unicode map) left out"
            )
        elif key == "ocr":
            out.append(f"{where}: read by OCR; check quotes against the page image")
    return out
