from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pymupdf
import pytest
from _browser import CHROMIUM, DevTools
from _matrix_store import make_matrix_store

import evidence
from evidence.coding import load_codebook
from evidence.i18n import TEXTS
from evidence.report import CHROMIUM_HEADLESS, render_cell_annex, render_documents
from evidence.store import open_store
from evidence.workbook._explore import Explorer, find_files_base

PHYSICAL_BURNOUT = ("form.physical", "cons.worker.burnout")


@pytest.fixture
def explorer(tmp_path: Path):
    root = tmp_path / "wb"
    with open_store(make_matrix_store(root)) as store:
        yield Explorer(store, load_codebook(root / "codebook.yml"), lang="fr", root=root)


def _counts(ex: Explorer) -> dict[tuple[str, str], str]:
    return {k: b.description for k, b in ex.buttons.items()}


def test_the_matrix_is_drawn_as_buttons_with_labels(explorer: Explorer) -> None:
    assert _counts(explorer) == {
        PHYSICAL_BURNOUT: "3",
        ("form.physical", "cons.user.trauma"): "2",
        ("form.verbal", "cons.worker.burnout"): "1",
        ("form.verbal", "cons.user.trauma"): "1",
    }
    headers = [c.value for c in explorer.grid.children if hasattr(c, "value")]
    assert any("Violence physique" in h for h in headers)
    assert any("Épuisement" in h for h in headers)
    assert explorer.status.value == "4 cellule(s) sur 4 contiennent des preuves"
    assert TEXTS["explorer"]["fr"]["pick"] in explorer.passages.value


def test_filters_update_the_matrix(explorer: Explorer) -> None:
    explorer.provenance.value = "suggestions"
    assert not explorer.min_score.disabled
    assert _counts(explorer)[("form.verbal", "cons.user.trauma")] == "2"  # s2, suggested 0.91
    explorer.min_score.value = 0.95
    assert _counts(explorer)[("form.verbal", "cons.user.trauma")] == "1"
    explorer.provenance.value = "rules"
    explorer.kinds.value = ("field",)
    assert _counts(explorer)[PHYSICAL_BURNOUT] == "1"
    explorer.kinds.value = ()
    explorer.langs.value = ("en",)
    assert _counts(explorer)[PHYSICAL_BURNOUT] == "1"
    explorer.langs.value = ()
    explorer.years.value = (2020, 2024)
    assert explorer.filters.years == (2020, 2024)
    assert _counts(explorer)[PHYSICAL_BURNOUT] == "2"
    explorer.years.value = (explorer.years.min, explorer.years.max)
    assert explorer.filters.years == (None, None)  # the whole range filters nothing
    explorer.context.value = ("setting.shelter",)
    assert _counts(explorer)[PHYSICAL_BURNOUT] == "1"
    explorer.context.value = ()
    explorer.value.value = "passages"
    explorer.within.value = "source"
    # Sources holding both codes: dubois2021 (d1, d2, d3), smith2019 (s1, a1), zonder (z1).
    assert _counts(explorer)[("form.physical", "cons.user.trauma")] == "6"
    explorer.rows.value = "setting"
    assert set(explorer.buttons) == {("setting.shelter", c) for c in PHYSICAL_BURNOUT[1:]} | {
        ("setting.shelter", "cons.user.trauma")
    }


def test_selecting_a_cell_shows_its_passages_with_highlights(explorer: Explorer) -> None:
    explorer.buttons[PHYSICAL_BURNOUT].click()
    assert explorer.selected == PHYSICAL_BURNOUT
    assert list(explorer.cell["id"]) == ["d1", "s1", "t1"]
    page = explorer.passages.value
    assert "Violence physique × Épuisement : 3 passage(s) de 3 source(s)" in page
    assert page.count("<mark") == 6
    assert "zotero://open-pdf/library/items/ATT12345?page=5" in page
    assert "Dubois &amp; Peeters (2021), p. 12" in page
    explorer.kinds.value = ("field",)  # the selection follows the filters
    assert list(explorer.cell["id"]) == ["t1"]
    explorer.rows.value = "pop"  # the selected row is gone: nothing is selected
    assert explorer.selected is None and explorer.cell.empty


def test_a_large_cell_shows_its_first_passages_and_says_how_many_more(tmp_path: Path) -> None:
    root = tmp_path / "wb"
    with open_store(make_matrix_store(root)) as store:
        ex = Explorer(store, load_codebook(root / "codebook.yml"), lang="en", limit=1)
        cell = ex.select_cell(*PHYSICAL_BURNOUT)
    assert list(cell["id"]) == ["d1"]
    assert "Physical violence × Burnout: 3 passage(s) from 3 source(s)" in ex.passages.value
    assert "… and 2 more" in ex.passages.value


