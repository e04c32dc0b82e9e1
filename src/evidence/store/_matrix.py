"""Read what matrices, drill-down and search need from the store, fast at a million passages.

The matrix needs, for each coding of the codes asked for, its passage, source, document and
origin. Fetching that row by row through Python costs about a microsecond per value, so the
queries let SQLite concatenate integers per code, per document or per language
(``group_concat`` over the covering indexes ``codings_matrix``, ``passages_document`` and
``passages_lang``) and numpy parses them in one go: a passage is its integer ``rowid``,
which codings carry, sources and codes become pandas categories. Human and model codings
(few next to rule codings) are read row by row, for ``negated`` and ``score``.

Search ranks matches with BM25 when there are at most ``RANK_LIMIT`` of them; ranking every
match of a word found in a quarter of a million passages takes longer than a person waits,
so beyond that the first hits in document order are returned, marked ``ranked=False``.
"""

from __future__ import annotations

import json
import sqlite3
import weakref
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._core import parse_ints
from ._store import Store

__all__ = [
    "MatrixData",
    "load_cell_frames",
    "load_matrix_codings",
    "load_matrix_data",
]


@dataclass(frozen=True)
class MatrixData:
    """Codings of some codes, integer-coded, with the sources and documents they belong to.

    ``codings``: passage_id (the passage's rowid), source_key, code and origin (categories),
    document_id (-1: none), negated, score and, when asked for, lang (the passage's).
    ``documents``: id, source_key, path, zotero_key. ``sources``: the sources frame.
    """

    codings: pd.DataFrame
    sources: pd.DataFrame
    documents: pd.DataFrame
    codes: tuple[str, ...]
    langs: bool = False
    scores: bool = True


def _codings(db: sqlite3.Connection, wanted: list[str], scores: bool) -> pd.DataFrame:
    marks = ",".join("?" * len(wanted))
    blocks = db.execute(
        "SELECT code, count(*), group_concat(passage_rowid) FROM codings "
        f"INDEXED BY codings_matrix WHERE code IN ({marks}) AND origin = 'rule' GROUP BY code",
        wanted,
    ).fetchall()
    rule = [parse_ints(text, n) for _, n, text in blocks]
    # Rule codings are never negated and carry no score (only people reject; only a model
    # scores): the row-by-row read is kept to the other origins, and to people's decisions
    # when the probabilities of suggestions are not needed. Two ranges around 'rule' keep
    # that read on the index entries of those origins.
    columns = (
        "SELECT passage_rowid, code, origin, negated, score FROM codings "
        f"INDEXED BY codings_matrix WHERE code IN ({marks})"
    )
    if scores:
        other = db.execute(
            f"{columns} AND origin < 'rule' UNION ALL {columns} AND origin > 'rule'",
            [*wanted, *wanted],
        ).fetchall()
    else:
        other = db.execute(f"{columns} AND origin = 'human'", wanted).fetchall()
    code_of = pd.Index(wanted)
    origins = ["rule", *sorted({o for _, _, o, _, _ in other} - {"rule"})]
    n_rule = sum(len(r) for r in rule)
    passage = np.concatenate([*rule, np.array([p for p, *_ in other], dtype=np.int64)])
    code = np.concatenate(
        [
            np.repeat(code_of.get_indexer([c for c, _, _ in blocks]), [len(r) for r in rule]),
            code_of.get_indexer([c for _, c, *_ in other]),
        ]
    )
    origin = np.concatenate(
        [
            np.zeros(n_rule, dtype=np.int64),
            pd.Index(origins).get_indexer([o for _, _, o, _, _ in other]),
        ]
    )
    negated = np.concatenate(
        [np.zeros(n_rule, dtype=bool), np.array([bool(n) for *_, n, _ in other], dtype=bool)]
    )
    score = np.concatenate(
        [
            np.full(n_rule, np.nan, dtype=np.float32),
            np.array([np.nan if x is None else x for *_, x in other], dtype=np.float32),
        ]
    )
    return pd.DataFrame(
        {
            "passage_id": passage,
            "code": pd.Categorical.from_codes(code, categories=wanted),
            "origin": pd.Categorical.from_codes(origin, categories=origins),
            "negated": negated,
            "score": score,
        }
    )


