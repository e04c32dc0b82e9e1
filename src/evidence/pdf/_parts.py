"""Very large documents in page ranges: read by several workers, finished as one document.

A document is opened by one job. When it has at least ``split_pages`` pages, that job reads
nothing: it says how many pages there are (with the PDF's own page labels and the warnings
of opening). If no other document is left to start, the pages are then read in one range per
worker, by any worker; otherwise the document is read whole by one job, as other documents
keep the other workers busy meanwhile. Reading a page depends on that page alone, so the
ranges' pages, put back in order, are exactly those a whole read gives. Everything that looks
across pages (running headers and footers, printed page numbers, the body text size, the
text column, paragraphs over a page break, languages) then runs once over all of them in a
last job, which therefore returns the passages of a whole-document extraction.

Each range opens the file again and loads its fonts and object streams again, which costs
10 to 25 per cent more work on the document: only a document that would keep one worker busy
while the others have nothing left to do is worth it.

The time limit counts the work done on the whole document: a range gets what the jobs
finished before it left over, and the document fails once they took longer than the limit.
A range that fails or runs out of time fails the document with its reason.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._layout import Line, PageText

__all__ = [
    "DocumentJob",
    "Job",
    "MergeJob",
    "Part",
    "PartScheduler",
    "Plan",
    "RangeJob",
    "merge_parts",
    "pack_pages",
    "plan_ranges",
    "unpack_pages",
]

_WHOLE, _MERGE = -2, -1  # in place of a range's first page: the other jobs of a document

# Lines travel as tuples: pickling the dataclasses themselves costs ten times more.
_PackedLine = tuple[float, float, float, float, float, str, str | None, int, bool]
_PackedPage = tuple[int, float, float, int, int, int, str, tuple[_PackedLine, ...]]


@dataclass(frozen=True, slots=True)
class Plan:
    """What the opening of a document to split says about all of it."""

    pages: int
    elapsed: float  # seconds the opening took
    warnings: tuple[str, ...]  # from opening the file
    pdf_labels: tuple[str, ...]  # the PDF's own page labels ("" where none)


@dataclass(frozen=True, slots=True)
class Part:
    """The pages ``start``..``stop`` of a document as read, with their problems."""

    start: int
    stop: int
    elapsed: float  # seconds this range took, opening included
    pages_read: tuple[_PackedPage, ...]
    notes: tuple[tuple[str, tuple[int, ...]], ...]  # problem -> page indices, in page order


@dataclass(frozen=True, slots=True)
class DocumentJob:
    """Open a document: extract it whole, or plan its split when it is very large."""

    key: int
    file: str
    ocr: bool
    timeout: float | None
    split_pages: int | None  # None: never split


@dataclass(frozen=True, slots=True)
class RangeJob:
    """Read the pages ``start``..``stop`` of a document being split."""

    key: int
    file: str
    start: int
    stop: int
    pages: int
    ocr: bool
    timeout: float | None
    budget: float | None  # seconds left of the document's time limit


@dataclass(frozen=True, slots=True)
class MergeJob:
    """Finish a split document from all its ranges."""

    key: int
    file: str
    ocr: bool
    plan: Plan
    parts: tuple[Part, ...]


Job = DocumentJob | RangeJob | MergeJob


def pack_pages(texts: Sequence[PageText]) -> tuple[_PackedPage, ...]:
    """Return pages as read (before furniture is marked) as plain tuples for the way back."""
    return tuple(
        (
            t.index,
            t.width,
            t.height,
            t.garbage,
            t.chars,
            t.kept,
            t.text,
            tuple(
                (
                    ln.x0,
                    ln.y0,
                    ln.x1,
                    ln.y1,
                    ln.size,
                    ln.text,
                    None if ln.raw == ln.text else ln.raw,
                    ln.block,
                    ln.furniture,
                )
                for ln in t.lines
            ),
        )
        for t in texts
    )


def unpack_pages(packed: Sequence[_PackedPage]) -> list[PageText]:
    """Return the pages that :func:`pack_pages` packed."""
    out = []
    for index, width, height, garbage, chars, kept, text, lines in packed:
        page = PageText(index, width, height, garbage=garbage, chars=chars, kept=kept, text=text)
        page.lines = [
            Line(x0, y0, x1, y1, size, text if raw is None else raw, text, block, furniture)
            for x0, y0, x1, y1, size, text, raw, block, furniture in lines
        ]
        out.append(page)
    return out


def merge_parts(parts: Sequence[Part]) -> tuple[list[PageText], dict[str, list[int]]]:
    """Return the ranges' pages and problems as one reading of the whole document has them."""
    texts: list[PageText] = []
    notes: dict[str, list[int]] = {}
    for part in sorted(parts, key=_start):
        texts.extend(unpack_pages(part.pages_read))
        for key, indices in part.notes:
            notes.setdefault(key, []).extend(indices)
    return texts, notes


