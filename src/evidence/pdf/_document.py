"""Opening a PDF safely, its page labels, and reading one page's words (with OCR if asked).

Every MuPDF failure is caught here by type (``RuntimeError`` covers ``FileDataError``;
``FzErrorBase`` is the root of MuPDF's own errors) and turned into a status and a reason.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

__all__ = [
    "MAX_BYTES",
    "MAX_PAGES",
    "MUPDF_ERRORS",
    "WORD_FLAGS",
    "Opened",
    "describe_error",
    "has_images",
    "normalise_password",
    "ocr_languages",
    "open_pdf",
    "pdf_page_labels",
    "read_words",
]

MUPDF_ERRORS: tuple[type[BaseException], ...] = (
    RuntimeError,
    ValueError,
    MemoryError,
    pymupdf.mupdf.FzErrorBase,
)
# Ligatures expanded, white space as plain spaces. Text outside the page is dropped by
# read_lines line by line, which is cheaper than MuPDF's clip test on every character.
WORD_FLAGS = 0
MAX_BYTES = 2 * 1024**3
MAX_PAGES = 10_000
_OCR_DPI = 300
_OCR_LANGUAGES = ("fra", "nld", "eng")
_SIGNATURES = (
    (b"<!doctype html", "an HTML page (a web page saved as .pdf?)"),
    (b"<html", "an HTML page (a web page saved as .pdf?)"),
    (b"PK\x03\x04", "a ZIP archive (an EPUB or Office document?)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"{\\rtf", "an RTF document"),
)


@dataclass(slots=True)
class Opened:
    """The result of opening a PDF: the document, or a status code and a reason."""

    doc: pymupdf.Document | None
    status: str = "ok"
    reason: str = ""
    pages: int = 0
    warnings: list[str] = field(default_factory=list)


def describe_error(exc: BaseException) -> str:
    """Return a short, single-line description of a MuPDF exception."""
    text = re.sub(r"^code=\d+:\s*", "", str(exc).strip().splitlines()[0] if str(exc) else "")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def normalise_password(password: str) -> str:
    """Return a password as PDF readers expect it (SASLprep-like: NFKC, soft hyphens dropped)."""
    dropped = {0x00AD: None, 0x200B: None, 0x200C: None, 0x200D: None, 0x2060: None, 0xFEFF: None}
    text = unicodedata.normalize("NFKC", password.translate(dropped))
    return "".join(" " if unicodedata.category(c) == "Zs" else c for c in text)


def _not_pdf_reason(head: bytes) -> str:
    lowered = head.lstrip()[:64].lower()
    for signature, what in _SIGNATURES:
        if lowered.startswith(signature.lower()):
            return f"not a PDF: the file is {what}; attach the PDF itself"
    return "not a PDF: no %PDF header in the file; attach the PDF itself"


def _refuse_file(path: Path) -> Opened | None:
    """Return why the file cannot be a PDF to open (missing, empty, too large...), else None."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return Opened(None, "missing", "file not found: check the path or re-sync the library")
    except OSError as exc:
        return Opened(None, "missing", f"cannot read the file ({exc.strerror}): check it")
    if not path.is_file():
        return Opened(None, "missing", "not a file: the path names a folder or a device")
    if size == 0:
        return Opened(None, "broken", "the file is empty (0 bytes): download it again")
    if size > MAX_BYTES:
        return Opened(
            None, "too_large", f"{size / 1024**3:.1f} GB exceeds the 2 GB limit: split it"
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        return Opened(None, "missing", f"cannot read the file ({exc.strerror}): check it")
    if b"%PDF" not in head:
        return Opened(None, "not_pdf", _not_pdf_reason(head))
    return None


def _count_pages(doc: pymupdf.Document) -> Opened:
    """Return the opened document with its page count, or why its pages cannot be read."""
    try:
        pages = doc.page_count
    except MUPDF_ERRORS as exc:
        return Opened(
            None,
            "broken",
            f"the page tree is damaged ({describe_error(exc)}): download the file again",
        )
    if pages == 0:
        return Opened(
            None, "no_pages", "the PDF has no readable pages (damaged file?): download it again"
        )
    if pages > MAX_PAGES:
        return Opened(
            None,
            "too_large",
            f"{pages} pages exceed the {MAX_PAGES}-page limit: split the file",
            pages=pages,
        )
    return Opened(doc, pages=pages)


def open_pdf(path: Path, password: str | None) -> Opened:
    """Return ``path`` opened, or the status and reason why it cannot be.

    The document is authenticated before anything else touches its page tree.
    """
    refused = _refuse_file(path)
    if refused is not None:
        return refused
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except MUPDF_ERRORS as exc:
        return Opened(
            None,
            "broken",
            f"damaged beyond repair ({describe_error(exc)}): download the file again",
        )
    opened = _unlock(doc, password)
    if opened.status == "ok":
        opened = _count_pages(doc)
    if opened.doc is None:
        doc.close()
        return opened
    if doc.is_repaired:
        opened.warnings.append(
            "the file was damaged and repaired on opening: check quotes against the PDF"
        )
    return opened


def _unlock(doc: pymupdf.Document, password: str | None) -> Opened:
    if not doc.needs_pass:
        return Opened(doc)
    if not password:
        return Opened(
            None,
            "encrypted",
            "password-protected: save an unprotected copy in its place (try a password "
            "with `evidence passages FILE --password ...`)",
        )
    for candidate in dict.fromkeys([normalise_password(password), password]):
        try:
            if doc.authenticate(candidate):
                return Opened(doc)
        except MUPDF_ERRORS:
            continue
    return Opened(None, "encrypted", "password-protected and the password given is wrong: check it")


_HEX_RE = re.compile(r"<([0-9A-Fa-f\s]*)>")
_ROMAN = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)


