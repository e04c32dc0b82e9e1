"""Human coding decisions: a committed, human-readable CSV file keyed by stable passage ids.

Columns: ``passage_id,code,decision,coder,date,note,excerpt``; ``decision`` is ``accept``,
``reject`` or ``add``; ``date`` is an ISO date or date-time; ``excerpt`` is the start of the
passage, so that the file can be read without the store. Rows are written sorted, so the
file diffs cleanly. The latest decision on a passage and code stands, whoever made it
(:func:`compute_final_decisions`), and overrides the rules (:func:`apply_decisions`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from evidence.coding._match import Coding
from evidence.files import write_atomic

__all__ = [
    "COLUMNS",
    "DECISIONS",
    "Decision",
    "LoadedDecisions",
    "load_decisions",
    "parse_decisions",
    "render_decisions",
    "write_decisions",
    "add_decision",
    "compute_final_decisions",
    "compute_latest_decisions",
    "apply_decisions",
]

COLUMNS = ("passage_id", "code", "decision", "coder", "date", "note", "excerpt")
DECISIONS = ("accept", "reject", "add")
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
    return parse_decisions(file.read_text(encoding="utf-8-sig"))


def parse_decisions(text: str) -> LoadedDecisions:
    """Return the decisions in CSV ``text``; malformed rows are skipped with their line."""
    decisions: list[Decision] = []
    skipped: list[tuple[int, str]] = []
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return LoadedDecisions([], [])
    header = [h.strip() for h in header]
    missing = [c for c in COLUMNS[:5] if c not in header]
    if missing:
        reason = f"header lacks {', '.join(missing)}; expected {','.join(COLUMNS)}"
        return LoadedDecisions([], [(1, reason)])
    index = {name: header.index(name) for name in COLUMNS if name in header}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        values = {name: row[i].strip() if i < len(row) else "" for name, i in index.items()}
        reason = _problem(values)
        if reason:
            skipped.append((line, reason))
            continue
        decisions.append(
            Decision(
                passage_id=values["passage_id"],
                code=values["code"],
                decision=values["decision"].lower(),
                coder=values["coder"],
                date=values["date"],
                note=values.get("note", ""),
                excerpt=values.get("excerpt", ""),
                line=line,
            )
        )
    return LoadedDecisions(decisions, skipped)


def _problem(values: dict[str, str]) -> str:
    for name in ("passage_id", "code", "coder", "date"):
        if not values.get(name):
            return f"{name} is empty"
    if values["decision"].lower() not in DECISIONS:
        return f"decision {values['decision']!r} is not accept, reject or add"
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
        raise ValueError(f"decision {decision!r} is not accept, reject or add")
    if not (passage_id and code and coder):
        raise ValueError("a decision needs a passage id, a code and a coder")
    when = date or datetime.now().astimezone().strftime("%Y-%m-%dT%H:%M:%S")
    excerpt = " ".join(passage_text.split())[:_EXCERPT]
    new = Decision(passage_id, code, decision, coder, when, " ".join(note.split()), excerpt)
    kept = [d for d in decisions if (d.passage_id, d.code, d.coder) != (passage_id, code, coder)]
    return [*kept, new]


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


def compute_final_decisions(decisions: Iterable[Decision]) -> dict[tuple[str, str], Decision]:
    """Return the decision that stands per (passage, code): the latest, whoever made it.

    This is the workbook's one decision rule. ``accept`` and ``add`` make the code count on
    the passage; ``reject`` removes it, whatever the rules, a model or a Zotero tag said.
    Later dates win; on the same date the later line of the file wins.
    """
    final: dict[tuple[str, str], Decision] = {}
    for d in sorted(decisions, key=_when):
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
