"""What a REFI-QDA project holds, as plain records: users, sources, selections and codings.

The same records are written by :func:`~evidence.exchange.render_qdpx` and read by
:func:`~evidence.exchange.read_qdpx`, so a project that leaves the workbook comes back as it
left. Positions are always Unicode code points on the source's plain text (the standard's
unit), whatever the file counted in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evidence.coding import QdcBook

__all__ = ["QdaCoding", "QdaProject", "QdaSelection", "QdaSource", "QdaUser"]


@dataclass(frozen=True, slots=True)
class QdaUser:
    """A person or a program that coded: its GUID and name."""

    guid: str
    name: str


@dataclass(frozen=True, slots=True)
class QdaCoding:
    """One code on a selection: the code's GUID, who applied it and when."""

    code_guid: str
    user: str = ""  # a user's name ("" when the file names nobody)
    date: str = ""


@dataclass(frozen=True, slots=True)
class QdaSelection:
    """A stretch of a source's plain text, [start, end) in code points, and its codings.

    ``name`` is the selection's label (a page, ``p. 12``), ``note`` its description (why it is
    coded: a person's note, the rule that matched), ``user`` who made it.
    """

    start: int
    end: int
    codings: tuple[QdaCoding, ...]
    user: str = ""
    name: str = ""
    note: str = ""
    date: str = ""


@dataclass(frozen=True, slots=True)
class QdaSource:
    """A source: text (field material) or PDF (literature) with its plain-text representation.

    ``text`` is the plain text selections point into; ``pdf_path`` the PDF to embed (export)
    and ``pdf`` its bytes (import); ``description`` carries what the workbook knows of it
    (``Citation key: ...``, the kind of field material).
    """

    guid: str
    name: str
    kind: str  # "text" or "pdf"
    text: str
    selections: tuple[QdaSelection, ...] = ()
    description: str = ""
    pdf_path: str = ""
    pdf: bytes = field(default=b"", repr=False)
    user: str = ""
    date: str = ""


@dataclass(frozen=True, slots=True)
class QdaProject:
    """A REFI-QDA project: its name, the tool that made it, users, codebook and sources.

    ``skipped`` lists what a reader could not take, as (item, reason).
    """

    name: str
    origin: str = ""
    users: tuple[QdaUser, ...] = ()
    codebook: QdcBook = field(default_factory=lambda: QdcBook(()))
    sources: tuple[QdaSource, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
