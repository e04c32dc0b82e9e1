"""The PDF stage: a PDF file becomes passages (paragraphs) in reading order.

``extract_pdf`` reads one file and ``extract_many`` many, in parallel on any
``concurrent.futures.Executor``; both give an :class:`Extraction` per file: its status (``ok``
or the reason code of a file that cannot be used), its :class:`Passage` items with their page
label as printed, section and language, and warnings. A bad PDF never raises. A warning
that says one of ``NEEDS_OCR`` names pages that ``extract_pdf(..., ocr=True)`` would read.
"""

from evidence.pdf._document import ocr_languages
from evidence.pdf._extract import (
    CODED_SECTIONS,
    ENGINE,
    EXTRACTOR_VERSION,
    SECTIONS,
    Extraction,
    Passage,
    extract_many,
    extract_pdf,
)
from evidence.pdf._reading import NEEDS_OCR

__all__ = [
    "CODED_SECTIONS",
    "ENGINE",
    "EXTRACTOR_VERSION",
    "NEEDS_OCR",
    "SECTIONS",
    "Extraction",
    "Passage",
    "extract_many",
    "extract_pdf",
    "ocr_languages",
]
