"""Themes from the field: groups of codes the interviews raise together, and who carries them.

Everything starts from the codings that count (:func:`select_codings`, so the decision rule
of the matrices applies: a person's rejection removes a code, suggestions never count) and
the sources frame (``kind``, ``authors`` holding a field item's organisation pseudonym,
``container`` its sector). Pure functions, frames in, new frames out.

A theme is a cluster of codes: two codes are close when field passages carry them together
(Ochiai, the cosine of their passage sets) and, less, when the same interviews raise them
both; codes are grouped by average-linkage hierarchical clustering (scipy), which depends on
nothing but the data, in code order. A *theme passage* is a field passage carrying at least
two of a theme's codes; the organisations behind them raise the theme.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from ._citations import read_authors

__all__ = [
    "THEME_COLUMNS",
    "ThemeSettings",
    "compute_code_similarity",
    "compute_theme_carriers",
    "compute_theme_literature",
    "compute_theme_organisations",
    "compute_theme_passages",
    "compute_theme_proposals",
    "compute_theme_tensions",
    "name_theme",
]

THEME_COLUMNS = [
    "theme",
    "codes",
    "core",
    "organisations",
    "n_organisations",
    "interviews",
    "passages",
    "strength",
]


# Facets that say what happens (forms, consequences, responses); the others (who, where, which
# public) set the scene, and two of them together do not make the literature speak to a theme.
_SUBSTANTIVE = ("form", "cons", "resp")


@dataclass(frozen=True, slots=True)
class ThemeSettings:
    """How themes are proposed.

    ``passage_weight``: the share of co-occurrence within passages in the closeness of two
    codes (the rest: within interviews). ``closeness``: two groups merge while their average
    closeness reaches it. ``min_passages``: a code needs that many field passages to take
    part. ``documented``: literature sources carrying two of a theme's codes together needed
    to call it documented (fewer: thin; none of its codes at all: absent).
    """

    passage_weight: float = 0.7
    closeness: float = 0.3
    min_passages: int = 2
    documented: int = 2


def _field(codings: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Return the field codings with their source's organisation, one row per passage/code."""
    meta = sources[sources["kind"] == "field"].set_index("key")
    organisation = {k: (read_authors(a)[:1] or [k])[0] for k, a in meta["authors"].items()}
    data = codings[codings["source_key"].astype(str).isin(meta.index)]
    out = pd.DataFrame(
        {
            "passage_id": data["passage_id"].to_numpy(),
            "source_key": data["source_key"].astype(str).to_numpy(),
            "code": data["code"].astype(str).to_numpy(),
            "origin": (data["origin"].astype(str) if "origin" in data else "rule"),
        }
    )
    out["organisation"] = out["source_key"].map(organisation)
    # One row per passage and code, a person's when there is one (as ``select_codings`` does).
    out = out.iloc[(out["origin"] != "human").to_numpy().argsort(kind="stable")]
    return out.drop_duplicates(["passage_id", "code"]).sort_index().reset_index(drop=True)


def _ochiai(units: pd.Series, codes: pd.Series, order: list[str]) -> np.ndarray:
    """Return the code x code Ochiai coefficients of the units (passages or interviews)."""
    unit = pd.factorize(units)[0]
    code = pd.Index(order).get_indexer(codes.to_numpy())
    keep = code >= 0
    x = np.zeros((int(unit.max(initial=-1)) + 1, len(order)))
    x[unit[keep], code[keep]] = 1.0
    both = x.T @ x
    size = np.sqrt(np.diag(both))
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = both / np.outer(size, size)
    return np.nan_to_num(sim)


def compute_code_similarity(
    codings: pd.DataFrame, sources: pd.DataFrame, settings: ThemeSettings | None = None
) -> pd.DataFrame:
    """Return the closeness of the field's codes (code x code, 0 to 1, codes in id order).

    Codes with fewer than ``min_passages`` field passages are left out.
    """
    s = settings or ThemeSettings()
    field = _field(codings, sources)
    counts = field.groupby("code")["passage_id"].nunique()
    order = sorted(counts[counts >= s.min_passages].index)
    field = field[field["code"].isin(order)]
    if not order:
        return pd.DataFrame(dtype=float)
    passages = _ochiai(field["passage_id"], field["code"], order)
    interviews = _ochiai(field["source_key"], field["code"], order)
    sim = s.passage_weight * passages + (1 - s.passage_weight) * interviews
    np.fill_diagonal(sim, 1.0)
    return pd.DataFrame(sim, index=order, columns=order)


def _core(codes: Sequence[str], sim: pd.DataFrame | None, size: int) -> list[str]:
    """The ``size`` codes closest on average to the others (else the first), in code order."""
    ordered = sorted(codes)
    if sim is not None and len(ordered) > size:
        mean = sim.loc[ordered, ordered].mean(axis=1)
        ordered = sorted(sorted(ordered, key=lambda c: (-round(float(mean[c]), 9), c))[:size])
    return ordered[:size]