def _start(part: Part) -> int:
    return part.start


def plan_ranges(pages: int, count: int) -> list[tuple[int, int]]:
    """Return ``count`` page ranges of (nearly) equal length covering ``pages`` pages."""
    count = max(1, min(count, pages))
    bounds = [pages * k // count for k in range(count + 1)]
    return list(zip(bounds, bounds[1:], strict=False))


@dataclass(slots=True)
class _Split:
    file: str
    plan: Plan
    expected: int  # number of ranges
    parts: list[Part] = field(default_factory=list)
    used: float = 0.0  # seconds spent on the document's jobs finished so far


@dataclass(slots=True)
class PartScheduler:
    """Turns documents into jobs, splits the very large ones and collects their ranges.

    Pending work is a heap: a document's last job first (it frees its ranges), then ranges
    and very large documents to read whole, largest first, in the order their documents came.
    """

    ocr: bool
    timeout: float | None
    split_pages: int | None
    workers: int
    overtime: Callable[[str, int], Any]  # the result of a document past its time limit
    _splits: dict[int, _Split] = field(default_factory=dict)
    _heap: list[tuple[tuple[int, int], int, int, int]] = field(default_factory=list)
    _count: int = 0
    _all_started: bool = False  # every path has had its job

    def jobs(self, files: Iterable[str]) -> Iterator[DocumentJob]:
        """Yield the job that opens each file, looking one file ahead to see the last one."""
        split = self.split_pages if self.workers > 1 else None
        pending = iter(files)
        following = next(pending, None)
        while following is not None:
            file, following = following, next(pending, None)
            self._count += 1
            self._all_started = following is None
            yield DocumentJob(self._count, file, self.ocr, self.timeout, split)

    def take(self) -> Job | None:
        """Return the next job of a very large document already opened, or None (none now)."""
        while self._heap:
            _, key, start, stop = heapq.heappop(self._heap)
            split = self._splits.get(key)
            if split is None:
                continue  # the document failed meanwhile
            if start == _WHOLE:
                return DocumentJob(key, split.file, self.ocr, self.timeout, None)
            if start == _MERGE:
                return MergeJob(key, split.file, self.ocr, split.plan, tuple(split.parts))
            budget = self.timeout - split.used if self.timeout else None
            pages = split.plan.pages
            return RangeJob(key, split.file, start, stop, pages, self.ocr, self.timeout, budget)
        return None

    def receive(self, job: Job, result: Any) -> Any | None:
        """Take a job's result; return the document's result once it has one, else None.

        Anything but a :class:`Plan` or a :class:`Part` is a document's result: a whole
        extraction, the last job's, or the failure of one of its ranges (the other ranges
        are then dropped).
        """
        if isinstance(job, DocumentJob):
            if not isinstance(result, Plan):
                self._splits.pop(job.key, None)
                return result
            if not self._all_started:
                self._splits[job.key] = _Split(job.file, result, 0)
                self._push((1, -result.pages), job.key, _WHOLE, 0)
                return None
            ranges = plan_ranges(result.pages, self.workers)
            split = self._splits[job.key] = _Split(job.file, result, len(ranges))
            for start, stop in ranges:
                self._push((1, start - stop), job.key, start, stop)
            split.used = result.elapsed
            return None
        running = self._splits.get(job.key)
        if running is None:
            return None  # a range still running when its document failed
        split = running
        if isinstance(job, MergeJob) or not isinstance(result, Part):
            del self._splits[job.key]
            return result
        split.parts.append(result)
        split.used += result.elapsed
        if self.timeout and split.used > self.timeout:
            del self._splits[job.key]
            return self.overtime(split.file, split.plan.pages)
        if len(split.parts) == split.expected:
            self._push((0, 0), job.key, _MERGE, 0)
        return None

    def _push(self, priority: tuple[int, int], key: int, start: int, stop: int) -> None:
        # The key keeps documents in the order they came, ranges of one document in order.
        heapq.heappush(self._heap, (priority, key, start, stop))
