"""Human coding decisions: the CSV file, malformed rows, and how decisions override rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.coding import Coding, Match
from evidence.coding._decisions import (
    COLUMNS,
    Decision,
    add_decision,
    apply_decisions,
    compute_latest_decisions,
    load_decisions,
    parse_decisions,
    render_decisions,
    write_decisions,
)

PASSAGE = (
    "Les travailleurs de l’abri de nuit ont été insultés et menacés à plusieurs reprises cet hiver."
)


def rule(passage: str, code: str, pattern: str = "menace") -> Coding:
    return Coding(passage, code, "rule", pattern, (Match(code, pattern, 0, 5, "Les t"),))


def test_write_then_load_round_trips_sorted_rows(tmp_path: Path) -> None:
    path = tmp_path / "data" / "coding-decisions.csv"
    decisions: list[Decision] = []
    decisions = add_decision(
        decisions,
        "p2",
        "form.verbal",
        "accept",
        "ana",
        passage_text=PASSAGE,
        date="2025-03-02T10:00:00",
    )
    decisions = add_decision(
        decisions,
        "p1",
        "form.physical",
        "reject",
        "bert",
        passage_text="Court.",
        note="no violence,\n just a title",
        date="2025-03-01",
    )
    write_decisions(path, decisions)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert lines[1].startswith("p1,form.physical,reject,bert,2025-03-01,")
    assert '"no violence, just a title"' in lines[1]
    loaded = load_decisions(path)
    assert loaded.skipped == []
    assert sorted(loaded.decisions, key=lambda d: d.passage_id) == sorted(
        decisions, key=lambda d: d.passage_id
    )
    assert [d.line for d in loaded] == [2, 3]
    excerpt = loaded.decisions[1].excerpt
    assert excerpt == PASSAGE[:80] and len(excerpt) == 80
    # Writing what was read gives the same bytes: the file diffs cleanly.
    write_decisions(path, loaded.decisions)
    assert path.read_text(encoding="utf-8") == text


def test_malformed_rows_are_skipped_with_their_line() -> None:
    text = (
        "passage_id,code,decision,coder,date,note,excerpt\n"
        "p1,form.physical,accept,ana,2025-01-01,,\n"
        "p2,form.verbal,maybe,ana,2025-01-01,,\n"
        "\n"
        "p3,form.verbal,reject,,2025-01-01,,\n"
        "p4,form.verbal,add,ana,yesterday,,\n"
        '"p5","form.sexual","ADD","bert","2025-01-02T09:30:00","multi\nline note",""\n'
    )
    loaded = parse_decisions(text)
    assert [d.passage_id for d in loaded] == ["p1", "p5"]
    assert loaded.decisions[1].decision == "add"
    assert loaded.skipped == [
        (3, "decision 'maybe' is not accept, reject, add or complete"),
        (5, "coder is empty; fill it in or delete the row"),
        (6, "date 'yesterday' is not an ISO date (2025-01-31 or 2025-01-31T14:05:00)"),
    ]


def test_missing_file_and_bad_header() -> None:
    assert len(load_decisions(Path("/nonexistent/decisions.csv"))) == 0
    loaded = parse_decisions("id,code,verdict\np1,form.verbal,accept\n")
    assert loaded.decisions == []
    assert loaded.skipped[0][0] == 1 and "header lacks passage_id, decision" in loaded.skipped[0][1]


def test_add_decision_replaces_the_coders_earlier_decision() -> None:
    decisions = add_decision([], "p1", "form.verbal", "accept", "ana", date="2025-01-01")
    decisions = add_decision(decisions, "p1", "form.verbal", "accept", "bert", date="2025-01-01")
    decisions = add_decision(decisions, "p1", "form.verbal", "Reject", "ana", date="2025-01-03")
    assert sorted((d.coder, d.decision) for d in decisions) == [
        ("ana", "reject"),
        ("bert", "accept"),
    ]
    with pytest.raises(ValueError, match="not accept, reject, add or complete"):
        add_decision(decisions, "p1", "form.verbal", "perhaps", "ana")
    with pytest.raises(ValueError, match="needs a passage id"):
        add_decision(decisions, "", "form.verbal", "accept", "ana")
    stamped = add_decision([], "p1", "form.verbal", "accept", "ana")[0]
    # Local time with its offset, to the second: 2025-01-31T14:05:00+01:00.
    assert len(stamped.date) == 25 and stamped.date[10] == "T" and stamped.date[19] in "+-"


def test_latest_decision_per_passage_code_and_coder() -> None:
    rows = [
        Decision("p1", "form.verbal", "accept", "ana", "2025-01-02"),
        Decision("p1", "form.verbal", "reject", "ana", "2025-01-01"),
        Decision("p1", "form.verbal", "reject", "bert", "2025-01-01"),
        Decision("p1", "form.verbal", "add", "bert", "2025-01-01"),
    ]
    latest = compute_latest_decisions(rows)
    assert [(d.coder, d.decision) for d in latest] == [("ana", "accept"), ("bert", "add")]


def test_human_decisions_override_the_rules() -> None:
    codings = [
        rule("p1", "form.verbal"),
        rule("p1", "form.physical"),
        rule("p2", "setting.shelter"),
    ]
    decisions = [
        Decision("p1", "form.physical", "reject", "ana", "2025-01-01"),
        Decision("p1", "form.verbal", "accept", "ana", "2025-01-01"),
        Decision("p2", "pop.women", "add", "bert", "2025-01-01"),
        Decision("p3", "form.sexual", "reject", "bert", "2025-01-01"),
    ]
    effective = apply_decisions(codings, decisions)
    assert [(c.passage_id, c.code, c.origin, c.provenance) for c in effective] == [
        ("p1", "form.verbal", "human", "ana"),
        ("p2", "pop.women", "human", "bert"),
        ("p2", "setting.shelter", "rule", "menace"),
    ]
    # An accepted rule coding keeps the spans that explain it.
    assert effective[0].spans == codings[0].spans


def test_most_recent_coder_decides_between_two_coders() -> None:
    codings = [rule("p1", "form.verbal")]
    decisions = [
        Decision("p1", "form.verbal", "reject", "ana", "2025-01-01"),
        Decision("p1", "form.verbal", "accept", "bert", "2025-01-05T08:00:00"),
    ]
    assert [c.provenance for c in apply_decisions(codings, decisions)] == ["bert"]
    decisions.append(Decision("p1", "form.verbal", "reject", "ana", "2025-02-01"))
    assert apply_decisions(codings, decisions) == []


def test_render_drops_exact_duplicates() -> None:
    row = Decision("p1", "form.verbal", "accept", "ana", "2025-01-01", "", "Les")
    assert render_decisions([row, row]).count("p1,") == 1
