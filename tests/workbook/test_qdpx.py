"""``evidence qdpx export|import`` through the real command: a valid project, a partner's
project taken in, and the sample workbook's round trip."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from _qdpx import CODE, NOTE, USER, make_project, utf16_span
from lxml import etree

from evidence.config import load_settings
from evidence.store import open_store
from evidence.workbook import run_code, run_extract, run_review, run_sync

REPO = Path(__file__).resolve().parents[2]


def _evidence(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evidence.cli", "-C", str(root), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def _schema(shared: Path) -> etree.XMLSchema:
    return etree.XMLSchema(
        etree.parse(str(shared / "corpora" / "interop" / "refi" / "Project.xsd"))
    )


@pytest.fixture
def coded(workbook: Path) -> Path:
    """The tiny workbook, extracted and coded, with one person's decision."""
    settings = load_settings(workbook)
    with open_store(settings.store) as store:
        run_sync(settings, store)
        run_extract(settings, store, progress=False)
        run_code(settings, store, progress=False)
        passage = store.codings_frame().iloc[0]
    run_review(settings, passage["passage_id"], "resp.training", "add", "ana", note="training")
    with open_store(settings.store) as store:
        run_code(settings, store, progress=False)
    return workbook


def test_the_exported_project_validates_and_is_the_same_bytes_twice(
    coded: Path, tmp_path: Path, shared: Path
) -> None:
    first, second = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    done = _evidence(coded, "qdpx", "export", str(first), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["sources"] == 3 and summary["codes"] == 5 and summary["skipped"] == []
    assert _evidence(coded, "qdpx", "export", str(second)).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    archive = zipfile.ZipFile(first)
    xml = etree.fromstring(archive.read("project.qde"))
    schema = _schema(shared)
    assert schema.validate(xml), schema.error_log
    ns = {"q": "urn:QDA-XML:project:1.0"}
    users = {u.get("name"): u.get("guid") for u in xml.findall("q:Users/q:User", ns)}
    assert set(users) == {"ana", "rules", "model"}
    # What QualCoder reads: a PDF source's codings sit on its Representation's plain text, in
    # sources/, each selection made by a user of <Users>.
    pdfs = xml.findall("q:Sources/q:PDFSource", ns)
    assert [p.get("name") for p in pdfs] == ["alpha2020shelter", "beta2021accueil"]
    for pdf in pdfs:
        guid = pdf.get("guid")
        assert pdf.get("path") == f"internal://{guid}.pdf"
        assert archive.read(f"sources/{guid}.pdf").startswith(b"%PDF")
        representation = pdf.find("q:Representation", ns)
        text = archive.read(f"sources/{guid}.txt").decode("utf-8")
        assert representation.get("plainTextPath") == f"internal://{guid}.txt"
        assert not text.startswith("\ufeff") and "\r" not in text
        for selection in representation.findall("q:PlainTextSelection", ns):
            assert selection.get("creatingUser") in users.values()
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert 0 <= start < end <= len(text) and selection.get("name").startswith("p. ")
    by_ana = xml.findall(f".//q:PlainTextSelection[@creatingUser='{users['ana']}']", ns)
    assert len(by_ana) == 1 and "resp.training: training" in by_ana[0].findtext(
        "q:Description", namespaces=ns
    )
    missing = xml.find("q:Sources/q:TextSource", ns)
    assert missing.get("name") == "gamma2019missing"
    assert "Citation key: gamma2019missing" in missing.findtext("q:Description", namespaces=ns)


def _partner(tmp_path: Path) -> Path:
    start, end = utf16_span(NOTE, "A resident hit a worker.")
    path = tmp_path / "partner.qdpx"
    path.write_bytes(
        make_project(b"\xef\xbb\xbf" + NOTE.encode("utf-8"), start, end, origin="NVivo 12.6")
    )
    return path


def test_a_partner_project_arrives_as_field_notes_new_codes_and_a_persons_decisions(
    coded: Path, tmp_path: Path
) -> None:
    (coded / "data" / "private").mkdir(parents=True)
    (coded / "data" / "private" / "names.txt").write_text("", encoding="utf-8")
    partner = _partner(tmp_path)
    refused = _evidence(coded, "qdpx", "import", str(partner), "--json")
    assert refused.returncode == 1, refused.stderr
    summary = json.loads(refused.stdout)
    assert [s["item"] for s in summary["skipped"]][-1] == "Night interview"
    assert summary["new_codes"] == ["imported.night_time_aggression"]
    assert "--consent" in " ".join(s["reason"] for s in summary["skipped"])
    assert not (coded / "data" / "fieldwork" / "qdpx").exists()

    done = _evidence(coded, "qdpx", "import", str(partner), "--consent", "--json")
    summary = json.loads(done.stdout)
    assert {"codes", "sources", "codings", "skipped"} <= set(summary)
    assert (summary["codes"], summary["sources"], summary["codings"]) == (1, 1, 1)
    assert summary["new_codes"] == []  # added by the first import, found by its label now
    assert [s["reason"] for s in summary["skipped"]] == [
        "a PictureSource: the workbook reads text and PDF sources only"
    ]
    codebook = (coded / "codebook.yml").read_text(encoding="utf-8")
    assert 'imported: {fr: "Codes importés"' in codebook
    assert "imported.night_time_aggression:" in codebook
    note = coded / "data" / "fieldwork" / "qdpx" / "night-interview.txt"
    assert "consent: yes" in note.read_text(encoding="utf-8")
    with (coded / "decisions.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["coder"] == "Partner coder"]
    assert [(r["code"], r["decision"], r["date"]) for r in rows] == [
        ("imported.night_time_aggression", "add", "2024-03-01T10:00:00+00:00")
    ]
    assert "A resident hit a worker" in rows[0]["excerpt"]
    settings = load_settings(coded)
    with open_store(settings.store) as store:
        counted = store.codings_frame()
    mine = counted[
        (counted["origin"] == "human") & (counted["code"] == "imported.night_time_aggression")
    ]
    assert list(mine["source_key"]) == ["field-night-interview"]
    again = _evidence(coded, "qdpx", "import", str(partner), "--consent", "--json")
    assert json.loads(again.stdout)["decisions"] == 0  # importing twice changes nothing


def test_a_mapping_file_sends_codes_to_the_codebook(coded: Path, tmp_path: Path) -> None:
    (coded / "data" / "private").mkdir(parents=True)
    (coded / "data" / "private" / "names.txt").write_text("", encoding="utf-8")
    mapping = tmp_path / "map.csv"
    mapping.write_text(f"code,codebook id\n{CODE.lower()},form.physical\n", encoding="utf-8")
    done = _evidence(
        coded,
        "qdpx",
        "import",
        str(_partner(tmp_path)),
        "--consent",
        "--map",
        str(mapping),
        "--json",
    )
    summary = json.loads(done.stdout)
    assert summary["new_codes"] == [] and summary["codings"] == 1
    assert "imported" not in (coded / "codebook.yml").read_text(encoding="utf-8")
    assert "form.physical,add,Partner coder" in (coded / "decisions.csv").read_text("utf-8")
    assert USER not in (coded / "decisions.csv").read_text("utf-8")


def test_not_a_project_is_one_message_and_exit_2(coded: Path, tmp_path: Path, shared: Path) -> None:
    codebook = shared / "corpora" / "interop" / "qdc" / "taguette-1.4.1_uto_tag_codebook.qdc"
    fake = tmp_path / "codebook.qdpx"
    shutil.copy(codebook, fake)
    done = _evidence(coded, "qdpx", "import", str(fake))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "not a .qdpx archive" in done.stderr and "evidence codebook import" in done.stderr
    wrong = _evidence(coded, "qdpx", "export", str(tmp_path / "x.qdc"))
    assert wrong.returncode == 2 and ".qdpx file" in wrong.stderr


def _human(db: Path) -> set[tuple[str, str, str, str]]:
    """(source, code, coder, passage text) of every person's coding that counts."""
    settings = load_settings(db)
    with open_store(settings.store) as store:
        codings = store.codings_frame()
        passages = store.passages_frame().set_index("id")["text"]
    human = codings[codings["origin"] == "human"]
    return {
        (
            r.source_key,
            r.code,
            r.provenance.removeprefix("review:"),
            " ".join(passages[r.passage_id].split()),
        )
        for r in human.itertuples()
    }


@pytest.mark.slow
def test_the_sample_workbook_round_trips_through_a_qdpx(tmp_path: Path, shared: Path) -> None:
    sample = tmp_path / "sample"
    sample.mkdir()
    for name in ("evidence.toml", "codebook.yml", "references.bib"):
        shutil.copy(REPO / name, sample / name)
    shutil.copytree(REPO / "data" / "sample", sample / "data" / "sample")
    shutil.copy(REPO / "data" / "coding-decisions.csv", sample / "data" / "coding-decisions.csv")
    for command in ("sync", "extract", "fieldwork", "code"):
        _evidence(sample, command)
    project = tmp_path / "sample.qdpx"
    exported = _evidence(sample, "qdpx", "export", str(project), "--json")
    assert exported.returncode == 0, exported.stderr
    assert _schema(shared).validate(etree.fromstring(zipfile.ZipFile(project).read("project.qde")))

    empty = tmp_path / "empty"
    (empty / "data" / "private").mkdir(parents=True)
    (empty / "data" / "private" / "names.txt").write_text("", encoding="utf-8")
    shutil.copy(sample / "codebook.yml", empty / "codebook.yml")
    (empty / "references.bib").write_text("", encoding="utf-8")
    toml = (sample / "evidence.toml").read_text(encoding="utf-8")
    toml = toml.replace('folder = "data/sample/fieldwork"', 'folder = "data/fieldwork"')
    toml = toml.replace('"data/sample/fieldwork/names.txt"', '"data/private/names.txt"')
    (empty / "evidence.toml").write_text(toml, encoding="utf-8")
    imported = _evidence(empty, "qdpx", "import", str(project), "--consent", "--json")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    summary = json.loads(imported.stdout)
    assert summary["skipped"] == [] and summary["new_codes"] == []
    assert summary["sources"] == json.loads(exported.stdout)["sources"]
    assert (empty / "codebook.yml").read_bytes() == (sample / "codebook.yml").read_bytes()

    before, after = _human(sample), _human(empty)
    assert len(before) > 100 and after == before
    with open_store(load_settings(empty).store) as store:
        keys = set(store.sources_frame()["key"])
    with open_store(load_settings(sample).store) as store:
        assert keys == set(store.sources_frame()["key"])


def test_a_citation_key_that_is_a_path_never_names_a_file(coded: Path, tmp_path: Path) -> None:
    source = "A2B94468-80A5-412F-92D6-E900D97B55A7"
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="somewhere">
  <Sources>
    <PDFSource guid="{source}" name="Evil report" path="internal://{source}.pdf">
      <Description>Citation key: ../../outside</Description>
    </PDFSource>
  </Sources>
</Project>"""
    path = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml)
        archive.writestr(
            f"sources/{source}.pdf", (coded / "pdfs" / "alpha2020shelter.pdf").read_bytes()
        )
    done = _evidence(coded, "qdpx", "import", str(path), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (coded.parent / "outside.pdf").exists()
    assert (coded / "pdfs" / "evilreport.pdf").is_file()
    assert "@misc{evilreport," in (coded / "references.bib").read_text(encoding="utf-8")