def _decode_hex(match: re.Match[str]) -> str:
    digits = re.sub(r"\s", "", match.group(1))
    data = bytes.fromhex(digits + "0" * (len(digits) % 2))
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", "replace")
    return data.decode("latin-1")


def _sanitise_prefix(prefix: str) -> str:
    """Decode a label prefix that MuPDF left as a PDF hex string (``<FEFF0058>`` is ``X``)."""
    prefix = _HEX_RE.sub(_decode_hex, prefix)
    return "".join(c for c in prefix if c.isprintable() and c != "\ufffd").strip()


def _roman(n: int) -> str:
    out = []
    for value, numeral in _ROMAN:
        count, n = divmod(n, value)
        out.append(numeral * count)
    return "".join(out)


def _letters(n: int) -> str:
    # PDF letter labels: a..z, then aa..zz, then aaa...
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _format_number(style: str, n: int) -> str:
    if style == "D" or n > 4999:  # a malformed rule must not make a megabyte of letters
        return str(n)
    if style in ("r", "R"):
        text = _roman(n)
        return text.upper() if style == "R" else text
    if style in ("a", "A"):
        text = _letters(n)
        return text.upper() if style == "A" else text
    return ""


def pdf_page_labels(doc: pymupdf.Document, pages: int) -> list[str]:
    """Return the labels the PDF defines for each page ("" where none or unusable)."""
    try:
        rules = doc.get_page_labels()
    except MUPDF_ERRORS:
        return [""] * pages
    if not rules:
        return [""] * pages
    by_start = {}
    for rule in rules:
        start = rule.get("startpage")
        if isinstance(start, int) and 0 <= start < pages:
            by_start[start] = rule
    labels = [""] * pages
    starts = sorted(by_start)
    for k, start in enumerate(starts):
        rule = by_start[start]
        end = starts[k + 1] if k + 1 < len(starts) else pages
        prefix = _sanitise_prefix(str(rule.get("prefix") or ""))
        first = rule.get("firstpagenum")
        first = first if isinstance(first, int) and first >= 1 else 1
        style = str(rule.get("style") or "")
        for index in range(start, end):
            n = first + index - start
            labels[index] = prefix + (_format_number(style, n) if n >= 1 else "")
    return labels


@functools.cache
def ocr_languages() -> str:
    """Return Tesseract's language string for fr/nl/en ("" when Tesseract is not installed)."""
    try:
        tessdata = pymupdf.get_tessdata()
    except RuntimeError:
        return ""
    installed = [
        lang for lang in _OCR_LANGUAGES if (Path(tessdata) / f"{lang}.traineddata").is_file()
    ]
    return "+".join(installed)


def read_words(page: pymupdf.Page, *, ocr: bool) -> list[tuple]:
    """Return the page's words; with ``ocr``, read them from an OCR of the page image."""
    if not ocr:
        return page.get_text("words", flags=WORD_FLAGS)
    textpage = page.get_textpage_ocr(
        flags=WORD_FLAGS, language=ocr_languages(), dpi=_OCR_DPI, full=True
    )
    return textpage.extractWORDS()


def has_images(page: pymupdf.Page) -> bool:
    """Return True when the page shows at least one image (a scan, a photo)."""
    try:
        return bool(page.get_images())
    except MUPDF_ERRORS:
        return False
