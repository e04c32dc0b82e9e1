"""The offline language detector: French, Dutch, English, and everything else as ``other``."""

from __future__ import annotations

import pytest

from evidence.lang import LANGUAGES, detect_language, majority_language

SENTENCES = [
    ("fr", "Les travailleurs de la maison d'accueil décrivent des agressions fréquentes."),
    (
        "fr",
        "Après chaque agression, la peur et le traumatisme restent présents chez les résidents.",
    ),
    ("nl", "De medewerkers van de nachtopvang worden vaak bedreigd door bewoners."),
    ("nl", "Het geweld tegen daklozen neemt toe en dat leidt tot stress bij het personeel."),
    ("en", "Workers in the night shelter were assaulted by residents several times a month."),
    ("en", "Threats and insults were part of daily work at the reception desk."),
    (
        "other",
        "Die Mitarbeiter der Notunterkunft werden oft von Bewohnern bedroht und das ist nicht gut.",
    ),
    ("other", "Los trabajadores del albergue son amenazados por los residentes con frecuencia."),
    ("other", "Os trabalhadores do abrigo são ameaçados pelos moradores com muita frequência."),
    ("other", "مرحبا بالعالم، هذا نص قصير باللغة العربية"),
    ("other", "盐城高新区投资集团有限公司2023年度第四期超短期融资券募集说明书"),
    ("other", "Ἐν ἀρχῇ ἦν ὁ λόγος, καὶ ὁ λόγος ἦν πρὸς τὸν θεόν"),
]


@pytest.mark.parametrize(("lang", "text"), SENTENCES)
def test_sentences_get_their_language(lang, text):
    assert detect_language(text) == lang


def test_short_or_empty_text_gets_the_default():
    assert detect_language("") == "other"
    assert detect_language("12 34 5.6") == "other"
    assert detect_language("Hello world", default="") == ""
    assert detect_language("Violence against homeless people", default="fr") == "fr"


def test_only_the_start_of_a_long_text_is_needed():
    text = SENTENCES[2][1] + " " + "Workers were assaulted by residents. " * 200
    assert detect_language(text) == "nl"


def test_majority_weighs_by_length_and_ignores_unknown():
    assert majority_language([("fr", 100), ("en", 40), ("en", 50), ("", 500)]) == "fr"
    assert majority_language([("nl", 10), ("nl", 10), ("fr", 15)]) == "nl"
    assert majority_language([]) == ""
    assert LANGUAGES == ("fr", "nl", "en")