def name_theme(codes: Sequence[str], sim: pd.DataFrame | None = None, size: int = 3) -> str:
    """Return a theme's id: the last parts of its ``size`` core codes, in code order.

    The core codes are those closest on average to the others (``sim``, from
    :func:`compute_code_similarity`; without it, the first codes in code order).
    """
    return "-".join(c.rsplit(".", 1)[-1] for c in _core(codes, sim, size)).replace("_", "-")


def _clusters(sim: pd.DataFrame, closeness: float) -> list[list[str]]:
    codes = list(sim.index)
    if len(codes) < 2:
        return []
    # scipy's clustering takes half a second to import: only when themes are proposed, so
    # that every other command (and a build with nothing to render) starts without it.
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = squareform(1.0 - sim.to_numpy(), checks=False).clip(min=0.0)
    labels = fcluster(linkage(distance, method="average"), t=1.0 - closeness, criterion="distance")
    groups: dict[int, list[str]] = {}
    for code, label in zip(codes, labels, strict=True):
        groups.setdefault(int(label), []).append(code)
    return [g for g in groups.values() if len(g) >= 2]


def compute_theme_passages(
    codings: pd.DataFrame, sources: pd.DataFrame, codes: Sequence[str]
) -> pd.DataFrame:
    """Return the field passages that raise a theme: carrying two of ``codes`` (one if it is
    just one code), one at least a form, consequence or response when the theme has one.

    Columns: passage_id, source_key, organisation, codes (the theme's codes it carries,
    in code order), confirmed (those a person confirmed).
    """
    field = _field(codings, sources)
    field = field[field["code"].isin(list(codes))].sort_values(["passage_id", "code"])
    need = min(2, len(set(codes)))
    # A public and a place alone set a scene; they raise a theme only if it has nothing else.
    substantive = {c for c in codes if c.split(".")[0] in _SUBSTANTIVE} or set(codes)
    by_passage = field.assign(s=field["code"].isin(substantive)).groupby("passage_id")
    keep = (by_passage["code"].transform("size") >= need) & by_passage["s"].transform("any")
    kept = field[keep.to_numpy()]
    keys = ["passage_id", "source_key", "organisation"]
    out = kept.groupby(keys, sort=True)["code"].agg(tuple).rename("codes").reset_index()
    human = kept[kept["origin"] == "human"].groupby("passage_id")["code"].agg(tuple)
    out["confirmed"] = [human.get(p, ()) for p in out["passage_id"]]
    return out[[*keys, "codes", "confirmed"]]


def compute_theme_proposals(
    codings: pd.DataFrame, sources: pd.DataFrame, settings: ThemeSettings | None = None
) -> pd.DataFrame:
    """Return the proposed themes, the most widely raised first.

    Columns ``THEME_COLUMNS``: theme (its id, :func:`name_theme`), codes (tuple), core (the
    three codes closest to the others, which name it),
    organisations (tuple of pseudonyms raising it), n_organisations, interviews and passages
    (distinct theme passages), strength (the codes' mean closeness). Ranked by organisations,
    then passages, then strength, then id.
    """
    s = settings or ThemeSettings()
    sim = compute_code_similarity(codings, sources, s)
    rows = []
    for codes in _clusters(sim, s.closeness):
        theme = compute_theme_passages(codings, sources, codes)
        pairs = [sim.at[a, b] for a, b in combinations(codes, 2)]
        orgs = tuple(sorted(set(theme["organisation"])))
        rows.append(
            (
                name_theme(codes, sim),
                tuple(codes),
                tuple(_core(codes, sim, 3)),
                orgs,
                len(orgs),
                theme["source_key"].nunique(),
                len(theme),
                round(float(np.mean(pairs)), 3),
            )
        )
    out = pd.DataFrame(rows, columns=THEME_COLUMNS)
    out = out.sort_values(
        ["n_organisations", "passages", "strength", "theme"],
        ascending=[False, False, False, True],
        kind="stable",
    )
    return out.reset_index(drop=True)


