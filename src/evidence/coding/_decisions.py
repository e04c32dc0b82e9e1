"""Human coding decisions: a committed, human-readable CSV file keyed by stable passage ids.

Columns: ``passage_id,code,decision,coder,date,note,excerpt``; ``decision`` is ``accept``,
``reject`` or ``add``, or ``complete`` (code ``*``: the coder reviewed every code on the
passage, so the codes they did not accept or add are absent there); ``date`` is an ISO date or
date-time; ``excerpt`` is the start of the passage, so that the file can be read without the
store. Rows are written sorted, so the file diffs cleanly. The latest decision on a passage
and code stands, whoever made it (:func:`compute_final_decisions`), and overrides the rules
(:func:`apply_decisions`). A code nobody decided on a passage is not reviewed there: it is
neither present nor absent for agreement and learning (:class:`Labels`), unless a coder marked
the passage complete.

A person's decisions are never lost: the file is read with every problem reported by its line
(a merge-conflict marker, a missing header, a date typo), and :func:`record_decision` refuses
to write while the file has one, under a lock, so two reviews at once both land.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from evidence.coding._match import Coding
from evidence.errors import DecisionsError
from evidence.files import LockHeld, NotTextError, decode_text, hold_lock, write_atomic

__all__ = [
    "ALL_CODES",
    "COLUMNS",
    "DECISIONS",
    "Decision",
    "Labels",
    "LoadedDecisions",
    "add_decision",
    "apply_decisions",
    "check_codes",
    "closest",
    "compute_coder_labels",
    "compute_final_decisions",
    "compute_final_labels",
    "compute_latest_decisions",
    "describe_problems",
    "load_decisions",
    "parse_decisions",
    "record_decision",
    "render_decisions",
    "write_decisions",
]

COLUMNS = ("passage_id", "code", "decision", "coder", "date", "note", "excerpt")
DECISIONS = ("accept", "reject", "add", "complete")
#: the code of a ``complete`` decision: every code of the passage was reviewed
ALL_CODES = "*"
_CONFLICT = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")
_EXCERPT = 80


@dataclass(frozen=True, slots=True)
class Decision:
    """One person's decision on one code for one passage (``line``: its line in the file)."""

    passage_id: str
    code: str
    decision: str
    coder: str
    date: str
    note: str = ""
    excerpt: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class LoadedDecisions:
    """The decisions read from a file, and the rows skipped as ``(line, reason)``."""

    decisions: list[Decision]
    skipped: list[tuple[int, str]]

    def __iter__(self) -> Iterator[Decision]:
        return iter(self.decisions)

    def __len__(self) -> int:
        return len(self.decisions)


def load_decisions(path: str | Path) -> LoadedDecisions:
    """Return the decisions of the CSV file at ``path`` (none when it does not exist yet)."""
    file = Path(path)
    if not file.exists():
        return LoadedDecisions([], [])
    try:
        text = decode_text(file.read_bytes()).text
    except (OSError, NotTextError) as exc:
        raise DecisionsError(
            f"{file}: {exc}; no decision was read from it, and none is lost: restore it from "
            "git or save it again as UTF-8 CSV"
        ) from exc
    return parse_decisions(text)


def parse_decisions(text: str) -> LoadedDecisions:
    """Return the decisions in CSV ``text``; every row that cannot be read is listed in
    ``skipped`` with its line and what to do, and the others are read.

    A file without its header line is read in the usual column order, and the missing
    header is reported; merge-conflict markers are reported as such.
    """
    decisions: list[Decision] = []
    skipped: list[tuple[int, str]] = []
    reader = csv.reader(io.StringIO(text))
    lines = _readable(reader, skipped)
    header = next(lines, None)
    if header is None:
        return LoadedDecisions([], skipped)
    index, problem = _columns([h.strip() for h in header])
    if problem:
        skipped.append((1, problem))
    rows = _chain([header], lines) if index is None else lines
    if index is None:
        index = {name: i for i, name in enumerate(COLUMNS)}
    for row in rows:
        line = reader.line_num if row is not header else 1
        if not any(cell.strip() for cell in row):
            continue
        if row[0].startswith(_CONFLICT):
            skipped.append((line, _CONFLICT_HINT))
            continue
        values = {name: row[i].strip() if i < len(row) else "" for name, i in index.items()}
        reason = _problem(values)
        if reason:
            skipped.append((line, reason))
            continue
        decisions.append(_decision(values, line))
    return LoadedDecisions(decisions, skipped)


