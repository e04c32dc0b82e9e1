"""The Zotero library as the workbook sees it: references, their PDF files and annotations.

Pure functions over Zotero item objects as the API returns them (``key``, ``version``,
``library``, ``meta``, ``data``). Nothing here touches the network, the disk or the store.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Annotation",
    "Attachment",
    "LibraryView",
    "merge_items",
    "read_annotation",
    "scope_collections",
    "select_library",
]

_CHILD_TYPES = {"attachment", "note", "annotation"}
_PDF = "application/pdf"
_FILE_MODES = {"imported_file", "imported_url", "linked_file"}
_KINDS = {"area": "image"}  # Zotero's reader calls image annotations "area"
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>|</p>", re.IGNORECASE)


@dataclass(frozen=True)
class Attachment:
    """A PDF attached to a reference: how Zotero holds it and its checksum."""

    key: str
    parent: str
    link_mode: str
    filename: str
    path: str = ""
    md5: str = ""


@dataclass(frozen=True)
class Annotation:
    """A highlight, underline, note or image annotation made in Zotero's PDF reader."""

    key: str
    parent: str
    reference: str
    kind: str
    text: str
    comment: str
    page_label: str
    page_index: int | None
    position: dict[str, Any] | None
    sort_index: str
    colour: str
    tags: tuple[str, ...]
    author: str
    date_modified: str


@dataclass
class LibraryView:
    """What a sync registers: references in scope, their PDFs and annotations, and what not."""

    references: dict[str, dict[str, Any]] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    skipped_files: int = 0
    orphans: int = 0


def merge_items(
    old: Mapping[str, dict[str, Any]],
    changed: Iterable[dict[str, Any]],
    deleted: Iterable[str] = (),
    *,
    complete: bool = False,
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], list[str]]:
    """Apply a pull to a mirror; return (new mirror, objects to write, keys to delete).

    Trashed items (``data.deleted``) leave the mirror: restoring one gives it a new version,
    so the next pull brings it back. With ``complete`` the pull is the whole library and
    anything it does not list is gone. Objects equal to the mirrored ones are not rewritten.
    """
    new = {} if complete else dict(old)
    upserts: dict[str, dict[str, Any]] = {}
    for obj in changed:
        key = str(obj["key"])
        if (obj.get("data") or {}).get("deleted"):
            new.pop(key, None)
            continue
        new[key] = obj
        if old.get(key) != obj:
            upserts[key] = obj
    for key in deleted:
        new.pop(key, None)
    gone = sorted(k for k in old if k not in new)
    return new, upserts, gone


def scope_collections(collections: Mapping[str, dict[str, Any]], root: str) -> set[str]:
    """Return ``root`` and every collection below it, at any depth."""
    children: dict[str, list[str]] = {}
    for key, obj in collections.items():
        parent = (obj.get("data") or {}).get("parentCollection") or ""
        children.setdefault(str(parent), []).append(key)
    found, todo = set(), [root]
    while todo:
        key = todo.pop()
        if key not in found:
            found.add(key)
            todo.extend(children.get(key, ()))
    return found


def _plain(value: Any) -> str:
    """Return annotation rich text (``<b>``, ``<i>``, entities) as plain single-spaced text."""
    text = _TAG.sub("", _BREAK.sub(" ", str(value or "")))
    return " ".join(html.unescape(text).split())


def _position(value: Any) -> dict[str, Any] | None:
    # The Web API sends the position as a JSON string; Better BibTeX and the reader send an
    # object.
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _owner(obj: Mapping[str, Any]) -> str:
    user = (obj.get("meta") or {}).get("createdByUser") or {}
    return str(
        user.get("name") or user.get("username") or (obj.get("library") or {}).get("name") or ""
    )


