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

from evidence.lang import detect_language, majority_language

from ._blocks import classify_blocks, make_blocks, order_blocks
from ._document import Opened, ocr_languages, open_pdf, pdf_page_labels
from ._layout import PageText, body_size, mark_furniture, printed_labels
from ._parts import (
    DocumentJob,
    Job,
    MergeJob,
    Part,
    PartScheduler,
    Plan,
    RangeJob,
    merge_parts,
    pack_pages,
)
from ._passages import assemble_paragraphs
from ._pool import count_cpus, run_bounded
from ._reading import OCR_HINT, page_warnings, read_pages
from ._text import Vocabulary

__all__ = [
    "ENGINE",
    "EXTRACTOR_VERSION",
    "SECTIONS",
    "CODED_SECTIONS",
    "Passage",
    "Extraction",
    "extract_pdf",
    "extract_many",
]

#: The PDF engine: the PyMuPDF bindings and the MuPDF library they carry.
ENGINE = {"pymupdf": pymupdf.VersionBind, "mupdf": pymupdf.VersionFitz}
#: The extraction key stored with every document: the extractor's own version and the
#: engine's. A document extracted under another key is extracted again, since another
#: MuPDF may order or join words differently (and so change passage ids). 1.4: lines
#: read by OCR are joined into paragraphs as a text layer's are.
EXTRACTOR_VERSION = f"1.4+pymupdf-{ENGINE['pymupdf']}+mupdf-{ENGINE['mupdf']}"
SECTIONS = ("body", "abstract", "heading", "footnote", "caption", "table", "references")
CODED_SECTIONS = ("body", "abstract", "footnote", "caption")

# Documents of this many pages or more are read in one page range per worker: one long
# book would otherwise keep one worker busy while the others wait.
_SPLIT_PAGES = 200
# A page cannot be interrupted: a worker still busy this long after the time limit is hung.
_GRACE = 10.0


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
    """Keep MuPDF's own messages off stderr: problems are reported as reasons and warnings.

    Also fixes the two process-wide settings that change what is read: word boxes without
    quad corrections, and no anti-aliasing when a page is rendered for OCR. These are the
    settings passages have always been extracted with (the layout engine of the full pymupdf
    package set them on import); fixed here, they no longer depend on what else is installed.
    """
    tools = pymupdf.TOOLS
    errors = tools.mupdf_display_errors()
    warnings = tools.mupdf_display_warnings()
    quads = tools.unset_quad_corrections()
    aa = tools.show_aa_level()["graphics"]
    tools.mupdf_display_errors(False)
    tools.mupdf_display_warnings(False)
    tools.unset_quad_corrections(True)
    tools.set_aa_level(0)
    try:
        yield
    finally:
        tools.set_aa_level(aa)
        tools.unset_quad_corrections(quads)
        tools.mupdf_display_errors(errors)
        tools.mupdf_display_warnings(warnings)
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
    started = monotonic()
    with _quiet_mupdf():
        opened = open_pdf(Path(path), password)
        if opened.doc is None:
            return _failed(file, opened.status, opened.reason, opened.pages, opened.warnings)
        try:
            return _extract_whole(file, opened, ocr=ocr, started=started, timeout=timeout)
        finally:
            opened.doc.close()


def _extract_whole(
    file: str, opened: Opened, *, ocr: bool, started: float, timeout: float | None
) -> Extraction:
    doc, pages = opened.doc, opened.pages
    assert doc is not None  # only opened documents are read
    deadline = started + timeout if timeout else None
    read = _read_range(file, doc, 0, pages, pages, ocr=ocr, deadline=deadline, timeout=timeout)
    if isinstance(read, Extraction):
        return read
    texts, notes = read
    labels = pdf_page_labels(doc, pages)
    return _finish(file, pages, opened.warnings, texts, notes, labels, ocr=ocr)