_CONFLICT_HINT = (
    "a merge-conflict marker: git kept both sides of a conflict here; keep the rows of both "
    "sides and delete the marker lines (<<<<<<<, =======, >>>>>>>)"
)


def _readable(reader: Iterator[list[str]], skipped: list[tuple[int, str]]) -> Iterator[list[str]]:
    """Yield the rows CSV can read; a line it cannot (a NUL byte, a runaway quote) is listed
    in ``skipped`` and the reading goes on with the next line."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = getattr(reader, "line_num", 0)
            skipped.append((line, f"this line cannot be read as CSV ({exc}); retype it"))
            continue
        yield row


def _chain(first: list[list[str]], rest: Iterator[list[str]]) -> Iterator[list[str]]:
    yield from first
    yield from rest


def _columns(header: list[str]) -> tuple[dict[str, int] | None, str]:
    """Return the position of each column and the header's problem ("" when none).

    A first line that reads as a decision (its third cell is one) means the header is
    missing: the rows are read in the usual order, from that line on.
    """
    missing = [c for c in COLUMNS[:5] if c not in header]
    if not missing:
        return {name: header.index(name) for name in COLUMNS if name in header}, ""
    expected = ",".join(COLUMNS)
    if len(header) > 2 and header[2].lower() in DECISIONS:
        return None, f"the header line is missing: add {expected} as the first line"
    reason = f"the header lacks {', '.join(missing)}; the first line must be {expected}"
    return {}, reason


def _decision(values: dict[str, str], line: int) -> Decision:
    return Decision(
        passage_id=values["passage_id"],
        code=values["code"],
        decision=values["decision"].lower(),
        coder=values["coder"],
        date=values["date"],
        note=values.get("note", ""),
        excerpt=values.get("excerpt", ""),
        line=line,
    )


def _problem(values: dict[str, str]) -> str:
    if not values:
        return "cannot be read without a header line; restore the header"
    for name in ("passage_id", "code", "coder", "date"):
        if not values.get(name):
            return f"{name} is empty; fill it in or delete the row"
    decision = values["decision"].lower()
    if decision not in DECISIONS:
        return f"decision {values['decision']!r} is not accept, reject, add or complete"
    if (decision == "complete") != (values["code"] == ALL_CODES):
        return f"a complete decision has the code {ALL_CODES}, and only it has"
    try:
        datetime.fromisoformat(values["date"].replace("Z", "+00:00"))
    except ValueError:
        return f"date {values['date']!r} is not an ISO date (2025-01-31 or 2025-01-31T14:05:00)"
    return ""


def _sort_key(d: Decision) -> tuple[str, str, str, str, str, str]:
    return (d.passage_id, d.code, d.coder, d.date, d.decision, d.note)


def render_decisions(decisions: Iterable[Decision]) -> str:
    """Return the CSV text of ``decisions``: header, then rows sorted and without duplicates."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    seen: set[tuple[str, ...]] = set()
    for d in sorted(decisions, key=_sort_key):
        row = (d.passage_id, d.code, d.decision, d.coder, d.date, d.note, d.excerpt)
        if row not in seen:
            seen.add(row)
            writer.writerow(row)
    return out.getvalue()


