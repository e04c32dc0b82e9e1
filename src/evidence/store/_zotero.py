"""The Zotero mirror in the store: items and collections as last pulled, and verified files.

Callers run these inside one store transaction, with the library version written last, so a
sync interrupted at any point leaves the store as it was before that sync.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from evidence.library.zotero import FileCheck

from ._store import Store

__all__ = [
    "META_LIBRARY",
    "META_SOURCES",
    "META_VERSION",
    "load_file_checks",
    "load_mirror",
    "replace_file_checks",
    "slim",
    "write_mirror",
]

META_LIBRARY = "zotero.library"
META_VERSION = "zotero.version"
META_SOURCES = "zotero.sources"


def slim(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Return an API object without its links (they change with the host, not the data)."""
    out = {k: obj[k] for k in ("key", "version", "meta", "data") if k in obj}
    library = obj.get("library")
    if isinstance(library, Mapping):
        out["library"] = {k: library[k] for k in ("type", "id", "name") if k in library}
    return out


def _dump(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def load_mirror(store: Store) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Return the mirrored (items, collections), each by key."""
    items = {k: json.loads(d) for k, d in store.db.execute("SELECT key, data FROM zotero_items")}
    collections = {
        k: json.loads(d) for k, d in store.db.execute("SELECT key, data FROM zotero_collections")
    }
    return items, collections


def write_mirror(
    store: Store,
    *,
    items: Mapping[str, Mapping[str, Any]],
    gone_items: Iterable[str],
    collections: Mapping[str, Mapping[str, Any]],
    gone_collections: Iterable[str],
    reset: bool = False,
) -> None:
    """Write changed objects and delete gone ones (everything first, with ``reset``)."""
    with store.transaction() as db:
        if reset:
            db.execute("DELETE FROM zotero_items")
            db.execute("DELETE FROM zotero_collections")
        db.executemany(
            "INSERT OR REPLACE INTO zotero_items(key, version, item_type, parent, data) "
            "VALUES (?,?,?,?,?)",
            [
                (
                    k,
                    int(o.get("version") or 0),
                    str((o.get("data") or {}).get("itemType") or ""),
                    str((o.get("data") or {}).get("parentItem") or ""),
                    _dump(o),
                )
                for k, o in sorted(items.items())
            ],
        )
        db.executemany("DELETE FROM zotero_items WHERE key = ?", [(k,) for k in gone_items])
        db.executemany(
            "INSERT OR REPLACE INTO zotero_collections(key, version, parent, data) "
            "VALUES (?,?,?,?)",
            [
                (
                    k,
                    int(o.get("version") or 0),
                    str((o.get("data") or {}).get("parentCollection") or ""),
                    _dump(o),
                )
                for k, o in sorted(collections.items())
            ],
        )
        db.executemany(
            "DELETE FROM zotero_collections WHERE key = ?", [(k,) for k in gone_collections]
        )


def load_file_checks(store: Store) -> dict[str, FileCheck]:
    """Return the attachment files verified by earlier syncs, by attachment key."""
    rows = store.db.execute("SELECT key, path, md5, sha256, size, mtime FROM zotero_files")
    return {r[0]: FileCheck(*r) for r in rows}


def replace_file_checks(store: Store, checks: Iterable[FileCheck]) -> None:
    """Make the verified files exactly ``checks``."""
    with store.transaction() as db:
        db.execute("DELETE FROM zotero_files")
        db.executemany(
            "INSERT INTO zotero_files(key, path, md5, sha256, size, mtime) VALUES (?,?,?,?,?,?)",
            [(c.key, c.path, c.md5, c.sha256, c.size, c.mtime) for c in checks],
        )
