from __future__ import annotations

import itertools
import random

import pandas as pd
import pytest

from evidence.analysis import (
    MatrixFilters,
    compute_cell_codings,
    compute_matrix,
    compute_matrix_codings,
    pivot_matrix,
    select_codings,
)
from evidence.errors import ConfigError

# Three sources; p1 and p2 are in source s1, p3 in s2, p4 in s3.
CODINGS = pd.DataFrame(
    [
        ("p1", "s1", "form.physical"),
        ("p1", "s1", "cons.user.health"),
        ("p1", "s1", "form.physical"),  # the same code from a second origin counts once
        ("p2", "s1", "form.physical"),
        ("p2", "s1", "cons.user.health"),
        ("p3", "s2", "form.physical"),
        ("p3", "s2", "cons.worker.burnout"),
        ("p4", "s3", "form.verbal"),
    ],
    columns=["passage_id", "source_key", "code"],
)
ROWS = ["form.physical", "form.verbal"]
COUNTED = ["sources", "passages", "documents", "field_sources"]
COLS = ["cons.user.health", "cons.worker.burnout"]

# One row per coding with everything the filters read: origin, score, rejections, the
# passage's language and document.
FULL = pd.DataFrame(
    [
        # passage, source, document, code, origin, score, negated, lang
        ("a1", "lit-be", 1, "form.physical", "rule", None, False, "fr"),
        ("a1", "lit-be", 1, "cons.user.health", "rule", None, False, "fr"),
        ("a1", "lit-be", 1, "setting.shelter", "rule", None, False, "fr"),
        ("a2", "lit-be", 2, "form.physical", "rule", None, False, "nl"),
        ("a2", "lit-be", 2, "cons.user.health", "human", None, False, "nl"),
        ("a3", "lit-be", 2, "cons.worker.burnout", "rule", None, False, "nl"),
        ("b1", "field-be", 3, "form.physical", "rule", None, False, "fr"),
        ("b1", "field-be", 3, "form.physical", "human", None, True, "fr"),  # rejected
        ("b1", "field-be", 3, "cons.user.health", "rule", None, False, "fr"),
        ("b1", "field-be", 3, "pop.women", "rule", None, False, "fr"),
        ("c1", "lit-uk", 4, "form.verbal", "model", 0.9, False, "en"),
        ("c1", "lit-uk", 4, "cons.worker.burnout", "rule", None, False, "en"),
        ("c1", "lit-uk", 4, "setting.shelter", "human", None, False, "en"),
        ("c2", "lit-uk", 4, "form.verbal", "model", 0.4, False, "en"),
        ("c2", "lit-uk", 4, "cons.user.health", "rule", None, False, "en"),
        ("c2", "lit-uk", 4, "pop.women", "rule", None, False, "en"),
        ("d1", "undated", 5, "form.physical", "human", None, False, "en"),
        ("d1", "undated", 5, "form.physical", "rule", None, False, "en"),
        # A person rejected, another later accepted: the store holds the decision that stands.
        ("d1", "undated", 5, "cons.user.health", "human", None, False, "en"),
        ("d1", "undated", 5, "cons.user.health", "rule", None, False, "en"),
    ],
    columns=[
        "passage_id",
        "source_key",
        "document_id",
        "code",
        "origin",
        "score",
        "negated",
        "lang",
    ],
)
SOURCES = pd.DataFrame(
    [
        ("lit-be", "literature", 2021, "BE"),
        ("field-be", "field", 2024, "BE"),
        ("lit-uk", "literature", 2015, "UK"),
        ("undated", "literature", None, ""),
    ],
    columns=["key", "kind", "year", "country"],
)


def _cells(m: pd.DataFrame, column: str = "sources") -> dict[tuple[str, str], int]:
    return {(r, c): int(v) for r, c, v in zip(m["row"], m["col"], m[column], strict=True)}


def test_cells_count_distinct_sources_and_passages_with_empty_cells() -> None:
    m = compute_matrix(CODINGS, ROWS, COLS)
    assert list(zip(m["row"], m["col"], m["sources"], m["passages"], strict=True)) == [
        ("form.physical", "cons.user.health", 1, 2),
        ("form.physical", "cons.worker.burnout", 1, 1),
        ("form.verbal", "cons.user.health", 0, 0),
        ("form.verbal", "cons.worker.burnout", 0, 0),
    ]
    # Without document ids or source kinds, those counts are unknown, not zero.
    assert m["documents"].isna().all() and m["field_sources"].isna().all()


