from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_pdf, make_workbook

from evidence.config import load_settings
from evidence.store import open_store
from evidence.workbook import run_code, run_extract, run_sync


def _all(root: Path) -> dict:
    settings = load_settings(root)
    with open_store(settings.store) as store:
        return {
            "sync": run_sync(settings, store),
            "extract": run_extract(settings, store, jobs=1, progress=False),
            "code": run_code(settings, store, progress=False),
        }


def _content(root: Path) -> tuple[list, list]:
    con = sqlite3.connect(root / "store.sqlite")
    passages = con.execute(
        "SELECT id, source_key, page_index, page_label, section, lang, text FROM passages "
        "ORDER BY id"
    ).fetchall()
    codings = con.execute(
        "SELECT passage_id, code, origin, provenance, negated, spans FROM codings "
        "ORDER BY passage_id, code, origin, provenance"
    ).fetchall()
    con.close()
    return passages, codings


def test_sync_registers_files_and_reports_the_missing_one(workbook: Path) -> None:
    summary = _all(workbook)["sync"]
    assert summary["sources"] == 3 and summary["files"] == 2 and summary["missing"] == 1
    with open_store(workbook / "store.sqlite") as store:
        failures = store.failures()
    assert [f["reason"] for f in failures] == ["missing"]
    assert "gamma2019missing" in failures[0]["item"]


def test_passages_are_extracted_and_coded_with_the_matched_words(workbook: Path) -> None:
    summary = _all(workbook)
    assert summary["extract"]["documents"] == 2 and summary["extract"]["status"] == {"ok": 2}
    passages, codings = _content(workbook)
    assert passages and {p[5] for p in passages} >= {"en", "fr"}
    coded = {(c[1], c[2]) for c in codings}
    assert ("form.physical", "rule") in coded and ("cons.worker.burnout", "rule") in coded
    with open_store(workbook / "store.sqlite") as store:
        hit = store.search("assaulted")[0]
        detail = store.passage(hit["id"])
    physical = [c for c in detail["codings"] if c["code"] == "form.physical"]
    start, end, pattern = physical[0]["spans"][0]
    assert detail["text"][start:end].lower().startswith("assault")
    assert "assault" in pattern


def test_a_second_run_changes_nothing(workbook: Path) -> None:
    _all(workbook)
    before = _content(workbook)
    again = _all(workbook)
    assert again["extract"]["documents"] == 0 and again["code"]["documents"] == 0
    assert again["sync"]["added"] == again["sync"]["updated"] == again["sync"]["removed"] == 0
    assert _content(workbook) == before


def test_a_changed_pdf_and_a_changed_codebook_are_processed_again(workbook: Path) -> None:
    _all(workbook)
    make_pdf(workbook / "pdfs" / "alpha2020shelter.pdf", ["Only one new page about hitting."])
    codebook = workbook / "codebook.yml"
    codebook.write_text(
        codebook.read_text().replace("[insult, threat]", "[insult, threat, shouting]")
    )
    summary = _all(workbook)
    assert summary["extract"]["documents"] == 1
    assert summary["code"]["documents"] == 2
    passages, _ = _content(workbook)
    assert any("Only one new page" in p[6] for p in passages)
    assert not any("night shelter were assaulted" in p[6] for p in passages)


def test_human_decisions_override_rules_and_survive_a_rebuild(workbook: Path) -> None:
    _all(workbook)
    with open_store(workbook / "store.sqlite") as store:
        pid = store.search("assaulted")[0]["id"]
    (workbook / "decisions.csv").write_text(
        "passage_id,code,decision,coder,date,note,excerpt\n"
        f"{pid},form.physical,reject,ana,2026-01-10,not about residents,\n"
        f"{pid},resp.training,add,ana,2026-01-10,,\n",
        encoding="utf-8",
    )
    summary = _all(workbook)
    assert summary["code"]["human_decisions_applied"] == 2
    (workbook / "store.sqlite").unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{workbook / 'store.sqlite'}{suffix}").unlink(missing_ok=True)
    _all(workbook)
    with open_store(workbook / "store.sqlite") as store:
        effective = store.codings_frame()
    mine = effective[effective["passage_id"] == pid]
    assert "form.physical" not in set(mine["code"])
    assert ("resp.training", "human", "review:ana") in set(
        zip(mine["code"], mine["origin"], mine["provenance"], strict=True)
    )


def test_a_rebuild_from_scratch_gives_the_same_content(workbook: Path, tmp_path: Path) -> None:
    _all(workbook)
    first = _content(workbook)
    other = make_workbook(tmp_path / "other")
    _all(other)
    assert _content(other) == first


@pytest.mark.slow
def test_killing_extraction_midway_leaves_a_consistent_store_that_the_next_run_completes(
    tmp_path: Path,
) -> None:
    root = make_workbook(tmp_path / "big")
    entries = []
    for i in range(40):
        key = f"doc{i:03d}"
        pages = [
            f"Document {i}, page {p}. Workers were assaulted and insulted; burnout followed. " * 12
            for p in range(6)
        ]
        make_pdf(root / "pdfs" / f"{key}.pdf", pages)
        entries.append(
            f"@misc{{{key},\n  title = {{Doc {i}}},\n  year = {{2020}},\n"
            f"  file = {{pdfs/{key}.pdf}}\n}}\n"
        )
    (root / "references.bib").write_text("\n".join(entries), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    cmd = [sys.executable, "-m", "evidence.cli", "-C", str(root)]
    subprocess.run([*cmd, "sync"], check=True, env=env, capture_output=True)
    proc = subprocess.Popen(
        [*cmd, "extract", "--jobs", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        con = sqlite3.connect(root / "store.sqlite", timeout=5)
        done = con.execute(
            "SELECT count(*) FROM documents WHERE extracted_sha256 != ''"
        ).fetchone()[0]
        con.close()
        if done >= 3:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "extraction ended before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    con = sqlite3.connect(root / "store.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.execute("INSERT INTO passages_fts(passages_fts) VALUES ('integrity-check')")
    half = con.execute("SELECT count(*) FROM documents WHERE extracted_sha256 != ''").fetchone()[0]
    orphans = con.execute(
        "SELECT count(*) FROM documents d WHERE extracted_sha256 = '' AND EXISTS "
        "(SELECT 1 FROM passages p WHERE p.document_id = d.id)"
    ).fetchone()[0]
    con.close()
    assert 3 <= half < 40 and orphans == 0
    resumed = subprocess.run(
        [*cmd, "extract", "--jobs", "1", "--json"], env=env, capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f'"documents": {40 - half}' in resumed.stdout
    reference = tmp_path / "reference"
    reference.mkdir()
    for name in ("evidence.toml", "codebook.yml", "references.bib"):
        (reference / name).write_bytes((root / name).read_bytes())
    (reference / "pdfs").symlink_to(root / "pdfs")
    subprocess.run([*cmd[:-1], str(reference), "sync"], check=True, env=env, capture_output=True)
    subprocess.run(
        [*cmd[:-1], str(reference), "extract", "--jobs", "1"],
        check=True,
        env=env,
        capture_output=True,
    )
    assert _content(root)[0] == _content(reference)[0]