def write_decisions(path: str | Path, decisions: Iterable[Decision]) -> None:
    """Write ``decisions`` to ``path`` atomically, so an interrupted write loses nothing."""
    write_atomic(path, render_decisions(decisions))


def add_decision(
    decisions: Sequence[Decision],
    passage_id: str,
    code: str,
    decision: str,
    coder: str,
    *,
    passage_text: str = "",
    note: str = "",
    date: str | None = None,
) -> list[Decision]:
    """Return ``decisions`` with this one added, replacing the coder's earlier one on the code.

    ``date`` defaults to now (UTC, to the second); the excerpt is the passage's first
    80 characters, whitespace collapsed.
    """
    decision = decision.strip().lower()
    if decision not in DECISIONS:
        raise ValueError(f"decision {decision!r} is not accept, reject, add or complete")
    if not (passage_id and code and coder):
        raise ValueError("a decision needs a passage id, a code and a coder")
    when = date or datetime.now().astimezone().isoformat(timespec="seconds")
    excerpt = " ".join(passage_text.split())[:_EXCERPT]
    new = Decision(passage_id, code, decision, coder, when, " ".join(note.split()), excerpt)
    kept = [d for d in decisions if (d.passage_id, d.code, d.coder) != (passage_id, code, coder)]
    return [*kept, new]


def check_codes(loaded: LoadedDecisions, codes: Collection[str]) -> list[tuple[int, str]]:
    """Return ``(line, reason)`` for each decision whose code is not in ``codes``."""
    return [
        (d.line, f"code {d.code!r} is not in the codebook{closest(d.code, codes)}")
        for d in loaded.decisions
        if d.code != ALL_CODES and d.code not in codes
    ]


def closest(word: str, choices: Collection[str]) -> str:
    """Return "; did you mean a, b?" with the closest of ``choices`` ("" when none is)."""
    near = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(near)}?" if near else ""


def describe_problems(path: str, problems: Sequence[tuple[int, str]]) -> str:
    """Return one line per problem of the decisions file: ``path:line: what to do``."""
    return "\n".join(f"  {path}:{line}: {reason}" for line, reason in sorted(problems))


def record_decision(
    path: str | Path,
    decision: Decision,
    *,
    codes: Collection[str],
    passage_text: str = "",
    wait: float = 30.0,
) -> int:
    """Add ``decision`` to the decisions file at ``path``; return how many decisions it holds.

    Under a lock (another review waits up to ``wait`` seconds, so both land), the file is
    read whole and written back in one rename. Nothing is written when the file has a
    problem (each is named with its line and what to do) or the decision names a code not
    in ``codes``: :class:`~evidence.errors.DecisionsError`.
    """
    file = Path(path)
    if decision.code != ALL_CODES and decision.code not in codes:
        raise DecisionsError(
            f"{decision.code!r} is not a code of the codebook{closest(decision.code, codes)}; "
            "nothing was written"
        )
    try:
        with hold_lock(file.with_name(f".{file.name}.lock"), wait=wait):
            loaded = load_decisions(file)
            problems = [*loaded.skipped, *check_codes(loaded, codes)]
            if problems:
                raise DecisionsError(
                    f"{file} has {len(problems)} problem(s); nothing was written, so no "
                    f"decision is lost. Fix these lines, then review again:\n"
                    + describe_problems(str(file), problems)
                )
            decisions = add_decision(
                loaded.decisions,
                decision.passage_id,
                decision.code,
                decision.decision,
                decision.coder,
                passage_text=passage_text,
                note=decision.note,
                date=decision.date or None,
            )
            write_decisions(file, decisions)
    except LockHeld as exc:
        raise DecisionsError(
            f"{file} is being written by process {exc.holder or 'unknown'}; try again"
        ) from exc
    return len(decisions)


