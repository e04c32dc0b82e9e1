"""Literature and field side by side: which cells each kind of evidence supports.

Everything here starts from the matrix engine's output, so the same filters and the same
decision rule apply: a long matrix (:func:`compute_matrix`, whose ``field_sources`` column
counts field sources) and the passages behind its cells (the drill-down,
:func:`describe_cells`, with each passage's ``kind``). :func:`compute_triangulation` says
whether a cell rests on the literature only, the field only, or both; the recommendations
cross forms of violence with responses the same way. Pure functions, frames in, new frames
out.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ._citations import format_citation, read_authors

__all__ = [
    "compute_cell_evidence",
    "compute_recommendations",
    "compute_triangulation",
    "select_codes",
]

_TRIANGULATION = [
    "row",
    "col",
    "literature",
    "field",
    "literature_passages",
    "field_passages",
    "evidence",
]
_EVIDENCE_COLUMNS = [
    "row",
    "col",
    "id",
    "source_key",
    "kind",
    "organisation",
    "citation",
    "reference",
    "page_label",
    "lang",
    "section",
    "text",
]


def select_codes(all_codes: Sequence[str], facet_or_codes: str | Sequence[str]) -> list[str]:
    """Return the codes of a facet (``form``), a prefix (``cons.user.*``) or a given list."""
    if not isinstance(facet_or_codes, str):
        return list(facet_or_codes)
    prefix = facet_or_codes.rstrip("*").rstrip(".")
    return [c for c in all_codes if c == prefix or c.startswith(prefix + ".")]


def _passages_by_kind(matrix: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Return per cell of ``matrix`` the distinct passages of literature and of field sources."""
    grid = pd.MultiIndex.from_frame(matrix[["row", "col"]])
    field = cells["kind"].eq("field")
    out = pd.DataFrame(index=grid)
    for name, mask in (("literature_passages", ~field), ("field_passages", field)):
        counts = cells[mask].groupby(["row", "col"], sort=False)["id"].nunique()
        out[name] = counts.reindex(grid, fill_value=0).astype("int64").to_numpy()
    return out.reset_index(drop=True)


def compute_triangulation(matrix: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Return one row per cell of ``matrix``: literature and field counts and ``evidence``.

    ``literature``/``field`` count the distinct sources of each kind behind the cell,
    ``*_passages`` their passages (from ``cells``, the drill-down of the same matrix);
    ``evidence`` is ``both``, ``literature``, ``field`` or ``none``. Cells keep the matrix's
    order.
    """
    out = matrix[["row", "col"]].reset_index(drop=True).copy()
    field = matrix["field_sources"].fillna(0).astype("int64").to_numpy()
    out["literature"] = matrix["sources"].astype("int64").to_numpy() - field
    out["field"] = field
    out = pd.concat([out, _passages_by_kind(matrix, cells)], axis=1)
    lit, fld = out["literature"] > 0, out["field"] > 0
    out["evidence"] = "none"
    out.loc[lit & fld, "evidence"] = "both"
    out.loc[lit & ~fld, "evidence"] = "literature"
    out.loc[~lit & fld, "evidence"] = "field"
    return out[_TRIANGULATION]


def compute_cell_evidence(
    cells: pd.DataFrame, sources: pd.DataFrame, lang: str = "fr"
) -> pd.DataFrame:
    """Return the drill-down ``cells`` as briefs quote them: kind, organisation, citations.

    Columns: row, col, id, source_key, kind, organisation (field items' pseudonym),
    citation (parenthetical, with the page or §), reference (without), page_label, lang,
    section, text; cells in the order given, literature first, then source and page.
    """
    meta = sources.set_index("key")[["item_type", "authors", "year"]]
    merged = cells.join(meta, on="source_key")
    merged["kind"] = merged["kind"].replace("", "literature").fillna("literature")
    merged["organisation"] = [
        (read_authors(a)[:1] or [""])[0] if k == "field" else ""
        for k, a in zip(merged["kind"], merged["authors"], strict=True)
    ]
    for column, with_page in (("citation", True), ("reference", False)):
        merged[column] = [
            format_citation(
                a,
                y,
                str(p or "") if with_page else "",
                style="parenthetical",
                lang=lang,
                kind=k,
                item_type=str(t),
            )
            for k, t, a, y, p in zip(
                *(merged[c] for c in ("kind", "item_type", "authors", "year", "page_label")),
                strict=True,
            )
        ]
    cell_order = dict.fromkeys(zip(cells["row"], cells["col"], strict=True))
    order = {cell: i for i, cell in enumerate(cell_order)}
    merged["_cell"] = [order[cell] for cell in zip(merged["row"], merged["col"], strict=True)]
    merged["_f"] = merged["kind"].eq("field")
    merged = merged.sort_values(["_cell", "_f", "source_key", "page_index", "id"], kind="stable")
    return merged[_EVIDENCE_COLUMNS].reset_index(drop=True)


def _listed(evidence: pd.DataFrame, tri: pd.DataFrame) -> dict[str, list[str]]:
    """Return, per cell of ``tri``, its literature references, field references and
    organisations, each "; "- or ", "-joined."""
    listed = {
        (row, col, kind): sorted(set(group["reference"]))
        for (row, col, kind), group in evidence.groupby(["row", "col", "kind"], sort=False)
    }
    field = evidence[evidence["kind"] == "field"]
    orgs = {
        (r, c): ", ".join(sorted(set(g["organisation"]) - {""}))
        for (r, c), g in field.groupby(["row", "col"], sort=False)
    }
    cells = list(zip(tri["row"], tri["col"], strict=True))
    return {
        "literature_sources": ["; ".join(listed.get((*c, "literature"), [])) for c in cells],
        "field_sources": ["; ".join(listed.get((*c, "field"), [])) for c in cells],
        "organisations": [orgs.get(c, "") for c in cells],
    }


def compute_recommendations(
    matrix: pd.DataFrame, cells: pd.DataFrame, sources: pd.DataFrame, lang: str = "fr"
) -> pd.DataFrame:
    """Return the forms of violence (rows of ``matrix``) crossed with the responses found.

    One row per (form, response) with evidence: ``literature`` and ``field`` counts,
    ``evidence``, ``literature_sources`` and ``field_sources`` (short citations, "; "-joined)
    and ``organisations`` (pseudonyms); in the matrix's row order, best-supported response
    first. ``cells`` is the drill-down of ``matrix``.
    """
    tri = compute_triangulation(matrix, cells)
    tri = tri[tri["evidence"] != "none"].reset_index(drop=True)
    out = tri.assign(**_listed(compute_cell_evidence(cells, sources, lang), tri))
    rows = {c: i for i, c in enumerate(dict.fromkeys(matrix["row"]))}
    out["_r"] = out["row"].map(rows)
    out["_t"] = out["literature"] + out["field"]
    out = out.sort_values(["_r", "_t", "field", "col"], ascending=[True, False, False, True])
    return out.drop(columns=["_r", "_t"]).reset_index(drop=True)
