"""The exceptions of the workbook: one base class, specific subclasses.

Every message names the file, line or item concerned and says what to do.
The command layer turns them into exit codes in one place (``cli/_main.py``): 1 some items
failed, 2 usage or configuration error, 3 the build failed (nothing was published).
"""

from __future__ import annotations

__all__ = [
    "EvidenceError",
    "ConfigError",
    "CodebookError",
    "DecisionsError",
    "StoreError",
    "SearchSyntaxError",
    "LibraryError",
    "ZoteroError",
    "ExchangeError",
    "ExtractionError",
    "BuildError",
    "ReportError",
    "DropError",
    "BuildLockedError",
]


class EvidenceError(Exception):
    """Base class of every error the workbook raises on purpose."""

    exit_code: int = 1


class ConfigError(EvidenceError):
    """Invalid or missing configuration (evidence.toml, .env): fix the file, then re-run."""

    exit_code = 2


class CodebookError(ConfigError):
    """Invalid codebook.yml; the message gives the line and the code id."""

    def __init__(self, message: str, *, path: str = "", line: int | None = None, code: str = ""):
        where = path
        if line is not None:
            where = f"{where}:{line}" if where else f"line {line}"
        parts = [p for p in (where, f"code {code}" if code else "") if p]
        super().__init__(f"{', '.join(parts)}: {message}" if parts else message)
        self.path = path
        self.line = line
        self.code = code


class DecisionsError(ConfigError):
    """The coding decisions file cannot be read whole, or a decision names an unknown code or
    passage; the message lists each line and what to do. Nothing is written."""


class StoreError(EvidenceError):
    """The SQLite store cannot be opened or migrated."""

    exit_code = 2


class SearchSyntaxError(StoreError):
    """A search query in FTS5 syntax that FTS5 refuses; the message says how to write it."""


class LibraryError(EvidenceError):
    """References cannot be loaded (unreadable references.bib, RIS or CSL-JSON file)."""

    exit_code = 2


class ExchangeError(EvidenceError):
    """A REFI-QDA project (.qdpx) that cannot be read or written; the message says why."""

    exit_code = 2


class ZoteroError(EvidenceError):
    """Zotero cannot be reached or refuses the request."""

    exit_code = 2


class ExtractionError(EvidenceError):
    """A PDF cannot be turned into passages (raised only where a caller asked for one file)."""


class BuildError(EvidenceError):
    """The build failed: nothing was published and the last good chapters are kept."""

    exit_code = 3


class ReportError(BuildError):
    """A chapter failed to render; the message names the notebook cell and its error."""


class DropError(BuildError):
    """The literature fell drastically against the last published build: not published."""


class BuildLockedError(EvidenceError):
    """Another build holds the lock on reports/."""

    exit_code = 2
