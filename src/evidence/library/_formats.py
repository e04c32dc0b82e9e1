"""The reference file formats the workbook reads, keyed by file extension.

Each format has a reader that takes a path and returns a :class:`LoadReport`; the route
(``bibtex``, ``ris``, ``csljson``) is recorded with the sources and in the sync summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ._bibtex import LoadReport, load_bibtex
from ._csl import load_csl_json
from ._ris import load_ris

__all__ = ["FORMATS", "ReferenceFormat", "load_references"]


@dataclass(frozen=True)
class ReferenceFormat:
    """A reference file format: the route it is recorded under, and its reader."""

    route: str
    load: Callable[[str | Path], LoadReport]


FORMATS: dict[str, ReferenceFormat] = {
    ".bib": ReferenceFormat("bibtex", load_bibtex),
    ".ris": ReferenceFormat("ris", load_ris),
    ".json": ReferenceFormat("csljson", load_csl_json),
}
# Any other extension (.bibtex, .biblatex, none) is read as BibTeX.
_FALLBACK = FORMATS[".bib"]


def load_references(path: str | Path) -> tuple[str, LoadReport]:
    """Read a bibliography by its extension (.bib, .ris, .json); return (route, report)."""
    p = Path(path)
    reader = FORMATS.get(p.suffix.lower(), _FALLBACK)
    return reader.route, reader.load(p)
