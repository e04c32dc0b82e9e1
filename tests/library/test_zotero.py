"""The Zotero route: pyzotero against a loopback server that answers like the Web API v3."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import make_pdf, make_workbook
from fake_zotero import FakeZotero

import evidence
from evidence.config import load_settings
from evidence.errors import ConfigError, ZoteroError
from evidence.library.zotero import read_annotation
from evidence.store import open_store
from evidence.workbook import sync_zotero

KEY = "zk-7Qe2Lr9vXc4Tn8Wb1Ym5Hs3D"
TAGS = """
tags:
  "#violence/physique": form.physical
  "#violence/verbale": form.verbal
"""


def _pdf(tmp_path: Path, name: str, text: str) -> bytes:
    return make_pdf(tmp_path / "made" / name, [text]).read_bytes()


def _md5(content: bytes) -> str:
    return hashlib.md5(content, usedforsecurity=False).hexdigest()


def _ref(key: str, title: str, *, collections: tuple[str, ...] = (), **data: Any) -> dict:
    return {
        "key": key,
        "data": {
            "itemType": data.pop("itemType", "journalArticle"),
            "title": title,
            "creators": data.pop(
                "creators", [{"creatorType": "author", "firstName": "Marie", "lastName": "Dupont"}]
            ),
            "date": data.pop("date", "2019"),
            "collections": list(collections),
            "dateAdded": data.pop("dateAdded", "2020-01-01T00:00:00Z"),
            "tags": [],
            **data,
        },
    }


def _pdf_attachment(key: str, parent: str, content: bytes, filename: str = "paper.pdf") -> dict:
    return {
        "key": key,
        "data": {
            "itemType": "attachment",
            "parentItem": parent,
            "linkMode": "imported_file",
            "contentType": "application/pdf",
            "filename": filename,
            "md5": _md5(content),
        },
    }


def _highlight(
    key: str,
    parent: str,
    text: str,
    *,
    tags: tuple[str, ...] = (),
    colour: str = "#ffd400",
    page: int = 0,
    label: str = "12",
) -> dict:
    position = json.dumps({"pageIndex": page, "rects": [[54.2, 392.1, 293.1, 400.1]]})
    return {
        "key": key,
        "data": {
            "itemType": "annotation",
            "parentItem": parent,
            "annotationType": "highlight",
            "annotationText": text,
            "annotationComment": "",
            "annotationColor": colour,
            "annotationPageLabel": label,
            "annotationSortIndex": f"{page:05d}|000100|00200",
            "annotationPosition": position,
            "tags": [{"tag": t} for t in tags],
            "dateModified": "2024-05-01T10:00:00Z",
        },
    }


def small_library(z: FakeZotero, pdf: bytes) -> None:
    """Two collections (one inside the other), three references, a PDF, two annotations."""
    z.write(
        collections=[
            {"key": "PROJ2345", "data": {"name": "Projet", "parentCollection": False}},
            {
                "key": "SUBC2345",
                "data": {"name": "Accueil de nuit", "parentCollection": "PROJ2345"},
            },
            {"key": "OTHR2345", "data": {"name": "Autre", "parentCollection": False}},
        ]
    )
    z.write(
        items=[
            _ref(
                "REFA2345",
                "Les violences envers les travailleurs sociaux",
                language="fr",
                collections=("SUBC2345",),
                publicationTitle="Revue de l'accueil",
            ),
            _ref(
                "REFB2345",
                "Geweld in de nachtopvang",
                itemType="report",
                date="2021-06",
                creators=[{"creatorType": "author", "name": "Brussels Observatorium"}],
                extra="Citation Key: obs2021geweld",
                collections=("PROJ2345",),
                language="nl",
            ),
            _ref("REFC2345", "Unrelated book", itemType="book", collections=("OTHR2345",)),
            _pdf_attachment("ATTA2345", "REFA2345", pdf, "dupont 2019.pdf"),
            {
                "key": "NOTE2345",
                "data": {
                    "itemType": "attachment",
                    "parentItem": "REFB2345",
                    "linkMode": "imported_file",
                    "contentType": "text/plain",
                    "filename": "notes.md",
                    "md5": "0" * 32,
                },
            },
            _highlight(
                "ANNA2345",
                "ATTA2345",
                "Les <b>agressions</b> sont fréquentes",
                tags=("#violence/physique",),
                colour="#ff6666",
                label="12",
            ),
            {
                "key": "ANNB2345",
                "data": {
                    "itemType": "annotation",
                    "parentItem": "ATTA2345",
                    "annotationType": "image",
                    "annotationComment": "Tableau des incidents",
                    "annotationColor": "#5fb236",
                    "annotationPageLabel": "13",
                    "annotationSortIndex": "00001|000000|00050",
                    "annotationPosition": {"pageIndex": 1, "rects": [[10, 10, 200, 200]]},
                    "tags": [{"tag": "form.verbal"}],
                    "dateModified": "2024-05-02T10:00:00Z",
                },
            },
        ]
    )
    z.files["ATTA2345"] = pdf


def workbook_for(root: Path, z: FakeZotero, extra: str = "") -> Path:
    """A tiny workbook whose [zotero] library is the fake server."""
    make_workbook(root)
    (root / "codebook.yml").write_text((root / "codebook.yml").read_text() + TAGS)
    ident = "" if z.local else z.library.split("/")[1]
    (root / "evidence.toml").write_text(
        (root / "evidence.toml").read_text()
        + f'\n[zotero]\nlibrary_id = "{ident}"\nendpoint = "{z.url}"\n'
        + ("local = true\n" if z.local else "")
        + extra
    )
    return root


def dump(store_path: Path) -> dict[str, list]:
    """Every row of the tables a sync writes, for before/after comparisons."""
    con = sqlite3.connect(store_path)
    out = {
        t: con.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
        for t in (
            "sources",
            "passages",
            "codings",
            "failures",
            "zotero_items",
            "zotero_collections",
            "zotero_files",
            "meta",
        )
    }
    out["documents"] = con.execute(
        "SELECT source_key, path, sha256, status, reason, zotero_key FROM documents ORDER BY 1, 2"
    ).fetchall()
    con.close()
    return out


def sync(root: Path, **kwargs: Any) -> dict[str, Any]:
    settings = load_settings(root)
    with open_store(settings.store) as store:
        return sync_zotero(settings, store, api_key=kwargs.pop("api_key", KEY), **kwargs)


@pytest.fixture
def pdf(tmp_path: Path) -> bytes:
    return _pdf(tmp_path, "a.pdf", "Les agressions sont fréquentes dans les centres d'accueil.")


@pytest.fixture
def zot(pdf: bytes):
    with FakeZotero(api_key=KEY) as z:
        small_library(z, pdf)
        yield z


@pytest.fixture
def root(tmp_path: Path, zot: FakeZotero) -> Path:
    return workbook_for(tmp_path / "wb", zot)


# -- first sync, no-change sync, incremental syncs --------------------------------------------
def test_first_sync_registers_references_pdfs_annotations_and_codings(
    root: Path, zot: FakeZotero, pdf: bytes
) -> None:
    summary = sync(root)
    assert summary["route"] == "zotero" and summary["version"] == zot.version
    assert summary["sources"] == 3 and summary["files"] == 1 and summary["downloaded"] == 1
    assert summary["non_pdf_attachments"] == 1 and summary["skipped"] == []
    saved = root / "data" / "pdfs" / "ATTA2345" / "dupont 2019.pdf"
    assert saved.read_bytes() == pdf
    rows = dump(root / "store.sqlite")
    keys = [r[0] for r in rows["sources"]]
    assert keys == ["dupont2019unrelated", "dupont2019violences", "obs2021geweld"]
    assert rows["documents"] == [
        (
            "dupont2019violences",
            "data/pdfs/ATTA2345/dupont 2019.pdf",
            hashlib.sha256(pdf).hexdigest(),
            "pending",
            "",
            "ATTA2345",
        )
    ]
    con = sqlite3.connect(root / "store.sqlite")
    passages = con.execute(
        "SELECT p.source_key, p.origin, p.section, p.page_index, p.page_label, p.text, "
        "p.comment, d.path FROM passages p LEFT JOIN documents d ON d.id = p.document_id "
        "ORDER BY p.seq"
    ).fetchall()
    assert passages == [
        (
            "dupont2019violences",
            "annotation",
            "annotation",
            0,
            "12",
            "Les agressions sont fréquentes",
            "",
            "data/pdfs/ATTA2345/dupont 2019.pdf",
        ),
        (
            "dupont2019violences",
            "annotation",
            "annotation",
            1,
            "13",
            "Tableau des incidents",
            "",
            "data/pdfs/ATTA2345/dupont 2019.pdf",
        ),
    ]
    codings = con.execute("SELECT code, origin, provenance FROM codings ORDER BY code").fetchall()
    assert codings == [
        ("form.physical", "human", "zotero:Z public library"),
        ("form.verbal", "human", "zotero:Z public library"),
    ]
    bib = (root / "references.bib").read_text()
    assert "@techreport{obs2021geweld," in bib and "langid = {dutch}" in bib
    assert "file = {data/pdfs/ATTA2345/dupont 2019.pdf}" in bib
    assert "form.verbal" in (root / "zotero-codings.csv").read_text()


def test_a_sync_with_nothing_changed_makes_one_small_request_and_changes_nothing(
    root: Path, zot: FakeZotero
) -> None:
    sync(root)
    before = dump(root / "store.sqlite")
    files = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and "sqlite" not in p.name}
    asked = len(zot.seen)
    summary = sync(root)
    assert summary["requests"] == 1 and len(zot.seen) == asked + 1
    assert zot.seen[-1].headers["if-modified-since-version"] == str(zot.version)
    assert zot.seen[-1].status == 304
    assert summary["changed"] == summary["deleted"] == 0 and summary["written"] == []
    assert dump(root / "store.sqlite") == before
    assert {p: p.read_bytes() for p in files} == files


def test_an_edit_is_pulled_with_since_and_updates_the_source(root: Path, zot: FakeZotero) -> None:
    first = sync(root)
    zot.edit("REFB2345", title="Geweld in de nachtopvang van Brussel")
    asked = len(zot.seen)
    summary = sync(root)
    new = zot.seen[asked:]
    assert [s.path.rsplit("/", 1)[1] for s in new] == ["collections", "items", "deleted"]
    assert all(s.query.get("since") == str(first["version"]) for s in new)
    assert new[1].query["includeTrashed"] == "1"
    assert summary["updated"] == 1 and summary["changed"] == 1
    con = sqlite3.connect(root / "store.sqlite")
    title = con.execute("SELECT title FROM sources WHERE key = 'obs2021geweld'").fetchone()[0]
    assert title == "Geweld in de nachtopvang van Brussel"
    assert "van Brussel" in (root / "references.bib").read_text()


def test_a_deleted_reference_goes_with_its_passages_and_codings(
    root: Path, zot: FakeZotero
) -> None:
    sync(root)
    zot.delete("REFA2345", "ATTA2345", "ANNA2345", "ANNB2345")
    summary = sync(root)
    assert summary["removed"] == 1 and summary["deleted"] == 4
    rows = dump(root / "store.sqlite")
    assert [r[0] for r in rows["sources"]] == ["dupont2019unrelated", "obs2021geweld"]
    assert rows["passages"] == [] and rows["codings"] == [] and rows["documents"] == []
    assert "violences" not in (root / "references.bib").read_text()
    assert (root / "zotero-codings.csv").read_text().strip() == (
        "passage_id,code,coder,date,via,source_key,zotero_key"
    )


def test_a_trashed_reference_leaves_and_comes_back_when_restored(
    root: Path, zot: FakeZotero
) -> None:
    sync(root)
    zot.edit("REFC2345", deleted=1)
    assert sync(root)["removed"] == 1
    zot.edit("REFC2345", deleted=0)
    assert sync(root)["added"] == 1
    assert len(dump(root / "store.sqlite")["sources"]) == 3


def test_a_new_annotation_becomes_a_passage_with_its_human_coding(
    root: Path, zot: FakeZotero
) -> None:
    sync(root)
    zot.write(
        [
            _highlight(
                "ANNC2345",
                "ATTA2345",
                "Des menaces verbales répétées",
                tags=("#violence/verbale", "à relire"),
                page=2,
                label="14",
            )
        ]
    )
    summary = sync(root)
    assert summary["annotations"] == 3
    assert summary["annotations_changed"] == {"added": 1, "updated": 0, "removed": 0}
    con = sqlite3.connect(root / "store.sqlite")
    row = con.execute(
        "SELECT p.page_label, p.seq, c.code, c.provenance, c.spans FROM passages p "
        "JOIN codings c ON c.passage_id = p.id WHERE p.text LIKE 'Des menaces%'"
    ).fetchone()
    assert row[:4] == ("14", 2, "form.verbal", "zotero:Z public library")
    assert json.loads(row[4]) == [{"date": "2024-05-01T10:00:00Z", "via": "tag:#violence/verbale"}]
    assert "Des menaces verbales répétées" in (root / "zotero-annotations.csv").read_text()


def test_edited_annotation_keeps_its_passage_id(root: Path, zot: FakeZotero) -> None:
    sync(root)
    ids = {r[1] for r in dump(root / "store.sqlite")["passages"]}
    zot.edit(
        "ANNA2345",
        annotationComment="À citer dans le chapitre 2",
        tags=[{"tag": "#violence/verbale"}],
    )
    summary = sync(root)
    assert summary["annotations_changed"] == {"added": 0, "updated": 1, "removed": 0}
    con = sqlite3.connect(root / "store.sqlite")
    assert {r[0] for r in con.execute("SELECT id FROM passages")} == ids
    rows = con.execute(
        "SELECT p.comment, c.code FROM passages p JOIN codings c ON c.passage_id = p.id "
        "WHERE p.text LIKE 'Les agressions%' ORDER BY c.code"
    ).fetchall()
    assert rows == [("À citer dans le chapitre 2", "form.verbal")]  # the old tag's code left


def test_a_full_sync_repairs_what_the_deletion_log_missed(root: Path, zot: FakeZotero) -> None:
    sync(root)
    del zot.items["REFC2345"]  # gone from the server without a trace in /deleted
    assert sync(root)["removed"] == 0
    summary = sync(root, full=True)
    assert summary["since"] == 0 and summary["removed"] == 1 and summary["deleted"] == 1
    assert summary["changed"] == 0  # the rest was compared, not rewritten
    assert "Unrelated book" not in (root / "references.bib").read_text()


def test_a_collection_scope_takes_sub_collections_and_follows_moves(
    tmp_path: Path, zot: FakeZotero
) -> None:
    root = workbook_for(tmp_path / "wb", zot, 'collection = "PROJ2345"\n')
    sync(root)
    keys = [r[0] for r in dump(root / "store.sqlite")["sources"]]
    assert keys == ["dupont2019violences", "obs2021geweld"]  # REFA sits in the sub-collection
    zot.edit("REFA2345", collections=["OTHR2345"])
    sync(root)
    assert [r[0] for r in dump(root / "store.sqlite")["sources"]] == ["obs2021geweld"]
    assert dump(root / "store.sqlite")["passages"] == []


def test_an_unknown_collection_stops_with_a_clear_message(tmp_path: Path, zot: FakeZotero) -> None:
    root = workbook_for(tmp_path / "wb", zot, 'collection = "NOPE2345"\n')
    with pytest.raises(ZoteroError, match="no collection 'NOPE2345'"):
        sync(root)
    assert dump(root / "store.sqlite")["sources"] == []


def test_thousands_of_items_are_read_page_by_page(tmp_path: Path) -> None:
    with FakeZotero(api_key=KEY) as z:
        z.write(
            [_ref(f"R{i:07d}", f"Rapport numéro {i}", date=str(1990 + i % 30)) for i in range(250)]
        )
        root = workbook_for(tmp_path / "wb", z)
        summary = sync(root)
        pages = z.requests_to("/items")
        assert [p.query.get("start") for p in pages] == [None, "100", "200"]
        assert summary["sources"] == 250 and summary["requests"] == 4


# -- attachments ------------------------------------------------------------------------------
def test_missing_damaged_and_non_pdf_files_are_reported_not_fatal(
    root: Path, zot: FakeZotero, pdf: bytes
) -> None:
    strange = b"One very strange PDF."
    zot.write(
        [
            _pdf_attachment("ATTM2345", "REFB2345", pdf, "absent.pdf"),
            _pdf_attachment("ATTD2345", "REFC2345", pdf, "damaged.pdf"),
            {**_pdf_attachment("ATTS2345", "REFC2345", strange, "strange.pdf")},
        ]
    )
    zot.files["ATTD2345"] = pdf[:-10]
    zot.files["ATTS2345"] = strange
    summary = sync(root)
    assert summary["files"] == 1 and summary["missing"] == 3
    con = sqlite3.connect(root / "store.sqlite")
    reasons = dict(con.execute("SELECT zotero_key, reason FROM documents WHERE status='missing'"))
    assert "no file for this attachment (404)" in reasons["ATTM2345"]
    assert "md5" in reasons["ATTD2345"] and "differs" in reasons["ATTD2345"]
    assert "not a PDF" in reasons["ATTS2345"]
    assert not (root / "data" / "pdfs" / "ATTD2345").exists()


def test_files_in_zotero_storage_are_read_in_place(
    tmp_path: Path, zot: FakeZotero, pdf: bytes
) -> None:
    root = workbook_for(tmp_path / "wb", zot, 'storage = "zstorage"\n')
    (root / "zstorage" / "ATTA2345").mkdir(parents=True)
    (root / "zstorage" / "ATTA2345" / "dupont 2019.pdf").write_bytes(pdf)
    summary = sync(root)
    assert summary["downloaded"] == 0 and zot.requests_to("/file") == []
    paths = [r[1] for r in dump(root / "store.sqlite")["documents"]]
    assert paths == ["zstorage/ATTA2345/dupont 2019.pdf"]


def test_linked_files_are_found_by_path(root: Path, zot: FakeZotero) -> None:
    zot.write(
        [
            {
                "key": "LINK2345",
                "data": {
                    "itemType": "attachment",
                    "parentItem": "REFC2345",
                    "linkMode": "linked_file",
                    "contentType": "application/pdf",
                    "path": "attachments:elsewhere/alpha2020shelter.pdf",
                },
            },
            {
                "key": "LOST2345",
                "data": {
                    "itemType": "attachment",
                    "parentItem": "REFC2345",
                    "linkMode": "linked_file",
                    "contentType": "application/pdf",
                    "path": "C:\\Users\\x\\lost.pdf",
                },
            },
        ]
    )
    summary = sync(root)
    docs = {r[5]: r for r in dump(root / "store.sqlite")["documents"]}
    assert docs["LINK2345"][1] == "pdfs/alpha2020shelter.pdf" and docs["LINK2345"][3] == "pending"
    assert docs["LOST2345"][3] == "missing" and "lost.pdf" in docs["LOST2345"][4]
    assert summary["missing"] == 1


# -- errors, retries, interruptions ---------------------------------------------------------
def test_a_wrong_key_stops_with_a_clear_message_that_does_not_hold_the_key(
    root: Path, zot: FakeZotero
) -> None:
    wrong = "zk-WRONG-0000-1111-2222"
    with pytest.raises(ZoteroError) as caught:
        sync(root, api_key=wrong)
    message = str(caught.value)
    assert "403" in message and "ZOTERO_API_KEY" in message and wrong not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert dump(root / "store.sqlite")["sources"] == []


def test_an_unknown_library_stops_with_a_clear_message(tmp_path: Path, zot: FakeZotero) -> None:
    root = workbook_for(tmp_path / "wb", zot)
    toml = root / "evidence.toml"
    toml.write_text(toml.read_text().replace('library_id = "475425"', 'library_id = "999"'))
    with pytest.raises(ZoteroError, match=r"no library users/999 .*\(404\).*library_id"):
        sync(root)


def test_429_with_retry_after_is_waited_out_then_retried(root: Path, zot: FakeZotero) -> None:
    zot.fail(429, headers={"Retry-After": "7"}, body="Too many requests. Slow down")
    waits: list[float] = []
    summary = sync(root, sleep=waits.append)
    assert waits == [7.0] and summary["retries"] == 1 and summary["sources"] == 3


def test_5xx_and_dropped_connections_back_off_exponentially(root: Path, zot: FakeZotero) -> None:
    zot.fail(503, times=2)
    zot.drop(when="/items")
    waits: list[float] = []
    summary = sync(root, sleep=waits.append)
    assert waits == [1.0, 2.0, 1.0] and summary["sources"] == 3


def test_a_server_that_keeps_failing_leaves_the_store_alone(root: Path, zot: FakeZotero) -> None:
    sync(root)
    before = dump(root / "store.sqlite")
    zot.edit("REFC2345", title="Changed meanwhile")
    zot.fail(500, times=20)
    waits: list[float] = []
    summary = sync(root, sleep=waits.append)
    assert len(waits) == 5 and waits == sorted(waits) and max(waits) <= 30
    assert "500" in summary["skipped"][0]["reason"]
    assert dump(root / "store.sqlite") == before


def test_a_retry_after_beyond_reason_is_not_slept(root: Path, zot: FakeZotero) -> None:
    zot.fail(503, headers={"Retry-After": "86400"})
    waits: list[float] = []
    summary = sync(root, sleep=waits.append)
    assert waits == [] and "wait 86400 s" in summary["fallback"]


def test_the_backoff_header_spaces_the_next_requests(root: Path, zot: FakeZotero) -> None:
    zot.backoff = "0.5"
    waits: list[float] = []
    summary = sync(root, sleep=waits.append)
    assert len(waits) == summary["requests"] - 1
    assert all(0.3 < w <= 0.5 for w in waits)


def test_a_failure_inside_the_transaction_leaves_the_store_as_before(
    root: Path, zot: FakeZotero, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync(root)
    before = dump(root / "store.sqlite")
    bib = (root / "references.bib").read_bytes()
    zot.edit("REFA2345", title="Un titre modifié")
    zot.write([_highlight("ANND2345", "ATTA2345", "Une nouvelle annotation")])

    def power_cut(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr("evidence.store._store.Store.replace_annotations", power_cut)
    with pytest.raises(RuntimeError, match="power cut"):
        sync(root)
    assert dump(root / "store.sqlite") == before
    assert (root / "references.bib").read_bytes() == bib
    monkeypatch.undo()
    summary = sync(root)
    assert summary["annotations"] == 3
    assert "Un titre modifié" in (root / "references.bib").read_text()


@pytest.mark.parametrize("when", ["/items", "/file"])
def test_a_sync_killed_halfway_is_resumed_by_the_next(
    tmp_path: Path, zot: FakeZotero, pdf: bytes, when: str
) -> None:
    root = workbook_for(tmp_path / "wb", zot)
    (root / ".env").write_text(f"ZOTERO_API_KEY={KEY}\n")
    sync(root)
    before = dump(root / "store.sqlite")
    other = _pdf(tmp_path, "b.pdf", "Un second document sur les violences verbales.")
    zot.write(
        [
            _pdf_attachment("ATTN2345", "REFB2345", other, "obs.pdf"),
            _highlight("ANNN2345", "ATTN2345", "Geweld tegen hulpverleners"),
        ]
    )
    zot.files["ATTN2345"] = other
    held = zot.hold(when)
    src = Path(evidence.__file__).resolve().parents[1]
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from evidence.cli._main import main; "
            f"sys.exit(main(['-C', {str(root)!r}, 'sync']))",
        ],
        env={**os.environ, "PYTHONPATH": str(src)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not any(s.status == 0 and when in s.path for s in zot.seen[-3:]):
        assert time.monotonic() < deadline and child.poll() is None, child.stderr.read()
        time.sleep(0.05)
    child.kill()
    child.wait()
    held.set()
    assert dump(root / "store.sqlite") == before
    summary = sync(root)
    assert summary["annotations"] == 3 and summary["files"] == 2
    assert ("obs2021geweld", "data/pdfs/ATTN2345/obs.pdf") in [
        r[:2] for r in dump(root / "store.sqlite")["documents"]
    ]


# -- local API ---------------------------------------------------------------------------------
def test_local_api_mode_reads_zotero_desktop_without_a_key(tmp_path: Path, pdf: bytes) -> None:
    stored = tmp_path / "Zotero" / "storage" / "ATTA2345" / "dupont 2019.pdf"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(pdf)
    with FakeZotero(library="users/0", local=True) as z:
        small_library(z, pdf)
        z.local_paths["ATTA2345"] = str(stored)
        root = workbook_for(tmp_path / "wb", z)
        summary = sync(root, api_key="")
        assert summary["route"] == "zotero-local" and summary["sources"] == 3
        assert all(s.path.startswith("/api/users/0/") for s in z.seen)
        assert "authorization" not in z.seen[0].headers
        lists = [s for s in z.seen if s.path.endswith(("/items", "/collections"))]
        assert [s.query.get("limit") for s in lists] == [None, None]
        docs = dump(root / "store.sqlite")["documents"]
        assert docs[0][1] == stored.as_posix() and summary["downloaded"] == 0
        assert summary["annotations"] == 2
        asked = len(z.seen)
        again = sync(root, api_key="")
        assert len(z.seen) - asked == 2 and again["changed"] == 0 and again["written"] == []


def test_local_api_disabled_is_a_clear_message(tmp_path: Path) -> None:
    with FakeZotero(library="users/0", local=True) as z:
        z.fail(403, body="Local API is not enabled")
        root = workbook_for(tmp_path / "wb", z)
        with pytest.raises(ZoteroError, match="Allow other applications"):
            sync(root, api_key="")


def test_zotero_desktop_not_running_is_reported_after_two_short_retries(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = make_workbook(tmp_path / "wb")
    (root / "evidence.toml").write_text(
        (root / "evidence.toml").read_text()
        + f'\n[zotero]\nlocal = true\nendpoint = "http://127.0.0.1:{port}/api"\n'
    )
    waits: list[float] = []
    summary = sync(root, api_key="", sleep=waits.append)
    assert waits == [1.0, 2.0] and summary["requests"] == 3
    assert "did not answer after 3 attempts" in summary["fallback"]
    assert summary["skipped"][0]["item"] == "users/0"


# -- configuration -------------------------------------------------------------------------------
def test_colour_names_map_to_codes_and_unknown_codes_fail_fast(
    tmp_path: Path, zot: FakeZotero
) -> None:
    root = workbook_for(tmp_path / "wb", zot, 'colours = { green = "cons.user.trauma" }\n')
    sync(root)
    con = sqlite3.connect(root / "store.sqlite")
    assert ("cons.user.trauma", "colour:#5fb236") in [
        (c, json.loads(s)[0]["via"]) for c, s in con.execute("SELECT code, spans FROM codings")
    ]
    bad = workbook_for(tmp_path / "bad", zot, 'colours = { "#ff6666" = "form.unknown" }\n')
    with pytest.raises(ConfigError, match="form.unknown.*not a code"):
        sync(bad)
    odd = workbook_for(tmp_path / "odd", zot, 'colours = { mauve = "form.physical" }\n')
    with pytest.raises(ConfigError, match="'mauve' is not a colour"):
        sync(odd)


# -- annotations as Zotero writes them (real items from ../shared) -----------------------------
def test_annotation_forms_found_in_real_data(shared: Path) -> None:
    folder = shared / "corpora" / "zotero-api" / "annotations"
    roam = json.loads((folder / "zotero-roam-storybook_annotation-items.json").read_text())
    highlight, image = (read_annotation(a) for a in roam)
    assert highlight.page_index == 4 and highlight.page_label == "5"
    assert highlight.position and len(highlight.position["rects"]) == 3
    assert image.kind == "image" and image.text == ""
    assert image.comment == "Check the data source for this figure"
    bbt = json.loads(
        (folder / "better-bibtex-pr2165_jsonrpc-attachment-annotation.json").read_text()
    )["annotations"][0]
    got = read_annotation(bbt)
    assert (got.page_index, got.page_label, got.colour) == (0, "101", "#80ff80")
    reader = json.loads((folder / "zotero-client-annotationsTest_reader-json.json").read_text())
    rich = read_annotation(reader["exampleHighlight"])
    assert rich.text == "This is an extracted text with rich-text And a new line"
    assert rich.comment == "This is a comment with rich-text And a new line"
    assert rich.tags == ("chemistry", "math")
    area = read_annotation(reader["exampleArea"])
    assert (area.kind, area.page_label, area.page_index) == ("image", "XVI", 123)
    assert read_annotation(reader["exampleGroupHighlight"]).author == "Kate Smith"


def test_an_annotation_hung_on_the_reference_itself_is_kept(
    shared: Path, root: Path, zot: FakeZotero
) -> None:
    folder = shared / "corpora" / "zotero-api" / "annotations"
    payload = json.loads((folder / "zotero-ios-issue568_sync-payload.json").read_text())[0]
    payload["parentItem"] = "REFB2345"  # zotero-ios #568: parentItem is the regular item
    zot.write([{"key": payload["key"], "data": payload}])
    summary = sync(root)
    assert summary["annotations"] == 3
    con = sqlite3.connect(root / "store.sqlite")
    row = con.execute(
        "SELECT source_key, page_index, page_label, document_id FROM passages WHERE text = '[…]'"
    ).fetchone()
    assert row == ("obs2021geweld", 3, "4", None)


def test_recorded_library_with_recorded_headers(shared: Path, tmp_path: Path) -> None:
    folder = shared / "corpora" / "zotero-api"
    items = json.loads((folder / "pyzotero" / "items_doc.json").read_text())
    collections = json.loads((folder / "pyzotero" / "collections_doc.json").read_text())
    recorded = json.loads(
        (folder / "pyzotero" / "mock_response_headers_and_statuses.json").read_text()
    )
    article = json.loads((folder / "papers-mcp" / "item.json").read_text())
    markdown = json.loads((folder / "papers-mcp" / "attachment.json").read_text())
    markdown["data"]["parentItem"] = article["key"]
    html = json.loads((folder / "pyzotero" / "attachments_doc.json").read_text())
    for item in items:
        if item["key"] == "6MCAN2NC":  # only in the sub-collection "sherlock films"
            item["data"]["collections"] = ["TVPC4XK4"]
    strange = (folder / "pyzotero" / "item_file.pdf").read_bytes()
    with FakeZotero(api_key=KEY) as z:
        z.load(items + [article, markdown, html], collections)
        z.write([_pdf_attachment("STRG2345", "PQKBRC33", strange, "strange.pdf")])
        z.files["STRG2345"] = strange
        z.backoff = recorded["backoff"]["headers"]["backoff"]
        root = workbook_for(tmp_path / "wb", z, 'collection = "QM6T3KHX"\n')
        waits: list[float] = []
        summary = sync(root, sleep=waits.append)
        # "Non-English items" reaches the artwork through its sub-collection.
        assert [r[0] for r in dump(root / "store.sqlite")["sources"]] == ["fanatico2008sherlock"]
        assert waits and all(w <= 0.2 for w in waits)
        everything = workbook_for(tmp_path / "all", z)
        summary = sync(everything, sleep=waits.append)
        assert summary["sources"] == 21 and summary["non_pdf_attachments"] == 1
        assert summary["missing"] == 1 and summary["orphans"] == 1
        keys = {r[0] for r in dump(everything / "store.sqlite")["sources"]}
        assert {"doyle1992annotated", "fanatico2008sherlock", "akeninemollerndreal"} <= keys
        reason = dump(everything / "store.sqlite")["documents"][0][4]
        assert "not a PDF" in reason


# -- through the command layer -----------------------------------------------------------------
def _annotation_rows(store_path: Path) -> tuple[list, list, list]:
    con = sqlite3.connect(store_path)
    passages = con.execute(
        "SELECT p.id, p.source_key, p.seq, p.page_index, p.page_label, p.section, p.lang, "
        "p.text, p.comment, p.extra, d.path FROM passages p LEFT JOIN documents d "
        "ON d.id = p.document_id WHERE p.origin = 'annotation' ORDER BY p.id"
    ).fetchall()
    codings = con.execute("SELECT * FROM codings WHERE origin = 'human' ORDER BY 1, 2").fetchall()
    sources = con.execute(
        "SELECT key, item_type, title, authors, year, container, lang, data "
        "FROM sources ORDER BY key"
    ).fetchall()
    con.close()
    return passages, codings, sources


def test_a_rebuild_without_zotero_gives_the_same_sources_annotations_and_codings(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evidence.workbook import run_sync

    monkeypatch.setenv("ZOTERO_API_KEY", KEY)
    settings = load_settings(root)
    with open_store(settings.store) as store:
        assert run_sync(settings, store)["route"] == "zotero"
    online = _annotation_rows(settings.store)
    assert len(online[0]) == 2 and len(online[1]) == 2
    for suffix in ("", "-wal", "-shm"):
        Path(f"{settings.store}{suffix}").unlink(missing_ok=True)
    monkeypatch.delenv("ZOTERO_API_KEY")
    with open_store(settings.store) as store:
        summary = run_sync(settings, store)
    assert summary["route"] == "snapshot" and "ZOTERO_API_KEY is not set" in summary["zotero"]
    assert summary["annotations"] == 2 and summary["human_codings"] == 2
    assert _annotation_rows(settings.store) == online


def test_status_counts_annotations_and_no_file_a_build_writes_holds_the_key(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from evidence.cli import main

    (root / ".env").write_text(f"ZOTERO_API_KEY={KEY}\n")
    assert main(["-C", str(root), "build", "--no-render", "--json"]) == 0
    assert main(["-C", str(root), "sync", "--json"]) == 0
    capsys.readouterr()
    assert main(["-C", str(root), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["annotations"] == 2 and status["codings"]["human"] == 2
    written = [p for p in root.rglob("*") if p.is_file() and p.name != ".env"]
    assert any(p.suffix == ".sqlite" for p in written) and (root / "references.bib") in written
    leaks = [p for p in written if KEY.encode() in p.read_bytes()]
    assert leaks == []
    assert KEY not in capsys.readouterr().err
