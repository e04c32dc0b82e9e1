"""The evidence chain through the real command line: one decision rule everywhere, decisions
never lost, literature chapters that count literature."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import make_workbook

import evidence
from evidence.coding import compute_training_set, load_decisions

CELL = ("form.physical", "cons.worker.burnout")


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evidence.cli", "-C", str(root), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def _json(root: Path, *args: str) -> object:
    done = _run(root, *args, "--json")
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def _cell(root: Path) -> dict[str, int]:
    matrix = _json(root, "matrix", "--rows", "form", "--cols", "cons")
    return next(m for m in matrix if (m["row"], m["col"]) == CELL)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_workbook(tmp_path_factory.mktemp("chain") / "wb")
    done = _run(root, "build")
    assert done.returncode == 1, done.stderr  # the missing PDF
    return root


@pytest.fixture(scope="module")
def decided(built: Path) -> dict[str, object]:
    """Ana accepts physical violence on a passage of the cell, Bert later rejects it."""
    with evidence.open_workbook(built) as wb:
        cell = wb.cell(*CELL)
    passage = str(cell["id"].iloc[0])
    before = _cell(built)
    chapter = (built / "reports" / "tiny.md").read_text(encoding="utf-8")
    text = str(cell["text"].iloc[0])
    assert _run(built, "review", passage, CELL[0], "accept", "--coder", "ana").returncode == 0
    time.sleep(1.1)  # decisions are dated to the second: Bert's comes later
    assert _run(built, "review", passage, CELL[0], "reject", "--coder", "bert").returncode == 0
    assert _run(built, "build").returncode == 1
    return {"passage": passage, "text": text, "before": before, "chapter": chapter}


def test_the_latest_decision_stands_in_the_store_and_explain(built: Path, decided) -> None:
    explained = _json(built, "explain", decided["passage"])
    human = [c for c in explained["codings"] if c["origin"] == "human"]  # type: ignore[index]
    assert [(c["code"], c["provenance"], c["negated"]) for c in human] == [
        (CELL[0], "review:bert", True)
    ]


def test_the_latest_decision_stands_in_the_matrix(built: Path, decided) -> None:
    after = _cell(built)
    assert after["passages"] == decided["before"]["passages"] - 1
    with evidence.open_workbook(built) as wb:
        assert decided["passage"] not in set(wb.cell(*CELL)["id"])


def test_the_latest_decision_stands_in_the_chapter_and_the_briefs(built: Path, decided) -> None:
    chapter = (built / "reports" / "tiny.md").read_text(encoding="utf-8")
    annex = chapter.split("## Annex", 1)[1]
    cell = annex.split("### Physical violence × Burnout", 1)[-1].split("###", 1)[0]
    assert decided["text"][:40] not in cell
    assert chapter != decided["chapter"]
    brief = (built / "reports" / "briefs" / "tiny.md").read_text(encoding="utf-8")
    recommendations = (built / "reports" / "recommendations.md").read_text(encoding="utf-8")
    assert brief and recommendations  # both rewritten by the build, from the same matrix


def test_the_latest_decision_stands_for_learning_and_agreement(built: Path, decided) -> None:
    decisions = load_decisions(built / "decisions.csv").decisions
    examples = compute_training_set(decisions, {decided["passage"]: decided["text"]})
    assert [(e.codes, e.absent, e.complete) for e in examples] == [
        (frozenset(), frozenset({CELL[0]}), False)
    ]
    agreement = _json(built, "agreement", "--coders", "ana", "bert", "--boot", "0")
    physical = agreement["per_code"][CELL[0]]  # type: ignore[index]
    assert physical["units"] == 1 and physical["observed_agreement"] == 0.0
    # Burnout was decided by nobody: not reviewed, so not counted as absent.
    assert agreement["per_code"][CELL[1]]["units"] == 0  # type: ignore[index]


def test_a_literature_chapter_states_what_it_counts_and_what_a_person_confirmed(
    built: Path, decided
) -> None:
    chapter = (built / "reports" / "tiny.md").read_text(encoding="utf-8")
    assert "This chapter counts the literature only." in chapter
    assert "were confirmed by a person; the others come from the codebook" in chapter
    assert "*automatic coding*" in chapter


def _decisions_file(root: Path, text: str) -> Path:
    path = root / "decisions.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("p1,form.physical,accept,ana,2025-01-01,,\n", "header line is missing"),
        (
            "passage_id,code,decision,coder,date,note,excerpt\n"
            "p1,form.physical,accept,ana,2025-13-45,,\n",
            "is not an ISO date",
        ),
        (
            "passage_id,code,decision,coder,date,note,excerpt\n"
            "<<<<<<< HEAD\np1,form.physical,accept,ana,2025-01-01,,\n=======\n"
            "p1,form.physical,reject,bert,2025-01-02,,\n>>>>>>> other\n",
            "merge-conflict marker",
        ),
    ],
)
def test_review_refuses_to_drop_a_decision_it_cannot_read(
    built: Path, decided, content: str, said: str
) -> None:
    path = _decisions_file(built, content)
    done = _run(built, "review", decided["passage"], CELL[1], "accept", "--coder", "ana")
    assert done.returncode == 2 and said in done.stderr and "decisions.csv:" in done.stderr
    assert path.read_text(encoding="utf-8") == content  # nothing lost, nothing written
    coded = _json(built, "code")
    assert coded["skipped"] and any(said in s["reason"] for s in coded["skipped"])  # type: ignore[index]


def test_unknown_codes_and_passages_are_refused_with_the_closest_ones(built: Path, decided) -> None:
    path = _decisions_file(built, "passage_id,code,decision,coder,date,note,excerpt\n")
    wrong_code = _run(
        built, "review", decided["passage"], "form.physicall", "accept", "--coder", "a"
    )
    assert wrong_code.returncode == 2 and "did you mean form.physical" in wrong_code.stderr
    cut = str(decided["passage"])[:-3]
    wrong_passage = _run(built, "review", cut, CELL[0], "accept", "--coder", "a")
    assert wrong_passage.returncode == 2 and str(decided["passage"]) in wrong_passage.stderr
    assert path.read_text(encoding="utf-8").count("\n") == 1


def test_two_reviews_at_once_both_land(built: Path, decided) -> None:
    path = _decisions_file(built, "passage_id,code,decision,coder,date,note,excerpt\n")
    results: list[int] = []

    def review(coder: str, code: str) -> None:
        results.append(
            _run(built, "review", decided["passage"], code, "add", "--coder", coder).returncode
        )

    threads = [
        threading.Thread(target=review, args=(f"coder{i}", code))
        for i, code in enumerate(["form.verbal", "cons.user.trauma", "resp.training"])
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [0, 0, 0]
    assert len(load_decisions(path).decisions) == 3


def test_a_complete_review_says_the_other_codes_are_absent(built: Path, decided) -> None:
    path = _decisions_file(built, "passage_id,code,decision,coder,date,note,excerpt\n")
    done = _run(built, "review", decided["passage"], "--complete", "--coder", "ana", "--json")
    assert done.returncode == 0, done.stderr
    (row,) = load_decisions(path).decisions
    assert (row.code, row.decision) == ("*", "complete")