def _read_range(
    file: str,
    doc: pymupdf.Document,
    start: int,
    stop: int,
    pages: int,
    *,
    ocr: bool,
    deadline: float | None,
    timeout: float | None,
) -> tuple[list[PageText], dict[str, list[int]]] | Extraction:
    """Return the pages' lines and their problems, or the timeout of the document."""
    notes: dict[str, list[int]] = {}
    texts, stopped = read_pages(doc, start, stop, ocr=ocr, deadline=deadline, notes=notes)
    if stopped >= 0:
        return _failed(
            file,
            "timeout",
            f"stopped after {timeout:g} s at page {stopped + 1} of "
            f"{pages}: raise the time limit (--timeout) or split the file",
            pages,
        )
    return texts, notes


def _labels(pdf: list[str], pages: int, texts: list[PageText]) -> list[str]:
    printed = printed_labels(texts, pages) if not all(pdf) else {}
    return [pdf[i] or printed.get(i) or str(i + 1) for i in range(pages)]


def _finish(
    file: str,
    pages: int,
    warnings: list[str],
    texts: list[PageText],
    notes: dict[str, list[int]],
    pdf_labels: list[str],
    *,
    ocr: bool,
) -> Extraction:
    """Return the document's extraction from all its pages as read, in order."""
    body = body_size(texts)
    mark_furniture(texts, body)
    labels = _labels(pdf_labels, pages, texts)
    warnings = warnings + page_warnings(notes, labels, ocr)
    unreadable = _unreadable(texts, ocr=ocr)
    if unreadable:
        status, reason = unreadable
        return _failed(file, status, reason, pages, warnings)
    passages = _passages(texts, labels, body)
    repaired = any("repaired" in w for w in warnings)
    if repaired and passages and _only_repeated(passages):
        # A damaged file whose pages kept nothing but the same line (a running header the
        # truncation left behind) has lost its text: quoting that line would mislead.
        passages = ()
    if not passages:
        if repaired:
            reason = (
                "damaged: repaired on opening, but no text of the body survived: "
                "download the file again"
            )
            return _failed(file, "broken", reason, pages, warnings)
        reason = f"no text besides page headers and footers: {OCR_HINT}"
        return _failed(file, "no_text", reason, pages, warnings)
    lang = majority_language((p.lang, len(p.text)) for p in passages)
    return Extraction(file, "ok", "", pages, lang, passages, tuple(warnings))


def _unreadable(texts: list[PageText], *, ocr: bool) -> tuple[str, str] | None:
    """Return (status, reason) when no page kept readable text, else None."""
    kept = sum(t.kept for t in texts)
    garbage = sum(t.garbage for t in texts)
    if garbage and garbage >= kept:
        return (
            "garbled",
            f"the text layer is unreadable (fonts without a Unicode map): {OCR_HINT}",
        )
    if kept:
        return None
    if ocr and not ocr_languages():
        return (
            "no_text",
            "no text layer on any page (scanned images?) and OCR is not available: "
            "install tesseract-ocr, tesseract-ocr-fra and tesseract-ocr-nld",
        )
    if ocr:
        return "no_text", "no text layer and OCR found no text either: check the file"
    return "no_text", f"no text layer on any page (scanned images?): {OCR_HINT}"


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


def _run_job(job: Job) -> Extraction | Plan | Part:
    """Run one job of :func:`extract_many` in a worker: a document, a range, or a last job."""
    if isinstance(job, MergeJob):
        texts, notes = merge_parts(job.parts)
        plan = job.plan
        warnings, labels = list(plan.warnings), list(plan.pdf_labels)
        return _finish(job.file, plan.pages, warnings, texts, notes, labels, ocr=job.ocr)
    started = monotonic()
    with _quiet_mupdf():
        opened = open_pdf(Path(job.file), None)
        if opened.doc is None:
            return _failed(job.file, opened.status, opened.reason, opened.pages, opened.warnings)
        try:
            if isinstance(job, DocumentJob):
                return _open_document(job, opened, started)
            return _read_part(job, opened, started)
        finally:
            opened.doc.close()


def _open_document(job: DocumentJob, opened: Opened, started: float) -> Extraction | Plan:
    doc, pages = opened.doc, opened.pages
    assert doc is not None  # only opened documents are read
    # A repaired file is read in one go: repairs made while reading can change later pages.
    if job.split_pages is None or pages < job.split_pages or doc.is_repaired:
        return _extract_whole(job.file, opened, ocr=job.ocr, started=started, timeout=job.timeout)
    labels = tuple(pdf_page_labels(doc, pages))
    return Plan(pages, monotonic() - started, tuple(opened.warnings), labels)


