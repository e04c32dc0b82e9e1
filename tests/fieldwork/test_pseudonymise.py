"""Pseudonymisation: listed names, detected identifiers, stable pseudonyms, the key file."""

from __future__ import annotations

import pytest

from evidence.errors import ConfigError
from evidence.fieldwork._pseudonymise import (
    PseudonymKey,
    compile_names,
    find_identifiers,
    find_pseudonym_tokens,
    format_key,
    parse_key,
    parse_names,
    pseudonymise_text,
)

NAMES = """\
# invented names only
Zélie Quenobe|Zélie|Quenobe
Bram Vaskelin
Jan
ASBL Les Veilleurs d'Ombre|Veilleurs d'Ombre;organisation
"""


def _nrn(yymmdd: str, serial: str, born_2000: bool = False) -> str:
    """A national register number with a correct check number (computed, never a real one)."""
    base = int(yymmdd + serial) + (2_000_000_000 if born_2000 else 0)
    return f"{yymmdd[:2]}.{yymmdd[2:4]}.{yymmdd[4:]}-{serial}.{97 - base % 97:02d}"


def _clean(text: str, names: str = NAMES) -> tuple[str, list[tuple[str, str]]]:
    done = pseudonymise_text(text, compile_names(parse_names(names)), PseudonymKey())
    return done.text, [(r.category, r.pseudonym) for r in done.replacements]


def test_names_list_reads_aliases_categories_and_comments() -> None:
    entries = parse_names(NAMES)
    assert [e.names[0] for e in entries] == [
        "Zélie Quenobe",
        "Bram Vaskelin",
        "Jan",
        "ASBL Les Veilleurs d'Ombre",
    ]
    assert entries[0].names == ("Zélie Quenobe", "Zélie", "Quenobe")
    assert [e.category for e in entries] == ["person", "person", "person", "organisation"]
    assert entries[3].line == 5


def test_unknown_category_and_a_name_in_two_categories_name_the_line() -> None:
    with pytest.raises(ConfigError, match=r"names.txt:2: category 'place'"):
        parse_names("Jan\nBruxelles;place\n", "names.txt")
    with pytest.raises(ConfigError, match=r"names.txt:3: .*also listed as person on line 1"):
        parse_names("Zélie\nBram\nZELIE;organisation\n", "names.txt")


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour Zélie.",
        "bonjour ZELIE !",
        "C'est d'Zélie",
        "c’est l’avis d’Zélie",
        "Zélie's bike",
        "Zelie",
        "« Zélie »",
        "(Zélie)",
    ],
)
def test_names_match_whatever_the_case_accents_elision_or_possessive(text: str) -> None:
    out, found = _clean(text)
    assert found == [("person", "P01")]
    assert "zelie" not in out.casefold().replace("é", "e")


def test_names_need_word_boundaries() -> None:
    out, found = _clean("Janssens et Janine parlent à Jan; Jans fiets; zéliette")
    assert out == "Janssens et Janine parlent à P01; P01s fiets; zéliette"
    assert found == [("person", "P01"), ("person", "P01")]


def test_full_names_win_over_their_parts_and_separators_are_interchangeable() -> None:
    out, _ = _clean("Zélie Quenobe, ZÉLIE-QUENOBE, zelie_quenobe.docx, Quenobe, Bram  Vaskelin")
    assert out == "P01, P01, P01.docx, P01, P02"


def test_organisations_match_after_an_elision() -> None:
    out, found = _clean("Elle travaille à l'ASBL les veilleurs d’ombre depuis 2019.")
    assert out == "Elle travaille à l'ORG01 depuis 2019."
    assert found == [("organisation", "ORG01")]


@pytest.mark.parametrize(
    "phone",
    [
        "+32 2 512 34 56",
        "0032 2 512 34 56",
        "02/512.34.56",
        "(02) 512 34 56",
        "02 512 34 56",
        "+32 (0)2 512 34 56",
    ],
)
def test_one_belgian_landline_written_six_ways_gets_one_pseudonym(phone: str) -> None:
    out, found = _clean(f"Appelez le {phone} demain.")
    assert out == "Appelez le PHONE01 demain."
    assert found == [("phone", "PHONE01")]
    key = pseudonymise_text(phone, compile_names([]), PseudonymKey()).key
    assert key.lookup("phone", "025123456") == "PHONE01"


@pytest.mark.parametrize(
    "phone", ["0475 12 34 56", "0475/12.34.56", "+32 475 12 34 56", "04 223 45 67"]
)
def test_mobile_and_liege_numbers_are_found(phone: str) -> None:
    assert _clean(f"gsm {phone}.")[0] == "gsm PHONE01."


@pytest.mark.parametrize(
    "text",
    [
        "le 03.04.2025 à 10:30",
        "le 01/02/2025 14 h",
        "10 000 personnes",
        "en 2019 et 2021",
        "entre 12 et 15 ans",
        "ISBN 978-2-07-036822-8",
    ],
)
def test_dates_counts_and_years_are_not_phone_numbers(text: str) -> None:
    assert _clean(text) == (text, [])