def test_search_restricts_the_matrix_and_lists_hits(explorer: Explorer) -> None:
    explorer.search.value = "burnout"
    assert "2 passage(s) correspondent" in explorer.search_info.value
    assert "<mark>burnout</mark>" in explorer.search_info.value
    assert _counts(explorer)[PHYSICAL_BURNOUT] == "1"
    assert _counts(explorer)[("form.physical", "cons.user.trauma")] == "·"
    assert explorer.status.value == "2 cellule(s) sur 4 contiennent des preuves"
    assert explorer.buttons[("form.physical", "cons.user.trauma")].disabled
    explorer.search.value = 'fts:"unterminated'
    assert "Recherche invalide" in explorer.search_info.value
    assert _counts(explorer)[PHYSICAL_BURNOUT] == "1"  # the last valid search still holds
    explorer.search.value = ""
    assert explorer.hits is None and _counts(explorer)[PHYSICAL_BURNOUT] == "3"


def test_search_says_how_many_match_and_shows_more_on_request(tmp_path: Path) -> None:
    root = tmp_path / "wb"
    with open_store(make_matrix_store(root)) as store:
        ex = Explorer(store, load_codebook(root / "codebook.yml"), lang="en", root=root)
        ex.search.value = "peur OR fear OR burnout OR agression OR assault OR menace OR coups"
        n = len(ex.hits)
        assert n > 5 and f"{n} passage(s) match · first 5 shown" in ex.search_info.value
        assert ex.search_info.value.count("<li>") == 5 and ex.more.layout.display == ""
        ex.more.click()
        assert ex.search_info.value.count("<li>") == n and ex.more.layout.display == "none"
        ex.search.value = "sans-abri"  # a plain word with a hyphen is no syntax error
        assert "Invalid search" not in ex.search_info.value and ex.hits is not None


def test_a_failing_update_is_shown_in_the_widget_not_swallowed(explorer: Explorer) -> None:
    before = _counts(explorer)
    explorer.store.close()  # every read now fails
    explorer.search.value = "burnout"
    assert "Échec de la mise à jour" in explorer.error.value
    assert "StoreError" in explorer.error.value and "closed" in explorer.error.value
    assert _counts(explorer) == before  # nothing changed, and the widget says why


def test_a_filter_with_nothing_to_offer_is_disabled_in_place(tmp_path: Path) -> None:
    root = tmp_path / "wb"
    path = make_matrix_store(root)
    with open_store(path) as store:
        store.db.execute("UPDATE sources SET country = ''")
        ex = Explorer(store, load_codebook(root / "codebook.yml"), lang="fr", root=root)
    assert ex.countries.disabled and "rien à proposer" in ex.countries.tooltip
    controls = [ex.rows, ex.cols, ex.provenance, ex.kinds, ex.langs, ex.countries, ex.context]
    assert len({id(c.layout) for c in controls}) == len(controls)  # one layout each
    assert all(c.layout.display in (None, "") for c in controls)
    assert not ex.langs.disabled and not ex.kinds.disabled


