"""Evidence matrices: codes of one facet crossed with codes of another.

A cell counts the distinct sources (and passages and documents) holding at least one passage
that carries both codes, or, with ``within="source"``, the sources that carry both codes in
any of their passages. :class:`MatrixFilters` narrows the evidence first: provenance, source
type, language, years, country, setting and population codes. Everything here is pure: frames
in, new frames out. Counting works on integer codes with numpy: a matrix over a million
coded passages takes about half a second of CPU once they are loaded (``evidence.store._matrix``
loads them from the store; ``benchmarks/bench_matrix.py`` measures both).

Drill-down, figures and the Excel export live in ``evidence.analysis._drilldown``,
``evidence.analysis._figures`` and ``evidence.analysis._export``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evidence.errors import ConfigError

__all__ = [
    "PROVENANCES",
    "MatrixFilters",
    "compute_cell_codings",
    "compute_matrix",
    "compute_matrix_codings",
    "pivot_matrix",
    "select_codings",
]

#: human: decisions of a person only; rules: people and codebook rules (the default);
#: suggestions: also learned suggestions whose probability reaches ``min_score``.
PROVENANCES = ("human", "rules", "suggestions")
_WITHIN = ("passage", "source")
_COUNTS = ["sources", "passages", "documents", "field_sources"]


@dataclass(frozen=True, slots=True)
class MatrixFilters:
    """What evidence a matrix counts and how codes co-occur; the defaults count everything.

    ``within``: codes co-occur within one passage, or anywhere within one source.
    ``kinds``, ``langs`` (passage language), ``countries``: keep these values only (empty:
    all). ``years``: inclusive range, either end open; a range drops sources without a year.
    ``context``: setting or population codes (any codes): a passage (or, with
    ``context_within="source"``, a source) must carry one of the codes of each facet named.
    """

    within: str = "passage"
    provenance: str = "rules"
    min_score: float = 0.5
    kinds: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    years: tuple[int | None, int | None] = (None, None)
    countries: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    context_within: str = "passage"

    def __post_init__(self) -> None:
        if self.within not in _WITHIN or self.context_within not in _WITHIN:
            raise ConfigError(
                f"co-occurrence must be within 'passage' or 'source', not {self.within!r} "
                f"/ {self.context_within!r}"
            )
        if self.provenance not in PROVENANCES:
            raise ConfigError(
                f"provenance {self.provenance!r} is unknown: use one of {', '.join(PROVENANCES)}"
            )
        if not 0.0 <= self.min_score <= 1.0:
            raise ConfigError(f"min_score {self.min_score} must be a probability, 0 to 1")
        low, high = self.years
        if low is not None and high is not None and low > high:
            raise ConfigError(f"year range {low}-{high} is empty: give the earlier year first")


def _is(column: pd.Series, values: Collection[object]) -> np.ndarray:
    """Return ``column.isin(values)`` as a numpy mask, through the codes of a categorical."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        wanted = column.cat.categories.get_indexer(list(values))
        return np.isin(column.cat.codes.to_numpy(), wanted[wanted >= 0])
    return column.isin(list(values)).to_numpy()