def _when(d: Decision) -> tuple[datetime, int]:
    """Order decisions by date (an offset is turned into UTC), then by their line."""
    moment = datetime.fromisoformat(d.date.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment, d.line


def compute_latest_decisions(decisions: Iterable[Decision]) -> list[Decision]:
    """Return each coder's latest decision per (passage, code), ordered by passage, code, coder.

    Later dates win; on the same date the later line of the file wins.
    """
    latest: dict[tuple[str, str, str], Decision] = {}
    for d in sorted(decisions, key=_when):
        latest[(d.passage_id, d.code, d.coder)] = d
    return [latest[k] for k in sorted(latest)]


class Labels(NamedTuple):
    """What is known of one passage's codes: those present, those absent, and whether every
    code was reviewed (``complete``: then a code not present is absent)."""

    present: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()
    complete: bool = False

    def value(self, code: str) -> bool | None:
        """Return whether ``code`` is on the passage (None: nobody said)."""
        if code in self.present:
            return True
        if code in self.absent or self.complete:
            return False
        return None


def _labels(decisions: Iterable[Decision]) -> dict[str, Labels]:
    """Return per passage the labels ``decisions`` give (at most one per passage and code)."""
    present: dict[str, set[str]] = {}
    absent: dict[str, set[str]] = {}
    complete: set[str] = set()
    for d in decisions:
        present.setdefault(d.passage_id, set())
        if d.decision == "complete":
            complete.add(d.passage_id)
        elif d.decision == "reject":
            absent.setdefault(d.passage_id, set()).add(d.code)
        else:
            present[d.passage_id].add(d.code)
    return {
        p: Labels(frozenset(codes), frozenset(absent.get(p, ())), p in complete)
        for p, codes in sorted(present.items())
    }


def compute_coder_labels(decisions: Iterable[Decision]) -> dict[str, dict[str, Labels]]:
    """Return, per coder, what their own latest decisions say of each passage they reviewed."""
    by_coder: dict[str, list[Decision]] = {}
    for d in compute_latest_decisions(decisions):
        by_coder.setdefault(d.coder, []).append(d)
    return {coder: _labels(own) for coder, own in sorted(by_coder.items())}


def compute_final_labels(decisions: Iterable[Decision]) -> dict[str, Labels]:
    """Return per passage what the decisions that stand say: codes present, codes absent,
    and complete when a coder marked the passage complete."""
    latest = list(decisions)
    marks = [d for d in latest if d.decision == "complete"]
    return _labels([*compute_final_decisions(latest).values(), *marks])


def compute_final_decisions(decisions: Iterable[Decision]) -> dict[tuple[str, str], Decision]:
    """Return the decision that stands per (passage, code): the latest, whoever made it.

    This is the workbook's one decision rule. ``accept`` and ``add`` make the code count on
    the passage; ``reject`` removes it, whatever the rules, a model or a Zotero tag said.
    Later dates win; on the same date the later line of the file wins.
    """
    final: dict[tuple[str, str], Decision] = {}
    for d in sorted(decisions, key=_when):
        if d.decision != "complete":
            final[(d.passage_id, d.code)] = d
    return {key: final[key] for key in sorted(final)}


def apply_decisions(rule_codings: Iterable[Coding], decisions: Iterable[Decision]) -> list[Coding]:
    """Return the effective codings: rule codings with the decisions that stand applied.

    ``reject`` removes the rule coding; ``accept`` and ``add`` give an origin ``human``
    coding whose provenance is the coder (an accepted rule coding keeps its spans).
    """
    final = compute_final_decisions(decisions)
    out: dict[tuple[str, str], Coding] = {}
    for coding in rule_codings:
        key = (coding.passage_id, coding.code)
        d = final.get(key)
        if d is None:
            out.setdefault(key, coding)
        elif d.decision != "reject":
            out[key] = coding._replace(origin="human", provenance=d.coder)
    for key, d in final.items():
        if d.decision != "reject" and key not in out:
            out[key] = Coding(d.passage_id, d.code, "human", d.coder)
    return [out[k] for k in sorted(out)]
