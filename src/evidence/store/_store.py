"""The store: one SQLite file (WAL, foreign keys, FTS5) that caches everything derived.

The store is a cache: the files people own (references, PDFs, codebook, decisions)
are the truth, and deleting the file then rebuilding gives the same content. Every
write that belongs together happens in one transaction, so a process killed at any
moment leaves the store consistent and the next run completes the work.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from evidence.errors import StoreError
from evidence.records import CodingRow, DocumentRow, PassageRow

__all__ = ["SCHEMA_VERSION", "Store", "open_store"]

SCHEMA_VERSION = 3
# Past this many matches a search returns hits in document order instead of ranking them all.
RANK_LIMIT = 20_000

# Each entry migrates the schema from version i to i + 1; never edit a released step.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE sources (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL DEFAULT 'literature',
        origin TEXT NOT NULL,
        item_type TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        authors TEXT NOT NULL DEFAULT '[]',
        year INTEGER,
        container TEXT NOT NULL DEFAULT '',
        lang TEXT NOT NULL DEFAULT '',
        country TEXT NOT NULL DEFAULT '',
        zotero_key TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL DEFAULT 0,
        data TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        source_key TEXT NOT NULL REFERENCES sources(key) ON DELETE CASCADE,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL DEFAULT '',
        size INTEGER NOT NULL DEFAULT 0,
        mtime REAL NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'pending',
        reason TEXT NOT NULL DEFAULT '',
        pages INTEGER NOT NULL DEFAULT 0,
        lang TEXT NOT NULL DEFAULT '',
        warnings TEXT NOT NULL DEFAULT '[]',
        extracted_sha256 TEXT NOT NULL DEFAULT '',
        extractor_version TEXT NOT NULL DEFAULT '',
        coded_version TEXT NOT NULL DEFAULT '',
        zotero_key TEXT NOT NULL DEFAULT '',
        UNIQUE (source_key, path)
    );
    CREATE TABLE passages (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        document_id INTEGER REFERENCES documents(id) ON DELETE CASCADE,
        source_key TEXT NOT NULL REFERENCES sources(key) ON DELETE CASCADE,
        origin TEXT NOT NULL DEFAULT 'pdf',
        seq INTEGER NOT NULL,
        page_index INTEGER,
        page_label TEXT NOT NULL DEFAULT '',
        section TEXT NOT NULL DEFAULT 'body',
        lang TEXT NOT NULL DEFAULT 'other',
        text TEXT NOT NULL,
        comment TEXT NOT NULL DEFAULT '',
        extra TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX passages_document ON passages(document_id, seq);
    CREATE INDEX passages_source ON passages(source_key);
    CREATE VIRTUAL TABLE passages_fts USING fts5(
        text, content='passages', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN
        INSERT INTO passages_fts(rowid, text) VALUES (new.rowid, new.text);
    END;
    CREATE TRIGGER passages_ad AFTER DELETE ON passages BEGIN
        INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
    END;
    CREATE TRIGGER passages_au AFTER UPDATE OF text ON passages BEGIN
        INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
        INSERT INTO passages_fts(rowid, text) VALUES (new.rowid, new.text);
    END;
    CREATE TABLE codings (
        passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
        code TEXT NOT NULL,
        origin TEXT NOT NULL,
        provenance TEXT NOT NULL DEFAULT '',
        negated INTEGER NOT NULL DEFAULT 0,
        score REAL,
        spans TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (passage_id, code, origin, provenance)
    ) WITHOUT ROWID;
    CREATE INDEX codings_code ON codings(code, passage_id);
    CREATE TABLE failures (
        stage TEXT NOT NULL,
        item TEXT NOT NULL,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (stage, item)
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        command TEXT NOT NULL,
        started TEXT NOT NULL,
        finished TEXT,
        status TEXT NOT NULL DEFAULT 'running',
        summary TEXT NOT NULL DEFAULT '{}'
    );
    """,
    # 2: the Zotero mirror. Items and collections as last pulled (so an incremental pull can be
    # applied and everything derived again), and the attachment files already verified.
    """
    CREATE TABLE zotero_items (
        key TEXT PRIMARY KEY,
        version INTEGER NOT NULL DEFAULT 0,
        item_type TEXT NOT NULL DEFAULT '',
        parent TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX zotero_items_parent ON zotero_items(parent);
    CREATE TABLE zotero_collections (
        key TEXT PRIMARY KEY,
        version INTEGER NOT NULL DEFAULT 0,
        parent TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE zotero_files (
        key TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        md5 TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime REAL NOT NULL
    );
    """,
    # 3: codings carry their passage's integer rowid (NOT NULL: a writer that forgets it
    # fails), so a matrix reads the codings of some codes as integers from one covering index
    # instead of matching text ids; passages are indexed by language; the full-text index
    # gains prefix indexes of 2 and 3 characters, which keep short prefix queries (``vi*``)
    # from merging the posting lists of thousands of words. The explicit ``rowid INTEGER
    # PRIMARY KEY`` of passages survives VACUUM, so the copy never goes stale, and deleting a
    # passage still cascades through ``passage_id``.
    """
    CREATE TABLE codings_v3 (
        passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
        passage_rowid INTEGER NOT NULL,
        code TEXT NOT NULL,
        origin TEXT NOT NULL,
        provenance TEXT NOT NULL DEFAULT '',
        negated INTEGER NOT NULL DEFAULT 0,
        score REAL,
        spans TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (passage_id, code, origin, provenance)
    ) WITHOUT ROWID;
    INSERT INTO codings_v3(passage_id, passage_rowid, code, origin, provenance, negated, score,
                           spans)
        SELECT c.passage_id, p.rowid, c.code, c.origin, c.provenance, c.negated, c.score, c.spans
        FROM codings c JOIN passages p ON p.id = c.passage_id;
    DROP TABLE codings;
    ALTER TABLE codings_v3 RENAME TO codings;
    CREATE INDEX codings_code ON codings(code, passage_id);
    CREATE INDEX codings_matrix ON codings(code, origin, passage_rowid, negated, score);
    CREATE INDEX passages_lang ON passages(lang);
    DROP TABLE passages_fts;
    CREATE VIRTUAL TABLE passages_fts USING fts5(
        text, content='passages', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3'
    );
    INSERT INTO passages_fts(passages_fts) VALUES ('rebuild');
    """,
)

