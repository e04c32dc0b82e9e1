"""Learned suggestions: training from decisions, minimum examples, versions, the review queue."""

from __future__ import annotations

import sys

import pytest

from evidence.coding import Decision
from evidence.coding._suggest import (
    Example,
    compute_review_queue,
    compute_training_set,
    suggest_codes,
    train_suggester,
)
from evidence.errors import ConfigError

VERBAL = [
    "Il a été insulté et menacé devant l'accueil.",
    "Des insultes racistes ont visé un résident.",
    "Staff were insulted and shouted at by a visitor.",
    "Verbal abuse and insults happen every week.",
    "Ze werd uitgescholden en beledigd aan de balie.",
    "Les menaces et les insultes se répètent le soir.",
    "He shouted insults and threats at the night staff.",
]
OTHER = [
    "Le centre de jour ouvre à neuf heures.",
    "The hostel has forty beds and a small garden.",
    "De nachtopvang telt twintig bedden.",
    "Les repas sont servis à midi dans la salle commune.",
    "A new caseworker joined the housing team in May.",
    "Het onthaal is open van maandag tot vrijdag.",
    "La maison d'accueil propose des ateliers de cuisine.",
]


def examples() -> list[Example]:
    out = [Example(f"v{i}", t, frozenset({"form.verbal"})) for i, t in enumerate(VERBAL)]
    out += [Example(f"o{i}", t, frozenset()) for i, t in enumerate(OTHER)]
    # Two passages carry form.sexual: too few to learn from.
    out[0] = Example("v0", VERBAL[0], frozenset({"form.verbal", "form.sexual"}))
    out[7] = Example("o0", OTHER[0], frozenset({"form.sexual"}))
    return out


@pytest.fixture(scope="module")
def suggester():
    return train_suggester(examples(), ["form.verbal", "form.sexual"])


def test_codes_with_too_few_examples_say_so(suggester) -> None:
    assert suggester.codes == ("form.verbal",)
    assert suggester.skipped == {
        "form.sexual": "2 positive and 12 negative examples; 5 of each are needed before suggesting"
    }
    assert suggester.n_examples == 14


def test_suggestions_follow_the_examples(suggester) -> None:
    passages = [
        ("new1", "Un intervenant a reçu des insultes et des menaces."),
        ("new2", "The day centre serves breakfast from eight."),
    ]
    found = suggest_codes(suggester, passages, threshold=0.0)
    probability = {s.passage_id: s.probability for s in found}
    assert probability["new1"] > 0.5 > probability["new2"]
    assert {s.model_version for s in found} == {suggester.model_version}
    assert [s.passage_id for s in suggest_codes(suggester, passages)] == ["new1"]
    assert suggest_codes(suggester, passages, reviewed={"new1", "new2"}) == []


def test_model_version_hashes_data_and_parameters() -> None:
    base = train_suggester(examples(), ["form.verbal"]).model_version
    assert base.startswith("tfidf-lr-")
    assert train_suggester(list(reversed(examples())), ["form.verbal"]).model_version == base
    assert train_suggester(examples()[1:], ["form.verbal"]).model_version != base
    assert train_suggester(examples(), ["form.verbal"], {"C": 1.0}).model_version != base
    with pytest.raises(ValueError, match="unknown parameters"):
        train_suggester(examples(), ["form.verbal"], {"alpha": 1})


def test_review_queue_puts_the_expected_corrections_first(suggester) -> None:
    passages = [
        ("clear_yes", "Insultes, menaces et insultes encore: il a été insulté."),
        ("clear_no", "Het onthaal is open van maandag tot vrijdag, de bedden zijn klaar."),
        ("unsure", "A visitor at the hostel garden."),
    ]
    # The rules already coded the insults: reviewing that passage would correct little.
    queue = compute_review_queue(suggester, passages, coded={"clear_yes": {"form.verbal"}})
    gains = [item.uncertainty for item in queue]
    assert gains == sorted(gains, reverse=True)
    assert queue[-1].passage_id in ("clear_yes", "clear_no")
    assert all(item.code == "form.verbal" for item in queue)
    assert all(0 <= item.uncertainty <= 1 for item in queue)
    # Not coded, the same passage is the likeliest correction: a code the coding misses.
    uncoded = compute_review_queue(suggester, passages)
    assert uncoded[0].passage_id == "clear_yes"
    assert [i.passage_id for i in compute_review_queue(suggester, passages, limit=1)] == [
        uncoded[0].passage_id
    ]
    assert "clear_no" not in [
        i.passage_id for i in compute_review_queue(suggester, passages, reviewed={"clear_no"})
    ]


def test_no_trained_code_gives_no_suggestions() -> None:
    suggester = train_suggester(examples()[:4], ["form.verbal"])
    assert suggester.codes == ()
    assert suggest_codes(suggester, [("p", "des insultes")], threshold=0.0) == []
    assert compute_review_queue(suggester, [("p", "des insultes")]) == []


def test_training_set_comes_from_the_latest_decisions() -> None:
    decisions = [
        Decision("p1", "form.verbal", "accept", "ana", "2025-01-01"),
        Decision("p1", "form.physical", "add", "ana", "2025-01-01"),
        Decision("p1", "form.physical", "reject", "bert", "2025-01-03"),
        Decision("p2", "form.verbal", "reject", "ana", "2025-01-01"),
        Decision("p3", "form.verbal", "accept", "ana", "2025-01-01"),
    ]
    texts = {"p1": "insultes et coups", "p2": "rien", "p9": "unused"}
    # A code nobody decided on a passage is not reviewed there: not a negative example.
    assert compute_training_set(decisions, texts) == [
        Example(
            "p1",
            "insultes et coups",
            frozenset({"form.verbal"}),
            absent=frozenset({"form.physical"}),
            complete=False,
        ),
        Example("p2", "rien", frozenset(), absent=frozenset({"form.verbal"}), complete=False),
    ]


def test_without_scikit_learn_training_says_what_to_install(monkeypatch) -> None:
    # scikit-learn is the optional `suggest` extra (no wheels for musl): None in sys.modules
    # makes its import fail as it does where it is not installed.
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ConfigError, match=r"evidence-workbook\[suggest\]"):
        train_suggester(examples(), ["form.verbal"])