def _numbers(column: pd.Series) -> np.ndarray:
    """Return a column as integers equal where the values are equal."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64)
    if pd.api.types.is_integer_dtype(column.dtype):
        return column.to_numpy().astype(np.int64)
    return pd.factorize(column)[0].astype(np.int64)


def select_codings(
    codings: pd.DataFrame,
    filters: MatrixFilters | None = None,
    sources: pd.DataFrame | None = None,
    passage_ids: Collection[object] | None = None,
) -> pd.DataFrame:
    """Return the codings that count under ``filters``, one row per (passage, code).

    ``codings`` needs passage_id, source_key and code; ``origin`` and ``score`` for a
    provenance filter, ``negated`` to apply people's rejections (a code a person rejected on
    a passage does not count there, whoever else coded it), ``lang`` for a language filter.
    Source filters read kind, year and country from ``sources`` (column ``key``) or from
    ``codings`` itself. ``passage_ids`` (e.g. full-text search hits) keeps those passages.
    """
    f = filters or MatrixFilters()
    data = codings
    if "negated" in data.columns:
        data = _apply_rejections(data)
    if "origin" in data.columns:
        keep = _is(data["origin"], ["human"] if f.provenance == "human" else ["human", "rule"])
        if f.provenance == "suggestions" and "score" in data.columns:
            score = pd.to_numeric(data["score"], errors="coerce").to_numpy()
            keep = keep | (_is(data["origin"], ["model"]) & (score >= f.min_score))
        data = data[keep]
    elif f.provenance != "rules":
        raise ConfigError("filtering on provenance needs an 'origin' column in the codings")
    data = _filter_sources(data, f, sources)
    if f.langs:
        if "lang" not in data.columns:
            raise ConfigError("filtering on language needs a 'lang' column in the codings")
        data = data[_is(data["lang"], f.langs)]
    if passage_ids is not None:
        data = data[_is(data["passage_id"], passage_ids)]
    if f.context:
        data = _filter_context(data, f)
    if "origin" in data.columns:
        # One row per (passage, code), a person's when there is one: the drill-down then says
        # that a person confirmed the code.
        human = _is(data["origin"], ["human"])
        if human.any() and not human.all():
            data = data.iloc[np.argsort(~human, kind="stable")]
    key = _numbers(data["passage_id"]) * (
        int(_numbers(data["code"]).max(initial=0)) + 1
    ) + _numbers(data["code"])
    return data[~pd.Series(key).duplicated().to_numpy()]


def _apply_rejections(codings: pd.DataFrame) -> pd.DataFrame:
    """Drop negated codings and every coding of a (passage, code) a person rejected: the
    store holds one human row per passage and code, the decision that stands."""
    negated = codings["negated"].to_numpy(dtype=bool)
    if not negated.any():
        return codings
    human = _is(codings["origin"], ["human"])
    codes = _numbers(codings["code"])
    key = _numbers(codings["passage_id"]) * (int(codes.max(initial=0)) + 1) + codes
    rejected = np.isin(key, key[human & negated])
    return codings[~negated & ~rejected]


def _filter_sources(
    data: pd.DataFrame, f: MatrixFilters, sources: pd.DataFrame | None
) -> pd.DataFrame:
    wanted = [
        c
        for c, on in (
            ("kind", f.kinds),
            ("year", f.years != (None, None)),
            ("country", f.countries),
        )
        if on
    ]
    if not wanted:
        return data
    if sources is not None and all(c in sources.columns for c in wanted):
        table = sources.set_index("key")[wanted]
        keep = pd.Series(True, index=table.index)
    elif all(c in data.columns for c in wanted):
        table = data[["source_key", *wanted]].drop_duplicates("source_key").set_index("source_key")
        keep = pd.Series(True, index=table.index)
    else:
        raise ConfigError(f"filtering on {', '.join(wanted)} needs a sources frame with them")
    if f.kinds:
        keep &= table["kind"].isin(f.kinds)
    if f.countries:
        folded = {c.casefold() for c in f.countries}
        keep &= table["country"].fillna("").astype(str).str.casefold().isin(folded)
    low, high = f.years
    if (low, high) != (None, None):
        year = pd.to_numeric(table["year"], errors="coerce")
        keep &= year.notna()
        if low is not None:
            keep &= year >= low
        if high is not None:
            keep &= year <= high
    return data[_is(data["source_key"], keep.index[keep.to_numpy()])]


def _filter_context(data: pd.DataFrame, f: MatrixFilters) -> pd.DataFrame:
    unit = "passage_id" if f.context_within == "passage" else "source_key"
    groups: dict[str, list[str]] = {}
    for code in f.context:
        groups.setdefault(code.split(".")[0], []).append(code)
    units = _numbers(data[unit])
    keep = np.ones(len(data), dtype=bool)
    for codes in groups.values():
        keep &= np.isin(units, units[_is(data["code"], codes)])
    return data[keep]


def compute_matrix(
    codings: pd.DataFrame,
    rows: Sequence[str],
    cols: Sequence[str],
    *,
    filters: MatrixFilters | None = None,
    sources: pd.DataFrame | None = None,
    passage_ids: Collection[object] | None = None,
) -> pd.DataFrame:
    """Return the long matrix: one row per (row code, col code), in the order given.

    Columns: ``sources`` (distinct sources), ``passages``, ``documents`` (needs a
    ``document_id`` column; ``<NA>`` otherwise) and ``field_sources`` (sources of kind
    ``field``; needs ``kind`` in ``sources`` or ``codings``). Empty cells hold 0. See
    :func:`select_codings` for the columns ``codings`` may carry and what the filters need.
    """
    f = filters or MatrixFilters()
    rows, cols = list(rows), list(cols)
    coded = _encode(select_codings(codings, f, sources, passage_ids), rows, cols, sources)
    counts = (_count_by_passage if f.within == "passage" else _count_by_source)(coded, len(cols))
    grid = pd.MultiIndex.from_product([rows, cols], names=["row", "col"]).to_frame(index=False)
    out = pd.concat([grid, pd.DataFrame(counts).astype("int64")], axis=1)
    if not coded.has_documents:
        out["documents"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if coded.field is None:
        out["field_sources"] = pd.array([pd.NA] * len(out), dtype="Int64")
    return out


@dataclass(frozen=True, slots=True)
class _Coded:
    """Codings as integers: ``left`` holds the row codes (p, s, d, r), ``right`` the column
    codes (p, s, d, c); ``field`` says which source numbers are field sources."""

    left: pd.DataFrame
    right: pd.DataFrame
    n_cells: int
    field: np.ndarray | None
    has_documents: bool


def _positions(column: pd.Series, codes: list[str]) -> np.ndarray:
    """Return each value's position in ``codes`` (-1 when absent)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        at = np.append(pd.Index(codes).get_indexer(column.cat.categories), -1)
        return at[column.cat.codes.to_numpy()]
    return pd.Index(codes).get_indexer(column.to_numpy())


