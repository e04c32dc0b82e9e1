"""Integer arrays for batch matching: grown from Python ints, ragged rows, spread ranges.

The batch finder keeps its growing tables (atom sets, chunks, tokens) as :class:`Growing`
arrays and its per-phrase lists as compressed rows (:func:`csr`); :func:`spread` and
:func:`expand` turn ranges of rows into one flat index, so a whole batch is read at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["Growing", "IntArray", "csr", "expand", "run_starts", "spread"]

_INT = np.int64

IntArray = NDArray[np.int64]


class Growing:
    """An int64 array that grows by appending Python ints, converted lazily in one go."""

    __slots__ = ("_array", "pending", "append", "extend")

    def __init__(self, values: Sequence[int] = ()) -> None:
        self._array = np.asarray(values, dtype=_INT)
        #: values not yet in the array; the list stays the same object (``append`` is bound)
        self.pending: list[int] = []
        self.append = self.pending.append
        self.extend = self.pending.extend

    def __len__(self) -> int:
        return len(self._array) + len(self.pending)

    def array(self) -> IntArray:
        """Return the values as one array, the appended ones included."""
        if self.pending:
            self._array = np.concatenate([self._array, np.asarray(self.pending, dtype=_INT)])
            self.pending.clear()
        return self._array


def csr(lists: Sequence[Sequence[int]]) -> tuple[IntArray, IntArray]:
    """Return (pointers, values) of a list of lists, compressed-row style."""
    ptr = np.zeros(len(lists) + 1, dtype=_INT)
    ptr[1:] = np.cumsum([len(x) for x in lists])
    flat = np.fromiter((v for x in lists for v in x), dtype=_INT, count=int(ptr[-1]))
    return ptr, flat


def spread(starts: IntArray, counts: IntArray) -> tuple[IntArray, IntArray]:
    """Return (owner, index) for the ranges ``starts[i] .. starts[i] + counts[i]``, one by one.

    ``owner`` says which range each index comes from, ranges in order.
    """
    owner = np.repeat(np.arange(len(starts), dtype=_INT), counts)
    first = np.cumsum(counts) - counts
    index = np.arange(int(counts.sum()), dtype=_INT) + np.repeat(starts - first, counts)
    return owner, index


def expand(ptr: IntArray, flat: IntArray, rows: IntArray) -> tuple[IntArray, IntArray]:
    """Return (row position, value) for every value of each of ``rows`` in a CSR structure."""
    owner, index = spread(ptr[rows], ptr[rows + 1] - ptr[rows])
    return owner, flat[index]


def run_starts(*columns: IntArray) -> NDArray[np.bool_]:
    """Return which rows start a run: the first row, and each that differs from the row before
    in any of ``columns`` (sorted rows: the first of each distinct row)."""
    starts = np.ones(len(columns[0]), dtype=bool)
    starts[1:] = np.logical_or.reduce([c[1:] != c[:-1] for c in columns])
    return starts
