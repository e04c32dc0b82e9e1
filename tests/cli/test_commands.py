from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evidence.cli import main


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, object]:
    code = main(argv)
    out = capsys.readouterr().out
    return code, json.loads(out) if "--json" in argv else out


@pytest.fixture
def coded(workbook: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    for stage in ("sync", "extract", "code"):
        main(["-C", str(workbook), stage, "--json"])
    capsys.readouterr()
    return workbook


def _passage(capsys, root: Path, query: str) -> str:
    code, hits = _run(capsys, ["-C", str(root), "search", query, "--json"])
    return hits[0]["id"]


def test_explain_shows_the_matched_words(coded: Path, capsys) -> None:
    pid = _passage(capsys, coded, "assaulted")
    code, data = _run(capsys, ["-C", str(coded), "explain", pid, "--json"])
    assert code == 0
    physical = [m for m in data["matches"] if m["code"] == "form.physical"]
    assert physical and physical[0]["text"].lower().startswith("assault")
    code, text = _run(capsys, ["-C", str(coded), "explain", pid])
    assert "\x1b[" in text and "form.physical" in text  # highlighted for the terminal


def test_review_writes_the_decisions_file_and_code_applies_it(coded: Path, capsys) -> None:
    pid = _passage(capsys, coded, "assaulted")
    code, data = _run(
        capsys,
        [
            "-C",
            str(coded),
            "review",
            pid,
            "form.physical",
            "reject",
            "--coder",
            "ana",
            "--note",
            "staff, not residents",
            "--json",
        ],
    )
    assert code == 0 and data["decisions"] == 1
    text = (coded / "decisions.csv").read_text(encoding="utf-8")
    assert f"{pid},form.physical,reject,ana," in text and "Workers in the night shelter" in text
    code, summary = _run(capsys, ["-C", str(coded), "code", "--json"])
    assert summary["human_decisions_applied"] == 1
    code, cells = _run(capsys, ["-C", str(coded), "matrix", "--json"])
    physical = {c["col"]: c["sources"] for c in cells if c["row"] == "form.physical"}
    assert physical["cons.worker.burnout"] == 0  # the only passage carrying both was rejected


def test_review_needs_a_coder(coded: Path, capsys) -> None:
    pid = _passage(capsys, coded, "assaulted")
    assert main(["-C", str(coded), "review", pid, "form.physical", "accept"]) == 2
    assert "--coder" in capsys.readouterr().err


def test_agreement_between_two_coders(coded: Path, capsys) -> None:
    pids = [_passage(capsys, coded, q) for q in ("assaulted", "insults", "agressions")]
    for pid in pids:
        main(["-C", str(coded), "review", pid, "form.physical", "accept", "--coder", "ana"])
    for pid, decision in zip(pids, ("accept", "reject", "accept"), strict=True):
        main(["-C", str(coded), "review", pid, "form.physical", decision, "--coder", "ben"])
    capsys.readouterr()
    code, data = _run(capsys, ["-C", str(coded), "agreement", "--boot", "50", "--json"])
    assert code == 0 and sorted(data["coders"]) == ["ana", "ben"]
    entry = data["per_code"]["form.physical"]
    assert entry["units"] == 3 and entry["observed_agreement"] == pytest.approx(2 / 3, abs=1e-3)


def test_suggest_says_when_there_are_too_few_examples(coded: Path, capsys) -> None:
    pid = _passage(capsys, coded, "assaulted")
    main(["-C", str(coded), "review", pid, "form.physical", "accept", "--coder", "ana"])
    capsys.readouterr()
    code, data = _run(capsys, ["-C", str(coded), "suggest", "--json"])
    assert code == 0 and data["model_version"]
    assert "form.physical" in data["not_trained"] and data["suggestions"] == 0


def test_evaluate_a_hand_coded_file(tmp_path: Path, workbook: Path, capsys) -> None:
    records = [
        {
            "id": "a",
            "lang": "en",
            "text": "The worker was assaulted at the door.",
            "codes": ["form.physical"],
        },
        {
            "id": "b",
            "lang": "fr",
            "text": "Un épuisement des équipes après les menaces.",
            "codes": ["cons.worker.burnout", "form.verbal"],
        },
        {"id": "c", "lang": "en", "text": "Housing statistics for the region.", "codes": []},
    ]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n{broken\n", encoding="utf-8")
    code, result = _run(capsys, ["-C", str(workbook), "evaluate", str(path), "--json"])
    assert code == 1  # one malformed line, reported
    assert result["micro"]["precision"] == 1.0 and result["micro"]["recall"] == 1.0
    assert set(result) >= {"micro", "macro", "per_code", "per_facet", "per_language"}


def test_codebook_round_trip_through_refi_qda(workbook: Path, tmp_path: Path, capsys) -> None:
    qdc = tmp_path / "codebook.qdc"
    assert main(["-C", str(workbook), "codebook", "export", str(qdc)]) == 0
    assert qdc.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    out = tmp_path / "back.yml"
    assert main(["-C", str(workbook), "codebook", "import", str(qdc), "--out", str(out)]) == 0
    assert "form.physical" in out.read_text(encoding="utf-8")


def test_codebook_import_says_what_it_imported_and_a_broken_file_is_one_message(
    workbook: Path, tmp_path: Path, shared: Path
) -> None:
    qdc = shared / "corpora" / "interop" / "qdc"
    out = tmp_path / "imported.yml"
    base = [sys.executable, "-m", "evidence.cli", "-C", str(workbook), "codebook", "import"]
    done = subprocess.run(
        [*base, str(qdc / "taguette-1.4.1_uto_tag_codebook.qdc"), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "imported 3 codes in 1 facets and 0 code sets" in done.stdout
    assert "made by Taguette 1.4.1" in done.stdout and "imported.variables" in out.read_text()
    broken = subprocess.run(
        [*base, str(qdc / "openqda_example_codebook_defect.qdc"), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
    assert "openqda_example_codebook_defect.qdc:132: not well-formed XML" in broken.stderr
    refused = subprocess.run(
        [*base[:-1], "export", str(tmp_path / "project.qdpx")], capture_output=True, text=True
    )
    assert refused.returncode == 2 and "evidence qdpx export" in refused.stderr
    assert not (tmp_path / "project.qdpx").exists()
