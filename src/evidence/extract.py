"""PDF to passages: paragraphs in reading order with page labels, sections and languages.

``extract_pdf`` never raises for a bad PDF: it returns an :class:`Extraction` whose
``status`` is ``"ok"`` or one of these reason codes, with a sentence in ``reason``:

- ``missing``: the path does not exist or is not a readable file;
- ``not_pdf``: the file is something else (an HTML page saved as .pdf, an image...);
- ``too_large``: over 2 GB or over 10,000 pages;
- ``broken``: empty, damaged beyond MuPDF's repair, or repaired with no text left;
- ``encrypted``: needs a password, none or a wrong one given (files encrypted with an
  empty user password open normally);
- ``no_pages``: opens but has no pages;
- ``no_text``: no page has a text layer (scanned images: needs OCR), or nothing but
  running headers and footers;
- ``garbled``: most of the text layer is unreadable (fonts without a Unicode map);
- ``timeout``: the time limit passed before the last page;
- ``crashed`` and ``error``: only from :func:`extract_many`, when the worker process died
  or the extractor itself failed on the file.

Non-``ok`` extractions carry no passages. Problems that leave the rest usable (an unreadable
page, pages without text, unreadable characters dropped, a repaired file) are ``warnings``.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from time import monotonic

import pymupdf

from ._blocks import classify_blocks, make_blocks, order_blocks
from ._layout import PageText, body_size, mark_furniture, printed_labels, read_lines
from ._passages import assemble_paragraphs
from ._pdfdoc import (
    MUPDF_ERRORS,
    describe_error,
    has_images,
    ocr_languages,
    open_pdf,
    pdf_page_labels,
    read_words,
)
from ._pdftext import Vocabulary
from ._pool import count_cpus, run_bounded
from .lang import detect_language, majority_language

__all__ = [
    "EXTRACTOR_VERSION",
    "SECTIONS",
    "CODED_SECTIONS",
    "Passage",
    "Extraction",
    "extract_pdf",
    "extract_many",
]

EXTRACTOR_VERSION = "1.3"
SECTIONS = ("body", "abstract", "heading", "footnote", "caption", "table", "references")
CODED_SECTIONS = ("body", "abstract", "footnote", "caption")

_GARBLED_PAGE = 0.25  # share of unreadable characters that flags a page
_OCR_HINT = "OCR it with `evidence extract --ocr` (Tesseract with the fra and nld packs)"


@dataclass(frozen=True, slots=True)
class Passage:
    """One paragraph of a document, where it starts and what it is."""

    page_index: int  # 0-based physical page where the paragraph starts
    page_label: str  # label the reader sees (PDF labels, else printed number, else index+1)
    seq: int  # 0-based order in the document (reading order)
    section: str  # one of SECTIONS
    lang: str  # fr | nl | en | other
    text: str  # NFC, one paragraph, hyphenation repaired, single spaces


@dataclass(frozen=True, slots=True)
class Extraction:
    """What came out of one file: a status, and the passages when it is ``ok``."""

    file: str  # the path as given
    status: str  # "ok" or a reason code (see the module documentation)
    reason: str  # one sentence: what is wrong and what to do ("" when ok)
    pages: int  # page count (0 if unopenable)
    lang: str  # majority language of the passages ("" without passages)
    passages: tuple[Passage, ...]
    warnings: tuple[str, ...] = ()


@contextlib.contextmanager
def _quiet_mupdf() -> Iterator[None]:
    """Keep MuPDF's own messages off stderr: problems are reported as reasons and warnings."""
    errors = pymupdf.TOOLS.mupdf_display_errors()
    warnings = pymupdf.TOOLS.mupdf_display_warnings()
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    try:
        yield
    finally:
        pymupdf.TOOLS.mupdf_display_errors(errors)
        pymupdf.TOOLS.mupdf_display_warnings(warnings)
        # MuPDF keeps every message in a process-wide list: emptied, so a long run stays small.
        pymupdf.TOOLS.reset_mupdf_warnings()


def _failed(file: str, status: str, reason: str, pages: int = 0, warnings=()) -> Extraction:
    return Extraction(file, status, reason, pages, "", (), tuple(warnings))