def _encode(
    kept: pd.DataFrame, rows: list[str], cols: list[str], sources: pd.DataFrame | None
) -> _Coded:
    """Integer-code passages, sources, documents and codes; split into row and col codings."""
    wanted = kept[_is(kept["code"], set(rows) | set(cols))]
    s, source_keys = pd.factorize(wanted["source_key"])
    has_documents = "document_id" in wanted.columns
    if has_documents:
        raw = wanted["document_id"]
        d = pd.factorize(raw.where(raw.ge(0)) if pd.api.types.is_numeric_dtype(raw) else raw)[0]
    else:
        d = np.full(len(wanted), -1)
    base = pd.DataFrame({"p": _numbers(wanted["passage_id"]), "s": s, "d": d})
    r, c = _positions(wanted["code"], rows), _positions(wanted["code"], cols)
    return _Coded(
        left=base[r >= 0].assign(r=r[r >= 0]),
        right=base[c >= 0].assign(c=c[c >= 0]),
        n_cells=len(rows) * len(cols),
        field=_kinds(wanted, sources, source_keys),
        has_documents=has_documents,
    )


def _kinds(wanted: pd.DataFrame, sources: pd.DataFrame | None, keys: pd.Index) -> np.ndarray | None:
    if "kind" in wanted.columns:
        table = wanted.drop_duplicates("source_key").set_index("source_key")["kind"]
    elif sources is not None and "kind" in sources.columns:
        table = sources.set_index("key")["kind"]
    else:
        return None
    return (table.reindex(keys).astype(object) == "field").to_numpy()