def _places(
    db: sqlite3.Connection, size: int, documents: pd.DataFrame, sources: pd.Index
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return, indexed by passage rowid, the document id (-1: none), the source's number
    (-1: unknown) and whether a passage has that rowid."""
    document = np.full(size, -1, dtype=np.int64)
    source = np.full(size, -1, dtype=np.int64)
    stored = np.zeros(size, dtype=bool)
    # One row per document (the index on (document_id, seq) is read in order, no sort):
    # its passages' rowids and their number; the strings joined parse in one go.
    groups = db.execute(
        "SELECT document_id, count(*), group_concat(rowid) FROM passages INDEXED BY "
        "passages_document WHERE document_id IS NOT NULL GROUP BY document_id"
    ).fetchall()
    if groups:
        counts = [n for _, n, _ in groups]
        at = parse_ints(",".join(text for _, _, text in groups), sum(counts))
        document[at] = np.repeat(np.array([d for d, _, _ in groups], dtype=np.int64), counts)
        source_of_doc = pd.Series(
            sources.get_indexer(documents["source_key"]), index=documents["id"].to_numpy()
        )
        source[at] = source_of_doc.reindex(document[at]).fillna(-1).to_numpy(np.int64)
        stored[at] = True
    for key, n, text in db.execute(
        "SELECT source_key, count(*), group_concat(rowid) FROM passages "
        "WHERE document_id IS NULL GROUP BY source_key"
    ):
        at = parse_ints(text, n)
        source[at] = sources.get_loc(key) if key in sources else -1
        stored[at] = True
    return document, source, stored


def _langs(db: sqlite3.Connection, size: int) -> pd.Categorical:
    """Return, indexed by passage rowid, the passage's language."""
    groups = db.execute(
        "SELECT lang, count(*), group_concat(rowid) FROM passages INDEXED BY passages_lang "
        "GROUP BY lang"
    ).fetchall()
    out = np.full(size, -1, dtype=np.int64)
    for i, (_, n, text) in enumerate(groups):
        out[parse_ints(text, n)] = i
    return pd.Categorical.from_codes(out, categories=[lang for lang, _, _ in groups])


def _documents(db: sqlite3.Connection) -> pd.DataFrame:
    return pd.DataFrame(
        db.execute("SELECT id, source_key, path, zotero_key FROM documents ORDER BY id").fetchall(),
        columns=["id", "source_key", "path", "zotero_key"],
    )


def load_matrix_codings(
    store: Store, codes: Sequence[str], *, langs: bool = False, scores: bool = True
) -> MatrixData:
    """Return the codings of ``codes`` with their sources and documents.

    With ``langs``, each passage's language is read too (a scan of the index on passages'
    languages): a language filter needs it. Without ``scores``,
    model suggestions are left out (all that a provenance other than ``suggestions``
    counts), which saves reading each suggestion's probability.
    """
    db = store.db
    wanted = sorted(set(codes))
    sources = store.sources_frame()
    documents = _documents(db)
    codings = _codings(db, wanted, scores)
    size = int(db.execute("SELECT ifnull(max(rowid), 0) + 1 FROM passages").fetchone()[0])
    document, source, stored = _places(db, size, documents, pd.Index(sources["key"]))
    at = codings["passage_id"].to_numpy()
    # Codings outlive their passage only when it was deleted without foreign keys on: they
    # do not count.
    held = at < size
    held[held] = stored[at[held]]
    if not held.all():
        codings, at = codings[held].reset_index(drop=True), at[held]
    codings["document_id"] = document[at]
    codings["source_key"] = pd.Categorical.from_codes(source[at], categories=sources["key"])
    if langs:
        codings["lang"] = _langs(db, size)[at]
    columns = ["passage_id", "source_key", "document_id", "code", "origin", "negated", "score"]
    return MatrixData(
        codings=codings[columns + (["lang"] if langs else [])].reset_index(drop=True),
        sources=sources,
        documents=documents,
        codes=tuple(wanted),
        langs=langs,
        scores=scores,
    )


def load_cell_frames(
    store: Store, rowids: Collection[int], codes: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the passages whose rowids are ``rowids`` (with document path and attachment
    key) and their codings of ``codes`` (origin, provenance, score, spans)."""
    ids = json.dumps(sorted({int(v) for v in rowids}))
    passages = store._frame(
        "SELECT p.rowid AS rowid, p.id, p.source_key, d.path, d.zotero_key, p.page_index, "
        "p.page_label, p.seq, p.section, p.lang, p.text "
        "FROM passages p LEFT JOIN documents d ON d.id = p.document_id "
        "WHERE p.rowid IN (SELECT value FROM json_each(?))",
        [ids],
    )
    marks = ",".join("?" * len(codes))
    # CROSS JOIN keeps passages the outer loop whatever statistics the store holds: driven by
    # the codes, SQLite would walk every coding of them and probe the list of rowids.
    codings = store._frame(
        "SELECT c.passage_id AS id, c.code, c.origin, c.provenance, c.score, c.spans "
        "FROM passages p CROSS JOIN codings c ON c.passage_id = p.id "
        f"WHERE p.rowid IN (SELECT value FROM json_each(?)) AND c.code IN ({marks})",
        [ids, *codes],
    )
    return passages, codings


_LOADED: weakref.WeakKeyDictionary[Store, tuple[tuple[int, int], MatrixData]] = (
    weakref.WeakKeyDictionary()
)


def load_matrix_data(
    store: Store, codes: Sequence[str], *, langs: bool = False, scores: bool = True
) -> MatrixData:
    """Return :func:`load_matrix_codings`, reusing the last load while the store is unchanged.

    Unchanged means no write through this connection nor any other since that load (SQLite's
    ``total_changes`` and ``data_version``); the last load is reused when it holds every code
    asked for, and the languages and probabilities when asked for.
    """
    stamp = (store.db.execute("PRAGMA data_version").fetchone()[0], store.db.total_changes)
    held = _LOADED.get(store)
    if held is not None:
        when, data = held
        if (
            when == stamp
            and (data.langs or not langs)
            and (data.scores or not scores)
            and set(codes) <= set(data.codes)
        ):
            return data
    data = load_matrix_codings(store, codes, langs=langs, scores=scores)
    _LOADED[store] = (stamp, data)
    return data