def test_pivot_keeps_the_code_order() -> None:
    table = pivot_matrix(compute_matrix(CODINGS, ROWS, COLS))
    assert list(table.index) == ROWS and list(table.columns) == COLS
    assert table.loc["form.physical", "cons.user.health"] == 1


def test_documents_and_field_sources_are_counted() -> None:
    m = compute_matrix(FULL, ["form.physical"], ["cons.user.health"], sources=SOURCES)
    # a1 (doc 1), a2 (doc 2) in lit-be; b1 is rejected for form.physical; d1 counts: the
    # later acceptance is the decision that stands.
    row = m.iloc[0]
    assert (row["sources"], row["passages"], row["documents"], row["field_sources"]) == (2, 3, 3, 0)


def test_co_occurrence_within_a_source_joins_codes_of_different_passages() -> None:
    by_passage = compute_matrix(FULL, ["form.physical"], ["cons.worker.burnout"], sources=SOURCES)
    by_source = compute_matrix(
        FULL,
        ["form.physical"],
        ["cons.worker.burnout"],
        sources=SOURCES,
        filters=MatrixFilters(within="source"),
    )
    assert _cells(by_passage) == {("form.physical", "cons.worker.burnout"): 0}
    # lit-be: a1 and a2 carry physical violence, a3 burnout: one source, three passages.
    assert _cells(by_source) == {("form.physical", "cons.worker.burnout"): 1}
    assert int(by_source["passages"].iloc[0]) == 3 and int(by_source["documents"].iloc[0]) == 2
    members = compute_cell_codings(
        FULL, "form.physical", "cons.worker.burnout", filters=MatrixFilters(within="source")
    )
    assert set(members["passage_id"]) == {"a1", "a2", "a3"}


@pytest.mark.parametrize(
    ("provenance", "min_score", "expected"),
    [
        # Only people: a2 (health by a person, but physical by a rule) does not count.
        (
            "human",
            0.5,
            {("form.physical", "cons.user.health"): 1, ("form.verbal", "cons.worker.burnout"): 0},
        ),
        (
            "rules",
            0.5,
            {("form.physical", "cons.user.health"): 2, ("form.verbal", "cons.worker.burnout"): 0},
        ),
        (
            "suggestions",
            0.5,
            {("form.physical", "cons.user.health"): 2, ("form.verbal", "cons.worker.burnout"): 1},
        ),
        (
            "suggestions",
            0.95,
            {("form.physical", "cons.user.health"): 2, ("form.verbal", "cons.worker.burnout"): 0},
        ),
    ],
)
def test_provenance_filters(provenance: str, min_score: float, expected: dict) -> None:
    f = MatrixFilters(provenance=provenance, min_score=min_score)
    m = compute_matrix(
        FULL,
        ["form.physical", "form.verbal"],
        ["cons.user.health", "cons.worker.burnout"],
        filters=f,
        sources=SOURCES,
    )
    got = _cells(m)
    assert {k: got[k] for k in expected} == expected


def test_a_code_a_person_rejected_does_not_count_on_that_passage() -> None:
    kept = select_codings(FULL)
    pairs = set(zip(kept["passage_id"], kept["code"], strict=True))
    assert ("b1", "form.physical") not in pairs
    assert ("d1", "cons.user.health") in pairs
    assert len(pairs) == len(kept)  # one row per (passage, code)


def test_a_standing_rejection_hides_every_other_origin_of_the_code() -> None:
    codings = pd.DataFrame(
        [
            # A Zotero tag (a person's coding in Zotero) and a rule, then a reviewer rejects.
            ("e1", "lit-be", 6, "form.physical", "human", None, False, "fr"),
            ("e1", "lit-be", 6, "form.physical", "rule", None, False, "fr"),
            ("e1", "lit-be", 6, "form.physical", "human", None, True, "fr"),
            ("e1", "lit-be", 6, "cons.user.health", "model", 0.99, False, "fr"),
        ],
        columns=FULL.columns,
    )
    kept = select_codings(codings, MatrixFilters(provenance="suggestions"))
    assert list(zip(kept["passage_id"], kept["code"], strict=True)) == [("e1", "cons.user.health")]


