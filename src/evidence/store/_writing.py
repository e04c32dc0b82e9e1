"""Writing to the store: sources, documents, passages, codings and failures, each change in
one transaction so an interrupted run leaves the store consistent."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from evidence.records import CodingRow, PassageRow

from ._core import StoreCore

__all__ = ["StoreWrites"]


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


class StoreWrites(StoreCore):
    """The store's writing methods."""

    def replace_sources(self, origin: str, sources: Sequence[dict[str, Any]]) -> dict[str, int]:
        """Make the sources of ``origin`` exactly ``sources``; return counts added/updated/removed.

        Removing a source removes its documents, passages and codings (cascade).
        """
        with self.transaction() as db:
            # A source is rewritten when its data or its country (which evidence.toml's
            # [countries] may set apart from the reference) changed.
            known = {
                r[0]: (r[1], r[2])
                for r in db.execute(
                    "SELECT key, data, country FROM sources WHERE origin = ?", (origin,)
                )
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
                elif known[s["key"]] != (data, s.get("country", "")):
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

    def replace_failures(self, stage: str, failures: Iterable[tuple[str, str, str]]) -> None:
        """Make the recorded failures of ``stage`` exactly these (item, reason, detail)."""
        with self.transaction() as db:
            db.execute("DELETE FROM failures WHERE stage = ?", (stage,))
            db.executemany(
                "INSERT OR REPLACE INTO failures(stage, item, reason, detail) VALUES (?,?,?,?)",
                [(stage, *f) for f in failures],
            )
