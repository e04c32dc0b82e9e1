"""Drill-down: the passages behind a matrix cell, as a reader needs them.

Each passage comes with its citation (author, year, p. label), language, the provenance of
its codes (rule, person, model and probability), the spans the codebook rules matched
(highlighted in HTML) and a link that opens the PDF at the page: ``zotero://open-pdf/...?page=N``
when the document is a Zotero attachment, else ``<base><path>#page=N`` where ``base`` is how
the page showing the link reaches the workbook's folder (the Jupyter server's ``/files/...``
route, or ``../`` from a chapter in reports/), or ``file:///...#page=N`` without one.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

import pandas as pd

from ._citations import format_citation, read_authors
from ._support import SUPPORT_COLUMNS, rank_by_support

__all__ = [
    "CELL_COLUMNS",
    "describe_cells",
    "describe_passages",
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
    "confirmed_codes",
    "provenance",
    "spans",
    "highlighted",
    "pdf_link",
    "zotero_link",
    "link",
]

_PLACE = ["id", "source_key", "page_index", "page_label", "lang", "section", "text"]


class _Place(NamedTuple):
    id: Any
    source_key: Any
    page_index: Any
    page_label: Any
    lang: Any
    section: Any
    text: Any
    path: Any
    zotero_key: Any
    seq: Any


def format_pdf_link(
    path: str, page_index: object, root: Path | None = None, base: str | None = None
) -> str:
    """Return a link opening the PDF at ``path`` at its page (N counts from 1), or "".

    With ``base`` (a URL prefix for the workbook folder ``root``: ``/files/wb/``, ``../``),
    a file inside ``root`` is linked as ``<base><path>#page=N``; otherwise, and for files
    outside ``root``, as ``file:///abs/path.pdf#page=N``.
    """
    if not isinstance(path, str) or not path:
        return ""
    uri = _file_uri(path, root or Path.cwd(), base)
    return f"{uri}#page={int(page_index) + 1}" if _is_page(page_index) else uri  # type: ignore[call-overload]


@lru_cache(maxsize=4096)
def _file_uri(path: str, root: Path, base: str | None = None) -> str:
    file = Path(path)
    full = (file if file.is_absolute() else root / file).absolute()
    if base is not None:
        try:
            inside = full.relative_to(root.absolute())
        except ValueError:
            return full.as_uri()
        return base + quote(inside.as_posix())
    return full.as_uri()


def format_zotero_link(attachment_key: str, page_index: object, library: str = "library") -> str:
    """Return ``zotero://open-pdf/<library>/items/<key>?page=N``, or "" without a key.

    ``library`` is ``library`` for a personal library, ``groups/<id>`` for a group.
    """
    if not isinstance(attachment_key, str) or not attachment_key:
        return ""
    link = f"zotero://open-pdf/{library}/items/{attachment_key}"
    return f"{link}?page={int(page_index) + 1}" if _is_page(page_index) else link  # type: ignore[call-overload]


def _is_page(value: object) -> bool:
    return value is not None and not pd.isna(value)


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
        {0, len(text)} | {int(b) for s in spans for b in s[:2] if 0 <= int(b) <= len(text)}  # type: ignore[call-overload]
    )
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


def _coded(
    counted: pd.DataFrame, codings: pd.DataFrame
) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, list[list[object]]]]:
    """Return per passage id the codes counted (a person's marked ``+``), their provenances
    and the rules' spans."""
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
    for pid, code, origin in _rows(keys):
        codes.setdefault(pid, set()).add(code)
        if origin == "human":
            codes[pid].add("+" + code)
    return codes, origins, spans


def _split_confirmed(codes: set[str]) -> tuple[list[str], list[str]]:
    """Return the codes counted, and those a person confirmed (marked ``+``)."""
    people = sorted(c[1:] for c in codes if c.startswith("+"))
    return sorted({c.lstrip("+") for c in codes}), people


def _cited_sources(sources: pd.DataFrame) -> dict[str, tuple[list[str], object, str, str]]:
    """Return per source key its authors, year, kind and item type."""
    frame = sources.reindex(columns=["key", "authors", "year", "kind", "item_type"])
    return {
        key: (
            read_authors(authors),
            year,
            kind if isinstance(kind, str) else "",
            item_type if isinstance(item_type, str) else "",
        )
        for key, authors, year, kind, item_type in _rows(frame)
    }


def describe_passages(
    passages: pd.DataFrame,
    codings: pd.DataFrame,
    sources: pd.DataFrame,
    counted: pd.DataFrame,
    *,
    root: Path | None = None,
    zotero_library: str = "library",
    lang: str = "fr",
    link_base: str | None = None,
) -> pd.DataFrame:
    """Return the passages named in ``counted`` ready to read, with the columns ``CELL_COLUMNS``.

    ``counted`` (id, code, origin) says which codings counted; ``codings`` holds their
    details (id, code, origin, and optionally provenance, score, spans); ``passages`` their
    text and place (optionally path and zotero_key); ``sources`` authors, year, kind and item
    type. Citations are in ``lang``.
    """
    if counted.empty:
        return pd.DataFrame(columns=CELL_COLUMNS)
    codes, origins, spans = _coded(counted, codings)
    cited = _cited_sources(sources)
    wanted = passages[passages["id"].isin(list(codes))]
    wanted = wanted.reindex(columns=[*_PLACE, "path", "zotero_key", "seq"])
    folder = root or Path.cwd()
    records = []
    for p in map(_Place._make, _rows(wanted)):
        authors, year, kind, item_type = cited.get(p.source_key, ([], None, "", ""))
        label = "" if pd.isna(p.page_label) else str(p.page_label)
        marked = sorted(spans.get(p.id, []), key=lambda s: (s[0], s[1]))
        pdf = format_pdf_link(
            p.path if isinstance(p.path, str) else "", p.page_index, folder, link_base
        )
        zotero = format_zotero_link(
            p.zotero_key if isinstance(p.zotero_key, str) else "", p.page_index, zotero_library
        )
        citation = format_citation(authors, year, label, lang=lang, kind=kind, item_type=item_type)
        records.append(
            (
                *(p.id, p.source_key, citation, p.page_index, p.page_label, p.lang, p.section),
                *(p.text, kind, *_split_confirmed(codes.get(p.id, set()))),
                "; ".join(sorted(origins.get(p.id, ()))),
                *(marked, render_passage_html(str(p.text), marked), pdf, zotero, zotero or pdf),
                0 if pd.isna(p.seq) else p.seq,
            )
        )
    out = pd.DataFrame.from_records(records, columns=[*CELL_COLUMNS, "_seq"])
    out = out.sort_values(["source_key", "page_index", "_seq", "id"], na_position="last")
    return out[CELL_COLUMNS].reset_index(drop=True)


def describe_cells(
    passages: pd.DataFrame,
    codings: pd.DataFrame,
    sources: pd.DataFrame,
    members: pd.DataFrame,
    *,
    root: Path | None = None,
    zotero_library: str = "library",
    lang: str = "fr",
    link_base: str | None = None,
) -> pd.DataFrame:
    """Return :func:`describe_passages` for each cell of ``members`` (row, col, id, code,
    origin), with ``row`` and ``col`` first, in the order the cells come, and each cell's
    passages ranked by how well they argue it (:func:`rank_by_support`)."""
    frames = [
        describe_passages(
            passages,
            codings,
            sources,
            group,
            root=root,
            zotero_library=zotero_library,
            lang=lang,
            link_base=link_base,
        ).assign(row=r, col=c)
        for (r, c), group in members.groupby(["row", "col"], sort=False, observed=True)
    ]
    columns = ["row", "col", *CELL_COLUMNS, *SUPPORT_COLUMNS]
    if not frames:
        return pd.DataFrame(columns=columns)
    return rank_by_support(pd.concat(frames, ignore_index=True))[columns]
