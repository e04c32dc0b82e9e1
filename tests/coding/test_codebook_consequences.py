"""The repository codebook's consequence codes (cons.*): who suffers, negation, passing mentions."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.coding import compile_codebook, load_codebook

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def matcher():
    return compile_codebook(load_codebook(REPO / "codebook.yml"))


def cons_codes(matcher, text: str, lang: str) -> set[str]:
    return {m.code for m in matcher.match(text, lang) if m.code.startswith("cons.")}


# Each: a sentence and the consequence codes it must get (at least these).
FOUND = [
    (
        "fr",
        "Les travailleurs sociaux se sentent en insécurité et plusieurs sont en arrêt maladie.",
        {"cons.worker.insecurity", "cons.worker.turnover"},
    ),
    (
        "fr",
        "Deux éducateurs sont en certificat médical depuis l'agression au centre.",
        {"cons.worker.turnover"},
    ),
    (
        "fr",
        "Faute de places, le centre d'accueil a fermé ses portes pour l'hiver.",
        {"cons.org.service_reduction"},
    ),
    (
        "nl",
        "Medewerkers van de nachtopvang voelen zich onveilig en het verloop in het team is hoog.",
        {"cons.worker.insecurity", "cons.worker.turnover"},
    ),
    (
        "nl",
        "Daklozen mijden de opvang omdat ze bang zijn om er bestolen te worden.",
        {"cons.user.disengagement", "cons.user.trauma"},
    ),
    (
        "nl",
        "Het OCMW sloot het onthaal na een incident en de straathoekwerkers zijn uitgeput.",
        {"cons.org.service_reduction", "cons.worker.burnout"},
    ),
    (
        "en",
        "Staff felt unsafe during night shifts and several colleagues went on sick leave.",
        {"cons.worker.insecurity", "cons.worker.turnover"},
    ),
    (
        "en",
        "Several clients left against medical advice and missed appointments at the drop-in.",
        {"cons.user.disengagement"},
    ),
    (
        "en",
        "The shelter turned away dozens of people because it was full.",
        {"cons.org.service_reduction"},
    ),
]

# Each: a sentence and a consequence code it must not get (the wrong person suffers it, it is
# denied, or the word has another sense).
NOT_FOUND = [
    (
        "en",
        "The director stressed the importance of supervision for staff after incidents.",
        "cons.worker.insecurity",
    ),
    (
        "en",
        "Rough sleepers described exhaustion and hunger after nights without a bed.",
        "cons.worker.burnout",
    ),
    (
        "fr",
        "Les personnes sans abri sont épuisées après des nuits passées dehors.",
        "cons.worker.burnout",
    ),
    (
        "en",
        "Nobody was injured in the fight at the shelter last night, staff said.",
        "cons.user.health",
    ),
    (
        "fr",
        "L'incident au centre d'accueil n'a fait aucun blessé parmi les résidents sans abri.",
        "cons.user.health",
    ),
    (
        "nl",
        "Bij het incident in de nachtopvang vielen geen gewonden onder de daklozen.",
        "cons.user.health",
    ),
    (
        "en",
        "Two support workers were injured and taken to hospital after the assault.",
        "cons.user.health",
    ),
    (
        "en",
        "Shelter staff reported nightmares and anxiety after the stabbing of a colleague.",
        "cons.user.trauma",
    ),
    (
        "en",
        "Our trauma-informed approach aims to prevent re-traumatisation of residents.",
        "cons.user.revictimisation",
    ),
    (
        "fr",
        "Les migrants sont détenus en centre fermé avant leur expulsion.",
        "cons.org.service_reduction",
    ),
    (
        "en",
        "Families with food insecurity and housing insecurity were interviewed.",
        "cons.worker.insecurity",
    ),
]


@pytest.mark.parametrize(("lang", "text", "expected"), FOUND)
def test_consequences_are_coded_for_whoever_suffers_them(matcher, lang, text, expected) -> None:
    assert expected <= cons_codes(matcher, text, lang)


@pytest.mark.parametrize(("lang", "text", "code"), NOT_FOUND)
def test_consequences_of_others_denied_or_in_another_sense_are_not_coded(
    matcher, lang, text, code
) -> None:
    assert code not in cons_codes(matcher, text, lang)
