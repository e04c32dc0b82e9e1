"""Drill-down: the passages behind a matrix cell, as a reader needs them.

Each passage comes with its citation (author, year, p. label), language, the provenance of
its codes (rule, person, model and probability), the spans the codebook rules matched
(highlighted in HTML) and a link that opens the PDF at the page: ``file:///...#page=N``, or
``zotero://open-pdf/...?page=N`` when the document is a Zotero attachment.
"""

from __future__ import annotations

import html
import json
from collections import namedtuple
from collections.abc import Collection, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from ._matrix import MatrixFilters, compute_cell_codings, compute_matrix_codings

__all__ = [
    "CELL_COLUMNS",
    "compute_cell_passages",
    "compute_citations",
    "compute_matrix_passages",
    "describe_cells",
    "describe_passages",
    "format_citation",
    "format_pdf_link",
    "format_zotero_link",
    "render_passage_html",
]

CELL_COLUMNS = [
    "id",
    "source_key",
    "citation",
    "page_index",
    "page_label",
    "lang",
    "section",
    "text",
    "kind",
    "codes",
    "provenance",
    "spans",
    "highlighted",
    "pdf_link",
    "zotero_link",
    "link",
]

_PLACE = ["id", "source_key", "page_index", "page_label", "lang", "section", "text"]
_Place = namedtuple("_Place", [*_PLACE, "path", "zotero_key", "seq"])


def format_citation(authors: Sequence[str], year: int | float | None, page: str = "") -> str:
    """Return an author-date citation: ``Dubois & Peeters (2021), p. 12``."""
    families = [a.split(",")[0].strip() for a in authors if a.strip()]
    if not families:
        who = "Anon."
    elif len(families) == 1:
        who = families[0]
    elif len(families) == 2:
        who = f"{families[0]} & {families[1]}"
    else:
        who = f"{families[0]} et al."
    when = "s.d." if year is None or pd.isna(year) else str(int(year))
    return f"{who} ({when})" + (f", p. {page}" if page else "")


def _authors(value: object) -> list[str]:
    if isinstance(value, str):
        return list(json.loads(value or "[]"))
    return list(value) if isinstance(value, list | tuple) else []


def compute_citations(sources: pd.DataFrame) -> pd.DataFrame:
    """Return key -> short citation (``Dubois (2021)``) for a sources frame."""
    out = sources[["key"]].copy()
    out["citation"] = [
        format_citation(_authors(a), y)
        for a, y in zip(sources["authors"], sources["year"], strict=True)
    ]
    return out


def format_pdf_link(path: str, page_index: object, root: Path | None = None) -> str:
    """Return ``file:///abs/path.pdf#page=N`` (N counts from 1), or "" without a path."""
    if not isinstance(path, str) or not path:
        return ""
    uri = _file_uri(path, root or Path.cwd())
    return f"{uri}#page={int(page_index) + 1}" if _is_page(page_index) else uri  # type: ignore[call-overload]


@lru_cache(maxsize=4096)
def _file_uri(path: str, root: Path) -> str:
    file = Path(path)
    return (file if file.is_absolute() else root / file).absolute().as_uri()


def format_zotero_link(attachment_key: str, page_index: object, library: str = "library") -> str:
    """Return ``zotero://open-pdf/<library>/items/<key>?page=N``, or "" without a key.

    ``library`` is ``library`` for a personal library, ``groups/<id>`` for a group.
    """
    if not isinstance(attachment_key, str) or not attachment_key:
        return ""
    link = f"zotero://open-pdf/{library}/items/{attachment_key}"
    return f"{link}?page={int(page_index) + 1}" if _is_page(page_index) else link  # type: ignore[call-overload]


def _is_page(value: object) -> bool:
    return value is not None and not pd.isna(value)  # type: ignore[call-overload]