def _read_part(job: RangeJob, opened: Opened, started: float) -> Extraction | Part:
    pages = opened.pages
    if pages != job.pages:
        return _failed(
            job.file,
            "error",
            f"the file gave {job.pages} pages, then {pages}: please report it with the file",
            pages,
        )
    deadline = started + job.budget if job.timeout and job.budget is not None else None
    assert opened.doc is not None  # only opened documents are read
    read = _read_range(
        job.file,
        opened.doc,
        job.start,
        job.stop,
        pages,
        ocr=job.ocr,
        deadline=deadline,
        timeout=job.timeout,
    )
    if isinstance(read, Extraction):
        return read
    texts, notes = read
    return Part(
        job.start,
        job.stop,
        monotonic() - started,
        pack_pages(texts),
        tuple((key, tuple(indices)) for key, indices in notes.items()),
    )


def _timed_out(timeout: float | None, job: Job) -> Extraction:
    return _failed(
        job.file,
        "timeout",
        f"no answer after {(timeout or 0) + _GRACE:g} s (the "
        "extractor hung on this file): split the file or report it",
    )


def _overtime(timeout: float | None, file: str, pages: int) -> Extraction:
    return _failed(
        file,
        "timeout",
        f"the parts of its {pages} pages took more than {timeout or 0:g} s together: raise the "
        "time limit (--timeout) or split the file",
        pages,
    )


def _crashed(job: Job) -> Extraction:
    return _failed(
        job.file,
        "crashed",
        "the file crashed the PDF library twice: report it, "
        "or save a new copy of the PDF (print to PDF) and try again",
    )


def _errored(job: Job, exc: BaseException) -> Extraction:
    return _failed(
        job.file,
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
    split_pages: int | None = _SPLIT_PAGES,
) -> Iterator[tuple[str, Extraction]]:
    """Yield ``(path, extraction)`` for each path as it finishes, extracting in parallel.

    Without an ``executor``, a process pool of ``jobs`` workers (default: every CPU) is used
    and shut down at the end; any ``concurrent.futures.Executor`` works instead (a
    ``dask.distributed`` client's ``get_executor()``; then ``jobs`` is the number of its
    workers). With several workers, a document of ``split_pages`` pages or more opened when
    no other path is left is read in one page range per worker, by any of them, and
    finished in one last job: its passages are those :func:`extract_pdf` gives
    (``split_pages=None`` never splits). At most
    ``2 * jobs`` documents or ranges are in flight; the ranges of documents already opened
    go first, and paths are read from ``paths`` only as room frees up. The time limit
    counts the work on all of a document's ranges. Besides it, a document or range still
    running ``timeout + 10`` seconds after it started is reported as ``timeout``; with
    the own pool, the hung worker is killed. A document that kills its worker twice is
    ``crashed``; an exception from the extractor itself is ``error``. A range that fails
    fails its document with its reason.
    """
    workers = jobs or count_cpus()
    scheduler = PartScheduler(
        ocr, timeout, split_pages, workers, functools.partial(_overtime, timeout)
    )
    results = _run_jobs(scheduler, paths, executor=executor, workers=workers, timeout=timeout)
    # Closed with the caller's loop: the pool is shut down even when it stops early.
    with contextlib.closing(results):  # type: ignore[type-var]  # a generator has close()
        for job, result in results:
            extraction = scheduler.receive(job, result)
            if extraction is not None:
                yield job.file, extraction


def _run_jobs(
    scheduler: PartScheduler,
    paths: Iterable[str | Path],
    *,
    executor: concurrent.futures.Executor | None,
    workers: int,
    timeout: float | None,
) -> Iterator[tuple[Job, Extraction | Plan | Part]]:
    """Yield (job, result) for the documents' jobs and their ranges' as they finish."""
    return run_bounded(
        _run_job,
        scheduler.jobs(str(p) for p in paths),
        executor=executor,
        workers=workers,
        guard=timeout + _GRACE if timeout else None,
        on_timeout=functools.partial(_timed_out, timeout),
        on_crash=_crashed,
        on_error=_errored,
        more=scheduler.take,
    )
