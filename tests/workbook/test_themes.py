"""`evidence themes` on the fictional field corpus of scripts/make_field_corpus.py, beside the
sample library's literature, through the real command: the planted themes come back, the
coordinator's themes.yml is never touched, a second wave of interviews says what is new, and
each kept theme gets its argument in Markdown, HTML and DOCX."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

import evidence

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _corpus_script() -> ModuleType:
    scripts = str(REPO / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)  # the script imports its sibling make_sample_fieldwork
    spec = importlib.util.spec_from_file_location(
        "make_field_corpus", REPO / "scripts" / "make_field_corpus.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _evidence(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evidence.cli", "-C", str(root), *args],
        capture_output=True,
        text=True,
        timeout=900,
    )


def _ok(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = _evidence(root, *args)
    assert done.returncode in (0, 1), done.stderr
    return done


def _themes(root: Path, *args: str) -> dict:
    done = _evidence(root, "themes", "--json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample library with the twenty fictional interviews as its field material."""
    root = tmp_path_factory.mktemp("themes") / "workbook"
    root.mkdir()
    for name in ("evidence.toml", "codebook.yml", "references.bib"):
        shutil.copy(REPO / name, root / name)
    for folder in ("chapters", "notebooks", "data/sample"):
        shutil.copytree(REPO / folder, root / folder)
    _corpus_script().write_corpus(root / "data" / "field")
    toml = (root / "evidence.toml").read_text(encoding="utf-8")
    toml = toml.replace('folder = "data/sample/fieldwork"', 'folder = "data/field"')
    toml = toml.replace(
        'names = "data/sample/fieldwork/names.txt"', 'names = "data/field/names.txt"'
    )
    (root / "evidence.toml").write_text(toml, encoding="utf-8")
    for command in ("sync", "extract", "fieldwork", "code"):
        _ok(root, command)
    return root


@pytest.fixture
def workbook(imported: Path, tmp_path: Path) -> Path:
    root = tmp_path / "workbook"
    shutil.copytree(imported, root, symlinks=True)  # reports/ links to its published version
    return root


def _planted(root: Path) -> dict:
    return json.loads((root / "data" / "field" / "planted.json").read_text(encoding="utf-8"))


