"""Exit codes tell a broken build apart, and a bad setting is a clear message, never a traceback:
0 all done, 1 some items failed, 2 usage, configuration or environment error, 3 the build
failed (nothing published). Every test runs the real command in a process of its own."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import make_workbook

SRC = Path(__file__).resolve().parents[2] / "src"


def evidence(root: Path, *args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run ``evidence -C root args...`` in a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("EVIDENCE_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "evidence.cli", "-C", str(root), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        **kwargs,
    )


def _refused(done: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    for word in words:
        assert word in done.stderr, done.stderr


def _setting(root: Path, old: str, new: str) -> None:
    toml = root / "evidence.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("jobs = 1", "jobs = -2", ["[extract] jobs = -2", "0 for one per core"]),
        ("timeout = 60", "timeout = 0", ["[extract] timeout = 0", "more than 0"]),
        ("jobs = 1", "jobs = true", ["[extract] jobs = True has the wrong type"]),
        ('store = "store.sqlite"', 'store = "pdfs"', ['store = "pdfs" is a folder']),
        ('reports = "reports"', 'reports = "narrative.md"', ["is a file, not a folder"]),
        ('id = "tiny"', 'id = "../tiny"', ["chapter ids name the files in reports/"]),
        ('pdf_dirs = ["pdfs"]', "pdf_dirs = [1]", ["every value in it must be a string"]),
    ],
)
def test_a_wrong_setting_is_a_configuration_error(
    workbook: Path, old: str, new: str, words: list[str]
) -> None:
    _setting(workbook, old, new)
    _refused(evidence(workbook, "build"), 2, "evidence.toml", *words)
    assert not (workbook / "store.sqlite").exists()  # refused before any work


def test_an_evidence_toml_that_is_not_utf8_names_the_byte_and_line(workbook: Path) -> None:
    toml = workbook / "evidence.toml"
    toml.write_bytes(toml.read_bytes().replace(b"tiny test workbook", "très".encode("cp1252")))
    _refused(evidence(workbook, "status"), 2, "evidence.toml", "not UTF-8", "line 2")


def test_an_env_file_that_is_not_utf8_is_refused(workbook: Path) -> None:
    _setting(workbook, "[extract]", '[zotero]\nlibrary_id = "1"\n\n[extract]')
    (workbook / ".env").write_bytes("ZOTERO_API_KEY=clé\n".encode("cp1252"))
    _refused(evidence(workbook, "sync"), 2, ".env", "not UTF-8")


@pytest.mark.parametrize("option", ["-1", "two"])
def test_jobs_on_the_command_line_is_checked(workbook: Path, option: str) -> None:
    _refused(evidence(workbook, "extract", "--jobs", option), 2, "--jobs", "whole number")


def test_the_codebook_is_checked_before_any_extraction(workbook: Path) -> None:
    (workbook / "codebook.yml").write_text("version: 1\ncodes: [oops\n", encoding="utf-8")
    _refused(evidence(workbook, "build"), 2, "codebook.yml:3", "invalid YAML")
    assert not (workbook / "store.sqlite").exists()


def test_a_missing_chapter_template_is_a_configuration_error(workbook: Path) -> None:
    (workbook / "chapter.ipynb").unlink()
    _refused(evidence(workbook, "build"), 2, "chapter.ipynb", "chapter template not found")
    assert not (workbook / "store.sqlite").exists()


def test_a_narrative_that_is_not_utf8_is_refused_before_any_work(workbook: Path) -> None:
    (workbook / "narrative.md").write_bytes("Récit".encode("cp1252"))
    _refused(evidence(workbook, "build"), 2, "narrative.md", "not UTF-8")


def test_decisions_that_are_not_utf8_are_refused_and_kept(workbook: Path) -> None:
    bad = "passage_id,code,decision,coder,date\nx,form.physical,accept,Zoë,2024-01-01\n"
    (workbook / "decisions.csv").write_bytes(bad.encode("cp1252"))
    _refused(evidence(workbook, "build"), 2, "decisions.csv", "not UTF-8", "none is lost")
    assert (workbook / "decisions.csv").read_bytes() == bad.encode("cp1252")


def test_a_chapter_that_fails_exits_3_and_keeps_the_last_good_chapters(workbook: Path) -> None:
    first = evidence(workbook, "build", "--json")
    assert first.returncode == 1, first.stderr  # the sample's missing file
    good = {p.name: p.read_bytes() for p in (workbook / "reports").iterdir() if p.is_file()}
    template = workbook / "chapter.ipynb"
    nb = nbformat.read(template, as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell("raise RuntimeError('broken on purpose')"))
    nbformat.write(nb, template)
    _refused(evidence(workbook, "build"), 3, "broken on purpose", "last good chapter is kept")
    now = {p.name: p.read_bytes() for p in (workbook / "reports").iterdir() if p.is_file()}
    assert now == good
    assert (workbook / "reports" / ".failed" / "tiny.ipynb").is_file()
    log = (workbook / ".evidence" / "build.log").read_text(encoding="utf-8").splitlines()
    assert "broken on purpose" in json.loads(log[-1])["error"]


def test_an_internal_error_exits_3_in_one_line_and_logs_the_details(workbook: Path) -> None:
    # A real process whose sync fails in a way no input explains: a bug.
    code = (
        "import sys, evidence.workbook._build as b\n"
        "def boom(*a, **k): raise ZeroDivisionError('a bug')\n"
        "b.run_sync = boom\n"
        "from evidence.cli import main\n"
        f"sys.exit(main(['-C', {str(workbook)!r}, 'build']))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("EVIDENCE_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env
    )
    _refused(done, 3, "internal error (ZeroDivisionError", "nothing was published", "error.log")
    assert "a bug" not in done.stderr  # the message may quote material: it is in the log only
    log = (workbook / ".evidence" / "error.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "ZeroDivisionError: a bug" in log
    assert not (workbook / "reports" / "tiny.html").exists()


def _limit_file_size(size: int) -> None:
    # A full disk, for this process only: writes past ``size`` bytes fail (EFBIG).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="POSIX resource limits")
def test_a_full_disk_under_the_store_is_a_clear_store_error(tmp_path: Path) -> None:
    root = make_workbook(tmp_path / "wb")
    done = evidence(root, "sync")
    assert done.returncode == 1, done.stderr  # the missing file
    # The store's write-ahead log cannot grow past two pages: the extraction's writes fail.
    full = evidence(root, "extract", preexec_fn=lambda: _limit_file_size(8192))
    _refused(full, 2, "store.sqlite", "disk", "free some space", "keeps everything written")
    con = sqlite3.connect(root / "store.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    again = evidence(root, "extract", "--json")
    assert again.returncode == 1, again.stderr  # the missing file, as before
    status = json.loads(evidence(root, "status", "--json").stdout)
    assert status["documents_ok"] == 2 and status["passages"] == 5


@pytest.mark.slow
def test_a_drastic_drop_of_the_literature_is_not_published_unless_accepted(
    workbook: Path,
) -> None:
    first = evidence(workbook, "build", "--json")
    assert first.returncode == 1, first.stderr  # the sample's missing file
    # pandoc is given the bibliography's path from its own folder: no path of this machine.
    with zipfile.ZipFile(workbook / "reports" / "tiny.docx") as docx:
        for name in docx.namelist():
            assert str(workbook).encode() not in docx.read(name), name
    published = (workbook / "reports" / "tiny.md").read_bytes()
    (workbook / "references.bib").write_text("@misc{half,\n  title = {Cut", encoding="utf-8")
    _refused(
        evidence(workbook, "build"),
        3,
        "the literature fell since the last published build",
        "references.bib",
        "--accept-drop",
    )
    assert (workbook / "reports" / "tiny.md").read_bytes() == published
    (workbook / "references.bib").write_text("", encoding="utf-8")  # the drop is meant
    accepted = evidence(workbook, "build", "--accept-drop", "--json")
    assert accepted.returncode in (0, 1), accepted.stderr
    assert json.loads(accepted.stdout)["literature"]["sources"] == 0
    assert (workbook / "reports" / "tiny.md").read_bytes() != published


def _exits(command: str, code: int) -> subprocess.CompletedProcess[str]:
    """Run a shell line with ``evidence build`` replaced by a command exiting with ``code``."""
    line = re.sub(r"\S*/evidence build", f"sh -c 'exit {code}'", command)
    return subprocess.run(["sh", "-c", line], capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("code", [0, 1, 2, 3])
def test_make_report_cron_and_systemd_treat_a_failed_build_as_failure(code: int) -> None:
    repo = SRC.parent
    makefile = (repo / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^report:.*\n(?:\t@#.*\n)*\t(.*)$", makefile, re.M)
    assert recipe is not None
    assert (_exits(recipe.group(1).replace("$$", "$"), code).returncode == 0) == (code <= 1)
    readme = (repo / "README.md").read_text(encoding="utf-8")
    cron = re.search(r"^30 2 \* \* \*  cd /srv/workbook && (.*)$", readme, re.M)
    assert cron is not None
    said = _exits(cron.group(1).replace(">> .evidence/cron.log", ">/dev/null"), code).stdout
    assert ("evidence build failed" in said) == (code >= 2)  # cron mails what is printed
    unit = re.search(r"^SuccessExitStatus=(.*)$", readme, re.M)
    assert unit is not None and unit.group(1).split() == ["1"]