def read_annotation(obj: Mapping[str, Any], reference: str = "") -> Annotation:
    """Return the annotation held by a Zotero item object (or its ``data``).

    Accepts the Web API form (``annotationType``, ``annotationPosition`` as a JSON string),
    Better BibTeX's form (position as an object) and the reader's own JSON (``type``,
    ``pageLabel``, ``position``, tags as ``{"name": ...}``).
    """
    data: Mapping[str, Any] = obj["data"] if isinstance(obj.get("data"), dict) else obj

    def pick(api: str, reader: str) -> Any:
        return data.get(api, data.get(reader))

    position = _position(pick("annotationPosition", "position"))
    index = position.get("pageIndex") if position else None
    tags = tuple(
        sorted(
            {
                str(t.get("tag") or t.get("name"))
                for t in data.get("tags") or ()
                if isinstance(t, dict) and (t.get("tag") or t.get("name"))
            }
        )
    )
    kind = str(pick("annotationType", "type") or "highlight")
    return Annotation(
        key=str(data.get("key") or obj.get("key") or ""),
        parent=str(data.get("parentItem") or ""),
        reference=reference,
        kind=_KINDS.get(kind, kind),
        text=_plain(pick("annotationText", "text")),
        comment=_plain(pick("annotationComment", "comment")),
        page_label=str(pick("annotationPageLabel", "pageLabel") or ""),
        page_index=index if isinstance(index, int) and not isinstance(index, bool) else None,
        position=position,
        sort_index=str(pick("annotationSortIndex", "sortIndex") or ""),
        colour=str(pick("annotationColor", "color") or "").lower(),
        tags=tags,
        author=str(pick("annotationAuthorName", "authorName") or "") or _owner(obj),
        date_modified=str(data.get("dateModified") or ""),
    )


def _is_pdf(data: Mapping[str, Any]) -> bool:
    name = str(data.get("filename") or data.get("path") or "")
    return data.get("contentType") == _PDF or name.lower().endswith(".pdf")


def select_library(
    items: Mapping[str, dict[str, Any]],
    collections: Mapping[str, dict[str, Any]],
    *,
    collection: str = "",
) -> LibraryView:
    """Return the references in scope (a collection and its sub-collections, or all), with
    their PDF attachments and annotations.

    Non-PDF attachments and linked URLs are counted in ``skipped_files``; children whose
    parent is gone (trashed, deleted, outside the scope) are counted in ``orphans``. An
    annotation whose parent is the reference itself rather than its PDF is kept.
    """
    view = LibraryView()
    scope = scope_collections(collections, collection) if collection else None
    for key, obj in items.items():
        data = obj.get("data") or {}
        if data.get("itemType") in _CHILD_TYPES or data.get("parentItem"):
            continue
        if scope is None or scope & set(data.get("collections") or ()):
            view.references[key] = data
    for key in sorted(items):
        obj = items[key]
        kind = (obj.get("data") or {}).get("itemType")
        if kind == "attachment":
            _add_attachment(view, key, obj.get("data") or {}, items, whole=scope is None)
        elif kind == "annotation":
            _add_annotation(view, obj, items)
    return view


def _add_attachment(
    view: LibraryView,
    key: str,
    data: Mapping[str, Any],
    items: Mapping[str, dict[str, Any]],
    *,
    whole: bool,
) -> None:
    """Add a PDF attachment of a reference in scope to the view, or count why it is not."""
    parent = str(data.get("parentItem") or "")
    if not parent:
        if whole and _is_pdf(data):
            view.problems.append(
                (
                    f"attachment {key}",
                    "standalone_attachment",
                    "a PDF without a parent reference is not read; "
                    "create a parent item for it in Zotero",
                )
            )
        return
    if parent not in view.references:
        view.orphans += parent not in items
        return
    mode = str(data.get("linkMode") or "")
    if mode not in _FILE_MODES or not _is_pdf(data):
        view.skipped_files += 1
        return
    view.attachments.append(
        Attachment(
            key=key,
            parent=parent,
            link_mode=mode,
            filename=str(data.get("filename") or ""),
            path=str(data.get("path") or ""),
            md5=str(data.get("md5") or ""),
        )
    )


def _add_annotation(
    view: LibraryView, obj: Mapping[str, Any], items: Mapping[str, dict[str, Any]]
) -> None:
    """Add an annotation of a reference in scope to the view, or count it as an orphan."""
    parent = str((obj.get("data") or {}).get("parentItem") or "")
    holder = items.get(parent, {}).get("data") or {}
    # parentItem should be the attachment; real data also has it on the reference.
    reference = parent if parent in view.references else str(holder.get("parentItem") or "")
    if reference not in view.references:
        view.orphans += parent not in items
        return
    view.annotations.append(read_annotation(obj, reference))