# A rule or model coding counts unless a person rejected that code for that passage and
# no person accepted it; human codings count unless negated.
_EFFECTIVE = """
    SELECT c.passage_id, c.code, c.origin, c.provenance, c.score
    FROM codings c
    WHERE c.negated = 0 AND (
        c.origin = 'human' OR NOT EXISTS (
            SELECT 1 FROM codings h
            WHERE h.passage_id = c.passage_id AND h.code = c.code
              AND h.origin = 'human' AND h.negated = 1
              AND NOT EXISTS (
                  SELECT 1 FROM codings a WHERE a.passage_id = c.passage_id AND a.code = c.code
                    AND a.origin = 'human' AND a.negated = 0)
        )
    )
"""


def _insert_passages(
    db: sqlite3.Connection, document_id: int | None, passages: Iterable[PassageRow]
) -> None:
    """Insert passages of one document; a passage id already stored is kept, not doubled."""
    db.executemany(
        "INSERT OR IGNORE INTO passages(id, document_id, source_key, origin, seq, page_index, "
        "page_label, section, lang, text, comment, extra) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                p.id,
                document_id,
                p.source_key,
                p.origin,
                p.seq,
                p.page_index,
                p.page_label,
                p.section,
                p.lang,
                p.text,
                p.comment,
                p.extra,
            )
            for p in passages
        ],
    )


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """The SQLite store of one workbook. Use ``open_store(path)`` as a context manager."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._depth = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path}: cannot open the store ({exc}); it is a cache: delete the file "
                "and run `evidence build` to rebuild it"
            ) from exc

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ---------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        """Return the schema version the file is at."""
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this workbook knows "
                f"({SCHEMA_VERSION}); upgrade evidence or delete the store to rebuild it"
            )
        for step in range(version, SCHEMA_VERSION):
            # One script per step, its own transaction: a step lands whole or not at all.
            script = f"BEGIN IMMEDIATE;{_MIGRATIONS[step]};PRAGMA user_version = {step + 1};COMMIT;"
            try:
                self.db.executescript(script)
            except sqlite3.DatabaseError:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one IMMEDIATE transaction: all of it lands, or none of it.

        Inside an open transaction the block becomes a savepoint, so several writes can be
        grouped into one outer transaction (a whole Zotero pull lands at once or not at all).
        """
        if self.db.in_transaction:
            name = f"sp{id(self)}_{self._depth}"
            self._depth += 1
            self.db.execute(f"SAVEPOINT {name}")
            try:
                yield self.db
            except BaseException:
                self.db.execute(f"ROLLBACK TO {name}")
                self.db.execute(f"RELEASE {name}")
                raise
            finally:
                self._depth -= 1
            self.db.execute(f"RELEASE {name}")
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- meta and runs --------------------------------------------------------------------
    def get_meta(self, key: str, default: str = "") -> str:
        """Return the stored value of ``key``."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``."""
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def begin_run(self, command: str) -> int:
        """Record the start of a command and return its run id."""
        cur = self.db.execute("INSERT INTO runs(command, started) VALUES (?, ?)", (command, _now()))
        return int(cur.lastrowid or 0)

    def end_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        """Record how run ``run_id`` ended."""
        self.db.execute(
            "UPDATE runs SET finished = ?, status = ?, summary = ? WHERE id = ?",
            (_now(), status, json.dumps(summary, sort_keys=True), run_id),
        )

    # -- sources and documents --------------------------------------------------------------
    def replace_sources(self, origin: str, sources: Sequence[dict[str, Any]]) -> dict[str, int]:
        """Make the sources of ``origin`` exactly ``sources``; return counts added/updated/removed.

        Removing a source removes its documents, passages and codings (cascade).
        """
        with self.transaction() as db:
            known = {
                r[0]: r[1]
                for r in db.execute("SELECT key, data FROM sources WHERE origin = ?", (origin,))
            }
            added = updated = 0
            for s in sources:
                data = json.dumps(s.get("data", {}), sort_keys=True, ensure_ascii=False)
                row = (
                    s["key"],
                    s.get("kind", "literature"),
                    origin,
                    s.get("item_type", ""),
                    s.get("title", ""),
                    json.dumps(list(s.get("authors", ())), ensure_ascii=False),
                    s.get("year"),
                    s.get("container", ""),
                    s.get("lang", ""),
                    s.get("country", ""),
                    s.get("zotero_key", ""),
                    int(s.get("version", 0)),
                    data,
                )
                if s["key"] not in known:
                    added += 1
                elif known[s["key"]] != data:
                    updated += 1
                else:
                    continue
                db.execute(
                    "INSERT INTO sources(key, kind, origin, item_type, title, authors, year, "
                    "container, lang, country, zotero_key, version, data) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET "
                    "kind=excluded.kind, origin=excluded.origin, item_type=excluded.item_type, "
                    "title=excluded.title, authors=excluded.authors, year=excluded.year, "
                    "container=excluded.container, lang=excluded.lang, country=excluded.country, "
                    "zotero_key=excluded.zotero_key, version=excluded.version, data=excluded.data",
                    row,
                )
            gone = set(known) - {s["key"] for s in sources}
            db.executemany("DELETE FROM sources WHERE key = ?", [(k,) for k in sorted(gone)])
        return {"added": added, "updated": updated, "removed": len(gone)}

    def replace_documents(self, source_key: str, files: Sequence[dict[str, Any]]) -> None:
        """Make the documents of ``source_key`` exactly ``files`` (path, sha256, size, status).

        A document whose content hash changed keeps its row; extraction notices the change.
        """
        with self.transaction() as db:
            keep = [f["path"] for f in files]
            old = db.execute("SELECT path FROM documents WHERE source_key = ?", (source_key,))
            for (path,) in old.fetchall():
                if path not in keep:
                    db.execute(
                        "DELETE FROM documents WHERE source_key = ? AND path = ?",
                        (source_key, path),
                    )
            for f in files:
                db.execute(
                    "INSERT INTO documents(source_key, path, sha256, size, mtime, status, reason, "
                    "zotero_key) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(source_key, path) DO UPDATE "
                    "SET sha256=excluded.sha256, size=excluded.size, mtime=excluded.mtime, "
                    "zotero_key=excluded.zotero_key,"
                    " status=CASE WHEN excluded.status != 'pending' THEN excluded.status "
                    "  WHEN documents.status = 'missing' OR documents.sha256 != excluded.sha256 "
                    "  THEN 'pending' ELSE documents.status END,"
                    " reason=CASE WHEN excluded.status != 'pending' THEN excluded.reason "
                    "  WHEN documents.status = 'missing' OR documents.sha256 != excluded.sha256 "
                    "  THEN '' ELSE documents.reason END",
                    (
                        source_key,
                        f["path"],
                        f.get("sha256", ""),
                        f.get("size", 0),
                        f.get("mtime", 0.0),
                        f.get("status", "pending"),
                        f.get("reason", ""),
                        f.get("zotero_key", ""),
                    ),
                )

    def file_hashes(self) -> dict[str, tuple[int, float, str]]:
        """Return path -> (size, mtime, sha256) for registered files, to skip re-hashing."""
        return {
            p: (size, mtime, sha)
            for p, size, mtime, sha in self.db.execute(
                "SELECT path, size, mtime, sha256 FROM documents WHERE sha256 != ''"
            )
        }

    def documents(self) -> list[DocumentRow]:
        """Return every registered document, ordered by source key and path."""
        rows = self.db.execute(
            "SELECT id, source_key, path, sha256, status, reason, extracted_sha256, "
            "extractor_version, coded_version FROM documents ORDER BY source_key, path"
        ).fetchall()
        return [DocumentRow(*r) for r in rows]

    def documents_to_extract(self, extractor_version: str) -> list[DocumentRow]:
        """Return documents whose content or extractor changed since they were extracted.

        Field notes are not PDFs: ``save_field_item`` writes their passages.
        """
        field = {k for (k,) in self.db.execute("SELECT key FROM sources WHERE kind = 'field'")}
        return [
            d
            for d in self.documents()
            if d.status != "missing"
            and d.sha256
            and d.source_key not in field
            and (d.extracted_sha256 != d.sha256 or d.extractor_version != extractor_version)
        ]

    def save_extraction(
        self,
        document_id: int,
        *,
        sha256: str,
        extractor_version: str,
        status: str,
        reason: str,
        pages: int,
        lang: str,
        warnings: Sequence[str],
        passages: Sequence[PassageRow],
    ) -> int:
        """Replace the passages of one document in one transaction; return how many were new."""
        with self.transaction() as db:
            db.execute(
                "DELETE FROM passages WHERE document_id = ? AND origin = 'pdf'", (document_id,)
            )
            before = db.total_changes
            _insert_passages(db, document_id, passages)
            inserted = db.total_changes - before
            db.execute(
                "UPDATE documents SET status=?, reason=?, pages=?, lang=?, warnings=?, "
                "extracted_sha256=?, extractor_version=?, coded_version='' WHERE id=?",
                (
                    status,
                    reason,
                    pages,
                    lang,
                    json.dumps(list(warnings), ensure_ascii=False),
                    sha256,
                    extractor_version,
                    document_id,
                ),
            )
        return inserted

    def save_field_item(
        self,
        source_key: str,
        path: str,
        *,
        fingerprint: str,
        version: str,
        lang: str,
        passages: Sequence[PassageRow],
    ) -> bool:
        """Make one field note's document row and passages exactly these, in one transaction.

        The note is a document (its pseudonymised path) so it is coded like a PDF. Nothing is
        written when ``fingerprint`` and ``version`` are those stored; returns True when the
        passages were replaced (the note is then coded again).
        """
        with self.transaction() as db:
            rows = db.execute(
                "SELECT id, path, extracted_sha256, extractor_version FROM documents "
                "WHERE source_key = ?",
                (source_key,),
            ).fetchall()
            same = [r for r in rows if r[1] == path]
            if len(rows) == 1 and same and same[0][2:] == (fingerprint, version):
                return False
            db.execute(
                "DELETE FROM documents WHERE source_key = ? AND path != ?", (source_key, path)
            )
            if same:
                doc_id = same[0][0]
                db.execute("DELETE FROM passages WHERE document_id = ?", (doc_id,))
            else:
                doc_id = db.execute(
                    "INSERT INTO documents(source_key, path) VALUES (?, ?)", (source_key, path)
                ).lastrowid
            _insert_passages(db, doc_id, passages)
            db.execute(
                "UPDATE documents SET sha256 = ?, status = 'ok', reason = '', pages = ?, "
                "lang = ?, extracted_sha256 = ?, extractor_version = ?, coded_version = '' "
                "WHERE id = ?",
                (fingerprint, len(passages), lang, fingerprint, version, doc_id),
            )
        return True

    # -- passages and codings ---------------------------------------------------------------
    def passages_to_code(
        self, version: str, sections: Sequence[str]
    ) -> Iterator[tuple[int, list[tuple[str, str, str]]]]:
        """Yield (document id, [(passage id, text, lang)]) not coded with ``version``."""
        docs = self.db.execute(
            "SELECT id FROM documents WHERE coded_version != ? AND extracted_sha256 != '' "
            "ORDER BY id",
            (version,),
        ).fetchall()
        marks = ",".join("?" * len(sections))
        for (doc_id,) in docs:
            rows = self.db.execute(
                f"SELECT id, text, lang FROM passages WHERE document_id = ? "
                f"AND section IN ({marks}) ORDER BY seq",
                (doc_id, *sections),
            ).fetchall()
            yield doc_id, rows

    def save_rule_codings(
        self, document_id: int, version: str, codings: Iterable[CodingRow]
    ) -> None:
        """Replace the rule codings of a document's passages; mark it coded with ``version``."""
        with self.transaction() as db:
            db.execute(
                "DELETE FROM codings WHERE origin = 'rule' AND passage_id IN "
                "(SELECT id FROM passages WHERE document_id = ?)",
                (document_id,),
            )
            # A coding of a passage the store does not hold fails on the NOT NULL rowid.
            db.executemany(
                "INSERT OR REPLACE INTO codings(passage_id, passage_rowid, code, origin, "
                "provenance, negated, score, spans) "
                "VALUES (?, (SELECT rowid FROM passages WHERE id = ?), ?,?,?,?,?,?)",
                [
                    (
                        c.passage_id,
                        c.passage_id,
                        c.code,
                        c.origin,
                        c.provenance,
                        int(c.negated),
                        c.score,
                        c.spans,
                    )
                    for c in codings
                ],
            )
            db.execute(
                "UPDATE documents SET coded_version = ? WHERE id = ?", (version, document_id)
            )

    def replace_codings(
        self, origin: str, codings: Iterable[CodingRow], *, prefix: str = ""
    ) -> int:
        """Make the codings of ``origin`` (whose provenance starts with ``prefix``) exactly these.

        Codings on passages the store does not hold are left out; returns how many were written.
        """
        with self.transaction() as db:
            db.execute(
                "DELETE FROM codings WHERE origin = ? AND provenance LIKE ? || '%'",
                (origin, prefix),
            )
            before = db.total_changes
            db.executemany(
                "INSERT OR REPLACE INTO codings(passage_id, passage_rowid, code, origin, "
                "provenance, negated, score, spans) SELECT id, rowid, ?,?,?,?,?,? "
                "FROM passages WHERE id = ?",
                [
                    (
                        c.code,
                        c.origin,
                        c.provenance,
                        int(c.negated),
                        c.score,
                        c.spans,
                        c.passage_id,
                    )
                    for c in codings
                ],
            )
            return db.total_changes - before

    def replace_annotations(self, rows: Sequence[tuple[PassageRow, str]]) -> dict[str, int]:
        """Make the passages of origin ``annotation`` exactly ``rows``; return counts.

        Each row is a passage and the path of the registered document it was made on ("" when
        none): the passage is tied to that document of its source. Unchanged passages are not
        rewritten, so codings on them stay; a removed passage takes its codings with it.
        """
        cols = (
            "document_id, source_key, seq, page_index, page_label, section, lang, text, "
            "comment, extra"
        )
        with self.transaction() as db:
            docs = {
                (k, p): i for i, k, p in db.execute("SELECT id, source_key, path FROM documents")
            }
            known = {
                r[0]: tuple(r[1:])
                for r in db.execute(f"SELECT id, {cols} FROM passages WHERE origin = 'annotation'")
            }
            added = updated = 0
            keep: set[str] = set()
            for p, path in rows:
                if p.id in keep:
                    continue
                keep.add(p.id)
                values = (
                    docs.get((p.source_key, path)) if path else None,
                    p.source_key,
                    p.seq,
                    p.page_index,
                    p.page_label,
                    p.section,
                    p.lang,
                    p.text,
                    p.comment,
                    p.extra,
                )
                old = known.get(p.id)
                if old == values:
                    continue
                if old is None:
                    added += 1
                    db.execute(
                        f"INSERT INTO passages(id, origin, {cols}) "
                        "VALUES (?, 'annotation', ?,?,?,?,?,?,?,?,?,?)",
                        (p.id, *values),
                    )
                else:
                    updated += 1
                    sets = ", ".join(f"{c.strip()} = ?" for c in cols.split(","))
                    db.execute(f"UPDATE passages SET {sets} WHERE id = ?", (*values, p.id))
            gone = sorted(set(known) - keep)
            db.executemany("DELETE FROM passages WHERE id = ?", [(k,) for k in gone])
        return {"added": added, "updated": updated, "removed": len(gone)}

    def passage_ids(self) -> set[str]:
        """Return the ids of every stored passage."""
        return {r[0] for r in self.db.execute("SELECT id FROM passages")}

    def passage(self, passage_id: str) -> dict[str, Any] | None:
        """Return one passage with its source and codings, or None."""
        row = self.db.execute(
            "SELECT p.id, p.source_key, p.page_index, p.page_label, p.section, p.lang, p.text, "
            "p.origin, d.path FROM passages p LEFT JOIN documents d ON d.id = p.document_id "
            "WHERE p.id = ?",
            (passage_id,),
        ).fetchone()
        if row is None:
            return None
        keys = (
            "id",
            "source_key",
            "page_index",
            "page_label",
            "section",
            "lang",
            "text",
            "origin",
            "path",
        )
        out = dict(zip(keys, row, strict=True))
        out["codings"] = [
            {"code": c, "origin": o, "provenance": p, "negated": bool(n), "spans": json.loads(s)}
            for c, o, p, n, s in self.db.execute(
                "SELECT code, origin, provenance, negated, spans FROM codings "
                "WHERE passage_id = ? ORDER BY code, origin, provenance",
                (passage_id,),
            )
        ]
        return out

    # -- failures -----------------------------------------------------------------------------
    def replace_failures(self, stage: str, failures: Iterable[tuple[str, str, str]]) -> None:
        """Make the recorded failures of ``stage`` exactly these (item, reason, detail)."""
        with self.transaction() as db:
            db.execute("DELETE FROM failures WHERE stage = ?", (stage,))
            db.executemany(
                "INSERT OR REPLACE INTO failures(stage, item, reason, detail) VALUES (?,?,?,?)",
                [(stage, *f) for f in failures],
            )

    def failures(self) -> list[dict[str, str]]:
        """Return every failed item: sync failures, then documents that did not extract."""
        out = [
            {"stage": s, "item": i, "reason": r, "detail": d}
            for s, i, r, d in self.db.execute(
                "SELECT stage, item, reason, detail FROM failures ORDER BY stage, item"
            )
        ]
        out += [
            {"stage": "extract", "item": f"{k}: {p}", "reason": s, "detail": r}
            for k, p, s, r in self.db.execute(
                "SELECT source_key, path, status, reason FROM documents "
                "WHERE status NOT IN ('ok', 'pending') ORDER BY source_key, path"
            )
        ]
        return out

    # -- reading ------------------------------------------------------------------------------
    def counts(self) -> dict[str, Any]:
        """Return what the store holds: sources, documents, passages, annotations, codings."""
        one = lambda sql: int(self.db.execute(sql).fetchone()[0])  # noqa: E731
        return {
            "sources": one("SELECT count(*) FROM sources"),
            "documents": one("SELECT count(*) FROM documents"),
            "documents_ok": one("SELECT count(*) FROM documents WHERE status = 'ok'"),
            "passages": one("SELECT count(*) FROM passages"),
            "annotations": one("SELECT count(*) FROM passages WHERE origin = 'annotation'"),
            "codings": dict(
                self.db.execute(
                    "SELECT origin, count(*) FROM codings WHERE negated = 0 GROUP BY origin "
                    "ORDER BY origin"
                ).fetchall()
            ),
        }

    def search_page(
        self, query: str, limit: int = 20, rank_limit: int = RANK_LIMIT
    ) -> tuple[list[dict[str, Any]], bool, int]:
        """Full-text search (FTS5 syntax): return (hits, ranked, matches).

        Hits carry id, source key, page label, section, language, a snippet with ``[…]``
        around the matches, and the BM25 rank. They are ranked when at most ``rank_limit``
        passages match; past that, ranking every match would cost seconds on a large store,
        so hits come in document order with rank None. ``matches`` counts up to
        ``rank_limit + 1``.
        """
        try:
            matches = self.db.execute(
                "SELECT count(*) FROM (SELECT 1 FROM passages_fts WHERE passages_fts MATCH ? "
                "LIMIT ?)",
                (query, rank_limit + 1),
            ).fetchone()[0]
            ranked = matches <= rank_limit
            # Snippets come from the query that picks the hits: FTS5 makes them for the rows
            # returned only. A second MATCH restricted to the hits' rowids would expand a
            # prefix query (``agress*``) again for every hit.
            top = self.db.execute(
                "SELECT rowid, snippet(passages_fts, 0, '[', ']', '…', 16), "
                + (
                    "rank FROM passages_fts WHERE passages_fts MATCH ? ORDER BY rank LIMIT ?"
                    if ranked
                    else "NULL FROM passages_fts WHERE passages_fts MATCH ? LIMIT ?"
                ),
                (query, limit),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"search query {query!r} is not valid FTS5 syntax ({exc}); quote phrases with "
                "double quotes, e.g. '\"sans-abri\" AND violence', and end a prefix with *: "
                "agress*"
            ) from exc
        place = {
            r[0]: r[1:]
            for r in self.db.execute(
                "SELECT rowid, id, source_key, page_label, section, lang FROM passages "
                "WHERE rowid IN (SELECT value FROM json_each(?))",
                (json.dumps([r for r, _, _ in top]),),
            )
        }
        keys = ("id", "source_key", "page_label", "section", "lang", "snippet", "rank")
        hits = [
            dict(zip(keys, (*place[r], snippet, rank), strict=True))
            for r, snippet, rank in top
            if r in place
        ]
        return hits, ranked, matches

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Full-text search (FTS5 syntax); return hits as :meth:`search_page` gives them."""
        return self.search_page(query, limit)[0]

    def frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Return the result of a read-only query as a DataFrame."""
        return pd.read_sql_query(sql, self.db, params=list(params))

    def sources_frame(self) -> pd.DataFrame:
        """Return the sources (key, kind, item_type, title, authors, year, container, lang)."""
        return self.frame(
            "SELECT key, kind, origin, item_type, title, authors, year, container, lang, country "
            "FROM sources ORDER BY key"
        )

    def documents_frame(self) -> pd.DataFrame:
        """Return the documents with their status and reason."""
        return self.frame(
            "SELECT id, source_key, path, status, reason, pages, lang FROM documents "
            "ORDER BY source_key, path"
        )

    def passages_frame(self, sections: Sequence[str] | None = None) -> pd.DataFrame:
        """Return passages (id, source_key, document path, page, section, lang, text)."""
        where, params = "", []
        if sections:
            where = f"WHERE p.section IN ({','.join('?' * len(sections))})"
            params = list(sections)
        return self.frame(
            "SELECT p.id, p.source_key, p.origin, d.path, p.page_index, p.page_label, p.seq, "
            f"p.section, p.lang, p.text FROM passages p LEFT JOIN documents d "
            f"ON d.id = p.document_id {where} ORDER BY p.source_key, d.path, p.seq",
            params,
        )

    def codings_frame(self, *, effective: bool = True) -> pd.DataFrame:
        """Return codings joined to their passage's source (passage_id, source_key, code, origin).

        With ``effective`` (the default), human decisions are applied: a person's rejection
        removes rule codings of that code on that passage.
        """
        base = (
            _EFFECTIVE
            if effective
            else (
                "SELECT passage_id, code, origin, provenance, score FROM codings WHERE negated = 0"
            )
        )
        return self.frame(
            f"SELECT e.passage_id, p.source_key, e.code, e.origin, e.provenance, e.score "
            f"FROM ({base}) e JOIN passages p ON p.id = e.passage_id "
            f"ORDER BY e.passage_id, e.code, e.origin, e.provenance"
        )


def open_store(path: str | Path) -> Store:
    """Open (creating or migrating as needed) the store at ``path``."""
    return Store(path)
