"""Zotero as the library: pulling what changed, its PDFs, and annotations as passages.

A :class:`ZoteroClient` (pyzotero, with bounded retries) pulls what changed since a library
version (:class:`Pull`); ``merge_items`` applies it to the local mirror and ``select_library``
picks the references in scope with their PDF attachments and annotations. ``locate_files``
finds or downloads each PDF and checks it against Zotero's md5 (a :class:`FileCheck` spares
the next sync the hashing). ``build_annotations`` turns annotations into passages and human
codings; ``render_snapshot`` and ``read_snapshot`` keep them in committed CSV files so the
workbook rebuilds without Zotero.
"""

from evidence.library.zotero._annotations import (
    ANNOTATION_COLUMNS,
    CODING_COLUMNS,
    AnnotationSet,
    build_annotations,
    read_snapshot,
    render_snapshot,
)
from evidence.library.zotero._files import FileCheck, FileResult, locate_files
from evidence.library.zotero._http import Pull, ZoteroClient, ZoteroUnavailable, library_label
from evidence.library.zotero._items import (
    LibraryView,
    merge_items,
    read_annotation,
    select_library,
)

__all__ = [
    "FileResult",
    "LibraryView",
    "ANNOTATION_COLUMNS",
    "CODING_COLUMNS",
    "AnnotationSet",
    "FileCheck",
    "Pull",
    "ZoteroClient",
    "ZoteroUnavailable",
    "build_annotations",
    "library_label",
    "locate_files",
    "merge_items",
    "read_annotation",
    "read_snapshot",
    "render_snapshot",
    "select_library",
]
