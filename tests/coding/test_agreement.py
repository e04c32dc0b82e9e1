"""Agreement: kappa and alpha against textbook values, bootstrap intervals, coder sets."""

from __future__ import annotations

import json

import numpy as np
import pytest

from evidence.coding import Coding, Decision, Labels
from evidence.coding._agreement import (
    _binary_stats,
    compute_agreement,
    compute_coder_sets,
    compute_cohen_kappa,
    compute_krippendorff_alpha,
    compute_rule_sets,
)


def test_cohen_kappa_textbook_table() -> None:
    # 50 proposals: both yes 20, A yes / B no 5, A no / B yes 10, both no 15 -> kappa 0.4.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert compute_cohen_kappa(a, b) == pytest.approx(0.4)


def test_cohen_kappa_edge_cases() -> None:
    assert compute_cohen_kappa([1, 0, 1], [1, 0, 1]) == pytest.approx(1.0)
    assert compute_cohen_kappa([1, 1], [1, 1]) is None
    assert compute_cohen_kappa([], []) is None
    with pytest.raises(ValueError, match="must be the same"):
        compute_cohen_kappa([1], [1, 0])


def test_krippendorff_alpha_nominal_with_missing_values() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": four observers,
    # twelve units, nominal data with missing values; alpha = 0.743.
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    assert compute_krippendorff_alpha(data) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_alpha_binary_two_observers() -> None:
    # Same source, binary data, two observers, ten units: alpha = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert compute_krippendorff_alpha([a, b]) == pytest.approx(0.095, abs=5e-4)
    assert compute_krippendorff_alpha([[1, 1], [1, 1]]) is None
    assert compute_krippendorff_alpha([[1, None], [None, 0]]) is None


def test_vectorised_statistics_match_the_general_ones() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        a = rng.random(30) < 0.3
        b = np.where(rng.random(30) < 0.8, a, ~a)
        kappa, alpha = _binary_stats(a[None, :], b[None, :])
        assert kappa[0] == pytest.approx(compute_cohen_kappa(list(a), list(b)))
        assert alpha[0] == pytest.approx(compute_krippendorff_alpha([list(a), list(b)]))


def coders() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    rng = np.random.default_rng(11)
    a: dict[str, set[str]] = {}
    b: dict[str, set[str]] = {}
    for i in range(60):
        pid = f"p{i:02d}"
        a[pid] = {"form.verbal"} if rng.random() < 0.4 else set()
        agree = rng.random() < 0.85
        b[pid] = set(a[pid]) if agree else ({"form.verbal"} - a[pid])
        if i % 3 == 0:
            a[pid].add("setting.street")
            b[pid].add("setting.street")
    b["only_b"] = {"form.verbal"}
    return a, b


def test_agreement_per_code_with_intervals() -> None:
    a, b = coders()
    result = compute_agreement(a, b, ["form.verbal", "setting.street", "pop.women"], n_boot=500)
    assert result["units"] == 60
    verbal = result["per_code"]["form.verbal"]
    units = sorted(set(a) & set(b))
    ra = ["form.verbal" in a[u] for u in units]
    rb = ["form.verbal" in b[u] for u in units]
    assert verbal["kappa"] == round(compute_cohen_kappa(ra, rb), 4)
    assert verbal["alpha"] == round(compute_krippendorff_alpha([ra, rb]), 4)
    low, high = verbal["kappa_ci"]
    assert low < verbal["kappa"] < high
    low, high = verbal["alpha_ci"]
    assert low < verbal["alpha"] < high
    street = result["per_code"]["setting.street"]
    assert street["kappa"] == 1.0 and street["observed_agreement"] == 1.0
    women = result["per_code"]["pop.women"]
    assert women["kappa"] is None and women["alpha"] is None and women["kappa_ci"] is None
    assert result["mean_kappa"] == round((verbal["kappa"] + 1.0) / 2, 4)
    assert json.loads(json.dumps(result)) == result
    # Same seed, same figures.
    again = compute_agreement(a, b, ["form.verbal", "setting.street", "pop.women"], n_boot=500)
    assert again == result


def test_agreement_with_no_shared_units() -> None:
    result = compute_agreement({"p1": {"x.y"}}, {"p2": {"x.y"}}, ["x.y"])
    assert result["units"] == 0 and result["per_code"]["x.y"]["kappa"] is None


def test_coder_sets_from_decisions_and_rules() -> None:
    decisions = [
        Decision("p1", "form.verbal", "accept", "ana", "2025-01-01"),
        Decision("p1", "form.physical", "reject", "ana", "2025-01-01"),
        Decision("p1", "form.verbal", "reject", "bert", "2025-01-02"),
        Decision("p2", "pop.women", "add", "bert", "2025-01-02"),
    ]
    assert compute_coder_sets(decisions) == {
        "ana": {"p1": Labels(frozenset({"form.verbal"}), frozenset({"form.physical"}))},
        "bert": {
            "p1": Labels(frozenset(), frozenset({"form.verbal"})),
            "p2": Labels(frozenset({"pop.women"})),
        },
    }
    codings = [Coding("p1", "form.verbal"), Coding("p1", "pop.women", "human", "ana")]
    assert compute_rule_sets(codings) == {"p1": {"form.verbal"}}


def test_a_code_a_reviewer_did_not_decide_is_not_counted_as_absent() -> None:
    """The rules coded form.physical and pop.women on p1 and p2; the person only said
    whether form.physical applies (and marked p3 complete)."""
    rules = {"p1": {"form.physical", "pop.women"}, "p2": {"pop.women"}, "p3": {"pop.women"}}
    person = {
        "p1": Labels(frozenset({"form.physical"})),
        "p2": Labels(absent=frozenset({"form.physical"})),
        "p3": Labels(frozenset(), complete=True),
    }
    result = compute_agreement(rules, person, ["form.physical", "pop.women"], n_boot=0)
    physical, women = result["per_code"]["form.physical"], result["per_code"]["pop.women"]
    assert physical["units"] == 3 and physical["kappa"] == 1.0
    # pop.women was decided on p3 only (complete): one unit, where the two disagree.
    assert women["units"] == 1 and women["observed_agreement"] == 0.0


def test_decisions_marked_complete_make_every_other_code_absent() -> None:
    decisions = [
        Decision("p1", "form.verbal", "accept", "ana", "2025-01-01"),
        Decision("p1", "*", "complete", "ana", "2025-01-01"),
        Decision("p2", "form.verbal", "accept", "ana", "2025-01-01"),
    ]
    labels = compute_coder_sets(decisions)["ana"]
    assert labels["p1"].value("form.physical") is False
    assert labels["p2"].value("form.physical") is None
    assert labels["p1"].value("form.verbal") is labels["p2"].value("form.verbal") is True