def test_the_corpus_is_reproducible_fictional_and_bilingual(tmp_path: Path) -> None:
    script = _corpus_script()
    first = script.write_corpus(tmp_path / "a")
    second = script.write_corpus(tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    meta = (tmp_path / "a" / "metadata.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(meta) == 20
    assert {row.split(";")[5] for row in meta} == {"fr", "nl"}
    assert {p.suffix for p in first[:20]} == {".docx", ".md", ".txt"}
    for path in first[:20]:
        body = path.read_bytes()
        if path.suffix == ".docx":
            body = zipfile.ZipFile(path).read("word/document.xml")
        assert b"FICTIF" in body or b"FICTIEF" in body, path.name
    assert len(script.write_corpus(tmp_path / "c", wave=2)) == 24 + 3


def test_the_proposals_recover_every_planted_theme(imported: Path) -> None:
    summary = _themes(imported)
    planted = _planted(imported)
    orgs_planted = {
        theme: {i["organisation"] for i in planted["interviews"].values() if theme in i["themes"]}
        for theme in planted["themes"]
    }
    recovered = {}
    for theme, codes in planted["themes"].items():
        if theme == "peer-support":
            continue  # only the second wave raises it
        matching = [p for p in summary["proposals"] if set(codes) <= set(p["codes"])]
        assert len(matching) == 1, (theme, [p["codes"] for p in summary["proposals"]])
        recovered[theme] = matching[0]
        # named by its planted codes, raised by exactly the organisations it was planted in
        assert matching[0]["id"] == "-".join(c.rsplit(".", 1)[-1] for c in sorted(codes))
        assert matching[0]["n_organisations"] == len(orgs_planted[theme])
    assert len(recovered) == 4
    assert not any(
        set(planted["themes"]["peer-support"]) & set(p["codes"]) for p in summary["proposals"]
    )
    first = summary["proposals"][0]
    assert first["status"] == "new" and first["literature"]["status"] in ("documented", "thin")
    assert first["carriers"][0]["breadth"] >= first["carriers"][-1]["breadth"]
    # pseudonyms only: no organisation's real name leaves the import
    text = json.dumps(summary, ensure_ascii=False)
    assert not any(name in text for names in orgs_planted.values() for name in names)


def test_themes_yml_is_written_once_and_never_touched_again(workbook: Path) -> None:
    first = _themes(workbook, "--init")
    path = workbook / "themes.yml"
    assert "themes.yml" in first["written"]
    assert len(re.findall(r"^  - id: ", path.read_text(encoding="utf-8"), re.M)) == 4
    # The coordinator renames one theme, merges two and drops one.
    edited = (
        "# mine\n"
        "themes:\n"
        "  - id: epuisement\n"
        "    name: {fr: Épuisement des équipes, nl: Uitputting van de teams}\n"
        "    codes: [form.verbal, cons.worker.burnout, cons.worker.turnover]\n"
        "    note: À discuter avec le comité.\n"
        "  - id: exclusions-et-femmes\n"
        "    name: {fr: Exclusions et violences sexuelles}\n"
        "    codes: [form.institutional, cons.user.exclusion, form.sexual, pop.women]\n"
        "    from: [disengagement-exclusion-institutional, trauma-sexual-women]\n"
        "dropped: [economic-police-migrants]\n"
    )
    path.write_text(edited, encoding="utf-8")
    refused = _evidence(workbook, "themes", "--init")
    assert refused.returncode == 2 and "already exists" in refused.stderr
    summary = _themes(workbook)
    assert path.read_text(encoding="utf-8") == edited
    status = {p["id"]: (p["status"], p["theme"]) for p in summary["proposals"]}
    assert status == {
        "burnout-turnover-verbal": ("kept", "epuisement"),
        "disengagement-exclusion-institutional": ("kept", "exclusions-et-femmes"),
        "trauma-sexual-women": ("kept", "exclusions-et-femmes"),
        "economic-police-migrants": ("dropped", ""),
    }
    assert summary["new"] == []
    assert [t["id"] for t in summary["themes"]] == ["epuisement", "exclusions-et-femmes"]


def test_a_second_wave_of_interviews_says_what_is_new(workbook: Path) -> None:
    _themes(workbook, "--init")
    before = (workbook / "themes.yml").read_bytes()
    _corpus_script().write_corpus(workbook / "data" / "field", wave=2)
    _ok(workbook, "fieldwork")
    _ok(workbook, "code")
    summary = _themes(workbook)
    assert (workbook / "themes.yml").read_bytes() == before
    assert summary["new"] == ["insecurity-peer-training"]
    new = next(p for p in summary["proposals"] if p["id"] == "insecurity-peer-training")
    assert new["n_organisations"] == 4 and new["status"] == "new"
    kept = {t["id"]: t for t in summary["themes"]}
    assert len(kept["burnout-turnover-verbal"]["new_organisations"]) == 1
    assert kept["trauma-sexual-women"]["new_organisations"] == []
    text = _evidence(workbook, "themes").stdout
    assert "new since the last run: nothing" not in text and "nothing new" in text


def test_each_theme_gets_a_french_argument_in_three_formats(workbook: Path) -> None:
    _themes(workbook, "--init")
    summary = _themes(workbook, "--write")
    folder = workbook / "reports" / "themes"
    ids = [t["id"] for t in summary["themes"]]
    for theme in ids:
        for ext in ("md", "html", "docx"):
            assert (folder / f"{theme}.{ext}").stat().st_size > 0
    md = (folder / "burnout-turnover-verbal.md").read_text(encoding="utf-8")
    for heading in (
        "Le problème tel que le terrain le décrit",
        "Ce que la littérature documente",
        "Tensions entre organisations",
        "Questions ouvertes",
        "Organisations pouvant porter le thème",
        "Références",
    ):
        assert f"## {heading}" in md
    quoted = re.findall(r"— (ORG\d\d), entretien du (2025-\d\d-\d\d), §\d+", md)
    assert len({org for org, _ in quoted}) >= 4
    assert "codes du thème" in md and "codage(s) confirmé(s)" in md
    planted = _planted(workbook)
    real = {i["organisation"] for i in planted["interviews"].values()}
    docx = zipfile.ZipFile(folder / "burnout-turnover-verbal.docx").read("word/document.xml")
    html = (folder / "burnout-turnover-verbal.html").read_text(encoding="utf-8")
    for name in real:
        assert name not in md and name not in html and name.encode() not in docx
    again = {p.name: p.read_bytes() for p in folder.glob("*.*") if p.suffix != ".json"}
    _themes(workbook, "--write")
    assert {p.name: p.read_bytes() for p in folder.glob("*.*") if p.suffix != ".json"} == again


def test_the_build_writes_the_arguments_and_renders_nothing_when_nothing_changed(
    workbook: Path,
) -> None:
    _themes(workbook, "--init")
    build = json.loads(_ok(workbook, "build", "--json").stdout)
    docx = "reports/themes/burnout-turnover-verbal.docx"
    assert docx in build["briefs"] and not build["up_to_date"]
    with zipfile.ZipFile(workbook / docx) as document:
        page = re.search(r"<w:pgSz [^>]*>", document.read("word/document.xml").decode())
    assert page and 'w:w="11906"' in page[0] and 'w:h="16838"' in page[0]  # A4 in twips
    again = json.loads(_ok(workbook, "build", "--json").stdout)
    assert again["up_to_date"] and again["briefs"] == [] and again["chapters"] == []
    # A theme renamed in themes.yml is a change: its argument is written again.
    path = workbook / "themes.yml"
    yml = path.read_text(encoding="utf-8")
    name = re.search(r"^  - id: burnout-turnover-verbal\n    name:\n      fr: (.+)$", yml, re.M)
    assert name, yml[:400]
    renamed_to = '"Épuisement des équipes de nuit"'
    path.write_text(yml.replace(name[0], name[0][: -len(name[1])] + renamed_to), "utf-8")
    renamed = json.loads(_ok(workbook, "build", "--json").stdout)
    assert not renamed["up_to_date"] and docx in renamed["briefs"]
    md = (workbook / "reports" / "themes" / "burnout-turnover-verbal.md").read_text("utf-8")
    assert "Épuisement des équipes de nuit" in md and name[1].strip('"') not in md[:300]
    (workbook / docx).unlink()  # an argument gone from reports/ is written again too
    assert docx in json.loads(_ok(workbook, "build", "--json").stdout)["briefs"]


def test_a_broken_themes_yml_is_refused_with_what_to_change(workbook: Path) -> None:
    path = workbook / "themes.yml"
    path.write_text("themes:\n  - id: a\n    codes: [form.verbl]\n", encoding="utf-8")
    done = _evidence(workbook, "themes", "--write")
    assert done.returncode == 2
    assert "themes.yml" in done.stderr and "form.verbl" in done.stderr
    assert "form.verbal" in done.stderr  # the closest code
    path.write_text("themes:\n  - id: a\n    codes: [form.verbal\n", encoding="utf-8")
    done = _evidence(workbook, "themes")
    assert done.returncode == 2 and "line" in done.stderr
    assert path.read_text(encoding="utf-8").endswith("[form.verbal\n")
    assert not (workbook / "reports" / "themes" / "a.md").exists()


def test_the_notebook_api_gives_what_the_command_gives(imported: Path) -> None:
    summary = _themes(imported)
    with evidence.open_workbook(imported) as wb:
        themes = wb.themes()
        table = wb.theme_organisations(dict(zip(themes["theme"], themes["codes"], strict=True)))
        refreshed = wb.refresh(fieldwork=True)
    assert list(themes["theme"]) == [p["id"] for p in summary["proposals"]]
    per_theme = table.groupby("theme", sort=False)["passages"].sum()
    assert [int(per_theme[t]) for t in themes["theme"]] == [
        p["passages"] for p in summary["proposals"]
    ]
    assert refreshed["fieldwork"]["imported"] == 20 and refreshed["fieldwork"]["changed"] == 0
