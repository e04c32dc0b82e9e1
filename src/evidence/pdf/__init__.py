"""The PDF stage: a PDF file becomes passages (paragraphs) in reading order.

``extract_pdf`` reads one file and ``extract_many`` many, in parallel on any
``concurrent.futures.Executor``; both give an :class:`Extraction` per file: its status (``ok``
or the reason code of a file that cannot be used), its :class:`Passage` items with their page
label as printed, section and language, and warnings. A bad PDF never raises.
"""

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

__all__ = [
    "CODED_SECTIONS",
    "ENGINE",
    "EXTRACTOR_VERSION",
    "SECTIONS",
    "Extraction",
    "Passage",
    "extract_many",
    "extract_pdf",
]
