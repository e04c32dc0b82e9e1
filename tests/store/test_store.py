from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from evidence.errors import StoreError
from evidence.records import CodingRow, PassageRow
from evidence.store import SCHEMA_VERSION, open_store


def _passage(pid: str, source: str, text: str, seq: int = 0) -> PassageRow:
    return PassageRow(
        id=pid,
        source_key=source,
        seq=seq,
        page_index=0,
        page_label="12",
        section="body",
        lang="fr",
        text=text,
    )


@pytest.fixture
def store(tmp_path: Path):
    with open_store(tmp_path / "s.sqlite") as s:
        s.replace_sources(
            "bibtex",
            [
                {"key": "a", "title": "A", "authors": ["Dupont, Marie"], "year": 2020},
                {"key": "b", "title": "B", "authors": [], "year": None},
            ],
        )
        s.replace_documents("a", [{"path": "a.pdf", "sha256": "h1", "size": 1}])
        s.replace_documents("b", [{"path": "b.pdf", "sha256": "h2", "size": 1}])
        docs = {d.source_key: d.id for d in s.documents()}
        s.save_extraction(
            docs["a"],
            sha256="h1",
            extractor_version="x1",
            status="ok",
            reason="",
            pages=1,
            lang="fr",
            warnings=[],
            passages=[
                _passage("p1", "a", "Les agressions contre les travailleurs sociaux"),
                _passage("p2", "a", "Le sans-abrisme à Bruxelles", 1),
            ],
        )
        s.save_extraction(
            docs["b"],
            sha256="h2",
            extractor_version="x1",
            status="encrypted",
            reason="password required",
            pages=0,
            lang="",
            warnings=[],
            passages=[],
        )
        yield s


def test_new_store_is_at_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    with open_store(tmp_path / "new.sqlite") as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with open_store(tmp_path / "new.sqlite") as again:  # reopening migrates nothing
        assert again.schema_version == SCHEMA_VERSION


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(path)


def test_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="delete the file"):
        open_store(path)


def test_full_text_search_folds_accents_and_highlights(store) -> None:
    hits = store.search("agression*")
    assert [h["id"] for h in hits] == ["p1"]
    assert hits[0]["page_label"] == "12"
    assert "[agressions]" in hits[0]["snippet"]
    assert [h["id"] for h in store.search('"sans abrisme"')] == ["p2"]


def test_invalid_search_syntax_is_explained(store) -> None:
    with pytest.raises(StoreError, match="FTS5"):
        store.search('fts:"unterminated')


def test_re_extraction_replaces_passages_and_keeps_the_index_in_step(store) -> None:
    doc = next(d for d in store.documents() if d.source_key == "a")
    store.save_extraction(
        doc.id,
        sha256="h1",
        extractor_version="x2",
        status="ok",
        reason="",
        pages=1,
        lang="fr",
        warnings=[],
        passages=[_passage("p3", "a", "Refuge")],
    )
    assert store.passage_ids() == {"p3"}
    assert store.search("agressions") == []
    store.db.execute("INSERT INTO passages_fts(passages_fts) VALUES ('integrity-check')")


def test_a_failed_transaction_leaves_nothing(store) -> None:
    doc = next(d for d in store.documents() if d.source_key == "a")
    bad = [_passage("p9", "a", "ok"), _passage("p9x", "no-such-source", "violates the key")]
    with pytest.raises(sqlite3.IntegrityError):
        store.save_extraction(
            doc.id,
            sha256="h9",
            extractor_version="x9",
            status="ok",
            reason="",
            pages=1,
            lang="fr",
            warnings=[],
            passages=bad,
        )
    assert store.passage_ids() == {"p1", "p2"}
    assert next(d for d in store.documents() if d.id == doc.id).extractor_version == "x1"


def test_removing_a_source_removes_its_documents_passages_and_codings(store) -> None:
    store.replace_codings(
        "human", [CodingRow("p1", "form.physical", "human", "review:ana")], prefix="review:"
    )
    counts = store.replace_sources("bibtex", [{"key": "b", "title": "B"}])
    assert counts["removed"] == 1
    assert store.passage_ids() == set()
    assert store.counts()["codings"] == {}
    assert [d.source_key for d in store.documents()] == ["b"]


def test_a_changed_file_is_extracted_again(store) -> None:
    assert store.documents_to_extract("x1") == []
    store.replace_documents("a", [{"path": "a.pdf", "sha256": "h1-new", "size": 2}])
    assert [d.source_key for d in store.documents_to_extract("x1")] == ["a"]
    assert {d.source_key for d in store.documents_to_extract("x2")} == {"a", "b"}