def test_emails_even_obfuscated_are_replaced() -> None:
    out, found = _clean("Écrire à zelie.quenobe@example.org ou z.q [at] example.net.")
    assert out == "Écrire à EMAIL01 ou EMAIL02."
    assert [c for c, _ in found] == ["email", "email"]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Elle habite rue Haute 12, 1000 Bruxelles, depuis mai.", "rue Haute 12, 1000 Bruxelles"),
        ("Au 14, rue de la Loi se trouve le bureau.", "14, rue de la Loi"),
        ("chaussée d'Ixelles 200 bte 3 est fermé", "chaussée d'Ixelles 200 bte 3"),
        ("Avenue Louise 54 à Bruxelles", "Avenue Louise 54"),
        ("Hij woont in de Kerkstraat 12, 3000 Leuven.", "Kerkstraat 12, 3000 Leuven"),
        ("Op de Grote Markt 7 was het druk.", "Grote Markt 7"),
        ("Bergensesteenweg 45 bus 2 is een kantoor.", "Bergensesteenweg 45 bus 2"),
        ("Sint-Jansplein 3 ligt vlakbij.", "Sint-Jansplein 3"),
        ("She lived at 12 Baker Street for years.", "12 Baker Street"),
    ],
)
def test_street_addresses_in_three_languages(text: str, address: str) -> None:
    out, found = _clean(text)
    assert out == text.replace(address, "ADDR01")
    assert found == [("address", "ADDR01")]


@pytest.mark.parametrize(
    "text",
    [
        "à la rue depuis 3 ans",
        "in de straat 5 jaar geleefd",
        "place de la gare",
        "avenue Louise",
    ],
)
def test_streets_without_a_number_are_not_addresses(text: str) -> None:
    assert _clean(text) == (text, [])


def test_national_register_numbers_need_a_valid_check_number() -> None:
    good, young = _nrn("850730", "033"), _nrn("050101", "123", born_2000=True)
    wrong = good[:-2] + f"{(int(good[-2:]) + 1) % 97:02d}"
    out, found = _clean(f"NRN {good}, {young.replace('.', '').replace('-', '')}, {wrong}.")
    assert out == f"NRN NRN01, NRN02, {wrong}."
    assert found == [("nrn", "NRN01"), ("nrn", "NRN02")]


def test_ibans_need_a_valid_check_number() -> None:
    out, _ = _clean("Compte BE68 5390 0754 7034, pas BE68 5390 0754 7035.")
    assert out == "Compte IBAN01, pas BE68 5390 0754 7035."


def test_an_email_holding_a_name_is_replaced_whole() -> None:
    found = find_identifiers("zelie.quenobe@example.org", compile_names(parse_names(NAMES)))
    assert [(f.category, f.start, f.end) for f in found] == [("email", 0, 25)]


def test_replacement_offsets_point_into_the_pseudonymised_text() -> None:
    done = pseudonymise_text(
        "Zélie et Bram Vaskelin, 02 512 34 56.", compile_names(parse_names(NAMES)), PseudonymKey()
    )
    assert [done.text[r.start : r.end] for r in done.replacements] == ["P01", "P02", "PHONE01"]


def test_pseudonyms_are_stable_through_the_key_file() -> None:
    matcher = compile_names(parse_names(NAMES))
    first = pseudonymise_text("Bram Vaskelin puis Zélie", matcher, PseudonymKey())
    text = format_key(first.key)
    assert text.splitlines()[0] == "category,pseudonym,value"
    assert "person,P01,Bram Vaskelin" in text
    again = pseudonymise_text("Zélie, puis Jan, puis Bram Vaskelin", matcher, parse_key(text))
    assert again.text == "P02, puis P03, puis P01"
    assert parse_key(format_key(again.key)) == again.key


def test_tokens_already_in_the_material_are_never_handed_out() -> None:
    text = "P01 dit que Zélie et P02 étaient là."
    reserved = find_pseudonym_tokens(text)
    assert reserved == {"P01", "P02"}
    done = pseudonymise_text(
        text, compile_names(parse_names(NAMES)), PseudonymKey().with_reserved(reserved)
    )
    assert done.text == "P01 dit que P03 et P02 étaient là."


def test_a_damaged_key_row_names_its_line() -> None:
    with pytest.raises(ConfigError, match=r"key.csv:3: not a key row"):
        parse_key("category,pseudonym,value\nperson,P01,Jan\nperson,ORG01\n", "key.csv")


@pytest.mark.parametrize(
    "hidden",
    [
        "Que\u00adnobe",  # a soft hyphen
        "Que\u200bnobe",  # a zero-width space
        "Quen\u200d\u2060obe",  # a zero-width joiner and a word joiner
        "Queno-\nbe",  # a word cut at the end of a line
        "Que-  \r\n  nobe",
        "\ufeffQue\u200cnobe",
    ],
)
def test_a_listed_name_cut_by_invisible_characters_or_a_line_end_is_replaced(
    hidden: str,
) -> None:
    text, found = _clean(f"Elle a vu {hidden} hier.")
    # An invisible character before the name may stay; the name does not.
    assert text.replace("\ufeff", "") == "Elle a vu P01 hier." and found == [("person", "P01")]


def test_a_compound_name_cut_at_its_hyphen_and_an_ordinary_word_are_left_right() -> None:
    names = "Jean-Marie Dubois\n"
    assert _clean("Avec Jean-\nMarie Dubois.", names)[0] == "Avec P01."
    assert _clean("Un mot-\nclé, Jean-Marie Du-\nbois.", names)[0] == "Un mot-\nclé, P01."
