"""A store written at schema version 2 is upgraded in place to the current version."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from evidence.analysis import MatrixFilters, compute_matrix
from evidence.records import CodingRow
from evidence.store import load_matrix_codings, open_store
from evidence.store._schema import _MIGRATIONS, EFFECTIVE_CODINGS, SCHEMA_VERSION

ROWS = ["form.physical", "form.verbal"]
COLS = ["cons.user.trauma", "cons.worker.burnout"]

# (rowid, id, document, source, text): rowids out of the order of the ids, one annotation
# without a document, and a gap left by a deleted passage.
PASSAGES = [
    (7, "zz", 1, "a", "Une agression au guichet, puis l'épuisement de l'équipe."),
    (3, "mm", 1, "a", "Les insultes nourrissent la peur des résidentes."),
    (12, "aa", 2, "b", "Coups et menaces: la peur reste, le burnout suit."),
    (5, "an", None, "b", "Annotation: agressions répétées et peur."),
]
# (passage, code, origin, provenance, negated, score)
CODINGS = [
    ("zz", "form.physical", "rule", "codebook", 0, None),
    ("zz", "cons.worker.burnout", "rule", "codebook", 0, None),
    ("mm", "form.verbal", "rule", "codebook", 0, None),
    ("mm", "cons.user.trauma", "rule", "codebook", 0, None),
    ("aa", "form.physical", "rule", "codebook", 0, None),
    ("aa", "form.physical", "human", "review:ann", 1, None),  # a person rejects the rule
    ("aa", "form.verbal", "rule", "codebook", 0, None),
    ("aa", "cons.user.trauma", "rule", "codebook", 0, None),
    ("aa", "cons.worker.burnout", "model", "suggest:v1", 0, 0.8),
    ("an", "form.physical", "rule", "codebook", 0, None),
    ("an", "cons.user.trauma", "human", "zotero:ann", 0, None),
]


def _write_version_2(path: Path) -> None:
    """Write a store the way version 2 did: its two migration steps, then its rows."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA foreign_keys=ON")
    for step in _MIGRATIONS[:2]:
        con.executescript(step)
    con.execute("PRAGMA user_version = 2")
    con.executemany(
        "INSERT INTO sources(key, kind, origin, year) VALUES (?, ?, 'bibtex', ?)",
        [("a", "literature", 2020), ("b", "field", 2023)],
    )
    con.executemany(
        "INSERT INTO documents(id, source_key, path, status) VALUES (?, ?, ?, 'ok')",
        [(1, "a", "a.pdf"), (2, "b", "b.pdf")],
    )
    con.executemany(
        "INSERT INTO passages(rowid, id, document_id, source_key, seq, lang, text) "
        "VALUES (?, ?, ?, ?, 0, 'fr', ?)",
        PASSAGES,
    )
    con.executemany(
        "INSERT INTO codings(passage_id, code, origin, provenance, negated, score, spans) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(*c, json.dumps([[0, 4, "x"]]) if c[2] == "rule" else "[]") for c in CODINGS],
    )
    # A coding left behind by a passage deleted while foreign keys were off: it never counted.
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute(
        "INSERT INTO codings(passage_id, code, origin) VALUES ('gone', 'form.physical', 'rule')"
    )
    con.close()


def _read(path: Path, sql: str) -> pd.DataFrame:
    con = sqlite3.connect(path)
    try:
        return pd.read_sql_query(sql, con)
    finally:
        con.close()


@pytest.fixture
def version_2(tmp_path: Path) -> Path:
    path = tmp_path / "v2.sqlite"
    _write_version_2(path)
    return path