def _distinct(cell: np.ndarray, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct (cell, unit) pairs, ignoring negative units."""
    keep = unit >= 0
    cell, unit = cell[keep], unit[keep]
    span = int(unit.max(initial=0)) + 1
    key = pd.unique(cell.astype(np.int64) * span + unit)
    return key // span, key % span


def _per_cell(cell: np.ndarray, n_cells: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(cell, weights=weights, minlength=n_cells)[:n_cells]


def _field(coded: _Coded, cell: np.ndarray, source: np.ndarray) -> np.ndarray:
    if coded.field is None:
        return np.zeros(coded.n_cells)
    return _per_cell(cell, coded.n_cells, coded.field[source].astype(float))


def _count_by_passage(coded: _Coded, n_cols: int) -> dict[str, np.ndarray]:
    # Rows and columns hold one row per (passage, code), so the pairs are distinct.
    pairs = coded.left.merge(coded.right[["p", "c"]], on="p")
    cell = pairs["r"].to_numpy(np.int64) * n_cols + pairs["c"].to_numpy(np.int64)
    src_cell, src = _distinct(cell, pairs["s"].to_numpy())
    return {
        "sources": _per_cell(src_cell, coded.n_cells),
        "passages": _per_cell(cell, coded.n_cells),
        "documents": _per_cell(_distinct(cell, pairs["d"].to_numpy())[0], coded.n_cells),
        "field_sources": _field(coded, src_cell, src),
    }


def _count_by_source(coded: _Coded, n_cols: int) -> dict[str, np.ndarray]:
    """Within a source, a cell's passages are those of its sources carrying either code:
    |P(r) ∪ P(c)| = |P(r)| + |P(c)| - |P(r and c)| per source, and the same for documents.

    Summed over the sources of a cell, the first two terms are products of (source x code)
    tables and the last counts the units carrying both codes, so no table of (source, row,
    col) triples is built.
    """
    if not coded.n_cells:
        return {name: np.zeros(0, dtype=np.int64) for name in _COUNTS}
    left, right = coded.left, coded.right
    n_rows = coded.n_cells // n_cols
    l_src, r_src = left["s"].to_numpy(np.int64), right["s"].to_numpy(np.int64)
    # Codings of no known source (-1) count together, as one more source.
    n_src = int(max(l_src.max(initial=-1), r_src.max(initial=-1))) + 2
    l_src, r_src = np.where(l_src < 0, n_src - 1, l_src), np.where(r_src < 0, n_src - 1, r_src)
    row, col = left["r"].to_numpy(np.int64), right["c"].to_numpy(np.int64)
    has_row = np.zeros((n_src, n_rows), dtype=np.int64)
    has_row[l_src, row] = 1
    has_col = np.zeros((n_src, n_cols), dtype=np.int64)
    has_col[r_src, col] = 1
    out = {"sources": (has_row.T @ has_col).ravel()}
    if coded.field is None:
        out["field_sources"] = np.zeros(coded.n_cells, dtype=np.int64)
    else:
        field = np.append(coded.field.astype(bool), False)
        out["field_sources"] = (has_row[field].T @ has_col[field]).ravel()
    for unit, name in (("p", "passages"), ("d", "documents")):
        l_unit, r_unit = left[unit].to_numpy(np.int64), right[unit].to_numpy(np.int64)
        l_keep, r_keep = l_unit >= 0, r_unit >= 0
        source_of = np.zeros(int(max(l_unit.max(initial=0), r_unit.max(initial=0))) + 1, np.int64)
        source_of[l_unit[l_keep]] = l_src[l_keep]
        source_of[r_unit[r_keep]] = r_src[r_keep]
        l_unit, row_of = _distinct_pairs(l_unit[l_keep], row[l_keep], n_rows)
        r_unit, col_of = _distinct_pairs(r_unit[r_keep], col[r_keep], n_cols)
        per_row = np.bincount(source_of[l_unit] * n_rows + row_of, minlength=n_src * n_rows)
        per_col = np.bincount(source_of[r_unit] * n_cols + col_of, minlength=n_src * n_cols)
        either = (
            per_row.reshape(n_src, n_rows).T @ has_col + has_row.T @ per_col.reshape(n_src, n_cols)
        ).ravel()
        out[name] = either - _both(l_unit, row_of, r_unit, col_of, n_cols, coded.n_cells)
    return {name: out[name] for name in _COUNTS}


def _distinct_pairs(
    unit: np.ndarray, code: np.ndarray, n_codes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct (unit, code) pairs, sorted by unit then code."""
    key = unit * n_codes + code
    span = (int(unit.max(initial=0)) + 1) * n_codes
    if span <= 32 * len(key) + 4096:  # a table of every pair is cheaper than a sort
        seen = np.zeros(span, dtype=bool)
        seen[key] = True
        key = np.flatnonzero(seen)
    else:
        key = np.unique(key)
    return key // n_codes, key % n_codes


def _both(
    l_unit: np.ndarray,
    row: np.ndarray,
    r_unit: np.ndarray,
    col: np.ndarray,
    n_cols: int,
    n_cells: int,
) -> np.ndarray:
    """Return, per cell, how many units carry both codes: each (unit, col) pair meets the
    (unit, row) pairs of its unit, found by binary search in the sorted ``l_unit``."""
    low = np.searchsorted(l_unit, r_unit, side="left")
    count = np.searchsorted(l_unit, r_unit, side="right") - low
    total = int(count.sum())
    first = np.cumsum(count) - count
    at = np.repeat(low - first, count) + np.arange(total)
    cell = row[at] * n_cols + np.repeat(col, count)
    return np.bincount(cell, minlength=n_cells)[:n_cells]


def _cell_members(kept: pd.DataFrame, row: str, col: str, within: str) -> pd.DataFrame:
    both = kept[_is(kept["code"], [row, col])]
    unit = "passage_id" if within == "passage" else "source_key"
    units = _numbers(both[unit])
    has_row = units[_is(both["code"], [row])]
    has_col = units[_is(both["code"], [col])]
    return both[np.isin(units, np.intersect1d(has_row, has_col))].reset_index(drop=True)


def compute_cell_codings(
    codings: pd.DataFrame,
    row: str,
    col: str,
    *,
    filters: MatrixFilters | None = None,
    sources: pd.DataFrame | None = None,
    passage_ids: Collection[object] | None = None,
) -> pd.DataFrame:
    """Return the counted codings of ``row`` and ``col`` on the passages behind one cell.

    Within a passage, those are the passages carrying both codes; within a source, every
    passage carrying either code in a source that carries both.
    """
    f = filters or MatrixFilters()
    kept = select_codings(codings, f, sources, passage_ids)
    return _cell_members(kept, row, col, f.within)


def compute_matrix_codings(
    codings: pd.DataFrame,
    matrix: pd.DataFrame,
    *,
    filters: MatrixFilters | None = None,
    sources: pd.DataFrame | None = None,
    passage_ids: Collection[object] | None = None,
) -> pd.DataFrame:
    """Return :func:`compute_cell_codings` for every non-empty cell of ``matrix``, with
    ``row`` and ``col`` first, filtering the codings once."""
    f = filters or MatrixFilters()
    full = matrix[matrix["sources"] > 0]
    kept = select_codings(codings, f, sources, passage_ids)
    kept = kept[_is(kept["code"], set(full["row"]) | set(full["col"]))]
    frames = [
        _cell_members(kept, r, c, f.within).assign(row=r, col=c)
        for r, c in zip(full["row"], full["col"], strict=True)
    ]
    if not frames:
        return pd.DataFrame(columns=["row", "col", *codings.columns])
    out = pd.concat(frames, ignore_index=True)
    return out[["row", "col", *[c for c in out.columns if c not in ("row", "col")]]]


def pivot_matrix(matrix: pd.DataFrame, value: str = "sources") -> pd.DataFrame:
    """Return the long matrix as a row x col table of ``value``, keeping the code order."""
    rows = list(dict.fromkeys(matrix["row"]))
    cols = list(dict.fromkeys(matrix["col"]))
    table = matrix.pivot(index="row", columns="col", values=value)
    return table.reindex(index=rows, columns=cols)
