"""``evidence map FILE.html``: the evidence map page, checked in headless Chromium against
``evidence matrix --json`` with the same filters."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from _browser import CHROMIUM, chromium
from _matrix_store import make_matrix_store

from evidence.store._schema import register_functions

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"

TOML = (
    '[workbook]\nname = "map test"\nlanguage = "fr"\ncodebook = "codebook.yml"\n'
    'store = "store.sqlite"\n'
)
# What each filter of the page does, as ``evidence matrix`` options; the JavaScript run in the
# page to set the filter; and a cell whose count it changes.
FILTERS = [
    ("kind", ["--kind", "literature"], "box('kind', 'terrain').click()"),
    (
        "lang",
        ["--lang", "fr"],
        "box('lang', 'anglais').click(); box('lang', 'néerlandais').click()",
    ),
    ("country", ["--country", "be"], "box('country', 'UK').click()"),
    ("years", ["--years", "2020-"], "setYear('year-from', '2020')"),
    ("years-to", ["--years", "-2020"], "setYear('year-to', '2020')"),
    ("confirmed", ["--provenance", "human"], "document.getElementById('confirmed').click()"),
    ("setting", ["--context", "setting.shelter"], "box('context', 'Asile de nuit').click()"),
    (
        "setting-confirmed",
        ["--context", "setting.shelter", "--provenance", "human"],
        "box('context', 'Asile de nuit').click(); document.getElementById('confirmed').click()",
    ),
]
HELPERS = """
window.box = (name, text) => [...document.querySelectorAll('input[name=' + name + ']')]
  .find(b => b.parentElement.textContent.trim() === text);
window.setYear = (id, value) => { const e = document.getElementById(id); e.value = value;
  e.dispatchEvent(new Event('change')); };
"""
CELLS = """[...document.querySelectorAll('button.cell')].map(b => ({row: b.dataset.row,
  col: b.dataset.col, sources: Number(b.dataset.sources), passages: Number(b.dataset.passages),
  field_sources: Number(b.dataset.fieldSources)}))"""


def _evidence(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evidence.cli", "-C", str(root), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _matrix(root: Path, *options: str) -> list[dict[str, object]]:
    done = _evidence(root, "matrix", "--json", *options)
    assert done.returncode == 0, done.stderr
    return [
        {k: cell[k] for k in ("row", "col", "sources", "passages", "field_sources")}
        for cell in json.loads(done.stdout)
    ]


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    root = tmp_path / "wb"
    make_matrix_store(root)
    (root / "evidence.toml").write_text(TOML, encoding="utf-8")
    return root


def test_the_map_is_one_page_whose_cells_carry_the_matrix_counts(workbook: Path) -> None:
    done = _evidence(workbook, "map", "reports/map.html", "--json")
    assert done.returncode == 0, done.stderr
    page = (workbook / "reports" / "map.html").read_text(encoding="utf-8")
    assert json.loads(done.stdout)["cells"] == 4
    # Self-contained: nothing is loaded from elsewhere, and a policy forbids it anyway.
    for outside in ("<link", "src=", "http://", "https://", "@import"):
        assert outside not in page
    assert "default-src 'none'" in page
    assert 'lang="fr"' in page and "Carte des preuves" in page
    # No absolute path of the machine that built it: links are relative or Zotero links.
    assert str(workbook) not in page and "file://" not in page
    index = json.loads(page.split('id="map-index">')[1].split("</script>")[0])
    counts = [
        dict(zip(("sources", "passages", "field_sources"), c, strict=True)) for c in index["counts"]
    ]
    assert counts == [
        {k: m[k] for k in ("sources", "passages", "field_sources")} for m in _matrix(workbook)
    ]
    quotes = json.loads(page.split('id="map-quotes">')[1].split("</script>")[0])
    assert "../pdfs/dubois2021.pdf#page=1" in quotes["links"]
    assert "zotero://open-pdf/library/items/ATT12345?page=5" in quotes["links"]


def test_the_same_store_gives_the_same_bytes_and_english_on_request(workbook: Path) -> None:
    for name in ("a.html", "b.html"):
        assert _evidence(workbook, "map", name).returncode == 0
    assert (workbook / "a.html").read_bytes() == (workbook / "b.html").read_bytes()
    assert _evidence(workbook, "map", "en.html", "--labels", "en").returncode == 0
    english = (workbook / "en.html").read_text(encoding="utf-8")
    assert 'lang="en"' in english and "Evidence map" in english and "Physical violence" in english


def test_a_document_outside_the_workbook_is_not_linked_by_its_absolute_path(
    workbook: Path,
) -> None:
    outside = "/home/coordinatrice/Zotero/storage/K9/dubois.pdf"
    con = sqlite3.connect(workbook / "store.sqlite")
    with con:
        con.execute("UPDATE documents SET path = ? WHERE source_key = 'dubois2021'", (outside,))
    con.close()
    assert _evidence(workbook, "map", "map.html").returncode == 0
    page = (workbook / "map.html").read_text(encoding="utf-8")
    assert "coordinatrice" not in page and "dubois.pdf" not in page
    quotes = json.loads(page.split('id="map-quotes">')[1].split("</script>")[0])
    assert "pdfs/terrain2024.pdf#page=1" in quotes["links"]  # the others keep their links


def test_bad_requests_are_refused_with_what_to_do(workbook: Path) -> None:
    for args, says in (
        (["map", "out.txt"], "FILE.html"),
        (["map", "m.html", "--within", "source"], "one passage"),
        (["map", "m.html", "--rows", "nothing"], "--rows 'nothing'"),
    ):
        done = _evidence(workbook, *args)
        assert done.returncode == 2 and says in done.stderr, (args, done.stderr)
    assert not (workbook / "m.html").exists()


def _poison(root: Path) -> None:
    """Put markup in a passage and in an author's name, as a hostile PDF could."""
    con = sqlite3.connect(root / "store.sqlite")
    register_functions(con)  # the stemmed search index's triggers call it
    with con:
        con.execute(
            "UPDATE passages SET text = ? WHERE id = 'd1'",
            (
                "Une agression <script>window.pwned = 1</script> au guichet "
                '<img src=x onerror="window.pwned = 2"> et l\'épuisement </script><!--',
            ),
        )
        con.execute(
            "UPDATE sources SET authors = ? WHERE key = 'dubois2021'",
            (json.dumps(["<b onmouseover=alert(1)>Dubois</b>, Anne"]),),
        )
    con.close()


