"""The store's schema: its migrations, and the SQL form of the rule that says which codings count.

Each migration step runs in its own transaction, so a store is always at one version.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from evidence.coding import STEM_LANGUAGES, stem_text
from evidence.errors import StoreError

__all__ = ["EFFECTIVE_CODINGS", "SCHEMA_VERSION", "STEM_COLUMNS", "migrate", "register_functions"]

SCHEMA_VERSION = 4

#: the columns of the stemmed index: one per stemmed language, then ``other`` (folded words)
STEM_COLUMNS = (*STEM_LANGUAGES, "other")

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
    # 4: a stemmed shadow of the full-text index, so a search matches a word's inflections
    # in the passage's own language: each passage's words as stems of its language in that
    # language's column (``other``: folded words). ``evidence_stem`` is the Python function
    # every connection of the store registers (``register_functions``).
    """
    CREATE VIRTUAL TABLE passages_stem USING fts5(
        fr, nl, en, other, tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO passages_stem(rowid, fr, nl, en, other)
        SELECT rowid, evidence_stem(text, lang, 'fr'), evidence_stem(text, lang, 'nl'),
               evidence_stem(text, lang, 'en'), evidence_stem(text, lang, 'other')
        FROM passages;
    CREATE TRIGGER passages_stem_ai AFTER INSERT ON passages BEGIN
        INSERT INTO passages_stem(rowid, fr, nl, en, other) VALUES (new.rowid,
            evidence_stem(new.text, new.lang, 'fr'), evidence_stem(new.text, new.lang, 'nl'),
            evidence_stem(new.text, new.lang, 'en'), evidence_stem(new.text, new.lang, 'other'));
    END;
    CREATE TRIGGER passages_stem_ad AFTER DELETE ON passages BEGIN
        DELETE FROM passages_stem WHERE rowid = old.rowid;
    END;
    CREATE TRIGGER passages_stem_au AFTER UPDATE OF text, lang ON passages BEGIN
        DELETE FROM passages_stem WHERE rowid = old.rowid;
        INSERT INTO passages_stem(rowid, fr, nl, en, other) VALUES (new.rowid,
            evidence_stem(new.text, new.lang, 'fr'), evidence_stem(new.text, new.lang, 'nl'),
            evidence_stem(new.text, new.lang, 'en'), evidence_stem(new.text, new.lang, 'other'));
    END;
    """,
)


def _stem_column(text: str | None, lang: str | None, column: str) -> str:
    """A passage's text as that column of the stemmed index holds it ("" for the others)."""
    own = lang if lang in STEM_LANGUAGES else "other"
    return stem_text(text or "", own) if own == column else ""


def register_functions(db: sqlite3.Connection) -> None:
    """Register the SQL functions the store's triggers call on connection ``db``."""
    db.create_function("evidence_stem", 3, _stem_column, deterministic=True)


# The decision rule as the store applies it. The coding stage keeps one human row per passage
# and code: the decision that stands (the latest, whoever made it). A coding counts unless it
# is negated or a person's standing decision rejects that code on that passage.
EFFECTIVE_CODINGS = """
    SELECT c.passage_id, c.code, c.origin, c.provenance, c.score
    FROM codings c
    WHERE c.negated = 0 AND NOT EXISTS (
        SELECT 1 FROM codings h
        WHERE h.passage_id = c.passage_id AND h.code = c.code
          AND h.origin = 'human' AND h.negated = 1
    )
"""


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the store's schema to ``SCHEMA_VERSION``, one transaction per step."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: schema version {version} is newer than this workbook knows "
            f"({SCHEMA_VERSION}); upgrade evidence or delete the store to rebuild it"
        )
    for step in range(version, SCHEMA_VERSION):
        # One script per step, its own transaction: a step lands whole or not at all.
        script = f"BEGIN IMMEDIATE;{_MIGRATIONS[step]};PRAGMA user_version = {step + 1};COMMIT;"
        try:
            db.executescript(script)
        except sqlite3.DatabaseError:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
