"""Evaluation against human coding: scores per code, facet and language; worst errors; JSONL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidence.coding import compile_codebook, compute_evaluation, format_evaluation, load_jsonl
from evidence.coding._codebook import parse_codebook

CODEBOOK = """\
version: 1
languages: [fr, nl, en]
facets:
  form: {fr: Formes, nl: Vormen, en: Forms}
  setting: {fr: Lieux, nl: Plaatsen, en: Settings}
codes:
  form.physical:
    labels: {fr: Violence physique, nl: Fysiek geweld, en: Physical violence}
    definition: Hitting and assault.
    patterns:
      fr: [coups]
      nl: [geslagen]
      en: [assault, punched]
  form.verbal:
    labels: {fr: Violence verbale, nl: Verbaal geweld, en: Verbal violence}
    definition: Insults and threats.
    patterns:
      fr: [insulte]
      nl: [uitgescholden]
      en: [insult]
  setting.street:
    labels: {fr: Rue, nl: Straat, en: Street}
    definition: The street.
    patterns:
      fr: [rue]
      nl: [straat]
      en: [street]
"""

# Each record states what the rules find (in the comment) against the human codes.
RECORDS = [
    # rules: physical, street -> both right
    {
        "id": "e1",
        "lang": "en",
        "text": "He was punched in the street.",
        "codes": ["form.physical", "setting.street"],
    },
    # rules: verbal -> right; physical missed
    {
        "id": "e2",
        "lang": "en",
        "text": "An insult, then he hit her.",
        "codes": ["form.verbal", "form.physical"],
    },
    # rules: physical -> wrong (an assault charge in a court report, coded as nothing)
    {"id": "e3", "lang": "en", "text": "The assault charge was dropped.", "codes": []},
    # rules: physical, street -> right
    {
        "id": "f1",
        "lang": "fr",
        "text": "Des coups dans la rue.",
        "codes": ["form.physical", "setting.street"],
    },
    # rules: nothing; verbal missed
    {"id": "n1", "lang": "nl", "text": "Hij werd beledigd.", "codes": ["form.verbal"]},
]


@pytest.fixture(scope="module")
def result() -> dict:
    matcher = compile_codebook(parse_codebook(CODEBOOK))
    return compute_evaluation(RECORDS, matcher)


def test_counts_and_scores_per_code(result: dict) -> None:
    physical = result["per_code"]["form.physical"]
    assert (physical["tp"], physical["fp"], physical["fn"]) == (2, 1, 1)
    assert physical["precision"] == round(2 / 3, 4) and physical["recall"] == round(2 / 3, 4)
    assert physical["support"] == 3
    verbal = result["per_code"]["form.verbal"]
    assert (verbal["tp"], verbal["fp"], verbal["fn"]) == (1, 0, 1)
    assert (verbal["precision"], verbal["recall"], verbal["f1"]) == (1.0, 0.5, round(2 / 3, 4))
    street = result["per_code"]["setting.street"]
    assert (street["tp"], street["fp"], street["fn"], street["f1"]) == (2, 0, 0, 1.0)
    assert list(result["per_code"]) == ["form.physical", "form.verbal", "setting.street"]


def test_micro_macro_facet_and_language(result: dict) -> None:
    micro = result["micro"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (5, 1, 2)
    assert micro["precision"] == round(5 / 6, 4) and micro["recall"] == round(5 / 7, 4)
    f1s = [s["f1"] for s in result["per_code"].values()]
    assert result["macro"]["f1"] == round(sum(f1s) / 3, 4) and result["macro"]["n_codes"] == 3
    form = result["per_facet"]["form"]
    assert (form["tp"], form["fp"], form["fn"]) == (3, 1, 2)
    assert set(result["per_language"]) == {"en", "fr", "nl"}
    assert result["per_language"]["fr"]["f1"] == 1.0
    nl = dict(result["per_language"]["nl"])
    assert nl.pop("f1_ci95") == [0.0, 0.0]
    assert nl == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 1,
        "tp": 0,
        "fp": 0,
        "fn": 1,
    }
    assert result["n_records"] == 5


def test_worst_errors_name_passages_codes_and_context(result: dict) -> None:
    assert result["worst_false_positives"] == [
        {"id": "e3", "lang": "en", "codes": ["form.physical"], "snippet": RECORDS[2]["text"]}
    ]
    negatives = {r["id"]: r["codes"] for r in result["worst_false_negatives"]}
    assert negatives == {"e2": ["form.physical"], "n1": ["form.verbal"]}


def test_result_is_json_and_renders_as_a_table(result: dict) -> None:
    assert json.loads(json.dumps(result)) == result
    table = format_evaluation(result)
    assert "form.physical" in table and "By language" in table and "Worst false positives" in table
    row = next(line for line in table.splitlines() if line.startswith("micro"))
    assert f"{result['micro']['f1']:.2f}" in row


def test_bad_records_are_skipped_and_unknown_codes_counted() -> None:
    matcher = compile_codebook(parse_codebook(CODEBOOK))
    records = [
        RECORDS[0],
        {"id": "x1", "lang": "en", "codes": []},
        {"id": "x2", "lang": "en", "text": "street", "codes": "form.physical"},
        {"id": "x3", "text": "A street insult.", "codes": ["form.verbal", "form.unheard"]},
    ]
    result = compute_evaluation(records, matcher)
    assert result["n_records"] == 2
    assert result["skipped"] == [
        {"record": "x1", "reason": "'text' is missing or not a str"},
        {"record": "x2", "reason": "'codes' is missing or not a list"},
    ]
    assert result["unknown_codes"] == {"form.unheard": 1}
    assert "other" in result["per_language"]


def test_patterns_are_counted_by_the_passages_they_coded_right_and_wrong(result: dict) -> None:
    rows = {(p["code"], p["pattern"]): p for p in result["per_pattern"]}
    # "assault" coded e3 wrongly, alone; "punched" coded e1 rightly; "coups" f1 rightly.
    assert rows["form.physical", "assault"] == {
        "code": "form.physical",
        "pattern": "assault",
        "tp": 0,
        "fp": 1,
        "tp_alone": 0,
        "fp_alone": 1,
    }
    assert (rows["form.physical", "punched"]["tp"], rows["form.physical", "punched"]["fp"]) == (
        1,
        0,
    )
    assert rows["setting.street", "street"]["tp_alone"] == 1
    # The patterns that cost most come first, and the report names them.
    assert result["per_pattern"][0]["pattern"] == "assault"
    table = format_evaluation(result)
    assert "Patterns behind false positives" in table
    assert "form.physical: assault" in table
    assert "Patterns behind" not in format_evaluation(result, patterns=0)


def test_micro_language_and_gap_come_with_bootstrap_intervals(result: dict) -> None:
    low, high = result["micro"]["f1_ci95"]
    assert 0 <= low <= result["micro"]["f1"] <= high <= 1 and low < high
    # en: tp 3, fp 1, fn 1; fr: all right; nl: one miss.
    assert result["per_language"]["en"]["f1"] == 0.75
    assert result["language_gap"]["f1"] == 1.0
    assert (result["language_gap"]["best"], result["language_gap"]["worst"]) == ("fr", "nl")
    assert result["language_gap"]["f1_ci95"][1] == 1.0
    matcher = compile_codebook(parse_codebook(CODEBOOK))
    # Seeded: the same records give the same intervals; no resampling gives none.
    assert compute_evaluation(RECORDS, matcher) == result
    plain = compute_evaluation(RECORDS, matcher, n_boot=0)
    assert plain["micro"]["f1_ci95"] is None and plain["language_gap"]["f1_ci95"] is None
    assert plain["micro"]["f1"] == result["micro"]["f1"]
    table = format_evaluation(result)
    assert "F1 95% CI" in table and "F1 gap between languages: 1.00 (fr - nl)" in table


def test_bootstrap_interval_covers_the_figure_with_a_sensible_width() -> None:
    matcher = compile_codebook(parse_codebook(CODEBOOK))
    right = {"lang": "en", "text": "He was punched.", "codes": ["form.physical"]}
    wrong = {"lang": "en", "text": "The assault charge was dropped.", "codes": []}
    records = [dict(r, id=f"r{i}") for i in range(100) for r in (right, wrong)]
    micro = compute_evaluation(records, matcher)["micro"]
    # 100 true positives, 100 false positives: F1 = 200 / 300.
    assert micro["f1"] == round(2 / 3, 4)
    low, high = micro["f1_ci95"]
    assert 0.58 < low < 2 / 3 < high < 0.75
    same = [dict(right, id=f"s{i}") for i in range(50)]
    assert compute_evaluation(same, matcher)["micro"]["f1_ci95"] == [1.0, 1.0]


def test_load_jsonl_reports_malformed_lines(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(
        json.dumps(RECORDS[0]) + "\n\n{not json}\n[1, 2]\n" + json.dumps(RECORDS[1]) + "\n",
        encoding="utf-8",
    )
    problems: list[str] = []
    records = load_jsonl(path, problems=problems)
    assert [r["id"] for r in records] == ["e1", "e2"]
    assert len(problems) == 2
    assert problems[0].startswith(f"{path}:3: not valid JSON")
    assert problems[1] == f"{path}:4: not a JSON object; line skipped"
