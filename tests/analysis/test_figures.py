from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from evidence.analysis import plot_gap_map, plot_heatmap, write_figure
from evidence.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
MATRIX = pd.DataFrame(
    [
        ("form.physical", "cons.user.health", 4, 9, 5, 1),
        ("form.physical", "cons.worker.burnout", 2, 2, 2, 2),
        ("form.verbal", "cons.user.health", 0, 0, 0, 0),
        ("form.verbal", "cons.worker.burnout", 1, 3, 1, 0),
    ],
    columns=["row", "col", "sources", "passages", "documents", "field_sources"],
)
LABELS = {
    "form.physical": "Violence physique",
    "form.verbal": "Violence verbale",
    "cons.user.health": "Santé",
    "cons.worker.burnout": "Épuisement",
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_heatmap_draws_on_the_given_axes_with_labels() -> None:
    fig, ax = plt.subplots()
    out = plot_heatmap(MATRIX, labels=LABELS, value="passages", lang="fr", ax=ax)
    assert out is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Violence physique", "Violence verbale"]
    assert sorted(t.get_text() for t in ax.texts) == ["0", "2", "3", "9"]
    assert fig.axes[-1].get_ylabel() == "passages"


def test_gap_map_bubbles_sized_by_sources_coloured_by_field_share() -> None:
    ax = plot_gap_map(MATRIX, labels=LABELS, lang="nl")
    bubbles = ax.collections[0]
    sizes = list(bubbles.get_sizes())
    assert len(sizes) == 3 and sizes[0] == max(sizes)  # 4 sources: the largest bubble
    assert sizes[0] == pytest.approx(4 * sizes[2])  # area grows with the number of sources
    assert list(bubbles.get_array()) == [0.25, 1.0, 0.0]  # field share per bubble
    gaps = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert len(gaps) == 1  # the one empty cell, drawn as a gap
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "geen bron (lacune)" in legend and "1 bron" in legend
    colorbar = ax.figure.axes[-1]
    assert colorbar.get_ylabel() == "aandeel veldbronnen"


def test_gap_map_without_source_types_says_so() -> None:
    m = MATRIX.assign(field_sources=pd.array([pd.NA] * 4, dtype="Int64"))
    ax = plot_gap_map(m, lang="en")
    assert "type unknown" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(ax.figure.axes) == 1  # no colour bar when the share is unknown


_DRAW = """
import sys
import matplotlib
matplotlib.use("Agg")
import pandas as pd
from evidence.analysis._figures import plot_gap_map, write_figure
m = pd.read_json(sys.argv[1])
ax = plot_gap_map(m, title="Carte des lacunes", lang="fr")
for suffix in ("svg", "pdf", "png"):
    write_figure(ax.figure, f"{sys.argv[2]}.{suffix}", dpi=72)
"""


def test_written_figures_are_identical_from_run_to_run(tmp_path: Path) -> None:
    data = tmp_path / "m.json"
    MATRIX.to_json(data)
    outputs = []
    for run, seed in enumerate(("1", "2")):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO / "src")}
        subprocess.run(
            [sys.executable, "-c", _DRAW, str(data), str(tmp_path / f"run{run}")],
            check=True,
            env=env,
            timeout=120,
        )
        outputs.append(
            {s: (tmp_path / f"run{run}.{s}").read_bytes() for s in ("svg", "pdf", "png")}
        )
    assert outputs[0] == outputs[1]
    assert b"<dc:date>" not in outputs[0]["svg"] and b"CreationDate" not in outputs[0]["pdf"]
    assert outputs[0]["png"].startswith(b"\x89PNG")


def test_write_figure_refuses_unknown_formats(tmp_path: Path) -> None:
    fig, _ = plt.subplots()
    with pytest.raises(ConfigError, match=".svg, .pdf or .png"):
        write_figure(fig, tmp_path / "figure.jpg")