def test_a_standing_rejection_hides_the_code_and_an_acceptance_counts(store) -> None:
    doc = next(d for d in store.documents() if d.source_key == "a")
    store.save_rule_codings(
        doc.id,
        "cb1",
        [
            CodingRow("p1", "form.physical", "rule", "agression"),
            CodingRow("p2", "form.physical", "rule", "agression"),
        ],
    )
    store.replace_codings(
        "human",
        [
            # One row per passage and code: the decision that stands.
            CodingRow("p1", "form.physical", "human", "review:ana", negated=True),
            CodingRow("p2", "form.physical", "human", "review:ben"),
            CodingRow("p2", "cons.worker.burnout", "human", "review:ben"),
            CodingRow("gone", "form.verbal", "human", "review:ben"),  # passage not in store
        ],
        prefix="review:",
    )
    effective = store.codings_frame()
    pairs = set(zip(effective["passage_id"], effective["code"], effective["origin"], strict=True))
    assert ("p1", "form.physical", "rule") not in pairs
    assert ("p2", "form.physical", "rule") in pairs and ("p2", "form.physical", "human") in pairs
    assert ("p2", "cons.worker.burnout", "human") in pairs
    assert all(p != "gone" for p, *_ in pairs)
    assert store.counts()["codings"] == {"human": 2, "rule": 2}


def test_failures_list_documents_that_did_not_extract(store) -> None:
    store.replace_failures("sync", [("refs.bib:3", "malformed_entry", "unbalanced brace")])
    failures = store.failures()
    assert {
        "stage": "sync",
        "item": "refs.bib:3",
        "reason": "malformed_entry",
        "detail": "unbalanced brace",
    } in failures
    assert any(f["item"] == "b: b.pdf" and f["reason"] == "encrypted" for f in failures)


def test_frames_join_sources_and_documents(store) -> None:
    passages = store.passages_frame()
    assert list(passages["id"]) == ["p1", "p2"]
    assert set(passages["path"]) == {"a.pdf"}
    assert list(store.passages_frame(["heading"])["id"]) == []
    assert list(store.sources_frame()["key"]) == ["a", "b"]


def test_nested_transactions_land_together_or_not_at_all(store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.replace_sources("bibtex", [{"key": "a"}, {"key": "b"}, {"key": "c"}])
        store.set_meta("version", "7")
        raise RuntimeError("interrupted")
    assert [k for k in store.sources_frame()["key"]] == ["a", "b"]
    assert store.get_meta("version") == ""
    with store.transaction():
        store.set_meta("version", "8")
        with pytest.raises(sqlite3.IntegrityError):
            store.replace_documents("no-such-source", [{"path": "x.pdf"}])
    assert store.get_meta("version") == "8"  # the inner failure was rolled back on its own
    assert not store.db.in_transaction


def test_annotation_passages_are_replaced_by_difference(store) -> None:
    def note(pid: str, text: str, comment: str = "") -> PassageRow:
        return PassageRow(
            id=pid,
            source_key="a",
            seq=0,
            page_index=0,
            page_label="3",
            section="annotation",
            lang="fr",
            text=text,
            origin="annotation",
            comment=comment,
        )

    first = store.replace_annotations(
        [(note("n1", "Des menaces"), "a.pdf"), (note("n2", "Une agression"), "")]
    )
    assert first == {"added": 2, "updated": 0, "removed": 0}
    store.replace_codings(
        "human",
        [
            CodingRow("n1", "form.verbal", "human", "zotero:ana"),
            CodingRow("n2", "form.physical", "human", "zotero:ana"),
        ],
        prefix="zotero:",
    )
    again = store.replace_annotations([(note("n1", "Des menaces", "à citer"), "a.pdf")])
    assert again == {"added": 0, "updated": 1, "removed": 1}
    assert store.replace_annotations([(note("n1", "Des menaces", "à citer"), "a.pdf")]) == {
        "added": 0,
        "updated": 0,
        "removed": 0,
    }
    assert [h["id"] for h in store.search("menaces")] == ["n1"]
    assert store.counts()["annotations"] == 1 and store.counts()["codings"] == {"human": 1}
    assert store.passage("n1")["path"] == "a.pdf"
    store.db.execute("INSERT INTO passages_fts(passages_fts) VALUES ('integrity-check')")
