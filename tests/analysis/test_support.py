"""Quotes that argue their cell: confirmed first, the two codes' words close, far ones last."""

from __future__ import annotations

import pandas as pd

from evidence.analysis import CLOSE, compute_confirmation, compute_support, rank_by_support

FAR_TEXT = (
    "Residents fought in the dormitory last winter. "
    + "Nothing else happened that night and the shelter stayed open. " * 4
    + "Managers describe the exhaustion of their staff."
)
NEAR_TEXT = "After the assault the night worker was exhausted and went on sick leave."
SPLIT_TEXT = "A worker was assaulted. Weeks later her team reported exhaustion."


def _spans(text: str, row_word: str, col_word: str) -> list[list[object]]:
    a, b = text.index(row_word), text.index(col_word)
    return [
        [a, a + len(row_word), row_word, "form.physical"],
        [b, b + len(col_word), col_word, "cons.worker.burnout"],
    ]


def _cell(rows: list[tuple[str, str, str, str, list[str]]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("form.physical", "cons.worker.burnout", pid, text, _spans(text, a, b), people)
            for pid, text, a, b, people in rows
        ],
        columns=["row", "col", "id", "text", "spans", "confirmed_codes"],
    )


def test_same_sentence_close_and_far_apart_are_told_apart() -> None:
    cell = compute_support(
        _cell(
            [
                ("near", NEAR_TEXT, "assault", "exhausted", []),
                ("split", SPLIT_TEXT, "assaulted", "exhaustion", []),
                ("far", FAR_TEXT, "fought", "exhaustion", []),
            ]
        )
    )
    got = cell.set_index("id")
    assert got.loc["near", "same_sentence"] and not got.loc["near", "far"]
    assert not got.loc["split", "same_sentence"] and got.loc["split", "distance"] < CLOSE
    assert not got.loc["split", "far"]
    assert got.loc["far", "far"] and got.loc["far", "distance"] > CLOSE


def test_a_far_passage_is_never_the_key_quote_while_a_closer_one_exists() -> None:
    ranked = rank_by_support(
        _cell(
            [
                ("far", FAR_TEXT, "fought", "exhaustion", []),
                ("split", SPLIT_TEXT, "assaulted", "exhaustion", []),
                ("near", NEAR_TEXT, "assault", "exhausted", []),
            ]
        )
    )
    assert list(ranked["id"]) == ["near", "split", "far"]


def test_a_passage_a_person_confirmed_comes_before_the_automatic_ones() -> None:
    both = ["cons.worker.burnout", "form.physical"]
    ranked = rank_by_support(
        _cell(
            [
                ("near", NEAR_TEXT, "assault", "exhausted", []),
                ("split", SPLIT_TEXT, "assaulted", "exhaustion", both),
                ("half", NEAR_TEXT, "assault", "exhausted", ["form.physical"]),
            ]
        )
    )
    assert list(ranked["id"]) == ["split", "near", "half"]
    assert list(ranked["confirmed"]) == [True, False, False]


def test_a_code_a_person_added_has_no_words_and_no_distance() -> None:
    cell = _cell([("added", NEAR_TEXT, "assault", "exhausted", ["cons.worker.burnout"])])
    cell.at[0, "spans"] = [cell.at[0, "spans"][0]]  # the burnout code came from a person
    got = compute_support(cell).iloc[0]
    assert got["distance"] == float("inf") and not got["far"] and not got["same_sentence"]


def test_one_cell_is_ranked_with_the_codes_given() -> None:
    cell = _cell([("far", FAR_TEXT, "fought", "exhaustion", [])]).drop(columns=["row", "col"])
    got = rank_by_support(cell, "form.physical", "cons.worker.burnout")
    assert bool(got["far"].iloc[0])


def test_the_confirmed_share_counts_each_passage_and_code_once() -> None:
    members = pd.DataFrame(
        [
            ("p1", "form.physical", "rule"),
            ("p1", "form.physical", "human"),
            ("p1", "cons.worker.burnout", "rule"),
            ("p2", "form.physical", "rule"),
        ],
        columns=["passage_id", "code", "origin"],
    )
    assert compute_confirmation(members) == {"codings": 3, "confirmed": 1}
    assert compute_confirmation(members.iloc[:0]) == {"codings": 0, "confirmed": 0}
