"""Run one function over many items on an executor: bounded, guarded against hangs and crashes.

At most ``2 * workers`` items are in flight, so memory stays flat however many items come.
Items may also come from the results themselves (the later parts of a split document): the
caller hands them over through ``more``, which is asked first whenever there is room.
With the pool we own, a worker that hangs past the guard time is killed (the pool is
replaced and the other items in flight go again), and a worker crash is pinned on its item
by re-running the items that were in flight one at a time.
"""

from __future__ import annotations

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

_R = TypeVar("_R")
_J = TypeVar("_J")
__all__ = ["count_cpus", "run_bounded"]

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


def _kill(pool: Executor) -> None:
    """Stop a process pool's workers at once, hung or not."""
    kill = getattr(pool, "kill_workers", None)  # Python 3.14+
    if kill is not None:
        kill()
    else:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


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
    own = executor is None
    pool: Executor = ProcessPoolExecutor(max_workers=workers) if own else executor
    pending = iter(items)
    retry: deque[_Task] = deque()
    inflight: dict[Future[Any], _Task] = {}
    limit = 2 * max(1, workers)
    exhausted = False
    try:
        while True:
            while len(inflight) < limit and not any(t.solo for t in inflight.values()):
                if retry:
                    task = retry.popleft()
                    if task.solo and inflight:
                        retry.appendleft(task)
                        break
                else:
                    item = more() if more is not None else None
                    if item is None:
                        if exhausted:
                            break
                        item = next(pending, _END)
                        if item is _END:
                            exhausted = True
                            break
                    task = _Task(item)
                task.submitted, task.started = monotonic(), None
                inflight[pool.submit(fn, task.item)] = task
            if not inflight:
                return
            done, _ = wait(
                list(inflight), timeout=_POLL if guard else None, return_when=FIRST_COMPLETED
            )
            broken = False
            for future in done:
                task = inflight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    if task.solo:
                        yield task.item, on_crash(task.item)
                    else:
                        task.solo = True
                        retry.append(task)
                except Exception as exc:  # noqa: BLE001 - recorded as the item's result
                    yield task.item, on_error(task.item, exc)
                else:
                    yield task.item, result
            if broken and own:
                # The other items in flight died with the pool: they become suspects too.
                for task in inflight.values():
                    task.solo = True
                    retry.append(task)
                inflight.clear()
                pool = _replace(pool, workers)
            if guard:
                overdue = _overdue(inflight, guard, trust_running=own)
                for future in overdue:
                    task = inflight.pop(future)
                    future.cancel()
                    yield task.item, on_timeout(task.item)
                if overdue and own:
                    # A hung worker cannot be stopped alone: replace the pool, re-run the rest.
                    retry.extendleft(inflight.values())
                    inflight.clear()
                    pool = _replace(pool, workers)
    finally:
        if own:
            if inflight:
                _kill(pool)
            else:
                pool.shutdown(wait=True)


def _replace(pool: Executor, workers: int) -> ProcessPoolExecutor:
    _kill(pool)
    return ProcessPoolExecutor(max_workers=workers)


def _overdue(inflight: dict[Future[Any], _Task], guard: float, *, trust_running: bool) -> list:
    """Return the futures running for longer than ``guard`` seconds.

    A process pool marks a future running when it is handed to a worker's queue; other
    executors may never say, so their items are timed from submission.
    """
    now = monotonic()
    overdue = []
    for future, task in inflight.items():
        if task.started is None and (future.running() or not trust_running):
            task.started = now if trust_running else task.submitted
        if task.started is not None and now - task.started > guard:
            overdue.append(future)
    return overdue
