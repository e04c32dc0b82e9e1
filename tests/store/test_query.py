from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from _matrix_store import make_matrix_store

import evidence.workbook._queries as queries
from evidence.analysis import MatrixFilters, compute_matrix
from evidence.errors import StoreError
from evidence.records import CodingRow, PassageRow, make_passage_id
from evidence.store import (
    Store,
    load_matrix_codings,
    load_matrix_data,
    open_store,
)
from evidence.workbook._queries import load_cell_passages, load_matrix_passages, search_passages

ROWS = ["form.physical", "form.verbal"]
COLS = ["cons.worker.burnout", "cons.user.trauma"]
CONTEXT = ["setting.shelter", "pop.women"]
FILTERS = [
    MatrixFilters(),
    MatrixFilters(provenance="human"),
    MatrixFilters(provenance="suggestions", min_score=0.5),
    MatrixFilters(provenance="suggestions", min_score=0.2),
    MatrixFilters(within="source"),
    MatrixFilters(kinds=("literature",), years=(2019, 2022)),
    MatrixFilters(langs=("en", "nl"), countries=("uk", "")),
    MatrixFilters(context=("setting.shelter",)),
    MatrixFilters(context=("pop.women",), context_within="source"),
]


@pytest.fixture
def store(tmp_path: Path):
    with open_store(make_matrix_store(tmp_path / "wb")) as s:
        yield s


def _plain(store: Store) -> pd.DataFrame:
    """Codings the simple way: the store's effective codings joined to each passage's
    language and document, computed without the fast loader."""
    places = store._frame("SELECT id AS passage_id, lang, document_id FROM passages")
    return store.codings_frame(effective=True, suggestions=True).merge(places, on="passage_id")


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
def test_fast_loader_counts_what_the_plain_frames_count(store: Store, filters) -> None:
    scores = filters.provenance == "suggestions"
    data = load_matrix_codings(store, [*ROWS, *COLS, *CONTEXT], langs=True, scores=scores)
    assert ("model" in set(data.codings["origin"].astype(str))) == scores
    fast = compute_matrix(data.codings, ROWS, COLS, filters=filters, sources=data.sources)
    plain = compute_matrix(
        _plain(store), ROWS, COLS, filters=filters, sources=store.sources_frame()
    )
    pd.testing.assert_frame_equal(fast, plain)
    assert fast["sources"].sum() > 0 or filters.provenance == "human"


def test_an_annotation_without_a_document_counts_for_its_source(store: Store) -> None:
    data = load_matrix_codings(store, ROWS + COLS)
    m = compute_matrix(data.codings, ["form.physical"], ["cons.user.trauma"], sources=data.sources)
    # d2 is verbal; d3 was rejected by a person; z1 (a person) and a1 (the annotation) count.
    row = m.iloc[0]
    assert (row["sources"], row["passages"], row["documents"]) == (2, 2, 1)
    annotation = data.codings[data.codings["document_id"] < 0]
    assert set(annotation["source_key"].astype(str)) == {"smith2019"}


def test_cell_passages_from_the_store(store: Store) -> None:
    data = load_matrix_codings(store, ROWS + COLS)
    root = store.path.parent
    cell = load_cell_passages(store, data, "form.physical", "cons.worker.burnout", root=root)
    assert list(cell["id"]) == ["d1", "s1", "t1"]
    d1, s1, t1 = cell.to_dict("records")
    assert d1["citation"] == "Dubois & Peeters (2021), p. 12"
    assert d1["link"] == (root / "pdfs" / "dubois2021.pdf").as_uri() + "#page=1"
    assert [s[2] for s in d1["spans"]] == ["agression", "épuisement"]
    assert d1["highlighted"].count("<mark") == 2
    assert s1["link"] == "zotero://open-pdf/library/items/ATT12345?page=5"
    assert s1["citation"] == "Smith (2019), p. v" and s1["lang"] == "en"
    assert t1["kind"] == "field" and t1["provenance"] == "rule"
    trauma = load_cell_passages(store, data, "form.physical", "cons.user.trauma")
    assert dict(zip(trauma["id"], trauma["provenance"], strict=True)) == {
        "a1": "human (zotero:ann); rule",
        "z1": "human (review:piet)",
    }


def test_matrix_passages_cover_every_cell(store: Store) -> None:
    data = load_matrix_codings(store, ROWS + COLS)
    f = MatrixFilters(provenance="suggestions")
    m = compute_matrix(data.codings, ROWS, COLS, filters=f, sources=data.sources)
    everything = load_matrix_passages(store, data, m, filters=f)
    per_cell = everything.groupby(["row", "col"])["id"].nunique().to_dict()
    assert per_cell == {
        (r, c): n for r, c, n in m[["row", "col", "passages"]].itertuples(index=False) if n
    }
    assert ("form.verbal", "cons.user.trauma") in per_cell  # through the likely suggestion


