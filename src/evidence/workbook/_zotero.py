"""The Zotero route of ``evidence sync``: references, PDFs and annotations, incrementally.

One sync asks Zotero what changed since the library version the store last reached (one
request when nothing did), merges that into the store's mirror of the library, and derives
everything again from the mirror: sources, their PDF files (found or downloaded, md5-checked),
annotation passages and the human codings their tags and colours carry. All of it lands in
one store transaction whose last write is the new library version, so an interrupted sync
leaves the store as it was and the next one starts from the same version.

After the transaction the committed snapshot is refreshed (references.bib and the annotation
files beside the coding decisions), so the workbook re-runs without Zotero access.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2

from evidence.coding import load_codebook
from evidence.config import Settings, ZoteroSettings, read_secret
from evidence.errors import ConfigError, ZoteroError
from evidence.files import write_atomic
from evidence.library import make_citation_keys, normalise_language, parse_bibtex, render_bibtex
from evidence.library.zotero import (
    ANNOTATION_COLUMNS,
    CODING_COLUMNS,
    AnnotationSet,
    FileCheck,
    FileResult,
    LibraryView,
    Pull,
    ZoteroClient,
    ZoteroUnavailable,
    build_annotations,
    library_label,
    locate_files,
    merge_items,
    read_snapshot,
    render_snapshot,
    select_library,
)
from evidence.store import (
    META_LIBRARY,
    META_SOURCES,
    META_VERSION,
    Store,
    load_file_checks,
    load_mirror,
    replace_file_checks,
    slim,
    write_mirror,
)

from ._countries import with_countries

__all__ = [
    "ANNOTATIONS_FILE",
    "CODINGS_FILE",
    "ZOTERO_COLOURS",
    "load_annotation_snapshot",
    "sync_zotero",
]

ANNOTATIONS_FILE = "zotero-annotations.csv"
CODINGS_FILE = "zotero-codings.csv"
_DOWNLOADS = "data/pdfs"
_FILE_ORIGINS = ("bibtex", "ris", "csljson")
# The colours of Zotero's reader, so evidence.toml can say "red" instead of "#ff6666".
ZOTERO_COLOURS = {
    "yellow": "#ffd400",
    "red": "#ff6666",
    "green": "#5fb236",
    "blue": "#2ea8e5",
    "purple": "#a28ae5",
    "magenta": "#e56eee",
    "orange": "#f19837",
    "gray": "#aaaaaa",
    "grey": "#aaaaaa",
}
_HEX = re.compile(r"^#[0-9a-f]{6}$")


def _snapshot_paths(settings: Settings) -> tuple[Path, Path]:
    folder = settings.decisions.parent
    return folder / ANNOTATIONS_FILE, folder / CODINGS_FILE


def _bib_path(settings: Settings) -> Path:
    bib = settings.bibliography
    return bib if bib.suffix.lower() == ".bib" else bib.with_suffix(".bib")


def _codebook_maps(settings: Settings) -> tuple[set[str], dict[str, str], dict[str, str]]:
    """Return (code ids, tag -> code, colour -> code), checking the colours fail fast."""
    codes: set[str] = set()
    tags: dict[str, str] = {}
    if settings.codebook.is_file():
        codebook = load_codebook(settings.codebook)
        codes, tags = set(codebook.codes), dict(codebook.tag_map)
    where = f"{settings.root / 'evidence.toml'}: [zotero] colours"
    colours = {}
    for colour, code in settings.zotero.colours.items():
        hexa = ZOTERO_COLOURS.get(colour.strip().lower(), colour.strip().lower())
        if not _HEX.match(hexa):
            raise ConfigError(
                f"{where}: '{colour}' is not a colour; write \"#rrggbb\" or one of "
                f"{', '.join(sorted(ZOTERO_COLOURS))}"
            )
        if code not in codes:
            raise ConfigError(
                f"{where}: '{colour}' maps to '{code}', which is not a code of "
                f"{settings.relative(settings.codebook)}"
            )
        colours[hexa] = code
    return codes, tags, colours


def load_annotation_snapshot(settings: Settings, store: Store) -> dict[str, Any]:
    """Load the committed annotation snapshot into the store (the offline route); return counts.

    Annotations of references the store does not hold are skipped with their line.
    """
    annotations, codings = _snapshot_paths(settings)
    if not annotations.is_file():
        return {"annotations": 0, "human_codings": 0, "skipped": []}
    known = store.source_keys()
    loaded, problems = read_snapshot(annotations, codings, known)
    with store.transaction():
        store.replace_annotations(loaded.passages)
        written = store.replace_codings("human", loaded.codings, prefix="zotero:")
    return {
        "annotations": len(loaded.passages),
        "human_codings": written,
        "skipped": [{"item": i, "reason": r} for i, r in problems],
    }


def _unavailable(summary: dict[str, Any], reason: str, *, failure: bool) -> dict[str, Any]:
    skipped = [{"item": summary["library"], "reason": reason}] if failure else []
    return {**summary, "fallback": reason, "skipped": skipped}


def _kept(summary: dict[str, Any], store: Store, **extra: Any) -> dict[str, Any]:
    """The summary of a sync that left the store as it was."""
    counts = store.counts()
    held = {"sources": counts["sources"], "annotations": counts["annotations"]}
    return {**summary, **held, "unchanged": True, **extra}


@dataclasses.dataclass
class _Mirror:
    """The library after a pull, and what the pull changed in the store's mirror of it."""

    items: dict[str, dict[str, Any]]
    collections: dict[str, dict[str, Any]]
    changed_items: dict[str, dict[str, Any]]
    gone_items: list[str]
    changed_collections: dict[str, dict[str, Any]]
    gone_collections: list[str]

    def write(self, store: Store, *, reset: bool) -> None:
        write_mirror(
            store,
            items=self.changed_items,
            gone_items=self.gone_items,
            collections=self.changed_collections,
            gone_collections=self.gone_collections,
            reset=reset,
        )