def extract_pdf(
    path: str | Path,
    *,
    password: str | None = None,
    ocr: bool = False,
    timeout: float | None = 120.0,
) -> Extraction:
    """Return the passages of one PDF, or a status saying why there are none.

    Never raises for a bad PDF. ``timeout`` (seconds) is checked between pages.
    ``ocr`` reads pages without a usable text layer with Tesseract, when installed.
    """
    file = str(path)
    deadline = monotonic() + timeout if timeout else None
    with _quiet_mupdf():
        opened = open_pdf(Path(path), password)
        if opened.doc is None:
            return _failed(file, opened.status, opened.reason, opened.pages, opened.warnings)
        try:
            return _extract_document(
                file,
                opened.doc,
                opened.pages,
                opened.warnings,
                ocr=ocr,
                deadline=deadline,
                timeout=timeout,
            )
        finally:
            opened.doc.close()


def _label_list(labels: list[str], indices: list[int], limit: int = 10) -> str:
    shown = ", ".join(labels[i] for i in indices[:limit])
    more = f" and {len(indices) - limit} more" if len(indices) > limit else ""
    return f"{'page' if len(indices) == 1 else 'pages'} {shown}{more}"


def _read_pages(
    doc: pymupdf.Document,
    pages: int,
    *,
    ocr: bool,
    deadline: float | None,
    notes: dict[str, list[int]],
) -> tuple[list[PageText], int]:
    """Read every page's lines; return them and the index where time ran out (or -1)."""
    use_ocr = ocr and bool(ocr_languages())
    out = []
    for index in range(pages):
        if deadline is not None and monotonic() > deadline:
            return out, index
        try:
            page = doc.load_page(index)
            box = page.cropbox
            words = read_words(page, ocr=False)
        except MUPDF_ERRORS as exc:
            notes.setdefault(f"error:{describe_error(exc)}", []).append(index)
            continue
        text = read_lines(words, index, box.width, box.height)
        garbled = text.garbage > _GARBLED_PAGE * max(text.chars, 1)
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
        out.append(text)
    return out, -1


def _labels(doc: pymupdf.Document, pages: int, texts: list[PageText]) -> list[str]:
    pdf = pdf_page_labels(doc, pages)
    printed = printed_labels(texts, pages) if not all(pdf) else {}
    return [pdf[i] or printed.get(i) or str(i + 1) for i in range(pages)]


def _warnings(notes: dict[str, list[int]], labels: list[str], ocr: bool) -> list[str]:
    out = []
    for key, indices in notes.items():
        where = _label_list(labels, indices)
        if key.startswith("error:"):
            out.append(f"{where}: cannot be read ({key[6:]}); the other pages are kept")
        elif key == "image_only":
            hint = "OCR is not available: install Tesseract" if ocr else _OCR_HINT
            out.append(f"{where}: images without a text layer (scanned?): {hint}")
        elif key == "garbled":
            out.append(
                f"{where}: unreadable text (fonts without a Unicode map) left out: {_OCR_HINT}"
            )
        elif key == "garbage":
            out.append(
                f"{where}: a few unreadable characters (fonts without a Unicode map) left out"
            )
        elif key == "ocr":
            out.append(f"{where}: read by OCR; check quotes against the page image")
    return out


def _extract_document(
    file: str,
    doc: pymupdf.Document,
    pages: int,
    warnings: list[str],
    *,
    ocr: bool,
    deadline: float | None,
    timeout: float | None,
) -> Extraction:
    notes: dict[str, list[int]] = {}
    texts, stopped = _read_pages(doc, pages, ocr=ocr, deadline=deadline, notes=notes)
    if stopped >= 0:
        return _failed(
            file,
            "timeout",
            f"stopped after {timeout:g} s at page {stopped + 1} of "
            f"{pages}: raise the time limit (--timeout) or split the file",
            pages,
        )
    body = body_size(texts)
    mark_furniture(texts, body)
    labels = _labels(doc, pages, texts)
    warnings = warnings + _warnings(notes, labels, ocr)
    kept = sum(t.kept for t in texts)
    garbage = sum(t.garbage for t in texts)
    if garbage and garbage >= kept:
        return _failed(
            file,
            "garbled",
            f"the text layer is unreadable (fonts without a Unicode map): {_OCR_HINT}",
            pages,
            warnings,
        )
    if not kept:
        if ocr and not ocr_languages():
            reason = (
                "no text layer on any page (scanned images?) and OCR is not available: "
                "install tesseract-ocr, tesseract-ocr-fra and tesseract-ocr-nld"
            )
        elif ocr:
            reason = "no text layer and OCR found no text either: check the file"
        else:
            reason = f"no text layer on any page (scanned images?): {_OCR_HINT}"
        return _failed(file, "no_text", reason, pages, warnings)
    passages = _passages(texts, labels, body)
    repaired = any("repaired" in w for w in warnings)
    if repaired and passages and _only_repeated(passages):
        # A damaged file whose pages kept nothing but the same line (a running header the
        # truncation left behind) has lost its text: quoting that line would mislead.
        passages = ()
    if not passages:
        if repaired:
            return _failed(
                file,
                "broken",
                "damaged: repaired on opening, but no text of the "
                "body survived: download the file again",
                pages,
                warnings,
            )
        return _failed(
            file,
            "no_text",
            f"no text besides page headers and footers: {_OCR_HINT}",
            pages,
            warnings,
        )
    lang = majority_language((p.lang, len(p.text)) for p in passages)
    return Extraction(file, "ok", "", pages, lang, passages, tuple(warnings))