def _rule_spans(spans: object, code: str) -> list[list[object]]:
    """Return ``[[start, end, pattern, code], ...]`` from a rule coding's stored spans."""
    try:
        items = json.loads(spans) if isinstance(spans, str) else []
    except json.JSONDecodeError:
        return []
    return [
        [int(s[0]), int(s[1]), str(s[2]) if len(s) > 2 else "", code]
        for s in items
        if isinstance(s, list) and len(s) >= 2
    ]


def render_passage_html(text: str, spans: Sequence[Sequence[object]]) -> str:
    """Return ``text`` as HTML with every span (start, end, pattern, code) in a ``<mark>``.

    Overlapping spans merge into one mark whose title names every code and pattern.
    """
    if not spans:
        return html.escape(text, quote=False)
    bounds = sorted(
        {0, len(text)}
        | {
            int(b)
            for s in spans
            for b in s[:2]  # type: ignore[call-overload]
            if 0 <= int(b) <= len(text)
        }
    )  # type: ignore[call-overload]
    pieces = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        segment = html.escape(text[start:end], quote=False)
        covering = [s for s in spans if int(s[0]) < end and start < int(s[1])]  # type: ignore[call-overload]
        if covering:
            title = "; ".join(dict.fromkeys(f"{s[3]}: {s[2]}" for s in covering))
            codes = " ".join(dict.fromkeys(str(s[3]) for s in covering))
            segment = (
                f'<mark class="evidence-match" data-codes="{html.escape(codes)}" '
                f'title="{html.escape(title)}">{segment}</mark>'
            )
        pieces.append(segment)
    return "".join(pieces)


def _provenance(origin: str, provenance: object, score: object) -> str:
    if origin == "model" and _is_page(score):
        return f"model {float(score):.2f}"  # type: ignore[arg-type]
    if origin == "human" and isinstance(provenance, str) and provenance:
        return f"human ({provenance})"
    return origin


