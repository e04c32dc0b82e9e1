"""Themes from the field on tiny frames: which codes group, how themes and carriers rank."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from evidence.analysis import (
    MatrixFilters,
    ThemeSettings,
    compute_theme_carriers,
    compute_theme_literature,
    compute_theme_organisations,
    compute_theme_passages,
    compute_theme_proposals,
    compute_theme_tensions,
    name_theme,
    plot_theme_organisations,
    select_codings,
)

# Field items f1..f5 of organisations ORG01..ORG04 (ORG01 gave two interviews), literature l1, l2.
SOURCES = pd.DataFrame(
    {
        "key": ["f1", "f2", "f3", "f4", "f5", "l1", "l2"],
        "kind": ["field"] * 5 + ["literature"] * 2,
        "authors": [json.dumps([o]) for o in ("ORG01", "ORG01", "ORG02", "ORG03", "ORG04")]
        + ['["Fictif, A."]', '["Exemple, B."]'],
        "container": ["accueil de jour", "accueil de jour", "nachtopvang", "straatwerk", ""]
        + ["", ""],
    }
)
BURNOUT = ("cons.worker.burnout", "cons.worker.turnover", "form.verbal")
POLICE = ("form.economic", "form.police", "pop.migrants")


def _codings(rows: list[tuple[int, str, str, str]]) -> pd.DataFrame:
    """(passage, source, code, origin) rows as the matrices' loader gives them."""
    return pd.DataFrame(rows, columns=["passage_id", "source_key", "code", "origin"]).assign(
        negated=False
    )


def _field() -> list[tuple[int, str, str, str]]:
    rows = []
    # Burnout: ORG01 (two interviews), ORG02, ORG03; police: ORG03, ORG04, ORG02.
    for passage, (key, codes) in enumerate(
        [
            ("f1", BURNOUT),
            ("f1", BURNOUT[:2]),
            ("f2", BURNOUT[1:]),
            ("f3", BURNOUT),
            ("f4", BURNOUT[::2]),
            ("f4", POLICE),
            ("f5", POLICE),
            ("f5", POLICE[:2]),
            ("f3", POLICE[1:]),
        ],
        start=1,
    ):
        rows += [(passage, key, code, "rule") for code in codes]
    return rows


def test_codes_raised_together_form_the_themes_ranked_by_organisations() -> None:
    themes = compute_theme_proposals(_codings(_field()), SOURCES)
    assert [set(c) for c in themes["codes"]] == [set(BURNOUT), set(POLICE)]
    first = themes.iloc[0]
    assert first["theme"] == "burnout-turnover-verbal"
    assert first["organisations"] == ("ORG01", "ORG02", "ORG03")
    assert (first["n_organisations"], first["interviews"], first["passages"]) == (3, 4, 5)
    assert themes.iloc[1]["organisations"] == ("ORG02", "ORG03", "ORG04")


def test_proposals_do_not_depend_on_the_order_of_the_codings() -> None:
    codings = _codings(_field())
    shuffled = codings.sample(frac=1.0, random_state=3).reset_index(drop=True)
    left = compute_theme_proposals(codings, SOURCES)
    right = compute_theme_proposals(shuffled, SOURCES.iloc[::-1])
    pd.testing.assert_frame_equal(left, right)


def test_closeness_decides_how_far_codes_group() -> None:
    codings = _codings(_field())
    assert len(compute_theme_proposals(codings, SOURCES, ThemeSettings(closeness=0.99))) == 0
    merged = compute_theme_proposals(codings, SOURCES, ThemeSettings(closeness=0.01))
    assert len(merged) == 1 and len(merged.iloc[0]["codes"]) == 6


def test_a_rejected_coding_no_longer_raises_the_theme() -> None:
    rows = _field()
    # A person rejected form.verbal and cons.worker.burnout on ORG03's passage 5.
    rejected = _codings(
        [*rows, (5, "f4", "form.verbal", "human"), (5, "f4", "cons.worker.burnout", "human")]
    )
    rejected.loc[rejected["origin"] == "human", "negated"] = True
    counted = select_codings(rejected, MatrixFilters(), SOURCES)
    theme = compute_theme_passages(counted, SOURCES, BURNOUT)
    assert "ORG03" not in set(theme["organisation"])
    assert "ORG03" in set(compute_theme_passages(_codings(rows), SOURCES, BURNOUT)["organisation"])


