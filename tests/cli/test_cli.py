from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_pdf

from evidence.cli import main


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, object]:
    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("sync", "extract", "code", "search", "matrix", "passages", "status", "build"):
        assert command in out


def test_outside_a_workbook_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["-C", str(tmp_path), "status"]) == 2
    assert "no evidence.toml" in capsys.readouterr().err


def test_stages_report_json_and_exit_1_when_an_item_failed(workbook: Path, capsys) -> None:
    root = str(workbook)
    code, sync = _json(capsys, ["-C", root, "sync", "--json"])
    assert code == 1 and sync["missing"] == 1
    code, extract = _json(capsys, ["-C", root, "extract", "--jobs", "1", "--json"])
    assert code == 1 and extract["documents"] == 2
    assert [f["reason"] for f in extract["failures"]] == ["missing"]
    code, coded = _json(capsys, ["-C", root, "code", "--json"])
    assert code == 0 and coded["rule_codings"] > 0
    code, status = _json(capsys, ["-C", root, "status", "--json"])
    assert code == 1
    assert set(status) >= {"sources", "documents", "passages", "annotations", "codings", "failures"}
    assert status["codings"]["rule"] == coded["rule_codings"]
    assert status["failures"][0]["item"].startswith("gamma2019missing")
    code, hits = _json(capsys, ["-C", root, "search", "agression*", "--json"])
    assert code == 0 and hits[0]["source_key"] == "beta2021accueil" and "[" in hits[0]["snippet"]


def test_matrix_json_and_xlsx(workbook: Path, tmp_path: Path, capsys) -> None:
    root = str(workbook)
    for stage in ("sync", "extract", "code"):
        main(["-C", root, stage, "--json"])
    capsys.readouterr()
    xlsx = tmp_path / "m.xlsx"
    code, cells = _json(
        capsys,
        ["-C", root, "matrix", "--rows", "form", "--cols", "cons", "--xlsx", str(xlsx), "--json"],
    )
    assert code == 0 and xlsx.is_file()
    assert set(cells[0]) == {"row", "col", "sources", "passages", "documents", "field_sources"}
    cell = {(c["row"], c["col"]): c["sources"] for c in cells}
    assert cell[("form.physical", "cons.worker.burnout")] == 1
    assert len(cells) == 2 * 2


def test_matrix_filters_and_figures(workbook: Path, tmp_path: Path, capsys) -> None:
    root = str(workbook)
    for stage in ("sync", "extract", "code"):
        main(["-C", root, stage, "--json"])
    capsys.readouterr()
    code, every = _json(capsys, ["-C", root, "matrix", "--json"])
    code, french = _json(
        capsys,
        [
            "-C",
            root,
            "matrix",
            "--lang",
            "fr",
            "--years",
            "2021-",
            "--gap-map",
            str(tmp_path / "gap.svg"),
            "--heatmap",
            str(tmp_path / "heat.png"),
            "--json",
        ],
    )
    assert code == 0 and (tmp_path / "gap.svg").is_file() and (tmp_path / "heat.png").is_file()
    assert 0 < sum(c["sources"] for c in french) < sum(c["sources"] for c in every)
    assert all(c["documents"] <= c["passages"] for c in french)
    code, searched = _json(capsys, ["-C", root, "matrix", "--search", "insultes", "--json"])
    assert {(c["row"], c["col"]) for c in searched if c["sources"]} == {
        ("form.verbal", "cons.worker.burnout")
    }
    assert main(["-C", root, "matrix", "--rows", "nothing"]) == 2
    assert "matches no code" in capsys.readouterr().err
    assert main(["-C", root, "matrix", "--years", "2020-2010"]) == 2


def test_passages_of_one_pdf(tmp_path: Path, capsys) -> None:
    pdf = make_pdf(tmp_path / "one.pdf", ["First paragraph about assault.", "Second page."])
    code, data = _json(capsys, ["passages", str(pdf), "--json"])
    assert code == 0 and data["status"] == "ok" and data["pages"] == 2
    assert set(data["passages"][0]) == {"page_index", "page_label", "section", "lang", "text"}
    assert data["passages"][0]["page_label"] == "1"
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n this is not a pdf body")
    code, data = _json(capsys, ["passages", str(broken), "--json"])
    assert code == 1 and data["status"] != "ok" and data["reason"]
