"""Run one function over many items on an executor: bounded, guarded against hangs and crashes.

At most ``2 * workers`` items are in flight, so memory stays flat however many items come.
Items may also come from the results themselves (the later parts of a split document): the
caller hands them over through ``more``, which is asked first whenever there is room.
With the pool we own, a worker that hangs past the guard time is killed (the pool is
replaced and the other items in flight go again), and a worker crash is pinned on its item
by re-running the items that were in flight one at a time.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from time import monotonic
from typing import Any, TypeVar

from ._lifetime import bind_to_parent

_R = TypeVar("_R")
_J = TypeVar("_J")
__all__ = ["count_cpus", "run_bounded", "worker_context"]

_POLL = 0.5  # seconds between guard checks
_END = object()


@dataclass(slots=True)
class _Task:
    item: Any
    submitted: float = 0.0
    started: float | None = None
    solo: bool = False  # a suspect of a crash: runs alone


def count_cpus() -> int:
    """Return the number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_context() -> multiprocessing.context.BaseContext:
    """Return how our pool starts its workers: from a small process that imported only the
    extractor (forkserver, preloading ``evidence.pdf``), or afresh where there is no forkserver
    (spawn, on Windows).

    A forked copy of the caller (the ``fork`` default of Linux before Python 3.14) would carry
    whatever the caller imported (pandas, Jupyter) and its threads; a worker started this way
    costs a fork of the small server, not a second import of the workbook.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["evidence.pdf"])
        return context
    return multiprocessing.get_context("spawn")


def _new_pool(workers: int) -> ProcessPoolExecutor:
    # Each worker ends when this process ends, even by SIGKILL (see ``_lifetime``).
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=worker_context(),
        initializer=bind_to_parent,
        initargs=(os.getpid(),),
    )


def _kill(pool: Executor) -> None:
    """Stop a process pool's workers at once, hung or not."""
    kill = getattr(pool, "kill_workers", None)  # Python 3.14+
    if kill is not None:
        kill()
    else:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


class _Run:
    """The items in flight on a pool, those waiting to run again, and where new ones come from."""

    def __init__(
        self,
        fn: Callable[[Any], Any],
        items: Iterable[Any],
        executor: Executor | None,
        workers: int,
        more: Callable[[], Any] | None,
    ) -> None:
        self.fn, self.workers, self.more = fn, workers, more
        self.own = executor is None
        self.pool: Executor = executor if executor is not None else _new_pool(workers)
        self.pending = iter(items)
        self.retry: deque[_Task] = deque()
        self.inflight: dict[Future[Any], _Task] = {}
        self.limit = 2 * max(1, workers)
        self.exhausted = False

    def fill(self) -> None:
        """Submit tasks until the limit, until a suspect runs alone, or while there are any."""
        while len(self.inflight) < self.limit and not any(t.solo for t in self.inflight.values()):
            task = self._next_task()
            if task is None:
                return
            task.submitted, task.started = monotonic(), None
            self.inflight[self.pool.submit(self.fn, task.item)] = task

    def _next_task(self) -> _Task | None:
        """Return the task to submit next, or None when there is none to submit now."""
        if self.retry:
            task = self.retry.popleft()
            if task.solo and self.inflight:
                self.retry.appendleft(task)  # a suspect waits until it can run alone
                return None
            return task
        item = self.more() if self.more is not None else None
        if item is None:
            if self.exhausted:
                return None
            item = next(self.pending, _END)
            if item is _END:
                self.exhausted = True
                return None
        return _Task(item)

    def collect(
        self,
        done: Iterable[Future[Any]],
        on_crash: Callable[[Any], Any],
        on_error: Callable[[Any, BaseException], Any],
    ) -> Iterator[tuple[Any, Any]]:
        """Yield the finished tasks' results; a crash makes its task a suspect (run alone)."""
        broken = False
        for future in done:
            task = self.inflight.pop(future)
            try:
                result = future.result()
            except BrokenProcessPool:
                broken = True
                if task.solo:
                    yield task.item, on_crash(task.item)
                else:
                    task.solo = True
                    self.retry.append(task)
            except Exception as exc:  # noqa: BLE001 - recorded as the item's result
                yield task.item, on_error(task.item, exc)
            else:
                yield task.item, result
        if broken and self.own:
            # The other items in flight died with the pool: they become suspects too.
            for task in self.inflight.values():
                task.solo = True
                self.retry.append(task)
            self.inflight.clear()
            self.pool = _replace(self.pool, self.workers)

    def expire(self, guard: float, on_timeout: Callable[[Any], Any]) -> Iterator[tuple[Any, Any]]:
        """Yield a timeout for each task running longer than ``guard`` seconds."""
        overdue = _overdue(self.inflight, guard, trust_running=self.own, workers=self.workers)
        for future in overdue:
            task = self.inflight.pop(future)
            future.cancel()
            yield task.item, on_timeout(task.item)
        if overdue and self.own:
            # A hung worker cannot be stopped alone: replace the pool, re-run the rest.
            self.retry.extendleft(self.inflight.values())
            self.inflight.clear()
            self.pool = _replace(self.pool, self.workers)

    def close(self) -> None:
        """Shut our own pool down: at once when items are still in flight (hung or not)."""
        if self.own:
            if self.inflight:
                _kill(self.pool)
            else:
                self.pool.shutdown(wait=True)


def run_bounded(
    fn: Callable[[_J], _R],
    items: Iterable[_J],
    *,
    executor: Executor | None,
    workers: int,
    guard: float | None,
    on_timeout: Callable[[_J], _R],
    on_crash: Callable[[_J], _R],
    on_error: Callable[[_J, BaseException], _R],
    more: Callable[[], _J | None] | None = None,
) -> Iterator[tuple[_J, _R]]:
    """Yield ``(item, fn(item))`` as each finishes; failures become ``on_*`` results.

    ``fn`` must be picklable. ``guard`` is the wall time after which a running item is
    declared hung (``None``: never). Without an ``executor``, a process pool of ``workers``
    is created and shut down at the end. ``more`` returns an item to run before those of
    ``items``, or ``None`` when it has none now (it may have some after a result); the run
    ends when neither has an item and nothing is in flight.
    """
    run = _Run(fn, items, executor, workers, more)
    try:
        while True:
            run.fill()
            if not run.inflight:
                return
            done, _ = wait(
                list(run.inflight), timeout=_POLL if guard else None, return_when=FIRST_COMPLETED
            )
            yield from run.collect(done, on_crash, on_error)
            if guard:
                yield from run.expire(guard, on_timeout)
    finally:
        run.close()


def _replace(pool: Executor, workers: int) -> ProcessPoolExecutor:
    _kill(pool)
    return _new_pool(workers)


def _overdue(
    inflight: dict[Future[Any], _Task], guard: float, *, trust_running: bool, workers: int
) -> list:
    """Return the futures running for longer than ``guard`` seconds.

    A process pool marks a future running when it is handed to its call queue, which holds
    one more item than there are workers: of the futures marked running, only the
    ``workers`` seen running first are timed, the others wait their turn (or a worker that
    is busy with a slow page would make the item queued behind it time out). Other
    executors may never say, so their items are timed from submission.
    """
    now = monotonic()
    overdue = []
    running = 0
    for future, task in sorted(inflight.items(), key=lambda kv: kv[1].started or now):
        if task.started is None and (future.running() or not trust_running):
            if trust_running and running >= workers:
                continue
            task.started = now if trust_running else task.submitted
        if task.started is not None:
            running += 1
            if now - task.started > guard:
                overdue.append(future)
    return overdue
