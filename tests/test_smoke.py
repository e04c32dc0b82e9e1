"""The whole pipeline on a temporary copy of the sample library, through the real command."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _evidence(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evidence.cli", "-C", str(root), *args],
        capture_output=True,
        text=True,
        timeout=900,
    )


def _effective_pairs(db: Path) -> set[tuple[str, str]]:
    """(passage, code) pairs that count, computed here independently of the store's query."""
    con = sqlite3.connect(db)
    rows = con.execute("SELECT passage_id, code, origin, negated FROM codings").fetchall()
    con.close()
    human_yes = {(p, c) for p, c, o, n in rows if o == "human" and not n}
    human_no = {(p, c) for p, c, o, n in rows if o == "human" and n}
    machine = {(p, c) for p, c, o, n in rows if o == "rule" and not n}  # suggestions: opt-in
    return human_yes | {pc for pc in machine if pc not in human_no}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (REPO / "data" / "sample" / "expected.json").is_file():
        pytest.fail("the sample library is missing: run `make sample`")
    root = tmp_path_factory.mktemp("smoke") / "workbook"
    root.mkdir()
    for name in ("evidence.toml", "codebook.yml", "references.bib"):
        shutil.copy(REPO / name, root / name)
    for folder in ("chapters", "notebooks", "data/sample"):
        shutil.copytree(REPO / folder, root / folder)
    decisions = REPO / "data" / "coding-decisions.csv"
    if decisions.is_file():
        shutil.copy(decisions, root / "data" / decisions.name)
    return root


@pytest.fixture(scope="module")
def build(sample: Path) -> subprocess.CompletedProcess[str]:
    return _evidence(sample, "build", "--json")


def test_build_exits_1_and_reports_the_bad_pdfs_with_their_reasons(build) -> None:
    assert build.returncode == 1, build.stderr
    summary = json.loads(build.stdout)
    reasons = {f["item"].split(":")[0]: f["reason"] for f in summary["failures"]}
    assert "encrypted" in reasons.values()
    assert any(r in ("broken", "truncated") for r in reasons.values())
    assert "missing" in reasons.values()
    assert summary["status"]["passages"] > 100
    assert summary["chapters"]


def test_a_known_passage_appears_in_the_chapter_with_its_printed_page(sample: Path, build) -> None:
    expected = json.loads((sample / "data" / "sample" / "expected.json").read_text())
    chapter = (sample / "reports" / "literature.md").read_text(encoding="utf-8")
    flat = " ".join(chapter.split())
    # citeproc formats [@key, p. 13] author-date: "… (Exemple and Autre 2021, 13)"
    found = [
        e
        for e in expected
        if re.search(
            re.escape(" ".join(e["text"].split()))
            + r"[^()]{0,2000}\([^()]*\d{4}[a-z]?, "
            + re.escape(e["page_label"])
            + r"\)",
            flat,
        )
    ]
    assert found, "no known passage of data/sample/expected.json is quoted in the chapter"
    printed = [e for e in expected if e["page_label"] != str(e["page_index"] + 1)]
    assert printed, "expected.json should hold a passage whose printed page differs from its index"
    con = sqlite3.connect(sample / "data" / "evidence.sqlite")
    for e in printed:
        labels = {
            r[0]
            for r in con.execute(
                "SELECT page_label FROM passages WHERE source_key = ? AND text LIKE ?",
                (e["key"], f"%{e['text'][:60]}%"),
            )
        }
        assert labels == {e["page_label"]}
    con.close()


def test_matrix_cells_equal_an_independent_count_from_the_store(sample: Path, build) -> None:
    result = _evidence(sample, "matrix", "--rows", "form", "--cols", "cons", "--json")
    assert result.returncode == 0, result.stderr
    cells = json.loads(result.stdout)
    pairs = _effective_pairs(sample / "data" / "evidence.sqlite")
    con = sqlite3.connect(sample / "data" / "evidence.sqlite")
    source_of = dict(con.execute("SELECT id, source_key FROM passages"))
    con.close()
    codes_of: dict[str, set[str]] = {}
    for p, c in pairs:
        codes_of.setdefault(p, set()).add(c)
    assert sum(c["sources"] for c in cells) > 0
    for cell in cells:
        passages = {p for p, codes in codes_of.items() if {cell["row"], cell["col"]} <= codes}
        assert cell["passages"] == len(passages), cell
        assert cell["sources"] == len({source_of[p] for p in passages}), cell


def test_rebuild_from_scratch_gives_the_same_passages_codings_and_chapter(
    sample: Path, build
) -> None:
    db = sample / "data" / "evidence.sqlite"

    def content() -> tuple[list, list]:
        con = sqlite3.connect(db)
        out = (
            con.execute(
                "SELECT id, page_label, section, lang, text FROM passages ORDER BY id"
            ).fetchall(),
            con.execute(
                "SELECT passage_id, code, origin, spans FROM codings ORDER BY 1, 2, 3"
            ).fetchall(),
        )
        con.close()
        return out

    before = content()
    md_before = (sample / "reports" / "literature.md").read_bytes()
    again = _evidence(sample, "build", "--from-scratch", "--json")
    assert again.returncode == 1, again.stderr
    assert content() == before
    assert (sample / "reports" / "literature.md").read_bytes() == md_before


def _published(root: Path) -> dict[str, bytes]:
    # What readers get: the published version (reports/current), not the versions' folders.
    reports = root / "reports" / "current"
    names = [p for p in reports.rglob("*") if p.is_file() and p.suffix in (".md", ".html", ".docx")]
    names += [reports / "recommendations.xlsx"]
    return {str(p.relative_to(reports)): p.read_bytes() for p in names}


def test_suggestions_change_no_count_and_no_byte_of_what_readers_get(sample: Path, build) -> None:
    """Model suggestions wait in their review queue: chapters, briefs and recommendations
    count rule codings and people's decisions only."""
    before = _published(sample)
    matrices = [
        _evidence(sample, "matrix", "--rows", r, "--cols", c, "--json").stdout
        for r, c in (("form", "cons"), ("form", "resp"))
    ]
    suggested = _evidence(sample, "suggest", "--json")
    assert suggested.returncode == 0, suggested.stderr
    assert json.loads(suggested.stdout)["suggestions"] > 0
    again = _evidence(sample, "build", "--json")
    assert again.returncode == 1, again.stderr
    assert [
        _evidence(sample, "matrix", "--rows", r, "--cols", c, "--json").stdout
        for r, c in (("form", "cons"), ("form", "resp"))
    ] == matrices
    after = _published(sample)
    assert sorted(after) == sorted(before)
    assert [name for name in before if before[name] != after[name]] == []
    with_them = _evidence(sample, "matrix", "--with-suggestions", "0.5", "--json")
    assert with_them.returncode == 0, with_them.stderr
    assert any(cell["suggested_passages"] > 0 for cell in json.loads(with_them.stdout))
