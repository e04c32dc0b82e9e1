"""Literature and field side by side: which cells each kind of evidence supports.

``compute_triangulation`` counts, per pair of codes, the literature sources and the field
items holding a passage with both codes, and says whether the cell rests on the literature
only, the field only, or both (triangulation). Field items are not in references.bib, so
they are cited as plain text: ``(Entretien ORG03, 2025, §4)``. Pure functions, frames in,
new frames out; ``write_recommendations_xlsx`` is the only writer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "EVIDENCE",
    "KIND_LABELS",
    "cite_field",
    "cite_source",
    "compute_cell_evidence",
    "compute_field_references",
    "compute_recommendations",
    "compute_triangulation",
    "select_codes",
    "write_recommendations_xlsx",
]

KIND_LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "interview": "Entretien",
        "testimony": "Témoignage",
        "focus_group": "Focus group",
        "meeting": "Réunion",
    },
    "nl": {
        "interview": "Interview",
        "testimony": "Getuigenis",
        "focus_group": "Focusgroep",
        "meeting": "Vergadering",
    },
    "en": {
        "interview": "Interview",
        "testimony": "Testimony",
        "focus_group": "Focus group",
        "meeting": "Meeting",
    },
}
EVIDENCE: dict[str, dict[str, str]] = {
    "fr": {
        "both": "les deux",
        "literature": "littérature seule",
        "field": "terrain seul",
        "none": "",
    },
    "nl": {
        "both": "beide",
        "literature": "enkel literatuur",
        "field": "enkel veldwerk",
        "none": "",
    },
    "en": {"both": "both", "literature": "literature only", "field": "field only", "none": ""},
}
_UNDATED = {"fr": "s.d.", "nl": "z.d.", "en": "n.d."}


def select_codes(all_codes: Sequence[str], facet_or_codes: str | Sequence[str]) -> list[str]:
    """Return the codes of a facet (``form``), a prefix (``cons.user.*``) or a given list."""
    if not isinstance(facet_or_codes, str):
        return list(facet_or_codes)
    prefix = facet_or_codes.rstrip("*").rstrip(".")
    return [c for c in all_codes if c == prefix or c.startswith(prefix + ".")]


def _authors(value: Any) -> list[str]:
    if isinstance(value, str):
        return list(json.loads(value or "[]"))
    return list(value) if isinstance(value, (list, tuple)) else []


def cite_source(
    kind: str, item_type: str, authors: Any, year: Any, page: str = "", lang: str = "fr"
) -> str:
    """Return a short plain-text citation: ``Dubois & Peeters, 2021, p. 12`` for the literature,
    ``Entretien ORG03, 2025, §4`` for a field item (``page`` is then its § label)."""
    names = _authors(authors)
    when = _UNDATED.get(lang, "n.d.") if year is None or pd.isna(year) else str(int(year))
    if kind == "field":
        label = KIND_LABELS.get(lang, KIND_LABELS["en"]).get(item_type, item_type)
        who = " ".join([label, *names[:1]]).strip()
        return ", ".join(p for p in (who, when, page) if p)
    families = [a.split(",")[0].strip() for a in names if a.strip()]
    if not families:
        who = "Anon."
    elif len(families) <= 2:
        who = " & ".join(families)
    else:
        who = f"{families[0]} et al."
    return ", ".join([who, when] + ([f"p. {page}"] if page else []))


def cite_field(
    item_type: str, organisation: str, year: int | None, label: str, lang: str = "fr"
) -> str:
    """Return the parenthesised citation of a field passage: ``(Entretien ORG03, 2025, §4)``."""
    authors = [organisation] if organisation else []
    return f"({cite_source('field', item_type, authors, year, label, lang)})"


def compute_field_references(sources: pd.DataFrame, lang: str = "fr") -> dict[str, str]:
    """Return field source key -> plain-text reference (``Entretien ORG03, 2025``).

    Field items are not in references.bib: a chapter cites a field passage as
    ``f"({refs[key]}, {page_label})"`` instead of a pandoc citation.
    """
    field = sources[sources["kind"] == "field"]
    return {
        str(k): cite_source("field", t, a, y, "", lang)
        for k, t, a, y in zip(
            field["key"], field["item_type"], field["authors"], field["year"], strict=True
        )
    }


def _pairs(codings: pd.DataFrame, rows: Sequence[str], cols: Sequence[str]) -> pd.DataFrame:
    base = codings[["passage_id", "source_key", "code"]].drop_duplicates()
    left = base[base["code"].isin(list(rows))].rename(columns={"code": "row"})
    right = base[base["code"].isin(list(cols))][["passage_id", "code"]]
    return left.merge(right.rename(columns={"code": "col"}), on="passage_id")


def _kinds(sources: pd.DataFrame) -> pd.Series:
    return sources.set_index("key")["kind"].astype(str)


def compute_triangulation(
    codings: pd.DataFrame, sources: pd.DataFrame, rows: Sequence[str], cols: Sequence[str]
) -> pd.DataFrame:
    """Return one row per (row code, col code): literature and field counts and ``evidence``.

    ``literature``/``field`` count distinct sources of each kind holding a passage with
    both codes (``*_passages`` the passages); ``evidence`` is ``both``, ``literature``,
    ``field`` or ``none``. ``codings`` needs passage_id, source_key and code; ``sources``
    key and kind. Every pair is present, in the order given.
    """
    pairs = _pairs(codings, rows, cols)
    pairs["field"] = pairs["source_key"].map(_kinds(sources)).eq("field")
    grid = pd.MultiIndex.from_product([list(rows), list(cols)], names=["row", "col"])
    out = pd.DataFrame(index=grid)
    for name, mask in (("literature", ~pairs["field"]), ("field", pairs["field"])):
        part = pairs[mask].groupby(["row", "col"], sort=False)
        out[name] = part["source_key"].nunique().reindex(grid, fill_value=0)
        out[f"{name}_passages"] = part["passage_id"].nunique().reindex(grid, fill_value=0)
    out = out.fillna(0).astype("int64").reset_index()
    lit, fld = out["literature"] > 0, out["field"] > 0
    out["evidence"] = "none"
    out.loc[lit & fld, "evidence"] = "both"
    out.loc[lit & ~fld, "evidence"] = "literature"
    out.loc[~lit & fld, "evidence"] = "field"
    return out[
        ["row", "col", "literature", "field", "literature_passages", "field_passages", "evidence"]
    ]


def compute_cell_evidence(
    codings: pd.DataFrame,
    passages: pd.DataFrame,
    sources: pd.DataFrame,
    rows: Sequence[str],
    cols: Sequence[str],
    lang: str = "fr",
) -> pd.DataFrame:
    """Return the passages behind every non-empty cell, with their kind and a citation.

    Columns: row, col, id, source_key, kind, organisation (field items), citation (with the
    page or §), reference (without), page_label, lang, section, text; ordered by cell,
    literature first, then source and §.
    """
    pairs = _pairs(codings, rows, cols)[["row", "col", "passage_id"]]
    cols_wanted = ["id", "source_key", "page_index", "page_label", "lang", "section", "text"]
    hits = pairs.merge(passages[cols_wanted], left_on="passage_id", right_on="id")
    meta = sources[["key", "kind", "item_type", "authors", "year"]]
    merged = hits.merge(meta, left_on="source_key", right_on="key", how="left")
    merged["kind"] = merged["kind"].fillna("literature")
    merged["organisation"] = [
        (_authors(a)[:1] or [""])[0] if k == "field" else ""
        for k, a in zip(merged["kind"], merged["authors"], strict=True)
    ]
    meta_cols = ("kind", "item_type", "authors", "year", "page_label")
    merged["citation"] = [
        cite_source(k, t, a, y, str(p or ""), lang)
        for k, t, a, y, p in zip(*(merged[c] for c in meta_cols), strict=True)
    ]
    merged["reference"] = [
        cite_source(k, t, a, y, "", lang)
        for k, t, a, y, _ in zip(*(merged[c] for c in meta_cols), strict=True)
    ]
    merged["_r"] = merged["row"].map({c: i for i, c in enumerate(rows)})
    merged["_c"] = merged["col"].map({c: i for i, c in enumerate(cols)})
    merged["_f"] = merged["kind"].eq("field")
    merged = merged.sort_values(["_r", "_c", "_f", "source_key", "page_index", "id"])
    keep = [
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
    return merged[keep].reset_index(drop=True)


def compute_recommendations(
    codings: pd.DataFrame,
    passages: pd.DataFrame,
    sources: pd.DataFrame,
    forms: Sequence[str],
    responses: Sequence[str],
    lang: str = "fr",
) -> pd.DataFrame:
    """Return the forms of violence crossed with the responses found, with their sources.

    One row per (form, response) with evidence: ``literature`` and ``field`` counts,
    ``evidence``, ``literature_sources`` and ``field_sources`` (short citations, "; "-joined)
    and ``organisations`` (pseudonyms); in code order, best-supported response first.
    """
    tri = compute_triangulation(codings, sources, forms, responses)
    tri = tri[tri["evidence"] != "none"]
    cells = compute_cell_evidence(codings, passages, sources, forms, responses, lang)
    listed = {
        (row, col, kind): sorted(set(group["reference"]))
        for (row, col, kind), group in cells.groupby(["row", "col", "kind"], sort=False)
    }
    orgs = {
        (r, c): ", ".join(sorted(set(g["organisation"]) - {""}))
        for (r, c), g in cells[cells["kind"] == "field"].groupby(["row", "col"], sort=False)
    }
    out = tri.assign(
        literature_sources=[
            "; ".join(listed.get((r, c, "literature"), []))
            for r, c in zip(tri["row"], tri["col"], strict=True)
        ],
        field_sources=[
            "; ".join(listed.get((r, c, "field"), []))
            for r, c in zip(tri["row"], tri["col"], strict=True)
        ],
        organisations=[orgs.get((r, c), "") for r, c in zip(tri["row"], tri["col"], strict=True)],
    )
    out["_r"] = out["row"].map({c: i for i, c in enumerate(forms)})
    out["_t"] = out["literature"] + out["field"]
    out = out.sort_values(["_r", "_t", "field", "col"], ascending=[True, False, False, True])
    return out.drop(columns=["_r", "_t"]).reset_index(drop=True)


def write_recommendations_xlsx(
    path: str | Path,
    table: pd.DataFrame,
    codings: pd.DataFrame,
    passages: pd.DataFrame,
    sources: pd.DataFrame,
    labels: dict[str, str],
    lang: str = "fr",
) -> Path:
    """Write the recommendations table and the passages behind it to Excel; return the path."""
    named = table.assign(
        form=table["row"].map(lambda c: labels.get(c, c)),
        response=table["col"].map(lambda c: labels.get(c, c)),
        evidence=table["evidence"].map(EVIDENCE.get(lang, EVIDENCE["en"])),
    )
    named = named[
        [
            "form",
            "response",
            "row",
            "col",
            "literature",
            "field",
            "evidence",
            "literature_sources",
            "field_sources",
            "organisations",
        ]
    ]
    forms = list(dict.fromkeys(table["row"]))
    responses = list(dict.fromkeys(table["col"]))
    cells = compute_cell_evidence(codings, passages, sources, forms, responses, lang)
    wanted = set(zip(table["row"], table["col"], strict=True))
    cells = cells[[(r, c) in wanted for r, c in zip(cells["row"], cells["col"], strict=True)]]
    out = Path(path)
    with pd.ExcelWriter(out, engine="openpyxl") as xl:
        named.to_excel(xl, sheet_name="recommendations", index=False)
        cells.to_excel(xl, sheet_name="passages", index=False)
        for sheet in xl.sheets.values():
            sheet.freeze_panes = "A2"
            if sheet.max_row > 1:
                sheet.auto_filter.ref = sheet.dimensions
    return out