def compute_theme_literature(
    codings: pd.DataFrame,
    sources: pd.DataFrame,
    codes: Sequence[str],
    settings: ThemeSettings | None = None,
) -> dict[str, object]:
    """Return what the literature says on a theme's codes.

    ``status``: documented, thin or absent (see :class:`ThemeSettings`); ``together``: the
    literature sources with a passage carrying two of the codes, one at least a form,
    consequence or response (a public and a place alone set a scene); ``per_code``: literature
    sources per code; ``missing``: codes no literature source carries.
    """
    s = settings or ThemeSettings()
    literature = set(sources.loc[sources["kind"] != "field", "key"].astype(str))
    data = codings[codings["source_key"].astype(str).isin(literature)]
    data = data[data["code"].astype(str).isin(list(codes))]
    data = pd.DataFrame(
        {"p": data["passage_id"].to_numpy(), "s": data["source_key"].astype(str).to_numpy()}
        | {"c": data["code"].astype(str).to_numpy()}
    ).drop_duplicates()
    per_code = {c: int(data.loc[data["c"] == c, "s"].nunique()) for c in codes}
    size = data.groupby("p")["c"].transform("nunique")
    substantive = data["c"].str.split(".").str[0].isin(_SUBSTANTIVE)
    core = data.assign(k=substantive).groupby("p")["k"].transform("any")
    together = sorted(set(data.loc[(size >= min(2, len(codes))) & core, "s"]))
    if len(together) >= s.documented:
        status = "documented"
    elif together or any(per_code.values()):
        status = "thin"
    else:
        status = "absent"
    return {
        "status": status,
        "together": together,
        "per_code": per_code,
        "missing": [c for c in codes if not per_code[c]],
    }


def compute_theme_carriers(
    codings: pd.DataFrame, sources: pd.DataFrame, codes: Sequence[str]
) -> pd.DataFrame:
    """Return the organisations able to carry a theme, ranked by evidence.

    One row per organisation whose field passages carry any of ``codes``: codes (those it
    covers), breadth (their share of the theme's codes), confirmed (its codings of them a
    person confirmed), interviews, passages, theme_passages (carrying two codes together),
    sectors. Ranked by breadth, then confirmed codings, interviews, theme passages, name.
    """
    field = _field(codings, sources)
    field = field[field["code"].isin(list(codes))]
    sector = sources.set_index("key")["container"].fillna("").astype(str)
    together = compute_theme_passages(codings, sources, codes)
    rows = []
    for org, group in field.groupby("organisation", sort=True):
        covered = tuple(sorted(set(group["code"])))
        keys = sorted(set(group["source_key"]))
        rows.append(
            (
                org,
                covered,
                round(len(covered) / len(set(codes)), 3),
                int((group["origin"] == "human").sum()),
                len(keys),
                group["passage_id"].nunique(),
                int((together["organisation"] == org).sum()),
                tuple(sorted({sector.get(k, "") for k in keys} - {""})),
            )
        )
    columns = [
        "organisation",
        "codes",
        "breadth",
        "confirmed",
        "interviews",
        "passages",
        "theme_passages",
        "sectors",
    ]
    out = pd.DataFrame(rows, columns=columns)
    out = out.sort_values(
        ["breadth", "confirmed", "interviews", "theme_passages", "organisation"],
        ascending=[False, False, False, False, True],
        kind="stable",
    )
    return out.reset_index(drop=True)


def compute_theme_tensions(
    codings: pd.DataFrame, sources: pd.DataFrame, codes: Sequence[str]
) -> pd.DataFrame:
    """Return where the organisations raising a theme code its passages differently.

    For each code found on the theme's passages (the theme's own and any other), the
    organisations whose theme passages carry it (``with``) and those whose theme passages
    never do (``without``); only codes that split them, the most even split first.
    """
    theme = compute_theme_passages(codings, sources, codes)
    field = _field(codings, sources)
    on = field[field["passage_id"].isin(set(theme["passage_id"]))]
    orgs = sorted(set(theme["organisation"]))
    rows = []
    for code, group in on.groupby("code", sort=True):
        having = sorted(set(group["organisation"]))
        lacking = [o for o in orgs if o not in having]
        if having and lacking:
            rows.append((code, code in codes, tuple(having), tuple(lacking)))
    out = pd.DataFrame(rows, columns=["code", "theme_code", "with", "without"])
    if out.empty:
        return out
    out["_even"] = [min(len(a), len(b)) for a, b in zip(out["with"], out["without"], strict=True)]
    out = out.sort_values(["_even", "code"], ascending=[False, True], kind="stable")
    return out.drop(columns="_even").reset_index(drop=True)


def compute_theme_organisations(
    codings: pd.DataFrame, sources: pd.DataFrame, themes: dict[str, Sequence[str]]
) -> pd.DataFrame:
    """Return theme x organisation: the theme passages of each organisation (long frame).

    Columns theme, organisation, passages; every pair, 0 when the organisation does not
    raise the theme; themes in the order given, organisations by name.
    """
    frames = [
        compute_theme_passages(codings, sources, codes).assign(theme=theme)
        for theme, codes in themes.items()
    ]
    orgs = sorted(set(_field(codings, sources)["organisation"]))
    grid = pd.MultiIndex.from_product([list(themes), orgs], names=["theme", "organisation"])
    if not frames:
        return grid.to_frame(index=False).assign(passages=0)
    counts = pd.concat(frames).groupby(["theme", "organisation"]).size()
    out = counts.reindex(grid, fill_value=0).rename("passages").reset_index()
    return out.astype({"passages": "int64"})