def test_migration_keeps_every_coding_and_gives_it_its_passage_rowid(version_2: Path) -> None:
    columns = "passage_id, code, origin, provenance, negated, score, spans"
    before = _read(version_2, f"SELECT {columns} FROM codings ORDER BY {columns}")
    effective = _read(version_2, f"{EFFECTIVE_CODINGS} ORDER BY 1, 2, 3, 4")
    with open_store(version_2) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        after = store._frame(f"SELECT {columns} FROM codings ORDER BY {columns}")
        pd.testing.assert_frame_equal(
            after, before[before["passage_id"] != "gone"].reset_index(drop=True)
        )
        pairs = store.db.execute(
            "SELECT c.passage_rowid, p.rowid FROM codings c JOIN passages p ON p.id = c.passage_id"
        ).fetchall()
        assert len(pairs) == len(CODINGS) and all(a == b for a, b in pairs)
        pd.testing.assert_frame_equal(
            store._frame(f"{EFFECTIVE_CODINGS} ORDER BY 1, 2, 3, 4"),
            effective[effective["passage_id"] != "gone"].reset_index(drop=True),
        )
        assert store.counts()["passages"] == len(PASSAGES)
        assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_the_matrix_of_a_migrated_store_is_the_matrix_of_its_codings(version_2: Path) -> None:
    with open_store(version_2) as store:
        places = store._frame("SELECT id AS passage_id, lang, document_id FROM passages")
        plain = store.codings_frame(suggestions=True).merge(places, on="passage_id")
        data = load_matrix_codings(store, ROWS + COLS, langs=True)
        for filters in (
            MatrixFilters(),
            MatrixFilters(within="source"),
            MatrixFilters(provenance="suggestions"),
            MatrixFilters(kinds=("field",), langs=("fr",)),
        ):
            fast = compute_matrix(data.codings, ROWS, COLS, filters=filters, sources=data.sources)
            slow = compute_matrix(plain, ROWS, COLS, filters=filters, sources=store.sources_frame())
            pd.testing.assert_frame_equal(fast, slow)
        m = compute_matrix(data.codings, ROWS, COLS, sources=data.sources).set_index(["row", "col"])
        # zz and the annotation (source b, no document); aa's rule was rejected.
        assert m.loc[("form.physical", "cons.user.trauma"), "sources"] == 1
        assert m.loc[("form.physical", "cons.worker.burnout"), "passages"] == 1
        assert m.loc[("form.verbal", "cons.user.trauma"), "sources"] == 2


def test_the_rebuilt_full_text_index_finds_words_and_prefixes(version_2: Path) -> None:
    with open_store(version_2) as store:
        words = {h["id"] for h in store.search("agression OR agressions")}
        assert words == {"zz", "an"}
        for prefix in ("ag*", "agr*", "agress*"):  # two and three letters: the prefix indexes
            assert {h["id"] for h in store.search(prefix)} == words
        assert sorted(store.search_ids("peur")) == [3, 5, 12]
        store.db.execute("INSERT INTO passages_fts(passages_fts) VALUES ('integrity-check')")
        (sql,) = store.db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'passages_fts'"
        ).fetchone()
        assert "prefix='2 3'" in sql


def test_codings_written_after_the_migration_carry_their_rowid(version_2: Path) -> None:
    with open_store(version_2) as store:
        store.save_rule_codings(1, "v", [CodingRow("mm", "form.physical", "rule", "codebook")])
        written = store.replace_codings(
            "human",
            [
                CodingRow("aa", "form.verbal", "human", "review:jo"),
                CodingRow("nowhere", "form.verbal", "human", "review:jo"),
            ],
            prefix="review:",
        )
        assert written == 1  # the coding of a passage the store does not hold is left out
        rows = store.db.execute(
            "SELECT passage_id, passage_rowid FROM codings WHERE code = 'form.physical' "
            "AND passage_id = 'mm' UNION ALL SELECT passage_id, passage_rowid FROM codings "
            "WHERE provenance = 'review:jo'"
        ).fetchall()
        assert rows == [("mm", 3), ("aa", 12)]
        with pytest.raises(sqlite3.IntegrityError):
            store.save_rule_codings(1, "v", [CodingRow("nowhere", "form.physical", "rule")])