def test_literature_is_documented_thin_or_absent() -> None:
    together = [(90, "l1", "form.verbal", "rule"), (90, "l1", "cons.worker.burnout", "rule")]
    apart = [(91, "l2", "form.verbal", "rule"), (92, "l2", "cons.worker.turnover", "rule")]
    scene = [(93, "l2", "pop.migrants", "rule"), (93, "l2", "setting.street", "rule")]
    codings = _codings(_field() + together + apart + scene)
    burnout = compute_theme_literature(codings, SOURCES, BURNOUT)
    assert burnout["status"] == "thin" and burnout["together"] == ["l1"]
    assert burnout["per_code"] == {
        "cons.worker.burnout": 1,
        "cons.worker.turnover": 1,
        "form.verbal": 2,
    }
    codings = _codings(_field() + together + [(94, "l2", c, "rule") for c in BURNOUT])
    assert compute_theme_literature(codings, SOURCES, BURNOUT)["status"] == "documented"
    police = compute_theme_literature(_codings(_field() + together), SOURCES, POLICE)
    assert police["status"] == "absent" and police["missing"] == list(POLICE)
    # A public and a place together set a scene: they do not make the literature speak.
    scene_only = compute_theme_literature(
        _codings(scene), SOURCES, ("pop.migrants", "setting.street")
    )
    assert scene_only["status"] == "thin" and scene_only["together"] == []


def test_carriers_rank_by_breadth_and_confirmation_before_volume() -> None:
    rows = _field()
    # ORG04 says one code of the burnout theme in ten passages: volume, not breadth.
    rows += [(100 + n, "f5", "form.verbal", "rule") for n in range(10)]
    rows += [(1, "f1", "form.verbal", "human")]  # a person confirmed one of ORG01's codings
    carriers = compute_theme_carriers(_codings(rows), SOURCES, BURNOUT)
    assert list(carriers["organisation"]) == ["ORG01", "ORG02", "ORG03", "ORG04"]
    first = carriers.iloc[0]
    assert (first["breadth"], first["confirmed"], first["interviews"]) == (1.0, 1, 2)
    assert first["sectors"] == ("accueil de jour",)
    last = carriers.iloc[-1]
    assert last["passages"] == 10 and last["breadth"] == pytest.approx(1 / 3, abs=1e-3)


def test_tensions_name_the_codes_that_split_the_organisations() -> None:
    # ORG03's burnout passage also speaks of the police.
    codings = _codings([*_field(), (5, "f4", "form.police", "rule")])
    tensions = compute_theme_tensions(codings, SOURCES, BURNOUT)
    split = tensions.set_index("code")
    assert split.loc["cons.worker.turnover", "without"] == ("ORG03",)
    assert split.loc["form.police", "with"] == ("ORG03",)
    assert split.loc["form.police", "without"] == ("ORG01", "ORG02")
    assert not split.loc["form.police", "theme_code"]


def test_theme_by_organisation_counts_every_pair() -> None:
    themes = {"burnout": BURNOUT, "police": POLICE}
    table = compute_theme_organisations(_codings(_field()), SOURCES, themes)
    assert len(table) == 2 * 4
    counts = table.set_index(["theme", "organisation"])["passages"]
    assert counts[("burnout", "ORG01")] == 3 and counts[("police", "ORG01")] == 0
    ax = plot_theme_organisations(table, labels={"burnout": "Épuisement"}, lang="fr")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Épuisement", "police"]


def test_a_theme_id_is_stable_and_readable() -> None:
    assert name_theme(["form.verbal", "cons.worker.burnout"]) == "burnout-verbal"
    assert name_theme(["setting.welfare_office", "form.institutional"]) == (
        "institutional-welfare-office"
    )
