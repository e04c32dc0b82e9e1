"""evidence: a Jupyter-based literature review and evidence synthesis workbook.

References come from Zotero or references.bib; PDFs become passages with their printed
page label; a multilingual codebook codes them; evidence matrices and report chapters
are computed from the store. Notebooks start with ``evidence.open_workbook()``.
"""

import os
import typing

# A second guard behind the PDF engine installed without onnxruntime: should anything in the
# environment import onnxruntime, it sends no telemetry. Set before any import can reach it.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from evidence.config import Chapter, Settings, load_settings  # noqa: E402
from evidence.errors import (  # noqa: E402
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

if typing.TYPE_CHECKING:
    from evidence.workbook import Workbook, open_workbook

# The one place the version is written: pyproject.toml reads it from here.
__version__ = "0.2.0"

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

# The workbook (pandas, matplotlib, the store...) is loaded on first use, not on import:
# ``import evidence.pdf`` runs this module first, and a PDF worker process must not pay for
# the notebook API it never uses (PEP 562).
_LAZY = {"Workbook", "open_workbook"}


def __getattr__(name: str) -> typing.Any:
    if name in _LAZY:
        import evidence.workbook  # noqa: PLC0415 - lazy on purpose, see _LAZY

        value = getattr(evidence.workbook, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'evidence' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY)
