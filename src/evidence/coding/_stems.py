"""Words as the search index keeps them: stems in the passage's language, folded.

The full-text index keeps, beside each passage's words, their stems in the passage's own
language (the codebook's snowball stemmers), so a search for ``violences`` finds
``violence`` and ``violent`` in French passages without equating words across languages.
A stem is folded (lowercase, no accents, ligatures spelt out) the way the codebook's rules
fold words, so ``epuisement`` typed without its accent finds ``épuisement``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import snowballstemmer

from evidence.coding._patterns import fold_word

__all__ = ["STEM_LANGUAGES", "stem_text", "stem_word"]

#: the languages the search index stems, each in a column of its own; others are folded only
STEM_LANGUAGES = ("fr", "nl", "en")
_ALGORITHMS = {"fr": "french", "nl": "dutch", "en": "english"}
# The index's tokenizer (FTS5 unicode61) splits on every character that is not a letter or
# a digit; so does this, so a stem lines up with the word it comes from.
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=8)
def _stemmer(lang: str) -> Any:
    return snowballstemmer.stemmer(_ALGORITHMS[lang])


@lru_cache(maxsize=65536)
def stem_word(word: str, lang: str) -> str:
    """Return the folded stem of one word in ``lang`` (folded only for other languages)."""
    low = word.lower()
    if lang not in _ALGORITHMS or not low.isalpha():
        return fold_word(low)
    return fold_word(_stemmer(lang).stemWord(low))


def stem_text(text: str, lang: str) -> str:
    """Return the words of ``text`` as folded stems in ``lang``, separated by spaces."""
    return " ".join(stem_word(w, lang) for w in _WORD.findall(text))
