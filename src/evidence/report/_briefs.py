"""Theme briefs and the recommendations table, as Markdown built from both kinds of evidence.

A theme brief (one per chapter of evidence.toml) argues in about two pages: a claim per
best-supported cell that the literature and the field both document, each with a quote
from each; what the field adds; what only the literature documents; the triangulation
table; and the organisations whose material supports the theme, as those that could carry
it. The same data always give the same text: every choice is ordered.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from evidence.analysis._triangulation import (
    EVIDENCE,
    KIND_LABELS,
    compute_cell_evidence,
    compute_triangulation,
    select_codes,
)
from evidence.config import Chapter

from ._chapter import escape_markdown

__all__ = ["BRIEF_TEXT", "render_recommendations", "render_theme_brief", "render_triangulation"]

BRIEF_TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Note thématique : {title}",
        "basis": "Construite à partir de {lit} source(s) de la littérature et de {field} "
        "matériau(x) de terrain ({orgs} organisation(s)) : {both} croisement(s) sont "
        "documentés par les deux, {lonly} par la littérature seule, {fonly} par le "
        "terrain seul.",
        "claims": "Ce que la littérature et le terrain montrent ensemble",
        "claim": "Le lien entre « {row} » et « {col} » est documenté à la fois par {lit} "
        "source(s) de la littérature et par {field} matériau(x) de terrain ({orgs}).",
        "no_claims": "Aucun croisement de ce thème n'est encore documenté à la fois par la "
        "littérature et par le terrain.",
        "field_adds": "Ce que le terrain ajoute",
        "field_line": "{field} matériau(x) de terrain ({orgs}), aucune source de la littérature",
        "lit_only": "Ce que la littérature documente sans écho sur le terrain",
        "lit_line": "{lit} source(s) : {refs}",
        "none": "Rien à signaler.",
        "table": "Triangulation",
        "legend": "L : sources de la littérature ; T : matériaux de terrain ; "
        "✔ : documenté par les deux.",
        "carriers": "Organisations qui pourraient porter ce thème",
        "carrier": "**{org}**{sector} : {cells} croisement(s), {passages} passage(s) ({kinds})",
        "no_carriers": "Aucune organisation de terrain ne documente encore ce thème.",
        "rec_title": "Recommandations : formes de violence et réponses",
        "rec_intro": "Base de la note de recommandations : pour chaque forme de violence, les "
        "réponses que documentent la littérature et le terrain, avec leurs sources.",
        "rec_head": "| Réponse | Littérature | Terrain | Preuves | Sources |",
        "rec_none": "Formes de violence sans réponse documentée : {forms}.",
    },
    "nl": {
        "title": "Themanota: {title}",
        "basis": "Opgebouwd uit {lit} bron(nen) uit de literatuur en {field} veldmateriaal "
        "({orgs} organisatie(s)): {both} combinatie(s) worden door beide "
        "gedocumenteerd, {lonly} enkel door de literatuur, {fonly} enkel door het veld.",
        "claims": "Wat literatuur en veld samen tonen",
        "claim": "Het verband tussen ‘{row}’ en ‘{col}’ wordt gedocumenteerd door {lit} "
        "bron(nen) uit de literatuur en door {field} veldmateriaal ({orgs}).",
        "no_claims": "Geen enkele combinatie van dit thema wordt al door literatuur en veld "
        "samen gedocumenteerd.",
        "field_adds": "Wat het veld toevoegt",
        "field_line": "{field} veldmateriaal ({orgs}), geen bron uit de literatuur",
        "lit_only": "Wat enkel de literatuur documenteert",
        "lit_line": "{lit} bron(nen): {refs}",
        "none": "Niets te melden.",
        "table": "Triangulatie",
        "legend": "L: bronnen uit de literatuur; V: veldmateriaal; ✔: door beide gedocumenteerd.",
        "carriers": "Organisaties die dit thema zouden kunnen dragen",
        "carrier": "**{org}**{sector}: {cells} combinatie(s), {passages} passage(s) ({kinds})",
        "no_carriers": "Nog geen veldorganisatie documenteert dit thema.",
        "rec_title": "Aanbevelingen: vormen van geweld en antwoorden",
        "rec_intro": "Basis voor de nota met aanbevelingen: per vorm van geweld de antwoorden "
        "die literatuur en veld documenteren, met hun bronnen.",
        "rec_head": "| Antwoord | Literatuur | Veld | Evidentie | Bronnen |",
        "rec_none": "Vormen van geweld zonder gedocumenteerd antwoord: {forms}.",
    },
    "en": {
        "title": "Theme brief: {title}",
        "basis": "Built from {lit} literature source(s) and {field} field item(s) ({orgs} "
        "organisation(s)): {both} crossing(s) are documented by both, {lonly} by the "
        "literature only, {fonly} by the field only.",
        "claims": "What the literature and the field show together",
        "claim": "The link between “{row}” and “{col}” is documented by {lit} literature "
        "source(s) and by {field} field item(s) ({orgs}).",
        "no_claims": "No crossing of this theme is documented by both the literature and the "
        "field yet.",
        "field_adds": "What the field adds",
        "field_line": "{field} field item(s) ({orgs}), no literature source",
        "lit_only": "What only the literature documents",
        "lit_line": "{lit} source(s): {refs}",
        "none": "Nothing to report.",
        "table": "Triangulation",
        "legend": "L: literature sources; F: field items; ✔: documented by both.",
        "carriers": "Organisations that could carry this theme",
        "carrier": "**{org}**{sector}: {cells} crossing(s), {passages} passage(s) ({kinds})",
        "no_carriers": "No field organisation documents this theme yet.",
        "rec_title": "Recommendations: forms of violence and responses",
        "rec_intro": "Base of the recommendations note: for each form of violence, the responses "
        "that the literature and the field document, with their sources.",
        "rec_head": "| Response | Literature | Field | Evidence | Sources |",
        "rec_none": "Forms of violence with no documented response: {forms}.",
    },
}
_FIELD_LETTER = {"fr": "T", "nl": "V", "en": "F"}
_MARKS = {"fr": ("« ", " »", " : "), "nl": ("‘", "’", ": "), "en": ("“", "”", ": ")}


def _t(lang: str, key: str, **values: object) -> str:
    return BRIEF_TEXT.get(lang, BRIEF_TEXT["en"])[key].format(**values)


def _quote(text: str, limit: int = 320) -> str:
    flat = " ".join(str(text).split())
    if len(flat) > limit:
        flat = flat[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return escape_markdown(flat)


def _pick(group: pd.DataFrame, seen: set[str]) -> pd.Series | None:
    """The first unused passage of a reasonable length (then any unused one)."""
    fresh = group[~group["id"].isin(seen)]
    if fresh.empty:
        return None
    fitting = fresh[fresh["text"].str.len().between(60, 700)]
    row = (fitting if not fitting.empty else fresh).iloc[0]
    seen.add(str(row["id"]))
    return row


def _orgs(group: pd.DataFrame) -> str:
    return ", ".join(sorted(set(group["organisation"]) - {""})) or "—"


def render_triangulation(tri: pd.DataFrame, labels: dict[str, str], lang: str) -> str:
    """Return the triangulation table: per cell ``L2 · T1 ✔``, ``L1``, ``T2`` or empty."""
    letter = _FIELD_LETTER.get(lang, "F")
    rows = list(dict.fromkeys(tri["row"]))
    cols = list(dict.fromkeys(tri["col"]))
    cell = {
        (r, c): " · ".join(
            p for p in (f"L{lit}" if lit else "", f"{letter}{fld}" if fld else "") if p
        )
        + (" ✔" if lit and fld else "")
        for r, c, lit, fld in tri[["row", "col", "literature", "field"]].itertuples(index=False)
    }
    head = "| | " + " | ".join(labels.get(c, c) for c in cols) + " |"
    rule = "|---|" + "|".join(":---:" for _ in cols) + "|"
    body = [
        f"| {labels.get(r, r)} | " + " | ".join(cell[(r, c)] for c in cols) + " |" for r in rows
    ]
    return "\n".join([head, rule, *body, "", _t(lang, "legend")])


def render_theme_brief(
    chapter: Chapter,
    codings: pd.DataFrame,
    passages: pd.DataFrame,
    sources: pd.DataFrame,
    codes: Sequence[str],
    labels: dict[str, str],
    lang: str,
    *,
    claims: int = 5,
    lines: int = 6,
) -> str:
    """Return the theme brief of ``chapter`` as Markdown (about two pages).

    ``codes`` are the codebook's code ids (the chapter's rows and cols are facets or
    prefixes of them); ``claims`` caps the argued cells, ``lines`` the other lists.
    """
    rows, cols = select_codes(codes, chapter.rows), select_codes(codes, chapter.cols)
    tri = compute_triangulation(codings, sources, rows, cols)
    cells = compute_cell_evidence(codings, passages, sources, rows, cols, lang)
    cells = cells[cells["section"] != "question"]
    by_cell = {key: g for key, g in cells.groupby(["row", "col"], sort=False)}
    used = cells.drop_duplicates("source_key")
    counts = {
        "lit": int((used["kind"] != "field").sum()),
        "field": int((used["kind"] == "field").sum()),
        "orgs": len(set(used["organisation"]) - {""}),
    }
    ranked = tri.assign(total=tri["literature"] + tri["field"]).sort_values(
        ["total", "field", "literature"], ascending=False, kind="stable"
    )
    out = [
        f"# {_t(lang, 'title', title=chapter.title_in(lang))}",
        "",
        "*"
        + _t(
            lang,
            "basis",
            **counts,
            both=int((tri["evidence"] == "both").sum()),
            lonly=int((tri["evidence"] == "literature").sum()),
            fonly=int((tri["evidence"] == "field").sum()),
        )
        + "*",
        "",
        f"## {_t(lang, 'claims')}",
        "",
    ]
    seen: set[str] = set()
    both = ranked[ranked["evidence"] == "both"].head(claims)
    for n, (r, c, lit, fld) in enumerate(
        both[["row", "col", "literature", "field"]].itertuples(index=False), start=1
    ):
        group = by_cell[(r, c)]
        out += [
            f"### {n}. {labels.get(r, r)} × {labels.get(c, c)}",
            "",
            _t(
                lang,
                "claim",
                row=labels.get(r, r),
                col=labels.get(c, c),
                lit=lit,
                field=fld,
                orgs=_orgs(group[group["kind"] == "field"]),
            ),
            "",
        ]
        for kind in ("literature", "field"):
            pick = _pick(group[(group["kind"] == "field") == (kind == "field")], seen)
            if pick is not None:
                out += [f"> {_quote(pick['text'])}", f"> — ({pick['citation']})", ""]
    if both.empty:
        out += [_t(lang, "no_claims"), ""]
    out += [f"## {_t(lang, 'field_adds')}", ""]
    open_q, close_q, colon = _MARKS.get(lang, _MARKS["en"])
    field_only = ranked[ranked["evidence"] == "field"].head(lines)
    for r, c, fld in field_only[["row", "col", "field"]].itertuples(index=False):
        group = by_cell[(r, c)]
        pick = _pick(group, seen)
        quote = (
            f" {open_q}{_quote(pick['text'], 160)}{close_q} ({pick['citation']})"
            if pick is not None
            else ""
        )
        out.append(
            f"- **{labels.get(r, r)} × {labels.get(c, c)}**{colon}"
            + _t(lang, "field_line", field=fld, orgs=_orgs(group))
            + "."
            + quote
        )
    if field_only.empty:
        out.append(_t(lang, "none"))
    out += ["", f"## {_t(lang, 'lit_only')}", ""]
    lit_only = ranked[ranked["evidence"] == "literature"].head(lines)
    for r, c, lit in lit_only[["row", "col", "literature"]].itertuples(index=False):
        refs = "; ".join(sorted(set(by_cell[(r, c)]["reference"])))
        out.append(
            f"- **{labels.get(r, r)} × {labels.get(c, c)}**{colon}"
            + _t(lang, "lit_line", lit=lit, refs=escape_markdown(refs))
            + "."
        )
    if lit_only.empty:
        out.append(_t(lang, "none"))
    out += [
        "",
        f"## {_t(lang, 'table')}",
        "",
        render_triangulation(tri, labels, lang),
        "",
        f"## {_t(lang, 'carriers')}",
        "",
    ]
    out += _carriers(cells, sources, lang)
    return "\n".join(out).rstrip() + "\n"


def _carriers(cells: pd.DataFrame, sources: pd.DataFrame, lang: str) -> list[str]:
    field = cells[(cells["kind"] == "field") & (cells["organisation"] != "")]
    if field.empty:
        return [_t(lang, "no_carriers")]
    meta = sources.set_index("key")
    kinds = KIND_LABELS.get(lang, KIND_LABELS["en"])
    stats = []
    for org, group in field.groupby("organisation"):
        keys = sorted(set(group["source_key"]))
        sectors = sorted({str(meta.at[k, "container"]) for k in keys} - {"", "nan"})
        types = sorted(
            {kinds.get(str(meta.at[k, "item_type"]), str(meta.at[k, "item_type"])) for k in keys}
        )
        n_cells = len(group[["row", "col"]].drop_duplicates())
        stats.append((-n_cells, -group["id"].nunique(), org, sectors, types))
    return [
        "- "
        + _t(
            lang,
            "carrier",
            org=org,
            cells=-nc,
            passages=-np_,
            sector=f" ({escape_markdown(', '.join(sectors))})" if sectors else "",
            kinds=", ".join(types).lower(),
        )
        for nc, np_, org, sectors, types in sorted(stats)
    ]


def render_recommendations(
    table: pd.DataFrame, labels: dict[str, str], lang: str, forms: Sequence[str] = ()
) -> str:
    """Return the recommendations table (``compute_recommendations``) as Markdown, by form.

    ``forms`` (all form codes) lets the note list the forms with no documented response.
    """
    evidence = EVIDENCE.get(lang, EVIDENCE["en"])
    out = [f"# {_t(lang, 'rec_title')}", "", "*" + _t(lang, "rec_intro") + "*"]
    for form, group in table.groupby("row", sort=False):
        out += [
            "",
            f"## {labels.get(form, form)}",
            "",
            _t(lang, "rec_head"),
            "|---|---:|---:|---|---|",
        ]
        for _, r in group.iterrows():
            refs = "; ".join(x for x in (r["literature_sources"], r["field_sources"]) if x)
            out.append(
                f"| {labels.get(r['col'], r['col'])} | {r['literature']} | {r['field']} | "
                f"{evidence[r['evidence']]} | {escape_markdown(refs)} |"
            )
    missing = [labels.get(f, f) for f in forms if f not in set(table["row"])]
    if missing:
        out += ["", _t(lang, "rec_none", forms=", ".join(missing))]
    return "\n".join(out) + "\n"