def test_source_filters_type_years_country() -> None:
    def sources(**kw: object) -> int:
        m = compute_matrix(
            FULL,
            ["form.physical"],
            ["cons.user.health"],
            sources=SOURCES,
            filters=MatrixFilters(provenance="rules", **kw),
        )
        return int(m["sources"].iloc[0])

    assert sources() == 2
    assert sources(kinds=("field",)) == 0
    assert sources(years=(2020, None)) == 1  # the undated source is dropped by any range
    assert sources(years=(None, 2030)) == 1
    assert sources(countries=("be",)) == 1  # case does not matter
    assert sources(countries=("UK",)) == 0


def test_language_filter_reads_the_passage_language() -> None:
    m = compute_matrix(
        FULL,
        ["form.physical"],
        ["cons.user.health"],
        sources=SOURCES,
        filters=MatrixFilters(langs=("fr",)),
    )
    assert (int(m["sources"].iloc[0]), int(m["passages"].iloc[0])) == (1, 1)


def test_context_codes_within_passage_or_source_and_across_facets() -> None:
    rows, cols = ["form.physical", "form.verbal"], ["cons.user.health", "cons.worker.burnout"]
    shelter = MatrixFilters(provenance="suggestions", context=("setting.shelter",))
    got = _cells(compute_matrix(FULL, rows, cols, filters=shelter, sources=SOURCES), "passages")
    assert got[("form.physical", "cons.user.health")] == 1  # a1 only
    assert got[("form.verbal", "cons.worker.burnout")] == 1  # c1
    by_source = MatrixFilters(
        provenance="suggestions", context=("setting.shelter",), context_within="source"
    )
    got = _cells(compute_matrix(FULL, rows, cols, filters=by_source, sources=SOURCES), "passages")
    assert got[("form.physical", "cons.user.health")] == 2  # a1 and a2 of lit-be
    # Two facets must both hold: a shelter and women together in one source (lit-uk only).
    both = MatrixFilters(
        provenance="suggestions", context=("setting.shelter", "pop.women"), context_within="source"
    )
    got = _cells(compute_matrix(FULL, rows, cols, filters=both, sources=SOURCES))
    assert {k for k, v in got.items() if v} == {("form.verbal", "cons.worker.burnout")}


def test_passage_ids_keep_those_passages() -> None:
    m = compute_matrix(
        FULL, ["form.physical"], ["cons.user.health"], sources=SOURCES, passage_ids=["a2", "d1"]
    )
    assert (int(m["sources"].iloc[0]), int(m["passages"].iloc[0])) == (2, 2)


def test_bad_filters_say_what_to_do() -> None:
    with pytest.raises(ConfigError, match="passage' or 'source"):
        MatrixFilters(within="document")
    with pytest.raises(ConfigError, match="human, rules, suggestions"):
        MatrixFilters(provenance="all")
    with pytest.raises(ConfigError, match="earlier year first"):
        MatrixFilters(years=(2020, 2010))
    with pytest.raises(ConfigError, match="probability"):
        MatrixFilters(min_score=1.5)
    with pytest.raises(ConfigError, match="'lang' column"):
        compute_matrix(CODINGS, ROWS, COLS, filters=MatrixFilters(langs=("fr",)))
    with pytest.raises(ConfigError, match="sources frame"):
        compute_matrix(CODINGS, ROWS, COLS, filters=MatrixFilters(kinds=("field",)))


def _brute_force(codings: pd.DataFrame, rows: list[str], cols: list[str], within: str) -> dict:
    """Count each cell from sets, the way a reader would by hand."""
    codes: dict[str, set[str]] = {}
    source: dict[str, str] = {}
    for p, s, c in codings[["passage_id", "source_key", "code"]].itertuples(index=False):
        codes.setdefault(p, set()).add(c)
        source[p] = s
    out = {}
    for r, c in itertools.product(rows, cols):
        if within == "passage":
            hits = {p for p, cs in codes.items() if {r, c} <= cs}
            srcs = {source[p] for p in hits}
        else:
            srcs = {
                s
                for s in set(source.values())
                if any(r in codes[p] for p in codes if source[p] == s)
                and any(c in codes[p] for p in codes if source[p] == s)
            }
            hits = {p for p in codes if source[p] in srcs and codes[p] & {r, c}}
        out[(r, c)] = (len(srcs), len(hits))
    return out