def _only_repeated(passages: tuple[Passage, ...]) -> bool:
    """True when every passage's text recurs on another page (running lines, no body)."""
    pages: dict[str, set[int]] = {}
    for p in passages:
        pages.setdefault(" ".join(p.text.split()).casefold(), set()).add(p.page_index)
    return all(len(on) > 1 for on in pages.values())


def _passages(texts: list[PageText], labels: list[str], body: float) -> tuple[Passage, ...]:
    with_lines = [t for t in texts if t.lines]
    left = statistics.median(min(ln.x0 for ln in t.lines) for t in with_lines)
    right = statistics.median(max(ln.x1 for ln in t.lines) for t in with_lines)
    vocabulary = Vocabulary(t.text for t in texts)
    ordered = []
    for t in texts:
        blocks = order_blocks(make_blocks(t), left, right)
        classify_blocks(blocks, t, body, right - left)
        ordered.append((t.index, blocks))
    paragraphs = [
        (p.page, p.section, p.text) for p in assemble_paragraphs(ordered, body, vocabulary)
    ]
    langs = [detect_language(text, default="") for _, _, text in paragraphs]
    fallback = (
        majority_language(
            (lang, len(text)) for lang, (_, _, text) in zip(langs, paragraphs, strict=True)
        )
        or "other"
    )
    return tuple(
        Passage(page, labels[page], seq, section, lang or fallback, text)
        for seq, ((page, section, text), lang) in enumerate(zip(paragraphs, langs, strict=True))
    )


def _timed_out(timeout: float | None, path: str) -> Extraction:
    return _failed(
        path,
        "timeout",
        f"no answer after {2 * (timeout or 0) + 30:g} s (the "
        "extractor hung on this file): split the file or report it",
    )


def _crashed(path: str) -> Extraction:
    return _failed(
        path,
        "crashed",
        "the file crashed the PDF library twice: report it, "
        "or save a new copy of the PDF (print to PDF) and try again",
    )


def _errored(path: str, exc: BaseException) -> Extraction:
    return _failed(
        path,
        "error",
        f"extractor error ({type(exc).__name__}: {exc}): please report it with the file",
    )


def extract_many(
    paths: Iterable[str | Path],
    *,
    executor: concurrent.futures.Executor | None = None,
    jobs: int | None = None,
    ocr: bool = False,
    timeout: float | None = 120.0,
) -> Iterator[tuple[str, Extraction]]:
    """Yield ``(path, extraction)`` for each path as it finishes, extracting in parallel.

    Without an ``executor``, a process pool of ``jobs`` workers (default: every CPU) is used
    and shut down at the end; any ``concurrent.futures.Executor`` works instead (a
    ``dask.distributed`` client's ``get_executor()``; then ``jobs`` is the number of its
    workers). At most ``2 * jobs`` documents are in flight, and paths are read from
    ``paths`` only as room frees up. Besides the time limit checked inside each worker, a
    document still running ``2 * timeout + 30`` seconds after it started is reported as
    ``timeout``; with the own pool, the hung worker is killed. A document that kills its
    worker twice is ``crashed``; an exception from the extractor itself is ``error``.
    """
    workers = jobs or count_cpus()
    job = functools.partial(extract_pdf, ocr=ocr, timeout=timeout)
    yield from run_bounded(
        job,
        (str(p) for p in paths),
        executor=executor,
        workers=workers,
        guard=2 * timeout + 30 if timeout else None,
        on_timeout=functools.partial(_timed_out, timeout),
        on_crash=_crashed,
        on_error=_errored,
    )
