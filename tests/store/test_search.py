"""Search as people type: plain words with their inflections in the passage's language,
hyphens, apostrophes, quotes and accents; FTS5 syntax when asked for."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from evidence.errors import StoreError
from evidence.records import PassageRow, make_passage_id
from evidence.store import Store, open_store
from evidence.store._schema import _MIGRATIONS

TEXTS = [
    ("fr", "Les violences subies par les personnes sans-abri pèsent sur l'aide sociale."),
    ("fr", "Une violence verbale au guichet, puis l'épuisement des travailleurs."),
    ("fr", "Des actes violents et un burn-out de l'équipe de nuit."),
    ("fr", "L'abri de nuit ferme tôt."),
    ("nl", "Geweld tegen daklozen en de gevolgen voor de hulpverleners."),
    ("nl", "Gewelddadige incidenten in de nachtopvang."),
    ("en", "Violent incidents and the burnout of shelter workers."),
    ("en", "Workers report violence from residents."),
]


def _save(store: Store, texts: list[tuple[str, str]]) -> dict[str, str]:
    store.replace_sources("bibtex", [{"key": "k"}])
    store.replace_documents("k", [{"path": "k.pdf", "sha256": "h", "size": 1}])
    doc = store.documents()[0].id
    rows = [
        PassageRow(make_passage_id("k", i, t), "k", i, i, str(i + 1), "body", lang, t)
        for i, (lang, t) in enumerate(texts)
    ]
    store.save_extraction(
        doc,
        sha256="h",
        extractor_version="t",
        status="ok",
        reason="",
        pages=len(rows),
        lang="fr",
        warnings=[],
        passages=rows,
    )
    return {r.text: r.id for r in rows}


@pytest.fixture
def store(tmp_path: Path):
    with open_store(tmp_path / "s.sqlite") as s:
        _save(s, TEXTS)
        yield s


def _found(store: Store, query: str) -> set[int]:
    """The indexes in TEXTS of the passages ``query`` finds."""
    by_text = {t: i for i, (_, t) in enumerate(TEXTS)}
    texts = {
        p["id"]: p["text"] for p in (store.passage(h["id"]) for h in store.search(query, 50)) if p
    }
    return {by_text[t] for t in texts.values()}


def test_words_find_their_inflections_in_the_passage_language(store: Store) -> None:
    assert _found(store, "violences") == {0, 1, 7}
    assert _found(store, "violence") == _found(store, "violences")
    assert _found(store, "violent") == {2, 6}  # French violents, English violent
    assert _found(store, "geweld") == {4}  # Dutch: gewelddadig is another word
    assert _found(store, "travailleur") == {1}
    assert _found(store, "worker") == {6, 7}


def test_hyphens_apostrophes_quotes_and_accents_are_plain_words(store: Store) -> None:
    assert _found(store, "sans-abri") == {0}
    assert _found(store, "sans abri") == {0}  # two words, both present
    assert _found(store, '"sans abri"') == {0}  # a phrase
    assert _found(store, "abri") == {0, 3}
    assert _found(store, "l'aide") == {0}
    assert _found(store, "burn-out") == {2}
    assert _found(store, "epuisement") == {1}  # typed without its accent
    assert _found(store, "épuisements") == {1}
    assert _found(store, '"unterminated') == set()
    assert _found(store, "' - \"") == set()  # nothing to look for


def test_snippets_mark_the_words_that_matched(store: Store) -> None:
    (hit,) = store.search("épuisement")
    assert "[épuisement]" in hit["snippet"]
    marked = {h["snippet"] for h in store.search("violences")}
    assert any("[violences]" in s for s in marked) and any("[violence]" in s for s in marked)


def test_fts5_syntax_still_works(store: Store) -> None:
    assert _found(store, "violen* AND nuit") == {2}
    assert _found(store, "violence OR geweld") == {1, 4, 7}  # FTS5: words as written
    assert _found(store, "sans-abri AND violences") == {0}  # the odd word is quoted for FTS5
    assert _found(store, "NEAR(violence guichet, 3)") == {1}
    assert _found(store, "fts:violents") == {2}
    with pytest.raises(StoreError, match="FTS5"):
        store.search("fts:sans-abri AND")


def test_the_count_goes_past_the_hits_shown(store: Store) -> None:
    hits, ranked, matches = store.search_page("violence", limit=1)
    assert len(hits) == 1 and ranked and matches == 3
    assert len(store.search_ids("violence")) == 3


def test_the_stemmed_index_follows_re_extraction_and_deletion(store: Store) -> None:
    _save(store, [("fr", "Un seul passage sur les agressions.")])
    assert store.search("violence") == []
    assert len(store.search("agression")) == 1
    store.replace_sources("bibtex", [])
    assert store.search("agression") == []


def test_a_version_3_store_gains_the_stemmed_index(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite"
    con = sqlite3.connect(path, isolation_level=None)
    for step in _MIGRATIONS[:3]:
        con.executescript(step)
    con.execute("PRAGMA user_version = 3")
    con.execute("INSERT INTO sources(key, origin) VALUES ('k', 'bibtex')")
    con.execute(
        "INSERT INTO passages(id, source_key, seq, lang, text) "
        "VALUES ('p1', 'k', 0, 'fr', 'Des agressions répétées.')"
    )
    con.close()
    with open_store(path) as store:
        assert [h["id"] for h in store.search("agression")] == ["p1"]


def test_the_store_answers_from_any_thread(store: Store) -> None:
    answers: list[object] = []

    def ask() -> None:
        try:
            answers.append(len(store.search_ids("violence")))
        except Exception as exc:  # noqa: BLE001 - the test reports what the thread met
            answers.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [3, 3, 3, 3]
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.search("violence")