@pytest.mark.parametrize("within", ["passage", "source"])
def test_counts_agree_with_a_count_by_hand_on_random_codings(within: str) -> None:
    rng = random.Random(4)
    codes = ["form.a", "form.b", "form.c", "cons.x", "cons.y"]
    rows = [(f"p{i}", f"s{i % 7}", rng.choice(codes)) for i in range(300)]
    codings = pd.DataFrame(rows, columns=["passage_id", "source_key", "code"])
    m = compute_matrix(codings, codes[:3], codes[3:], filters=MatrixFilters(within=within))
    got = {
        (r, c): (s, p)
        for r, c, s, p in m[["row", "col", "sources", "passages"]].itertuples(index=False)
    }
    assert got == _brute_force(codings, codes[:3], codes[3:], within)
    members = compute_matrix_codings(codings, m, filters=MatrixFilters(within=within))
    per_cell = members.groupby(["row", "col"])["passage_id"].nunique().to_dict()
    assert per_cell == {k: v[1] for k, v in got.items() if v[0]}


def _random_codings(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Passages with one to three codes (some twice), in documents or none (-1), in sources of
    both kinds."""
    rng = random.Random(seed)
    codes = ["form.a", "form.b", "form.c", "cons.x", "cons.y", "cons.z"]
    sources = pd.DataFrame(
        {"key": [f"s{i}" for i in range(9)], "kind": ["field", "literature", "literature"] * 3}
    )
    rows = []
    for i in range(400):
        source = rng.randrange(9)
        document = rng.choice([-1, source * 2, source * 2 + 1])
        for code in rng.choices(codes, k=rng.randint(1, 3)):
            rows.append((i, f"s{source}", document, code))
    codings = pd.DataFrame(rows, columns=["passage_id", "source_key", "document_id", "code"])
    return codings, sources


def _count_by_hand(codings: pd.DataFrame, kinds: dict, r: str, c: str, within: str) -> tuple:
    """Return (sources, passages, documents, field sources) of one cell, from sets."""
    codes: dict[int, set[str]] = {}
    for p, code in codings[["passage_id", "code"]].itertuples(index=False):
        codes.setdefault(p, set()).add(code)
    place = {p: (s, d) for p, s, d, _ in codings.itertuples(index=False)}
    if within == "passage":
        hits = {p for p, cs in codes.items() if {r, c} <= cs}
        srcs = {place[p][0] for p in hits}
    else:
        srcs = {
            s
            for s in {s for s, _ in place.values()}
            if any(r in codes[p] for p in codes if place[p][0] == s)
            and any(c in codes[p] for p in codes if place[p][0] == s)
        }
        hits = {p for p in codes if place[p][0] in srcs and codes[p] & {r, c}}
    documents = {place[p][1] for p in hits} - {-1}
    field = sum(kinds[s] == "field" for s in srcs)
    return len(srcs), len(hits), len(documents), field


@pytest.mark.parametrize("within", ["passage", "source"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_count_agrees_with_sets_on_random_codings(within: str, seed: int) -> None:
    codings, sources = _random_codings(seed)
    rows, cols = ["form.a", "form.b", "form.c"], ["cons.x", "cons.y", "cons.z"]
    m = compute_matrix(codings, rows, cols, filters=MatrixFilters(within=within), sources=sources)
    kinds = dict(zip(sources["key"], sources["kind"], strict=True))
    for r, c, *counts in m[["row", "col", *COUNTED]].itertuples(index=False):
        assert tuple(counts) == _count_by_hand(codings, kinds, r, c, within), (r, c)
    assert m["passages"].sum() > 0 and m["documents"].sum() > 0 and m["field_sources"].sum() > 0


@pytest.mark.parametrize("within", ["passage", "source"])
def test_a_matrix_without_rows_or_columns_is_empty(within: str) -> None:
    f = MatrixFilters(within=within)
    for rows, cols in ((ROWS, []), ([], COLS), ([], [])):
        m = compute_matrix(CODINGS, rows, cols, filters=f)
        assert m.empty and list(m.columns) == ["row", "col", *COUNTED]
    assert compute_matrix(CODINGS.iloc[:0], ROWS, COLS, filters=f)["sources"].eq(0).all()
