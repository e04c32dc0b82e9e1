"""evidence: a Jupyter-based literature review and evidence synthesis workbook.

References come from Zotero or references.bib; PDFs become passages with their printed
page label; a multilingual codebook codes them; evidence matrices and report chapters
are computed from the store. Notebooks start with ``evidence.open_workbook()``.
"""

from evidence.config import Chapter, Settings, load_settings
from evidence.errors import (
    BuildError,
    BuildLockedError,
    CodebookError,
    ConfigError,
    DropError,
    EvidenceError,
    ExtractionError,
    LibraryError,
    ReportError,
    StoreError,
    ZoteroError,
)
from evidence.workbook import Workbook, open_workbook

__version__ = "0.1.0"

__all__ = [
    "BuildError",
    "BuildLockedError",
    "Chapter",
    "CodebookError",
    "ConfigError",
    "DropError",
    "EvidenceError",
    "ExtractionError",
    "LibraryError",
    "ReportError",
    "Settings",
    "StoreError",
    "Workbook",
    "ZoteroError",
    "__version__",
    "load_settings",
    "open_workbook",
]
