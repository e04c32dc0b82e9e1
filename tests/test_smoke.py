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
    md_after = (sample / "reports" / "literature.md").read_bytes()
    # The same chapter, but for what it says changed: nothing, since the first build.
    assert _without_changes(md_after) == _without_changes(md_before)
    assert "Aucun changement dans les données depuis la construction du" in md_after.decode()


def _without_changes(md: bytes) -> bytes:
    """The chapter without its section "what changed since the last build"."""
    return re.sub(rb"\n## Ce qui a chang\xc3\xa9.*?(?=\n## )", b"", md, count=1, flags=re.S)


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


ARTIFACTS = REPO / "tests" / "artifacts" / "chapters"
A4 = (595.3, 841.9)  # points


def _check_printed(pdf: Path, chapter: str, kind: str) -> None:
    """Every page A4, nothing printed past a page's edge, every row of the evidence table
    whole and its column legend; the pages kept as PNGs under tests/artifacts/chapters/."""
    import pymupdf  # why: the PDF library loads layout models on import; only these tests

    def flat(text: str) -> str:
        return " ".join(text.replace("*", "").replace("'", "’").split())

    rows = [
        flat(line.replace("|", " "))
        for line in chapter.splitlines()
        if line.startswith("|") and not line.startswith("|:")
    ]
    legend = re.search(r"^\*(?:Colonnes|Columns|Kolommen) ?:\*.*$", chapter, re.M)
    assert rows and legend, "the chapter has no evidence table with a column legend"
    with pymupdf.open(pdf) as doc:
        for page in doc:
            assert abs(page.rect.width - A4[0]) < 2 and abs(page.rect.height - A4[1]) < 2
            words = page.get_text("words")
            outside = [w[4] for w in words if w[0] < -1 or w[2] > page.rect.width + 1]
            assert outside == [], f"{kind} page {page.number + 1}: past the edge: {outside[:5]}"
        printed = flat(" ".join(page.get_text() for page in doc))
    missing = [row for row in rows if row not in printed]
    assert missing == [], f"{kind}: rows of the evidence table not printed whole: {missing}"
    assert flat(legend[0]) in printed, f"{kind}: the column legend is not printed whole"
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob(f"literature-{kind}-*.png"):
            old.unlink()
        subprocess.run(
            [pdftoppm, "-r", "80", "-png", str(pdf), str(ARTIFACTS / f"literature-{kind}")],
            check=True,
            timeout=300,
        )


def test_the_printed_chapter_keeps_every_column_on_a4_pages(sample: Path, build) -> None:
    pdf = sample / "reports" / "literature.pdf"
    if not pdf.is_file():
        pytest.skip("Chromium is not installed: no PDF chapter")
    _check_printed(pdf, (sample / "reports" / "literature.md").read_text("utf-8"), "pdf")


def test_the_docx_chapter_prints_on_a4_with_every_column(sample: Path, build, tmp_path) -> None:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    done = subprocess.run(
        [
            office,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(sample / "reports" / "literature.docx"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0 and (tmp_path / "literature.pdf").is_file(), done.stderr
    chapter = (sample / "reports" / "literature.md").read_text("utf-8")
    _check_printed(tmp_path / "literature.pdf", chapter, "docx")


def test_each_chapter_has_its_evidence_map_with_the_chapters_counts(sample: Path, build) -> None:
    for chapter, cols in (("literature", "cons"), ("responses", "resp")):
        page = (sample / "reports" / f"{chapter}-map.html").read_text(encoding="utf-8")
        assert '<html lang="fr">' in page and "Carte des preuves" in page
        assert str(sample) not in page
        index = page.split('id="map-index"', 1)[1].split(">", 1)[1].split("</script>", 1)[0]
        counts = json.loads(index)["counts"]
        matrix = _evidence(sample, "matrix", "--cols", cols, "--kind", "literature", "--json")
        assert counts == [
            [c["sources"], c["passages"], c["field_sources"]] for c in json.loads(matrix.stdout)
        ]