def _merge(store: Store, pull: Pull | None, synced: bool) -> _Mirror:
    items, collections = load_mirror(store) if synced else ({}, {})
    if pull is None:
        return _Mirror(items, collections, {}, [], {}, [])
    new_items, changed_items, gone_items = merge_items(
        items, [slim(o) for o in pull.items], pull.deleted_items, complete=pull.complete
    )
    new_colls, changed_colls, gone_colls = merge_items(
        collections,
        [slim(o) for o in pull.collections],
        pull.deleted_collections,
        complete=pull.complete,
    )
    return _Mirror(new_items, new_colls, changed_items, gone_items, changed_colls, gone_colls)


def _library_state(
    store: Store, zs: ZoteroSettings, label: str, full: bool
) -> tuple[str, bool, int]:
    """The library's identity, whether the store holds it synced, and the version to pull from."""
    identity = f"{label}@{'local' if zs.local else ''}{zs.endpoint}"
    synced = store.get_meta(META_LIBRARY) == identity
    since = int(store.get_meta(META_VERSION, "0") or 0) if synced and not full else 0
    return identity, synced, since


def _new_summary(settings: Settings, bib: Path, label: str, since: int) -> dict[str, Any]:
    """The summary of a sync before anything is pulled."""
    return {
        "stage": "sync",
        "route": "zotero-local" if settings.zotero.local else "zotero",
        "file": settings.relative(bib),
        "library": label,
        "since": since,
        "version": since,
        "requests": 0,
        **dict.fromkeys(("added", "updated", "removed", "sources", "files", "missing"), 0),
        "skipped": [],
    }


def _without_key(summary: dict[str, Any], store: Store, synced: bool) -> dict[str, Any]:
    """No key for the Web API: keep the library as last synced, else read the snapshot."""
    reason = "ZOTERO_API_KEY is not set (environment or .env)"
    if synced:
        return _kept(summary, store, note=f"{reason}: the library is kept as last synced")
    return _unavailable(summary, f"{reason}: the committed snapshot was read", failure=False)


def _check_collection(zs: ZoteroSettings, label: str, mirror: _Mirror) -> None:
    if zs.collection and zs.collection not in mirror.collections:
        raise ZoteroError(
            f"{label} has no collection '{zs.collection}': set [zotero] collection in "
            "evidence.toml to a collection key (the 8 characters in the collection's web "
            "address) or leave it empty"
        )


def _write_sync(
    store: Store,
    summary: dict[str, Any],
    mirror: _Mirror,
    derived: _Derived,
    identity: str,
    *,
    reset: bool,
) -> None:
    """Write the pull and all it derives in one transaction, the library version last."""
    with store.transaction():
        mirror.write(store, reset=reset)
        summary.update(derived.apply(store))
        store.set_meta(META_LIBRARY, identity)
        store.set_meta(META_VERSION, str(summary["version"]))  # last: the pull is now applied


