"""Reading the store: documents to process, passages, counts, failures, search and frames."""

from __future__ import annotations

import difflib
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from evidence.errors import SearchSyntaxError
from evidence.pdf import NEEDS_OCR
from evidence.records import DocumentRow

from ._core import StoreCore, parse_ints
from ._schema import EFFECTIVE_CODINGS
from ._search import SearchQuery, compile_query, mark_snippet, quote_barewords

__all__ = ["RANK_LIMIT", "StoreReads"]

# Past this many matches a search returns hits in document order instead of ranking them all.
RANK_LIMIT = 20_000


class StoreReads(StoreCore):
    """The store's reading methods."""

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

    def documents_to_extract(
        self, extractor_version: str, *, ocr: bool = False
    ) -> list[DocumentRow]:
        """Return documents whose content or extractor changed since they were extracted,
        and with ``ocr`` those with pages that OCR would read (:meth:`pages_needing_ocr`).

        Field notes are not PDFs: ``save_field_item`` writes their passages.
        """
        field = {k for (k,) in self.db.execute("SELECT key FROM sources WHERE kind = 'field'")}
        scanned = {d["id"] for d in self.pages_needing_ocr()} if ocr else set()
        return [
            d
            for d in self.documents()
            if d.status != "missing"
            and d.sha256
            and d.source_key not in field
            and (
                d.extracted_sha256 != d.sha256
                or d.extractor_version != extractor_version
                or d.id in scanned
            )
        ]

    def pages_needing_ocr(self) -> list[dict[str, Any]]:
        """Return the documents with pages that OCR would read (image-only pages, text
        without a Unicode map): id, source key, path, and what their warning or reason says."""
        out = []
        for doc_id, key, path, status, reason, warnings in self.db.execute(
            "SELECT id, source_key, path, status, reason, warnings FROM documents "
            "WHERE warnings != '[]' OR status = 'no_text' ORDER BY source_key, path"
        ):
            said = [w for w in json.loads(warnings or "[]") if any(m in w for m in NEEDS_OCR)]
            if status == "no_text" and "--ocr" in reason:
                said.insert(0, reason)
            if said:
                out.append({"id": doc_id, "source_key": key, "path": path, "pages": said})
        return out

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

    def source_keys(self, origin: str | None = None) -> set[str]:
        """Return the keys of the stored sources (of ``origin`` only, when given)."""
        if origin is None:
            return {k for (k,) in self.db.execute("SELECT key FROM sources")}
        rows = self.db.execute("SELECT key FROM sources WHERE origin = ?", (origin,))
        return {k for (k,) in rows}

    def passage_ids(self) -> set[str]:
        """Return the ids of every stored passage."""
        return {r[0] for r in self.db.execute("SELECT id FROM passages")}

    def passage_ids_like(self, passage_id: str, limit: int = 3) -> list[str]:
        """Return up to ``limit`` stored passage ids closest to ``passage_id`` (a typo, a cut)."""
        head = passage_id[:4]
        rows = self.db.execute(
            "SELECT id FROM passages WHERE id >= ? AND id < ? ORDER BY id LIMIT 5000",
            (head, head + "\uffff"),
        ).fetchall()
        ids = [r[0] for r in rows]
        starting = [i for i in ids if i.startswith(passage_id)][:limit]
        return starting or difflib.get_close_matches(passage_id, ids, n=limit, cutoff=0.7)

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

    def overview(self, kinds: Sequence[str] = ()) -> dict[str, Any]:
        """Return the sources, documents read, passages and coded passages of ``kinds`` of
        source (every kind when empty), and the documents that could not be read.

        A coded passage carries at least one coding that counts: a rule's or a person's,
        never a model suggestion alone.
        """
        where = f"s.kind IN ({','.join('?' * len(kinds))})" if kinds else "1"
        one = lambda sql: int(self.db.execute(sql, list(kinds)).fetchone()[0])  # noqa: E731
        coded = (
            f"SELECT count(DISTINCT e.passage_id) FROM ({EFFECTIVE_CODINGS} "
            "AND c.origin != 'model') e JOIN passages p ON p.id = e.passage_id "
            f"JOIN sources s ON s.key = p.source_key WHERE {where}"
        )
        documents = f"FROM documents d JOIN sources s ON s.key = d.source_key WHERE {where}"
        return {
            "sources": one(f"SELECT count(*) FROM sources s WHERE {where}"),
            "documents_ok": one(f"SELECT count(*) {documents} AND d.status = 'ok'"),
            "passages": one(
                f"SELECT count(*) FROM passages p JOIN sources s ON s.key = p.source_key "
                f"WHERE {where}"
            ),
            "coded": one(coded),
            "unread": one(f"SELECT count(*) {documents} AND d.status NOT IN ('ok', 'pending')"),
        }

    def passage_counts(self, kinds: Sequence[str] = ()) -> dict[str, int]:
        """Return the number of passages per source key, for ``kinds`` of source (all: empty)."""
        where = f"WHERE s.kind IN ({','.join('?' * len(kinds))})" if kinds else ""
        rows = self.db.execute(
            "SELECT p.source_key, count(*) FROM passages p JOIN sources s ON s.key = p.source_key "
            f"{where} GROUP BY p.source_key ORDER BY p.source_key",
            list(kinds),
        )
        return dict(rows.fetchall())

    def _match(self, query: SearchQuery, sql: str, params: Sequence[Any]) -> list[Any]:
        """Run ``sql`` (``{table}`` and a first ``?`` for the MATCH expression) for ``query``.

        An FTS5 query that FTS5 refuses is tried once more with its odd words quoted
        (``sans-abri AND violence``); if that fails too, the error says how to write it.
        """
        statement = sql.format(table=query.table)
        try:
            return self.db.execute(statement, (query.match, *params)).fetchall()
        except sqlite3.OperationalError as exc:
            if query.plain or query.raw:
                raise _syntax_error(query.match, exc) from exc
            quoted = quote_barewords(query.match)
            try:
                return self.db.execute(statement, (quoted, *params)).fetchall()
            except sqlite3.OperationalError:
                raise _syntax_error(query.match, exc) from exc

    def search_page(
        self, query: str, limit: int = 20, rank_limit: int = RANK_LIMIT
    ) -> tuple[list[dict[str, Any]], bool, int]:
        """Search the passages: return (hits, ranked, matches).

        ``query`` is plain words as people type them (each word or quoted phrase must
        occur, in any of its inflections in the passage's language), or FTS5 syntax when
        it has operators (``AND``, ``OR``, ``NOT``, ``NEAR``, ``*``) or starts with ``fts:``.
        Hits carry id, source key, page label, section, language, a snippet with ``[…]``
        around the matches, and the BM25 rank. They are ranked when at most ``rank_limit``
        passages match; past that, ranking every match would cost seconds on a large store,
        so hits come in document order with rank None. ``matches`` counts up to
        ``rank_limit + 1``.
        """
        compiled = compile_query(query)
        if not compiled.match:
            return [], True, 0
        matches = self._match(
            compiled,
            "SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {table} MATCH ? LIMIT ?)",
            (rank_limit + 1,),
        )[0][0]
        ranked = matches <= rank_limit
        order = "rank FROM {table} WHERE {table} MATCH ? ORDER BY rank LIMIT ?"
        plain = "NULL FROM {table} WHERE {table} MATCH ? LIMIT ?"
        # Snippets come from the query that picks the hits: FTS5 makes them for the rows
        # returned only. A second MATCH restricted to the hits' rowids would expand a prefix
        # query (``agress*``) again for every hit. The stemmed index holds stems, not the
        # words: its snippets are cut from the passage's text here.
        snippet = "''" if compiled.plain else "snippet({table}, 0, '[', ']', '…', 16)"
        top = self._match(
            compiled,
            f"SELECT rowid, {snippet}, " + (order if ranked else plain),
            (limit,),
        )
        place = {
            r[0]: r[1:]
            for r in self.db.execute(
                "SELECT rowid, id, source_key, page_label, section, lang, text FROM passages "
                "WHERE rowid IN (SELECT value FROM json_each(?))",
                (json.dumps([r for r, _, _ in top]),),
            )
        }
        keys = ("id", "source_key", "page_label", "section", "lang", "snippet", "rank")
        hits = []
        for r, snip, rank in top:
            if r not in place:
                continue
            *where, text = place[r]
            if compiled.plain:
                snip = mark_snippet(text, where[4], compiled.stems)
            hits.append(dict(zip(keys, (*where, snip, rank), strict=True)))
        return hits, ranked, matches

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Search the passages (see :meth:`search_page`); return the hits as it gives them."""
        return self.search_page(query, limit)[0]

    def search_ids(self, query: str) -> np.ndarray:
        """Return the rowids of every passage matching ``query`` (see :meth:`search_page`)."""
        compiled = compile_query(query)
        if not compiled.match:
            return np.array([], dtype=np.int64)
        n, text = self._match(
            compiled, "SELECT count(*), group_concat(rowid) FROM {table} WHERE {table} MATCH ?", ()
        )[0]
        return parse_ints(text, n)

    def data_digest(self) -> str:
        """Return a digest of what the store holds, cheap enough for every build: each source
        as read, each document's content hash, status and the extractor and codebook versions
        applied, and the passages and codings in brief (counts and sums by origin)."""
        digest = hashlib.sha256()
        for sql in (
            "SELECT key, kind, origin, version, country, data FROM sources ORDER BY key",
            "SELECT source_key, path, sha256, status, extracted_sha256, extractor_version, "
            "coded_version FROM documents ORDER BY source_key, path",
            "SELECT count(*), coalesce(max(rowid), 0) FROM passages",
            "SELECT origin, count(*), total(negated), total(passage_rowid), total(score), "
            "max(provenance) FROM codings GROUP BY origin ORDER BY origin",
        ):
            for row in self.db.execute(sql):
                digest.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
        return digest.hexdigest()

    def _frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Return the result of a read-only query as a DataFrame."""
        return pd.read_sql_query(sql, self.db, params=list(params))

    def sources_frame(self) -> pd.DataFrame:
        """Return the sources (key, kind, item_type, title, authors, year, container, lang)."""
        return self._frame(
            "SELECT key, kind, origin, item_type, title, authors, year, container, lang, country "
            "FROM sources ORDER BY key"
        )

    def field_dates(self) -> dict[str, str]:
        """Return each field source's date as its metadata gives it (YYYY-MM-DD, YYYY-MM or
        YYYY; "" when undated)."""
        rows = self.db.execute(
            "SELECT key, coalesce(json_extract(data, '$.date'), '') FROM sources "
            "WHERE kind = 'field' ORDER BY key"
        ).fetchall()
        return {key: str(date) for key, date in rows}

    def documents_frame(self) -> pd.DataFrame:
        """Return the documents with their status and reason."""
        return self._frame(
            "SELECT id, source_key, path, status, reason, pages, lang FROM documents "
            "ORDER BY source_key, path"
        )

    def passages_frame(self, sections: Sequence[str] | None = None) -> pd.DataFrame:
        """Return passages (id, source_key, document path, page, section, lang, text)."""
        where, params = "", []
        if sections:
            where = f"WHERE p.section IN ({','.join('?' * len(sections))})"
            params = list(sections)
        return self._frame(
            "SELECT p.id, p.source_key, p.origin, d.path, p.page_index, p.page_label, p.seq, "
            f"p.section, p.lang, p.text FROM passages p LEFT JOIN documents d "
            f"ON d.id = p.document_id {where} ORDER BY p.source_key, d.path, p.seq",
            params,
        )

    def codings_frame(self, *, effective: bool = True, suggestions: bool = False) -> pd.DataFrame:
        """Return codings joined to their passage's source (passage_id, source_key, code, origin).

        With ``effective`` (the default), the decisions that stand are applied: a person's
        rejection removes every other coding of that code on that passage. Model suggestions
        are left out unless ``suggestions``: they count only once a person accepts them.
        """
        if effective:
            base = EFFECTIVE_CODINGS + ("" if suggestions else " AND c.origin != 'model'")
        else:
            base = (
                "SELECT passage_id, code, origin, provenance, score FROM codings WHERE negated = 0"
            )
            base += "" if suggestions else " AND origin != 'model'"
        return self._frame(
            f"SELECT e.passage_id, p.source_key, e.code, e.origin, e.provenance, e.score "
            f"FROM ({base}) e JOIN passages p ON p.id = e.passage_id "
            f"ORDER BY e.passage_id, e.code, e.origin, e.provenance"
        )


def _syntax_error(query: str, exc: Exception) -> SearchSyntaxError:
    return SearchSyntaxError(
        f"search query {query!r} is not valid FTS5 syntax ({exc}); type plain words without "
        "AND, OR, NOT, NEAR or *, or write FTS5: quote phrases with double quotes, e.g. "
        "'\"sans-abri\" AND violence', and end a prefix with *: agress*"
    )