@pytest.mark.slow
def test_in_a_real_browser_counts_passages_and_filters_agree_with_the_matrix(
    workbook: Path, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("websocket")
    done = _evidence(workbook, "map", "reports/map.html")
    assert done.returncode == 0, done.stderr
    url = (workbook / "reports" / "map.html").as_uri()
    with chromium(tmp_path / "profile") as tools:
        try:
            tools.open(url)
            tools.evaluate(HELPERS)
            assert tools.evaluate(CELLS) == _matrix(workbook)
            totals = tools.evaluate(
                "Object.fromEntries([...document.querySelectorAll('[data-row-total]')]"
                ".map(t => [t.dataset.rowTotal, Number(t.textContent)]))"
            )
            # dubois2021, smith2019, terrain2024 and zonder; smith2019 and dubois2021.
            assert totals == {"form.physical": 4, "form.verbal": 2}
            label = tools.evaluate(
                "document.querySelector('button.cell[data-col=\"cons.worker.burnout\"]')"
                ".getAttribute('aria-label')"
            )
            assert (
                label
                == "Violence physique × Épuisement : 3 source(s), 3 passage(s), 33 % de terrain"
            )

            tools.click('button.cell[data-row="form.physical"][data-col="cons.worker.burnout"]')
            tools.wait_for("document.querySelectorAll('#passages li').length === 3")
            shown = str(tools.evaluate("document.getElementById('passages').innerText"))
            assert "Violence physique × Épuisement : 3 passage(s) de 3 source(s)" in shown
            assert "Dubois & Peeters (2021), p. 12" in shown and "Smith (2019), p. v" in shown
            assert "codage automatique" in shown
            marks = tools.evaluate(
                "[...document.querySelectorAll('#passages mark')].map(m => m.textContent)"
            )
            assert {"agression", "épuisement", "burnout", "assault"} <= set(marks)  # type: ignore[arg-type]
            # The search box keeps the passages holding every word, accents aside.
            tools.evaluate(
                "(() => { const s = document.getElementById('passage-search');"
                " s.value = 'EPUISEMENT'; s.dispatchEvent(new Event('input')); })()"
            )
            assert tools.evaluate("document.querySelectorAll('#passages li').length") == 2
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            tools.screenshot(ARTIFACTS / "map.png")

            for name, options, action in FILTERS:
                tools.evaluate("document.getElementById('reset-filters').click()")
                tools.evaluate(action)
                expected = _matrix(workbook, *options)
                assert tools.evaluate(CELLS) == expected, name
            # A person confirmed both codes of z1 (trauma, physical violence): it alone counts.
            tools.evaluate("document.getElementById('reset-filters').click()")
            tools.evaluate("document.getElementById('confirmed').click()")
            tools.click('button.cell[data-row="form.physical"][data-col="cons.user.trauma"]')
            tools.wait_for("document.querySelectorAll('#passages li').length === 1")
            shown = str(tools.evaluate("document.getElementById('passages').innerText"))
            assert "Jansen" in shown and "confirmé par une personne" in shown
        except (AssertionError, TimeoutError, RuntimeError):
            tools.screenshot(ARTIFACTS / "map-failed.png")
            raise


@pytest.mark.slow
def test_in_a_real_browser_markup_in_a_passage_shows_as_text(
    workbook: Path, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("websocket")
    _poison(workbook)
    done = _evidence(workbook, "map", "map.html")
    assert done.returncode == 0, done.stderr
    page = (workbook / "map.html").read_text(encoding="utf-8")
    assert "<script>window" not in page and "<img src=x" not in page
    with chromium(tmp_path / "profile") as tools:
        tools.open((workbook / "map.html").as_uri())
        tools.click('button.cell[data-row="form.physical"][data-col="cons.worker.burnout"]')
        tools.wait_for("document.querySelectorAll('#passages li').length === 3")
        shown = str(tools.evaluate("document.getElementById('passages').innerText"))
        assert "<script>window.pwned = 1</script>" in shown
        assert '<img src=x onerror="window.pwned = 2">' in shown
        assert "<b onmouseover=alert(1)>Dubois</b>" in shown
        assert tools.evaluate("typeof window.pwned") == "undefined"
        assert tools.evaluate("document.querySelectorAll('#passages img, #passages b').length") == 0
