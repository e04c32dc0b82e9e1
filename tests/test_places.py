"""A source's country from the place names references and notes give."""

from __future__ import annotations

import pytest

from evidence.places import COUNTRY_CODES, find_country, read_country


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Bruxelles", "BE"),
        ("Brussel", "BE"),
        ("Brussels, Belgium", "BE"),
        ("Louvain-la-Neuve", "BE"),
        ("Liège", "BE"),
        ("Gent", "BE"),
        ("Belgique / België", "BE"),
        ("be", "BE"),
        ("Paris : L'Harmattan", "FR"),
        ("Den Haag", "NL"),
        ("Leeds", "GB"),
        ("Royaume-Uni", "GB"),
        ("New York, NY", "US"),
        ("Montréal (Québec)", "CA"),
        ("Genève", "CH"),
        ("", ""),
        ("Nowhere in particular", ""),
        ("Harmattan", ""),
    ],
)
def test_places_and_country_names_give_the_country_code(text: str, code: str) -> None:
    assert find_country(text) == code


def test_a_named_country_wins_over_the_place_of_publication() -> None:
    assert read_country("Belgique", "Paris") == "BE"
    assert read_country("", "Paris", "Brussels") == "FR"
    assert read_country("", "Somewhere", "Brussels") == "BE"
    assert read_country("Brésil") == "Brésil"  # unknown to the table: kept as written
    assert read_country("", "") == ""
    assert {"BE", "FR", "NL", "GB"} <= set(COUNTRY_CODES)