def sync_zotero(
    settings: Settings,
    store: Store,
    *,
    api_key: str | None = None,
    transport: httpx2.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    full: bool = False,
) -> dict[str, Any]:
    """Bring the configured Zotero library into the store; return the sync summary.

    With ``full`` the whole library is read again (not only what changed since the stored
    version) and compared with the store's copy: a repair when the two have drifted apart.

    The API key is read from ``ZOTERO_API_KEY`` (environment, then ``.env``) unless given.
    When Zotero cannot be used (no key for the Web API, or no answer after the retries) and
    the store holds no synced library, the summary has a ``fallback`` reason and the caller
    reads the committed snapshot instead; when it holds one, the store is left as it is.
    A refused key or an unknown library or collection raises :class:`ZoteroError`.
    """
    zs = settings.zotero
    codes, tag_map, colours = _codebook_maps(settings)
    key = read_secret("ZOTERO_API_KEY", settings.root) if api_key is None else api_key
    label = library_label(zs)
    identity, synced, since = _library_state(store, zs, label, full)
    bib = _bib_path(settings)
    summary = _new_summary(settings, bib, label, since)
    if not zs.local and not key:
        return _without_key(summary, store, synced)
    client = ZoteroClient(zs, key, transport=transport, sleep=sleep)
    try:
        try:
            pull = client.pull(since)
        except ZoteroUnavailable as exc:
            summary["requests"] = client.requests
            if not synced:
                return _unavailable(summary, str(exc), failure=True)
            return _kept(summary, store, skipped=[{"item": label, "reason": str(exc)}])
        mirror = _merge(store, pull, synced)
        _check_collection(zs, label, mirror)
        derived = _derive(
            settings, store, client, mirror.items, mirror.collections, codes, tag_map, colours
        )
    finally:
        client.close()
    summary["version"] = pull.version if pull is not None else since
    summary["requests"] = client.requests
    summary["retries"] = client.transport.retried
    _write_sync(store, summary, mirror, derived, identity, reset=not synced)
    summary["changed"] = len(mirror.changed_items) + len(mirror.changed_collections)
    summary["deleted"] = len(mirror.gone_items) + len(mirror.gone_collections)
    summary["written"] = derived.write_snapshot(settings, bib)
    return summary


@dataclasses.dataclass
class _Derived:
    """Everything a sync writes, computed before the transaction that writes it."""

    sources: list[dict[str, Any]] | None  # None: the same as the store holds
    digest: str
    documents: dict[str, list[dict[str, Any]]]
    annotations: AnnotationSet
    checks: list[FileCheck]
    failures: list[tuple[str, str, str]]
    bibtex: str
    counts: dict[str, int]

    def apply(self, store: Store) -> dict[str, Any]:
        counts = {"added": 0, "updated": 0, "removed": 0}
        if self.sources is not None:
            counts = store.replace_sources("zotero", self.sources)
            for origin in _FILE_ORIGINS:
                store.replace_sources(origin, [])
        store.set_meta(META_SOURCES, self.digest)
        for key in sorted(self.documents):
            store.replace_documents(key, self.documents[key])
        notes = store.replace_annotations(self.annotations.passages)
        human = store.replace_codings("human", self.annotations.codings, prefix="zotero:")
        replace_file_checks(store, self.checks)
        store.replace_failures("sync", self.failures)
        return {
            **counts,
            **self.counts,
            "annotations": len(self.annotations.passages),
            "annotations_changed": notes,
            "human_codings": human,
            "skipped": [{"item": i, "reason": d} for i, _, d in self.failures],
        }

    def write_snapshot(self, settings: Settings, bib: Path) -> list[str]:
        annotations, codings = _snapshot_paths(settings)
        out = []
        for path, text in (
            (bib, self.bibtex),
            (annotations, render_snapshot(self.annotations.rows, ANNOTATION_COLUMNS)),
            (codings, render_snapshot(self.annotations.coding_rows, CODING_COLUMNS)),
        ):
            if write_atomic(path, text, if_changed=True):
                out.append(settings.relative(path))
        return out


def _locate(
    settings: Settings, store: Store, client: ZoteroClient, view: LibraryView
) -> list[FileResult]:
    """Find each PDF attachment on disk (or download it), checked against Zotero's md5."""
    zs = settings.zotero
    return locate_files(
        view.attachments,
        root=settings.root,
        download_dir=settings.path(_DOWNLOADS),
        relative=settings.relative,
        storage=settings.path(zs.storage) if zs.storage else None,
        search_dirs=settings.pdf_dirs,
        checks=load_file_checks(store),
        fetch=None if zs.local else client.fetch_file,
        local_path=client.local_file_path if zs.local else None,
    )


def _documents(
    view: LibraryView, keys: dict[str, str], results: list[FileResult]
) -> dict[str, list[dict[str, Any]]]:
    """The document records of each reference, by citation key (none for a reference alone)."""
    documents: dict[str, list[dict[str, Any]]] = {keys[z]: [] for z in view.references}
    for r in results:
        documents[keys[r.attachment.parent]].append(r.record)
    return documents


