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

__all__ = ["GARBLED_PAGE", "OCR_HINT", "page_warnings", "read_pages"]

GARBLED_PAGE = 0.25  # share of unreadable characters that flags a page
OCR_HINT = "OCR it with `evidence extract --ocr` (Tesseract with the fra and nld packs)"


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
            text = read_lines(words, index, box.width, box.height)
            notes.setdefault("ocr", []).append(index)
    elif garbled:
        notes.setdefault("garbled", []).append(index)
    elif text.garbage:
        notes.setdefault("garbage", []).append(index)
    elif blank and has_images(page):
        notes.setdefault("image_only", []).append(index)
    return text


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
            out.append(f"{where}: images without a text layer (scanned?): {hint}")
        elif key == "garbled":
            out.append(
                f"{where}: unreadable text (fonts without a Unicode map) left out: {OCR_HINT}"
            )
        elif key == "garbage":
            out.append(
                f"{where}: a few unreadable characters (fonts without a Unicode map) left out"
            )
        elif key == "ocr":
            out.append(f"{where}: read by OCR; check quotes against the page image")
    return out
