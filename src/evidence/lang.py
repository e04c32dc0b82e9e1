"""A light offline language detector for French, Dutch and English passages.

Stop-words decide: the most frequent function words of each language are distinctive and cheap
to count. Common words of German, Spanish, Portuguese and Italian compete too, so that text in
those languages comes out as ``other`` rather than as the nearest of fr/nl/en. Short texts with
too few stop-words fall back on character trigrams, and text mostly outside the Latin script is
``other``. Nothing is downloaded; the word lists are below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["LANGUAGES", "detect_language", "majority_language"]

LANGUAGES = ("fr", "nl", "en")

_STOPWORDS = {
    "fr": """de le la les des et est une un du dans pour qui que qu pas sur par au aux avec ce cette
        ces sont il elle ils elles plus ou être été leur leurs mais se sa son ses nous vous on
        comme entre même sans peut aussi très lors ont était fait ainsi dont où donc car ne
        cela celle ceux sous chez avons avez sont nos notre votre été déjà après avant tout tous
        toutes selon soit ni lui y d l n c j en""",
    "nl": """de het een en van in is dat op te zijn voor met niet ook worden wordt er aan bij om
        als door naar over maar nog deze hun kan werd uit tot wat meer zo dit die wel zich geen
        hebben heeft waren was ze zij hij wij we onze jaar worden omdat tussen zoals waar hoe
        alle veel zeer ons moet kunnen zullen zal dan toch echter reeds binnen tegen dus na""",
    "en": """the of and to in is that for it with as was on are be by this which or from at an
        not have has were their they these been can also but more than other who its there
        would such between into we our them those had will may should could about what when
        only most some does how both each many through after being while where however""",
    "de": """der die und ist nicht das mit ein eine auf für sich dem den zu auch von werden wird
        bei nach aus oder wie sind durch im es sie ich einer eines einem zum zur auch dass kann
        über unter noch nur haben hat wurde wurden diese dieser mehr""",
    "es": """de en el los las del y que por una con para se su sus como más pero lo al es este esta
        son entre sobre también fue han ha muy sin hay desde porque cuando donde otros""",
    "pt": """de o os as do da dos das em não uma um com para por se mais ao na no nos nas pelo pela
        são foi ser também como mas seu sua seus suas quando muito entre sobre até""",
    "it": """il di che è la per un una del della non sono con gli le nel si anche dei delle al
        alla più come ma questo questa ha essere tra stato degli nella""",
}

# Stop-words unique to one language count fully; those shared by several count half.
_ALL_WORDS = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}
_SHARED = frozenset(
    w
    for lang, ws in _ALL_WORDS.items()
    for w in ws
    if any(w in other for o, other in _ALL_WORDS.items() if o != lang)
)
_EVERY_WORD = frozenset().union(*_ALL_WORDS.values())
_WORD_WEIGHTS = {
    w: tuple((lang, 0.5 if w in _SHARED else 1.0) for lang, ws in _ALL_WORDS.items() if w in ws)
    for w in _EVERY_WORD
}

_TRIGRAMS = {
    "fr": """es _de de_ ent le_ _le ion la_ _la nt_ tio on_ re_ les que _qu ue_ des _et et_ e_d
        s_d e_l _pa men eme our _co ait _pr ans dan _da par ell e_p une _un _so ons ur_ eur é_d
        té_ ée_ ité été ais qui ce_ est _es s_l du_ _du tre se_ ux_ aux _au _ét _sa eux ois""",
    "nl": """en_ _de de_ an_ van _va et_ _he het ing een _ee er_ aan ijk lij den ver _ve oor ond
        nde gen sch cht ij_ zij _zi ter ord wor _wo ijn in_ _in ten ede ie_ die _di ng_ erd lle
        ee_ aar eer nie iet n_d n_v t_d ers ege _ge ge_ ste dat _da voo _vo ach _ni oe_ _zo""",
    "en": """_th the he_ and _an nd_ ing ng_ ion tio _of of_ _in ed_ er_ _to to_ ent is_ _co re_
        hat tha _be es_ for _fo or_ ati ter as_ at_ his ere on_ wit ith _wh ly_ all _re are nce
        ons _wa was ver her ted hic whi ich _is _ha hey ey_ ted ive wor ork rk_ _wi ou_""",
}
_TRIGRAM_SETS = {
    lang: frozenset(t.replace("_", " ") for t in ts.split()) for lang, ts in _TRIGRAMS.items()
}

# Character classes spelt out: the Unicode-category classes of ``re`` are several times slower.
_LATIN_RE = re.compile("[a-z\u00e0-\u00f6\u00f8-\u00ff\u0100-\u024f]")
# Letters of other scripts: Greek to Indic and Thai, Georgian, kana, CJK, Hangul.
_NON_LATIN_RE = re.compile("[\u0370-\u1dff\u2c00-\u2dff\u3040-\ua4cf\uac00-\ud7af\uf900-\ufaff]")
_SAMPLE = 200  # characters looked at: the start of a paragraph says its language

_MIN_HITS = 2.0  # stop-word score needed before trusting it
_MIN_TRIGRAM_LETTERS = 12


def _mostly_latin(sample: str) -> bool:
    if sample.isascii() or _NON_LATIN_RE.search(sample) is None:
        return True
    return len(_NON_LATIN_RE.findall(sample)) * 2 < len(_LATIN_RE.findall(sample))


def _stopword_scores(words: list[str]) -> dict[str, float]:
    # Distinct stop-words present: one set intersection in C, then a short loop; a repeated
    # word adds little evidence anyway.
    scores = dict.fromkeys(_ALL_WORDS, 0.0)
    for word in _EVERY_WORD.intersection(words):
        for lang, weight in _WORD_WEIGHTS[word]:
            scores[lang] += weight
    return scores


def _trigram_language(words: list[str]) -> str:
    padded = " " + " ".join(words) + " "
    grams = [padded[i : i + 3] for i in range(len(padded) - 2)]
    if not grams:
        return ""
    scores = {lang: sum(g in s for g in grams) / len(grams) for lang, s in _TRIGRAM_SETS.items()}
    best = max(scores, key=scores.__getitem__)
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < 0.12 or ranked[0] < ranked[1] * 1.3:
        return ""
    return best


def detect_language(text: str, *, default: str = "other") -> str:
    """Return ``fr``, ``nl``, ``en`` or ``other`` for ``text``; ``default`` when evidence is thin.

    ``other`` means a language or script that is none of the three (German, Spanish, Arabic,
    Japanese...). ``default`` is returned when the text is too short or too ambiguous to tell;
    callers that know the document's language pass ``default=""`` and fill it in.
    """
    sample = text[:_SAMPLE].lower()
    if not _mostly_latin(sample):
        return "other"
    # Splitting on white space (and elisions: l', d', qu') is several times faster than a
    # regular expression; punctuation glued to a word only hides words that are no stop-words.
    words = sample.replace("\u2019", " ").replace("'", " ").split()
    if not words:
        return default
    ranked = sorted(_stopword_scores(words).items(), key=_score, reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top >= _MIN_HITS and top >= 1.5 * second:
        return best if best in LANGUAGES else "other"
    if sum(map(len, words)) >= _MIN_TRIGRAM_LETTERS:
        return _trigram_language(words) or default
    return default


def _score(item: tuple[str, float]) -> float:
    return item[1]


def majority_language(pairs: Iterable[tuple[str, int]]) -> str:
    """Return the language with the largest weight among ``(lang, weight)`` pairs ("" if none).

    Empty language codes are ignored; a tie goes to the language seen first.
    """
    totals: dict[str, int] = {}
    for lang, weight in pairs:
        if lang:
            totals[lang] = totals.get(lang, 0) + weight
    return max(totals, key=totals.__getitem__) if totals else ""