def _library_bibtex(
    view: LibraryView,
    keys: dict[str, str],
    documents: dict[str, list[dict[str, Any]]],
    langs: dict[str, str],
    label: str,
) -> str:
    """The references.bib snapshot of the library: its references with their files."""
    files = {z: sorted(d["path"] for d in documents[keys[z]]) for z in view.references}
    header = (
        f"Written by `evidence sync` from the Zotero library {label}.\n"
        "Edit the library in Zotero, not this file."
    )
    return render_bibtex(
        view.references.values(), keys, files=files, languages=langs, header=header
    )


def _sources(
    settings: Settings,
    store: Store,
    bibtex: str,
    keys: dict[str, str],
    versions: list[tuple[str, int]],
) -> tuple[list[dict[str, Any]] | None, tuple[tuple[str, str], ...], str]:
    """Return the sources (None: as the store holds them), the skipped entries and the digest."""
    digest = hashlib.sha256(
        json.dumps([bibtex, versions, settings.countries], sort_keys=True).encode()
    ).hexdigest()
    sources: list[dict[str, Any]] | None = None
    skipped: tuple[tuple[str, str], ...] = ()
    # Sources are a function of the BibTeX text and the versions: unchanged, they are not
    # parsed again (the slowest step of a sync where nothing changed).
    held = len(store.source_keys("zotero"))
    if store.get_meta(META_SOURCES) != digest or held != len(keys):
        parsed = parse_bibtex(bibtex, _bib_path(settings).name)
        by_key = {c: z for z, c in keys.items()}
        sources = with_countries(
            settings,
            [
                dataclasses.replace(
                    s,
                    origin="zotero",
                    files=(),
                    zotero_key=by_key[s.key],
                    version=dict(versions)[by_key[s.key]],
                ).as_record()
                for s in parsed.sources
            ],
        )
        skipped = parsed.skipped
        digest = "" if skipped else digest
    return sources, skipped, digest


def _failures(
    key_problems: list[tuple[str, str]],
    view: LibraryView,
    skipped: tuple[tuple[str, str], ...],
) -> list[tuple[str, str, str]]:
    """What the sync could not register, as (item, reason, detail), sorted."""
    failures = [(f"zotero item {z}", "citation_key", why) for z, why in key_problems]
    failures += [(i, r, d) for i, r, d in view.problems]
    failures += [(i, "malformed_entry", why) for i, why in skipped]
    return sorted(failures)


def _languages(view: LibraryView) -> dict[str, str]:
    """Each reference's language as fr, nl or en ("" when unknown), by Zotero key."""
    return {z: normalise_language(str(d.get("language") or "")) for z, d in view.references.items()}


def _counts(
    keys: dict[str, str], results: list[FileResult], found: list[FileResult], view: LibraryView
) -> dict[str, int]:
    """The summary's counts of sources and files."""
    return {
        "sources": len(keys),
        "files": len(found),
        "missing": len(results) - len(found),
        "downloaded": sum(r.downloaded for r in results),
        "non_pdf_attachments": view.skipped_files,
        "orphans": view.orphans,
    }


def _derive(
    settings: Settings,
    store: Store,
    client: ZoteroClient,
    items: dict[str, Any],
    collections: dict[str, Any],
    codes: set[str],
    tag_map: dict[str, str],
    colours: dict[str, str],
) -> _Derived:
    view = select_library(items, collections, collection=settings.zotero.collection)
    keys, key_problems = make_citation_keys(view.references.values())
    results = _locate(settings, store, client, view)
    documents = _documents(view, keys, results)
    langs = _languages(view)
    bibtex = _library_bibtex(view, keys, documents, langs, client.label)
    versions = sorted((z, int(items[z].get("version") or 0)) for z in view.references)
    sources, skipped, digest = _sources(settings, store, bibtex, keys, versions)
    annotations = build_annotations(
        view.annotations,
        source_keys=keys,
        languages={keys[z]: lang for z, lang in langs.items()},
        documents={r.attachment.key: r.record["path"] for r in results},
        codes=codes,
        tag_map=tag_map,
        colours=colours,
    )
    found = [r for r in results if r.check is not None]
    checks = [r.check for r in found if r.check is not None]
    return _Derived(
        sources=sources,
        digest=digest,
        documents=documents,
        annotations=annotations,
        checks=checks,
        failures=_failures(key_problems, view, skipped),
        bibtex=bibtex,
        counts=_counts(keys, results, found, view),
    )