def test_loaded_codings_are_reused_until_the_store_changes(store: Store) -> None:
    plain = load_matrix_data(store, ROWS + COLS, scores=False)
    first = load_matrix_data(store, ROWS + COLS)  # probabilities were not read: read again
    assert first is not plain
    assert load_matrix_data(store, ROWS, scores=False) is first  # this load holds more
    assert load_matrix_data(store, ROWS) is first  # a subset of the codes already loaded
    assert load_matrix_data(store, ROWS, langs=True) is not first  # languages were not read
    again = load_matrix_data(store, ROWS + COLS, langs=True)
    store.replace_codings("model", [])
    after = load_matrix_data(store, ROWS + COLS, langs=True)
    assert after is not again and "model" not in set(after.codings["origin"].astype(str))
    other = sqlite3.connect(store.path)  # a write from another process is noticed too
    other.execute("DELETE FROM codings WHERE origin = 'human'")
    other.commit()
    other.close()
    assert "human" not in set(load_matrix_data(store, ROWS).codings["origin"].astype(str))


def test_search_ranks_hits_and_restricts_the_matrix(store: Store) -> None:
    hits = search_passages(store, "burnout")
    assert set(hits["id"]) == {"s1", "s2"} and hits["ranked"].all()
    assert all("[burnout]" in s for s in hits["snippet"])
    ids = store.search_ids("burnout")
    data = load_matrix_codings(store, ROWS + COLS)
    m = compute_matrix(data.codings, ROWS, COLS, sources=data.sources, passage_ids=ids)
    assert {(r, c) for r, c, n in m[["row", "col", "passages"]].itertuples(index=False) if n} == {
        ("form.physical", "cons.worker.burnout"),
        ("form.verbal", "cons.worker.burnout"),
    }


def test_many_matches_come_in_document_order(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(queries, "RANK_LIMIT", 1)
    hits = search_passages(store, "la OR the", limit=10)
    assert not hits["ranked"].any() and len(hits) >= 2
    assert hits["rank"].isna().all()


def test_bad_search_syntax_is_explained(store: Store) -> None:
    assert search_passages(store, '"unterminated').empty  # typed words are never FTS5 errors
    with pytest.raises(StoreError, match="FTS5"):
        search_passages(store, 'fts:"unterminated')
    with pytest.raises(StoreError, match="FTS5"):
        store.search_ids("AND")


def test_hashed_passage_ids_load_by_rowid(tmp_path: Path) -> None:
    with open_store(tmp_path / "hex.sqlite") as s:
        s.replace_sources("bibtex", [{"key": "k1", "kind": "field"}, {"key": "k2"}])
        for key in ("k1", "k2"):
            s.replace_documents(key, [{"path": f"{key}.pdf", "sha256": key, "size": 1}])
        docs = {d.source_key: d.id for d in s.documents()}
        codings = []
        for key, doc in docs.items():
            rows = []
            for i in range(30):
                pid = make_passage_id(key, i, f"passage {i}")
                rows.append(PassageRow(pid, key, i, i, str(i + 1), "body", "fr", f"texte {i}"))
                codings.append(CodingRow(pid, ROWS[i % 2], "rule"))
                if i % 3:
                    codings.append(CodingRow(pid, COLS[i % 2], "rule"))
            s.save_extraction(
                doc,
                sha256=key,
                extractor_version="t",
                status="ok",
                reason="",
                pages=30,
                lang="fr",
                warnings=[],
                passages=rows,
            )
        s.replace_codings("rule", codings)
        data = load_matrix_codings(s, ROWS + COLS)
        assert (data.codings["passage_id"] >= 0).all() and len(data.codings) == len(codings)
        fast = compute_matrix(data.codings, ROWS, COLS, sources=data.sources)
        plain = compute_matrix(_plain(s), ROWS, COLS, sources=s.sources_frame())
        pd.testing.assert_frame_equal(fast, plain)
        assert fast["field_sources"].sum() > 0


def test_a_limit_keeps_the_first_passages_of_a_large_cell(store: Store) -> None:
    data = load_matrix_codings(store, ROWS + COLS)
    whole = load_cell_passages(store, data, "form.physical", "cons.worker.burnout")
    first = load_cell_passages(store, data, "form.physical", "cons.worker.burnout", limit=2)
    assert list(first["id"]) == list(whole["id"][:2])
