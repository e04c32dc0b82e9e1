"""Words that look like names but are not in the names list: for the coordinator to review.

A listed name is replaced; a name nobody listed is not. After pseudonymisation, the
capitalised words met inside a sentence (not at its start), that the notes never write in
lower case and that are not common words of the three languages, are counted with where
they were met. The list is written beside the re-identification key, never to the store:
the coordinator adds the real names to the names list and the next import replaces them.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ._pseudonymise import NameMatcher, find_identifiers, fold_name

__all__ = ["NameCandidate", "find_name_candidates", "format_name_candidates"]

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SENTENCE_END = '.!?:;…»«"“”()[]#-–—*'
# Capitalised words that are not names: titles, roles, days, months, places of the project.
_COMMON_WORDS = """
    monsieur madame mademoiselle meneer mevrouw mister miss mrs docteur dokter doctor
    interviewer intervieweur intervieweuse moderator moderateur moderatrice animateur
    animatrice participant participante deelnemer respondent question reponse vraag antwoord
    lundi mardi mercredi jeudi vendredi samedi dimanche maandag dinsdag woensdag donderdag
    vrijdag zaterdag zondag monday tuesday wednesday thursday friday saturday sunday
    janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
    januari februari maart april mei juni juli augustus oktober december january february
    march june july august september october november
    bruxelles brussel brussels belgique belgie belgium wallonie vlaanderen flandre europe
    cpas ocmw asbl vzw
"""
_COMMON = frozenset(fold_name(w) for w in _COMMON_WORDS.split())


@dataclass(frozen=True)
class NameCandidate:
    """A word that may be a name nobody listed: how often, and where (pseudonymised)."""

    word: str
    count: int
    where: tuple[str, ...]


def _starts_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip(" \t")
    return not before or before[-1] in "\n" or before[-1] in _SENTENCE_END


def find_name_candidates(
    texts: Iterable[tuple[str, str]], matcher: NameMatcher
) -> list[NameCandidate]:
    """Return the candidates in ``texts`` ((where, text) pairs), most frequent first.

    Listed names and detected identifiers are left out, as are pseudonyms (P01, ORG02).
    """
    texts = list(texts)
    lower: set[str] = set()
    seen: list[tuple[str, str, int]] = []  # (word, where, position)
    for where, text in texts:
        spans = find_identifiers(text, matcher)
        blank = list(text)
        for f in spans:
            blank[f.start : f.end] = " " * (f.end - f.start)
        clean = "".join(blank)
        for m in _WORD.finditer(clean):
            word = m.group()
            if word[0].islower():
                lower.add(fold_name(word))
            elif len(word) >= 3 and not word.isupper():
                seen.append((word, where, not _starts_sentence(clean, m.start())))
    # A word capitalised only at the start of sentences is any word; met inside one, it may
    # be a name, and then all its occurrences count.
    inside = {word for word, _, within in seen if within}
    counts: Counter[str] = Counter()
    places: dict[str, list[str]] = defaultdict(list)
    for word, where, _ in seen:
        folded = fold_name(word)
        if word in inside and folded not in lower and folded not in _COMMON:
            counts[word] += 1
            places[word].append(where)
    return [
        NameCandidate(w, n, tuple(dict.fromkeys(places[w])))
        for w, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def format_name_candidates(candidates: Iterable[NameCandidate]) -> str:
    """Return the candidates as CSV text: word, count, where (up to ten places)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("word", "count", "where"))
    for c in candidates:
        writer.writerow((c.word, c.count, "; ".join(c.where[:10])))
    return out.getvalue()
