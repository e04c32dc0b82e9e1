"""Attachment files: found in Zotero's storage folder or by path, else downloaded; md5-checked.

A file whose size and modification time match an earlier check is not read again, so a sync
of an unchanged library does not re-hash every PDF.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any

from evidence.files import write_atomic

from ._http import FileUnavailable, ZoteroUnavailable
from ._items import Attachment

__all__ = ["FileCheck", "FileResult", "locate_files"]


@dataclass(frozen=True)
class FileCheck:
    """A local attachment file whose md5 matched Zotero's, with its size, mtime and sha256."""

    key: str
    path: str
    md5: str
    sha256: str
    size: int
    mtime: float


@dataclass(frozen=True)
class FileResult:
    """Where an attachment's file is (a document record for the store), and what went wrong."""

    attachment: Attachment
    record: dict[str, Any]
    check: FileCheck | None = None
    problem: str = ""
    downloaded: bool = False


def _hashes(path: Path) -> tuple[str, str]:
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            md5.update(block)
            sha.update(block)
    return md5.hexdigest(), sha.hexdigest()


def _safe_name(attachment: Attachment) -> str:
    name = PureWindowsPath(attachment.filename).name.lstrip(".").strip()
    return name or f"{attachment.key}.pdf"


class _Locator:
    def __init__(
        self,
        *,
        root: Path,
        download_dir: Path,
        storage: Path | None,
        search_dirs: Sequence[Path],
        checks: Mapping[str, FileCheck],
        relative: Callable[[Path], str],
        fetch: Callable[[str], bytes] | None,
        local_path: Callable[[str], str] | None,
    ) -> None:
        self.root, self.download_dir, self.storage = root, download_dir, storage
        self.search_dirs, self.checks, self.relative = search_dirs, checks, relative
        self.fetch, self.local_path = fetch, local_path
        self.unavailable = ""

    def _verify(self, a: Attachment, path: Path) -> tuple[FileCheck, bool]:
        stat = path.stat()
        rel = self.relative(path)
        old = self.checks.get(a.key)
        if (
            old is not None
            and old.path == rel
            and old.size == stat.st_size
            and old.mtime == stat.st_mtime
            and old.md5 == a.md5
        ):
            return old, True
        md5, sha = _hashes(path)
        check = FileCheck(a.key, rel, md5, sha, stat.st_size, stat.st_mtime)
        return check, not a.md5 or md5 == a.md5

    def _found(self, a: Attachment, check: FileCheck, downloaded: bool = False) -> FileResult:
        record = {
            "path": check.path,
            "sha256": check.sha256,
            "size": check.size,
            "mtime": check.mtime,
            "zotero_key": a.key,
        }
        return FileResult(a, record, check, downloaded=downloaded)

    def _missing(self, a: Attachment, path: str, problem: str) -> FileResult:
        record = {"path": path, "status": "missing", "reason": problem, "zotero_key": a.key}
        return FileResult(a, record, problem=problem)

    def _linked(self, a: Attachment) -> FileResult:
        given = a.path.removeprefix("attachments:")
        name = PureWindowsPath(given).name if "\\" in given else Path(given).name
        bases = [self.storage] if self.storage else []
        candidates = [Path(os.path.expanduser(given))] if Path(given).is_absolute() else []
        candidates += [b / given for b in (self.root, *bases, *self.search_dirs)]
        candidates += [d / name for d in self.search_dirs]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            return self._missing(
                a,
                a.path,
                f"linked file not found: {a.path}; put it there or "
                "in one of the pdf_dirs of evidence.toml",
            )
        check, ok = self._verify(a, found)
        if not ok:
            return self._missing(a, check.path, "md5 differs from Zotero's record")
        return self._found(a, check)

    def _download(self, a: Attachment, target: Path) -> FileResult:
        rel = self.relative(target)
        if self.fetch is None or self.unavailable:
            why = self.unavailable or "no file in Zotero's storage folder"
            return self._missing(a, rel, f"not fetched: {why}")
        try:
            content = self.fetch(a.key)
        except FileUnavailable as exc:
            return self._missing(a, rel, str(exc))
        except ZoteroUnavailable as exc:
            self.unavailable = str(exc)
            return self._missing(a, rel, f"not fetched: {exc}")
        md5 = hashlib.md5(content, usedforsecurity=False).hexdigest()
        if a.md5 and md5 != a.md5:
            return self._missing(
                a,
                rel,
                f"downloaded file's md5 {md5} differs from Zotero's "
                f"{a.md5}; the download was damaged: sync again",
            )
        if not content[:1024].lstrip().startswith(b"%PDF-"):
            return self._missing(a, rel, "the file Zotero holds is not a PDF (no %PDF- header)")
        write_atomic(target, content)  # a reader never sees half a file
        stat = target.stat()
        sha = hashlib.sha256(content).hexdigest()
        check = FileCheck(a.key, rel, md5, sha, stat.st_size, stat.st_mtime)
        return self._found(a, check, downloaded=True)

    def locate(self, a: Attachment) -> FileResult:
        if a.link_mode == "linked_file":
            return self._linked(a)
        target = self.download_dir / a.key / _safe_name(a)
        candidates = [self.storage / a.key / a.filename] if self.storage else []
        old = self.checks.get(a.key)
        if self.local_path is not None and not self.storage:
            # Where Zotero desktop kept the file last time: no request when it is still there.
            known = self.root / old.path if old is not None else None
            if known is not None and known.is_file():
                candidates.append(known)
            else:
                try:
                    candidates.append(Path(self.local_path(a.key)))
                except (FileUnavailable, ZoteroUnavailable) as exc:
                    return self._missing(a, a.filename, f"Zotero desktop has no file: {exc}")
        candidates.append(target)
        mismatch = ""
        for path in candidates:
            if path.is_file():
                check, ok = self._verify(a, path)
                if ok:
                    return self._found(a, check)
                mismatch = f"{check.path}: md5 differs from Zotero's record"
        if self.local_path is not None:
            return self._missing(
                a,
                self.relative(candidates[0]),
                mismatch or "file not found where Zotero desktop keeps it",
            )
        return self._download(a, target)


def locate_files(
    attachments: Iterable[Attachment],
    *,
    root: Path,
    download_dir: Path,
    relative: Callable[[Path], str],
    storage: Path | None = None,
    search_dirs: Sequence[Path] = (),
    checks: Mapping[str, FileCheck] | None = None,
    fetch: Callable[[str], bytes] | None = None,
    local_path: Callable[[str], str] | None = None,
) -> list[FileResult]:
    """Find or fetch every attachment's file; return one result per attachment.

    Imported files are looked for in ``storage`` (Zotero's storage folder, read in place),
    then in ``download_dir``, then fetched with ``fetch`` and written there; with
    ``local_path`` (Zotero desktop) they are read where Zotero keeps them. Linked files are
    found by their path, relative to the root or the search folders. A missing or damaged
    file gives a ``missing`` record with the reason; the others are unaffected.
    """
    locator = _Locator(
        root=root,
        download_dir=download_dir,
        storage=storage,
        search_dirs=search_dirs,
        checks=checks or {},
        relative=relative,
        fetch=fetch,
        local_path=local_path,
    )
    return [locator.locate(a) for a in attachments]