def test_links_open_the_pdf_through_the_jupyter_server(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "srv" / "wb"
    path = make_matrix_store(root)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    info = {"pid": os.getpid(), "root_dir": str(tmp_path / "srv"), "base_url": "/lab-a/"}
    (runtime / f"jpserver-{os.getpid()}.json").write_text(json.dumps(info), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert find_files_base(root) is None  # not a kernel a Jupyter server started
    monkeypatch.setenv("JPY_SESSION_NAME", str(root / "04_explore.ipynb"))
    monkeypatch.setenv("JPY_PARENT_PID", str(os.getpid()))
    assert find_files_base(root) == "/lab-a/files/wb/"
    assert find_files_base(tmp_path / "elsewhere") is None
    with open_store(path) as store:
        ex = Explorer(
            store, load_codebook(root / "codebook.yml"), root=root, link_base="/lab-a/files/wb/"
        )
        cell = ex.select_cell(*PHYSICAL_BURNOUT)
    links = dict(zip(cell["source_key"], cell["link"], strict=True))
    assert links["dubois2021"] == "/lab-a/files/wb/pdfs/dubois2021.pdf#page=1"
    assert links["smith2019"].startswith("zotero://open-pdf/library/items/ATT12345?page=")
    assert "href='/lab-a/files/wb/pdfs/dubois2021.pdf#page=1'" in ex.passages.value


# -- once in a real browser ---------------------------------------------------------------------
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM_FLAGS = [
    *CHROMIUM_HEADLESS,
    "--remote-debugging-port=0",
    "--window-size=1500,1400",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer in {seconds} s")


def _stop(process: subprocess.Popen) -> None:
    """Stop a process started here, with the children it started (its own session)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# Twenty searches and filter changes in a row, as a person makes them: (what changes, value).
# The state accumulates; after each one the matrix on screen must be what
# ``evidence matrix --json`` gives for the same filters.
STEPS: list[tuple[str, object]] = [
    ("search", "burnout"),
    ("search", "agression"),
    ("kinds", ["terrain"]),
    ("kinds", ["littérature"]),
    ("kinds", []),
    ("langs", ["fr"]),
    ("langs", ["en"]),
    ("langs", []),
    ("search", "l'épuisement"),
    ("search", "peur OR fear"),
    ("search", ""),
    ("countries", ["Belgique"]),
    ("countries", ["UK"]),
    ("countries", []),
    ("context", ["Asile de nuit"]),
    ("context", []),
    ("provenance", "personnes"),
    ("provenance", "personnes et règles"),
    ("within", "source"),
    ("search", "sans-abri"),
]
_CLI_FLAGS = {"kinds": "--kind", "langs": "--lang", "countries": "--country"}
_CHOICES = {
    "kinds": {"terrain": "field", "littérature": "literature"},
    "context": {"Asile de nuit": "setting.shelter"},
    "provenance": {"personnes": "human", "personnes et règles": "rules"},
}


def _cli_args(state: dict[str, object]) -> list[str]:
    args = ["matrix", "--rows", "form", "--cols", "cons", "--json"]
    if state.get("search"):
        args += ["--search", str(state["search"])]
    for name, flag in _CLI_FLAGS.items():
        for value in state.get(name, []):  # type: ignore[attr-defined]
            args += [flag, _CHOICES.get(name, {}).get(value, value)]
    for value in state.get("context", []):  # type: ignore[attr-defined]
        args += ["--context", _CHOICES["context"][value]]
    if "provenance" in state:
        args += ["--provenance", _CHOICES["provenance"][str(state["provenance"])]]
    if "within" in state:
        args += ["--within", str(state["within"])]
    return args


def _expected(root: Path, state: dict[str, object]) -> dict[str, str]:
    """The matrix as the command line gives it for ``state``: cell -> count on its button."""
    done = subprocess.run(
        [sys.executable, "-m", "evidence.cli", "-C", str(root), *_cli_args(state)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return {
        f"{c['row']}:{c['col']}": str(c["sources"]) if c["sources"] else "·"
        for c in json.loads(done.stdout)
    }


_SHOWN = (
    "Object.fromEntries([...document.querySelectorAll('.evidence-cell')].map(b => "
    "[[...b.classList].find(c => c.startsWith('evidence-at-')).slice(12), b.innerText.trim()]))"
)


def _act(tools: DevTools, name: str, value: object) -> None:
    """Change one control in the page the way a person does."""
    if name == "search":
        tools.evaluate(
            "(() => { const e = document.querySelector('.evidence-search input');"
            " e.focus(); e.select(); return true; })()"
        )
        key = {"key": "Backspace", "code": "Backspace", "windowsVirtualKeyCode": 8}
        tools.send("Input.dispatchKeyEvent", type="keyDown", **key)
        tools.send("Input.dispatchKeyEvent", type="keyUp", **key)
        if value:
            tools.send("Input.insertText", text=str(value))
        typed = tools.evaluate("document.querySelector('.evidence-search input').value")
        assert typed == value, f"typed {value!r}, the box holds {typed!r}"
        # Leaving the box (Tab) commits the text, as Enter does in a browser with the focus.
        tab = {"key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9}
        tools.send("Input.dispatchKeyEvent", type="keyDown", **tab)
        tools.send("Input.dispatchKeyEvent", type="keyUp", **tab)
    elif name == "within":
        tools.evaluate(
            "[...document.querySelectorAll('.evidence-filter-within button')]"
            f".find(b => b.innerText.trim() === {json.dumps(value)}).click() ?? true"
        )
    else:
        wanted = value if isinstance(value, list) else [value]
        tools.evaluate(
            f"(() => {{ const s = document.querySelector('.evidence-filter-{name} select');"
            f" const wanted = {json.dumps(wanted)};"
            # ipywidgets writes the spaces of an option's label as no-break spaces
            " for (const o of s.options)"
            "  o.selected = wanted.includes(o.textContent.replace(/\\u00a0/g, ' ').trim());"
            " s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()"
        )


def _wait_shown(tools: DevTools, expected: dict[str, str], step: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    shown: object = None
    while time.monotonic() < deadline:
        shown = tools.evaluate(_SHOWN)
        if shown == expected:
            failure = tools.evaluate("document.querySelector('.evidence-failure').innerText")
            assert not str(failure).strip(), failure
            return
        time.sleep(0.25)
    controls = tools.evaluate(_CONTROLS)
    raise AssertionError(
        f"{step}: the page shows {shown}, the command line {expected}; controls: {controls}"
    )


# What each multiple choice of the page holds, to say what a failing step saw.
_CONTROLS = (
    "Object.fromEntries([...document.querySelectorAll('select[multiple]')].map(s =>"
    " [s.closest('[class*=evidence-filter-]')?.className.match(/evidence-filter-[a-z]+/)?.[0],"
    " [...s.selectedOptions].map(o => o.textContent.trim())]))"
)


def _write_chapter(root: Path) -> Path:
    """Write an HTML chapter annex of the workbook into root/reports, as a build does."""
    reports = root / "reports"
    reports.mkdir(exist_ok=True)
    with evidence.open_workbook(root) as wb:
        matrix = wb.matrix("form", "cons")
        cells = wb.matrix_passages(matrix, lang="fr", link_base=wb.report_link_base())
        annex = render_cell_annex(cells, wb.labels("fr"), "fr")
    source = reports / "annex.source.md"
    source.write_text(annex, encoding="utf-8")
    (root / "refs.bib").write_text("", encoding="utf-8")
    render_documents(
        source, "annex", reports, bibliography=root / "refs.bib", lang="fr", title="t", pdf=False
    )
    return reports / "annex.html"


_OPENS = (
    "(async (href, base) => {{ const url = new URL(href, base);"
    " const r = await fetch(url.href.split('#')[0]);"
    " return [url.pathname, url.hash, r.status, r.headers.get('content-type')]; }})({}, {})"
)


@pytest.mark.slow
def test_in_a_real_browser_every_search_and_filter_reaches_the_matrix(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("websocket")
    root = tmp_path / "wb"
    make_matrix_store(root)
    (root / "evidence.toml").write_text(
        '[workbook]\nname = "browser test"\nlanguage = "fr"\ncodebook = "codebook.yml"\n'
        'store = "store.sqlite"\n',
        encoding="utf-8",
    )
    shutil.copy(REPO / "notebooks" / "04_explore.ipynb", root / "04_explore.ipynb")
    (root / "pdfs").mkdir()
    pdf = pymupdf.open()
    for _ in range(3):
        pdf.new_page().insert_text((72, 72), "Une agression au guichet.")
    pdf.save(root / "pdfs" / "dubois2021.pdf")
    chapter = _write_chapter(root)
    states, state = [], {}
    for name, value in STEPS:
        state = {**state, name: value}
        states.append(state)  # type: ignore[arg-type]
    with ThreadPoolExecutor(max_workers=4) as pool:
        expectations = list(pool.map(lambda st: _expected(root, st), states))
    port, token = _free_port(), secrets.token_hex(16)
    jupyter_dirs = {
        name: tmp_path / name.lower()
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")
    }
    env = {
        **os.environ,
        **{k: str(v) for k, v in jupyter_dirs.items()},
        "PYTHONPATH": str(REPO / "src"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    lab_log = (tmp_path / "lab.log").open("wb")
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
            f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        cwd=root,
        env=env,
        stdout=lab_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    profile = tmp_path / "chromium"
    browser: subprocess.Popen | None = None
    tools: DevTools | None = None
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/status?token={token}")
        browser = subprocess.Popen(
            [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        active = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not active.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        debug_port = int(active.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{debug_port}/json/list") as reply:
            page = next(t for t in json.load(reply) if t["type"] == "page")
        tools = DevTools(page["webSocketDebuggerUrl"], timeout=180)
        tools.send("Page.enable")
        # Headless, the window never has the focus: without it, typing reaches no text box.
        tools.send("Emulation.setFocusEmulationEnabled", enabled=True)
        tools.send(
            "Page.navigate", url=f"http://127.0.0.1:{port}/lab/tree/04_explore.ipynb?token={token}"
        )
        # Headless, no panel has the focus: find the notebook among the main-area widgets.
        panel = (
            "Array.from(window.jupyterapp?.shell?.widgets('main') ?? [])"
            ".find(w => w.sessionContext)"
        )
        tools.wait_for(f"{panel}?.sessionContext?.session?.kernel?.status === 'idle'", 180)
        tools.evaluate(
            f"(() => {{ const p = {panel}; window.jupyterapp.shell.activateById(p.id);"
            # Not awaited: on a busy machine the run outlasts one DevTools reply.
            " window.jupyterapp.commands.execute('notebook:run-all-cells'); return true; })()"
        )
        n_cells = tools.wait_for("document.querySelectorAll('.evidence-cell').length", 180)
        assert n_cells == 4  # two forms of violence by two consequences
        labels = tools.evaluate("document.querySelector('.evidence-matrix').innerText")
        assert "Violence physique" in str(labels) and "Épuisement" in str(labels)
        tools.click(".evidence-cell-0-0")
        tools.wait_for("document.querySelectorAll('.evidence-passages mark').length > 0", 60)
        shown = str(tools.evaluate("document.querySelector('.evidence-passages').innerText"))
        assert "Violence physique × Épuisement : 3 passage(s) de 3 source(s)" in shown
        assert "Dubois & Peeters (2021), p. 12" in shown
        marks = tools.evaluate(
            "[...document.querySelectorAll('.evidence-passages mark')].map(m => m.textContent)"
        )
        assert {"agression", "épuisement", "burnout"} <= set(marks)  # type: ignore[arg-type]
        # The citation opens the PDF at its page through the Jupyter server; Zotero's in Zotero.
        links = tools.evaluate(
            "[...document.querySelectorAll('.evidence-passages a.evidence-open')]"
            ".map(a => a.getAttribute('href'))"
        )
        dubois = next(h for h in links if "dubois2021" in h)  # type: ignore[union-attr]
        assert dubois == "/files/pdfs/dubois2021.pdf#page=1"
        assert any(h.startswith("zotero://open-pdf/library/items/ATT12345") for h in links)  # type: ignore[union-attr]
        page = f"http://127.0.0.1:{port}/lab"
        opened = tools.evaluate(_OPENS.format(json.dumps(dubois), json.dumps(page)))
        assert opened == ["/files/pdfs/dubois2021.pdf", "#page=1", 200, "application/pdf"]
        # So does the HTML chapter, served by the same Jupyter server (or read from disk).
        html_chapter = f"http://127.0.0.1:{port}/files/reports/{chapter.name}"
        hrefs = tools.evaluate(
            f"fetch({json.dumps(html_chapter)}).then(r => r.text()).then(t =>"
            " [...new DOMParser().parseFromString(t, 'text/html').querySelectorAll('a')]"
            ".map(a => a.getAttribute('href')).filter(h => h.includes('.pdf')))"
        )
        assert "../pdfs/dubois2021.pdf#page=1" in hrefs  # type: ignore[operator]
        opened = tools.evaluate(
            _OPENS.format(json.dumps("../pdfs/dubois2021.pdf#page=1"), json.dumps(html_chapter))
        )
        assert opened == ["/files/pdfs/dubois2021.pdf", "#page=1", 200, "application/pdf"]
        # Twenty searches and filter changes in a row: every one reaches the matrix.
        for step, ((name, value), expected) in enumerate(zip(STEPS, expectations, strict=True)):
            _act(tools, name, value)
            _wait_shown(tools, expected, f"step {step + 1}, {name} = {value!r}")
        hits = str(tools.evaluate("document.querySelector('.evidence-hits')?.innerText ?? ''"))
        assert "passage(s) correspondent" in hits  # "sans-abri": no syntax error
        # The country filter offers what the library holds; an empty one would be disabled.
        countries = tools.evaluate(
            "[...document.querySelector('.evidence-filter-countries select').options]"
            ".map(o => o.textContent.trim())"
        )
        assert countries == ["Belgique", "UK"]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tools.screenshot(ARTIFACTS / "explore.png")
        assert (ARTIFACTS / "explore.png").stat().st_size > 10_000
    except (AssertionError, TimeoutError):
        if tools is not None:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            tools.screenshot(ARTIFACTS / "explore-failed.png")
        raise
    finally:
        if browser is not None:
            _stop(browser)
        _stop(lab)
        lab_log.close()