def _rows(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """Yield the rows of ``frame`` as plain Python tuples: one conversion per column, which
    keeps the per-passage work small."""
    columns = [frame[c].to_numpy(dtype=object).tolist() for c in frame.columns]
    return zip(*columns, strict=True)


def describe_passages(
    passages: pd.DataFrame,
    codings: pd.DataFrame,
    sources: pd.DataFrame,
    counted: pd.DataFrame,
    *,
    root: Path | None = None,
    zotero_library: str = "library",
) -> pd.DataFrame:
    """Return the passages named in ``counted`` ready to read, with the columns ``CELL_COLUMNS``.

    ``counted`` (id, code, origin) says which codings counted; ``codings`` holds their
    details (id, code, origin, and optionally provenance, score, spans); ``passages`` their
    text and place (optionally path and zotero_key); ``sources`` authors, year and kind.
    """
    if counted.empty:
        return pd.DataFrame(columns=CELL_COLUMNS)
    keys = counted[["id", "code", "origin"]].astype(str).drop_duplicates()
    details = codings.astype({"id": str, "code": str, "origin": str}).merge(keys)
    details = details.reindex(columns=["id", "code", "origin", "provenance", "score", "spans"])
    origins: dict[str, set[str]] = {}
    spans: dict[str, list[list[object]]] = {}
    for pid, code, origin, provenance, score, stored in _rows(details):
        origins.setdefault(pid, set()).add(_provenance(origin, provenance, score))
        if origin == "rule":
            spans.setdefault(pid, []).extend(_rule_spans(stored, code))
    codes: dict[str, set[str]] = {}
    for pid, code in _rows(keys[["id", "code"]]):
        codes.setdefault(pid, set()).add(code)
    cited = {
        key: (_authors(authors), year, kind if isinstance(kind, str) else "")
        for key, authors, year, kind in _rows(
            sources.reindex(columns=["key", "authors", "year", "kind"])
        )
    }
    wanted = passages[passages["id"].isin(keys["id"].unique())]
    wanted = wanted.reindex(columns=[*_PLACE, "path", "zotero_key", "seq"])
    records = []
    base = root or Path.cwd()
    for p in map(_Place._make, _rows(wanted)):
        authors, year, kind = cited.get(p.source_key, ([], None, ""))
        label = "" if pd.isna(p.page_label) else str(p.page_label)
        marked = sorted(spans.get(p.id, []), key=lambda s: (s[0], s[1]))
        pdf = format_pdf_link(p.path if isinstance(p.path, str) else "", p.page_index, base)
        zotero = format_zotero_link(
            p.zotero_key if isinstance(p.zotero_key, str) else "", p.page_index, zotero_library
        )
        records.append(
            (
                p.id,
                p.source_key,
                format_citation(authors, year, label),
                p.page_index,
                p.page_label,
                p.lang,
                p.section,
                p.text,
                kind,
                sorted(codes.get(p.id, ())),
                "; ".join(sorted(origins.get(p.id, ()))),
                marked,
                render_passage_html(str(p.text), marked),
                pdf,
                zotero,
                zotero or pdf,
                0 if pd.isna(p.seq) else p.seq,
            )
        )
    out = pd.DataFrame.from_records(records, columns=[*CELL_COLUMNS, "_seq"])
    out = out.sort_values(["source_key", "page_index", "_seq", "id"], na_position="last")
    return out[CELL_COLUMNS].reset_index(drop=True)


def _as_details(codings: pd.DataFrame) -> pd.DataFrame:
    out = codings.rename(columns={"passage_id": "id"})
    return out if "origin" in out.columns else out.assign(origin="")


def compute_cell_passages(
    codings: pd.DataFrame,
    passages: pd.DataFrame,
    sources: pd.DataFrame,
    row: str,
    col: str,
    *,
    filters: MatrixFilters | None = None,
    passage_ids: Collection[object] | None = None,
    root: Path | None = None,
    zotero_library: str = "library",
) -> pd.DataFrame:
    """Return the passages behind one cell (``CELL_COLUMNS``), from frames held in memory.

    ``codings`` as for :func:`evidence.analysis._matrix.compute_matrix` (with ``spans`` for
    highlights); ``passages`` as ``Store.passages_frame()``.
    """
    cell = _as_details(
        compute_cell_codings(
            codings, row, col, filters=filters, sources=sources, passage_ids=passage_ids
        )
    )
    details = _as_details(codings[codings["code"].isin([row, col]).to_numpy()])
    return describe_passages(
        passages,
        details,
        sources,
        cell[["id", "code", "origin"]],
        root=root,
        zotero_library=zotero_library,
    )


def compute_matrix_passages(
    codings: pd.DataFrame,
    passages: pd.DataFrame,
    sources: pd.DataFrame,
    matrix: pd.DataFrame,
    *,
    filters: MatrixFilters | None = None,
    passage_ids: Collection[object] | None = None,
    root: Path | None = None,
    zotero_library: str = "library",
) -> pd.DataFrame:
    """Return the passages behind every non-empty cell of ``matrix``, ``row`` and ``col`` first."""
    members = _as_details(
        compute_matrix_codings(
            codings, matrix, filters=filters, sources=sources, passage_ids=passage_ids
        )
    )
    details = _as_details(codings)
    details = details[details["id"].isin(set(members["id"])).to_numpy()]
    return describe_cells(
        passages, details, sources, members, root=root, zotero_library=zotero_library
    )


def describe_cells(
    passages: pd.DataFrame,
    codings: pd.DataFrame,
    sources: pd.DataFrame,
    members: pd.DataFrame,
    *,
    root: Path | None = None,
    zotero_library: str = "library",
) -> pd.DataFrame:
    """Return :func:`describe_passages` for each cell of ``members`` (row, col, id, code,
    origin), with ``row`` and ``col`` first, in the order the cells come."""
    frames = [
        describe_passages(
            passages, codings, sources, group, root=root, zotero_library=zotero_library
        ).assign(row=r, col=c)
        for (r, c), group in members.groupby(["row", "col"], sort=False, observed=True)
    ]
    columns = ["row", "col", *CELL_COLUMNS]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]
