"""The coder's learned layer: trained reproducibly, kept only where it gains, applied with its
provenance; evaluation of each part; calibrated suggestions ordered by expected gain."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_CODEBOOK

from evidence.coding import (
    SHIPPED_MODEL,
    Coding,
    Labels,
    Passage,
    TrainingPassage,
    apply_model,
    code_passages,
    compile_codebook,
    compute_evaluation,
    compute_learning_curve,
    compute_reliability,
    compute_review_queue,
    cross_validate,
    file_digest,
    load_codebook,
    load_model,
    render_model,
    train_model,
    train_suggester,
)
from evidence.coding._codebook import parse_codebook
from evidence.coding._suggest import Example

CODES = ["form.physical", "form.verbal", "cons.worker.burnout", "cons.user.trauma"]
# Invented passages: burnout that no pattern of the tiny codebook names ("worn out", "drained").
BURNT = [
    "After the assault the night team was worn out and drained for weeks.",
    "Staff described being drained and worn out by the constant incidents at the door.",
    "The workers felt worn out; several were drained after each shift.",
    "Being worn out and emotionally drained is common among the shelter staff.",
    "Worn out by months of threats, the outreach team felt drained.",
    "The coordinator said her colleagues were drained, worn out and tired.",
]
CALM = [
    "The shelter opened a new dormitory for families in the spring.",
    "Residents cooked together on Sundays and the garden was replanted.",
    "The day centre extended its opening hours during the holidays.",
    "A volunteer taught residents to repair bicycles in the courtyard.",
    "The city counted the people sleeping in its night shelters.",
    "The report describes the history of the organisation since 1990.",
]


def _examples() -> list[TrainingPassage]:
    matcher = compile_codebook(parse_codebook(TINY_CODEBOOK))
    texts = [(f"b{i}", t, "en", {"cons.worker.burnout"}) for i, t in enumerate(BURNT)]
    texts += [(f"c{i}", t, "en", set()) for i, t in enumerate(CALM)]
    texts = texts * 2  # two sources of each passage, so folds of sources have both kinds
    rows = [(f"{pid}-{k}", t, lang) for k, (pid, t, lang, _) in enumerate(texts)]
    hits: dict[str, set[str]] = {}
    for c in code_passages(rows, matcher):
        hits.setdefault(c.passage_id, set()).add(c.code)
    return [
        TrainingPassage(
            Passage(pid, t, lang, frozenset(hits.get(pid, ()))),
            Labels(frozenset(codes), complete=True),
            f"source{k % 6}",
        )
        for (pid, t, lang), (_, _, _, codes), k in zip(rows, texts, range(len(rows)), strict=True)
    ]


def test_training_is_reproducible_byte_for_byte() -> None:
    examples = _examples()
    first, second = train_model(examples, CODES), train_model(examples, CODES)
    assert render_model(first) == render_model(second)
    assert first.version.startswith("m-")


def test_the_model_adds_a_code_no_rule_found_and_marks_it(tmp_path: Path) -> None:
    model = train_model(_examples(), CODES, folds=3)
    assert model.add["cons.worker.burnout"] <= 1  # recall part kept: it wins by CV
    assert model.keep["form.verbal"] == 0.0 and model.add["form.verbal"] > 1  # no gain: off
    path = tmp_path / "model.json"
    path.write_text(render_model(model), encoding="utf-8")
    loaded = load_model(path)
    rows = [("p1", "The night staff were drained and worn out after the assault.", "en")]
    rule = [Coding("p1", "form.physical", "rule", "assault")]
    out = apply_model(loaded, rule, rows)
    assert {(c.code, c.provenance) for c in out} >= {
        ("cons.worker.burnout", f"model:{loaded.version}")
    }
    assert any(c.code == "form.physical" for c in out)


def test_the_stored_model_holds_words_not_sentences(tmp_path: Path) -> None:
    text = render_model(train_model(_examples(), CODES, folds=3))
    data = json.loads(text)
    assert all(" " not in term for term in data["vocabulary"])
    assert all(len(term.split("_")) <= 2 for term in data["vocabulary"])


def test_cross_validation_measures_rules_and_model_on_unseen_folds() -> None:
    cv = cross_validate(_examples(), CODES, folds=3)
    assert cv["rules"]["f1"] < cv["rules_and_model"]["f1"]
    curve = compute_learning_curve(_examples(), CODES, sizes=(2, 4))
    assert [row["reviewed"] for row in curve] == [0, 2, 4]


def test_evaluate_measures_the_coder_in_use_and_each_part() -> None:
    matcher = compile_codebook(parse_codebook(TINY_CODEBOOK))
    model = train_model(_examples(), CODES, folds=3)
    records = [
        {"id": "x1", "lang": "en", "text": BURNT[0], "codes": ["cons.worker.burnout"]},
        {"id": "x2", "lang": "en", "text": CALM[0], "codes": []},
    ]
    rules = compute_evaluation(records, matcher, n_boot=0)
    both = compute_evaluation(records, matcher, model=model, n_boot=0)
    assert rules["micro"]["f1"] == 0.0 and both["micro"]["f1"] > 0.5
    assert both["model_version"] == model.version and both["part"] == "combined"
    with pytest.raises(ValueError, match="part"):
        compute_evaluation(records, matcher, model=model, part="neither")


def test_suggestions_are_calibrated_and_the_queue_puts_expected_corrections_first() -> None:
    examples = [
        Example(f"b{i}", t, frozenset({"cons.worker.burnout"})) for i, t in enumerate(BURNT)
    ]
    examples += [Example(f"c{i}", t, frozenset()) for i, t in enumerate(CALM)]
    suggester = train_suggester(examples, ["cons.worker.burnout"])
    table = compute_reliability(suggester)
    assert sum(row["n"] for row in table) == len(examples)
    assert all(0 <= row["observed"] <= 1 for row in table)
    passages = [("n1", "The team was worn out and drained."), ("n2", "The garden was replanted.")]
    # n1 is not coded burnout: a review there is expected to correct more than at n2.
    queue = compute_review_queue(suggester, passages, coded={"n1": set(), "n2": set()})
    assert [q.passage_id for q in queue] == ["n1", "n2"]
    assert queue[0].code == "cons.worker.burnout" and queue[0].uncertainty > 0.5
    probs = suggester.predict([t for _, t in passages])["cons.worker.burnout"]
    assert np.all((probs > 0) & (probs < 1))


def test_model_train_writes_the_file_and_says_what_it_learned(tmp_path: Path) -> None:
    root = tmp_path / "wb"
    root.mkdir()
    (root / "evidence.toml").write_text('[workbook]\nname = "t"\n', encoding="utf-8")
    (root / "codebook.yml").write_text(TINY_CODEBOOK, encoding="utf-8")
    lines = [
        {
            "id": f"b{i}",
            "lang": "en",
            "text": t,
            "codes": ["cons.worker.burnout"],
            "source_url": f"https://example.org/{i % 3}",
        }
        for i, t in enumerate(BURNT * 2)
    ] + [
        {
            "id": f"c{i}",
            "lang": "en",
            "text": t,
            "codes": [],
            "source_url": f"https://example.org/{i % 3}",
        }
        for i, t in enumerate(CALM * 2)
    ]
    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    run = [sys.executable, "-m", "evidence.cli", "-C", str(root), "model", "train", str(train)]
    done = subprocess.run([*run, "--folds", "3", "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["file"] == "data/coder-model.json" and summary["passages"] == 24
    assert "cons.worker.burnout" in summary["adds"]
    written = (root / "data" / "coder-model.json").read_bytes()
    again = subprocess.run([*run, "--folds", "3"], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert (root / "data" / "coder-model.json").read_bytes() == written
    assert "changed from" in again.stdout


REPO = Path(__file__).resolve().parents[2]
TRAIN = REPO.parent / "shared" / "evaluation" / "train.jsonl"


@pytest.mark.skipif(not TRAIN.is_file(), reason="../shared/evaluation is not beside the project")
def test_the_shipped_model_was_trained_on_this_codebook_and_the_shared_training_set() -> None:
    """The shipped model learned on top of the codebook's current rules, from train.jsonl as
    it is: change a rule and `make model` must run again, or the layer corrects other rules."""
    model = load_model(SHIPPED_MODEL)
    assert model.about["training_sha256"] == file_digest(TRAIN.read_bytes())
    # the codebook's rules, whatever stemmer is installed (its version ends the codebook's)
    trained = model.about["codebook_version"].split("+snowball-")[0]
    assert trained == load_codebook(REPO / "codebook.yml").version.split("+snowball-")[0]
    assert (
        model.about["cross_validation"]["rules_and_model"]["f1"]
        >= (model.about["cross_validation"]["rules"]["f1"])
    )
