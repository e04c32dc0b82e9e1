"""The learned layer of the coder: per-code models that fix what the rules get wrong.

For each code, a logistic regression reads a passage's words (accent-folded, cut to seven
letters, and their pairs), its language and the codes the rules gave it, and gives the
probability that the code applies. It plays up to two parts, each kept only where
cross-validation on the training set shows a gain: it *keeps* a rule hit only when that
probability reaches a threshold (precision), and *adds* the code where no rule fired when it
reaches another (recall). Everything it needs is stored in a small JSON file: the words it
weighs (words and word pairs, never sentences), weights, thresholds, the training file's hash
and the cross-validated figures. Prediction is numpy only; scikit-learn is needed to train.

Training is reproducible: the same passages, rules and seed give the same file, byte for
byte. Folds group passages by their source, so a page never helps predict itself.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evidence.coding._match import Coding

__all__ = [
    "MODEL_FORMAT",
    "SHIPPED_MODEL",
    "CoderModel",
    "Passage",
    "apply_model",
    "build_vocabulary",
    "featurize",
    "load_model",
    "model_decisions",
    "model_version",
    "render_model",
]

MODEL_FORMAT = 1
#: the model shipped with the package, trained on the project's hand-coded passages
SHIPPED_MODEL = Path(__file__).with_name("coder-model.json")
_TOKEN = re.compile(r"[^\W_]+")
_PREFIX = 7
_DIGITS = 5  # weights and thresholds are rounded so that retraining gives the same bytes


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage to code: id, text, language and the codes the rules gave it."""

    id: str
    text: str
    lang: str
    rules: frozenset[str]


@dataclass
class CoderModel:
    """Per-code models over a shared vocabulary, with the thresholds of each part they play.

    ``keep[code]``: a rule hit stands when the probability reaches it (0: always);
    ``add[code]``: the code is added without a rule hit when the probability reaches it
    (above 1: never).
    """

    version: str
    codes: tuple[str, ...]
    vocabulary: dict[str, int]
    weights: dict[str, dict[int, float]]
    bias: dict[str, float]
    keep: dict[str, float]
    add: dict[str, float]
    about: dict[str, Any] = field(default_factory=dict)

    _dense: np.ndarray | None = field(default=None, repr=False, compare=False)

    def _matrix(self) -> np.ndarray:
        """The weights as one array (features x codes), made once."""
        if self._dense is None:
            width = len(self.vocabulary) + len(self.codes)
            dense = np.zeros((width, len(self.codes)), dtype=np.float64)
            for j, code in enumerate(self.codes):
                for i, w in self.weights.get(code, {}).items():
                    dense[i, j] = w
            self._dense = dense
        return self._dense

    def probabilities(self, passages: Sequence[Passage]) -> np.ndarray:
        """Return an array (passages x codes) of each code's probability."""
        features = featurize(passages, self.vocabulary, self.codes)
        bias = np.array([self.bias.get(c, 0.0) for c in self.codes])
        score = features @ self._matrix() + bias
        return 1.0 / (1.0 + np.exp(-score))


_LIGATURES = (("œ", "oe"), ("æ", "ae"), ("ß", "ss"), ("ĳ", "ij"))


def _folded(text: str) -> str:
    """Return ``text`` lowercased and without accents, in C-level string operations only (a
    per-character Python loop would cost more than the rest of the model)."""
    low = text.lower()
    if low.isascii():
        return low
    for ligature, letters in _LIGATURES:
        if ligature in low:
            low = low.replace(ligature, letters)
    return unicodedata.normalize("NFKD", low).encode("ascii", "ignore").decode("ascii")


def _words(text: str) -> list[str]:
    return [t[:_PREFIX] for t in _TOKEN.findall(_folded(text))]


def _terms(text: str, lang: str) -> set[str]:
    """Return a passage's terms: folded word prefixes, their pairs, and its language."""
    words = _words(text)
    return {*words, *(f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)), f"@{lang}"}


def featurize(
    passages: Sequence[Passage], vocabulary: Mapping[str, int], codes: Sequence[str]
) -> Any:
    """Return the feature matrix (scipy CSR): L2-normalised terms of ``vocabulary``, then one
    column per code of ``codes`` that the rules gave the passage."""
    from scipy import sparse  # scipy comes with scikit-learn; loaded when a model is used

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    width = len(vocabulary)
    code_at = {c: width + j for j, c in enumerate(codes)}
    for i, p in enumerate(passages):
        found = [j for j in map(vocabulary.get, _terms(p.text, p.lang)) if j is not None]
        norm = 1.0 / len(found) ** 0.5 if found else 0.0
        rows += [i] * len(found)
        cols += found
        vals += [norm] * len(found)
        hits = [code_at[c] for c in p.rules if c in code_at]
        rows += [i] * len(hits)
        cols += hits
        vals += [1.0] * len(hits)
    shape = (len(passages), width + len(codes))
    return sparse.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float64)


def model_decisions(
    model: CoderModel, passages: Sequence[Passage]
) -> tuple[list[frozenset[str]], np.ndarray]:
    """Return, per passage, the codes the rules and the model give together, and the
    probabilities (passages x ``model.codes``)."""
    prob = model.probabilities(passages) if passages else np.zeros((0, len(model.codes)))
    out = []
    for i, p in enumerate(passages):
        codes = set(p.rules) - set(model.codes)
        for j, code in enumerate(model.codes):
            threshold = model.keep[code] if code in p.rules else model.add[code]
            if prob[i, j] >= threshold:
                codes.add(code)
        out.append(frozenset(codes))
    return out, prob


def apply_model(
    model: CoderModel, codings: Iterable[Coding], passages: Sequence[tuple[str, str, str]]
) -> list[Coding]:
    """Return the rule codings of ``passages`` (id, text, lang) as the model refines them.

    A rule coding the model keeps, and a coding it adds, carry the provenance
    ``model:<version>``; a kept coding keeps the rule's matched words. Codings come in
    passage order, then in the order of the model's codes.
    """
    # Codings are tuples that cannot form cycles, by the hundred thousand: the cyclic
    # collector, triggered by their number, would walk them all again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _refine(model, codings, passages)
    finally:
        if collecting:
            gc.enable()


def _refine(
    model: CoderModel, codings: Iterable[Coding], passages: Sequence[tuple[str, str, str]]
) -> list[Coding]:
    by_passage: dict[str, dict[str, Coding]] = {}
    for c in codings:
        by_passage.setdefault(c.passage_id, {})[c.code] = c
    items = [
        Passage(pid, text, lang, frozenset(by_passage.get(pid, {}))) for pid, text, lang in passages
    ]
    decided, _ = model_decisions(model, items)
    mark = f"model:{model.version}"
    order = {c: i for i, c in enumerate(model.codes)}
    out: list[Coding] = []
    for item, codes in zip(items, decided, strict=True):
        rules = by_passage.get(item.id, {})
        for code in sorted(codes, key=lambda c: (order.get(c, len(order)), c)):
            if code not in model.codes:
                out.append(rules[code])
            elif code in rules:
                out.append(rules[code]._replace(provenance=mark))
            else:
                out.append(Coding(item.id, code, "rule", mark))
    return out


def _feature_names(vocabulary: Mapping[str, int], codes: Sequence[str]) -> list[str]:
    """Name every feature column: the vocabulary's terms, then ``^code`` for each rule hit."""
    return [*sorted(vocabulary, key=vocabulary.__getitem__), *(f"^{c}" for c in codes)]


def render_model(model: CoderModel) -> str:
    """Return the model as JSON text: sorted, rounded, so the same model gives the same bytes."""
    words = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    names = _feature_names(model.vocabulary, model.codes)
    payload = {
        "format": MODEL_FORMAT,
        "version": model.version,
        "about": model.about,
        "codes": list(model.codes),
        "vocabulary": words,
        "models": {
            code: {
                "bias": round(model.bias.get(code, 0.0), _DIGITS),
                "keep": round(model.keep[code], _DIGITS),
                "add": round(model.add[code], _DIGITS),
                "weights": {
                    names[i]: round(w, _DIGITS)
                    for i, w in sorted(model.weights.get(code, {}).items())
                    if round(w, _DIGITS)
                },
            }
            for code in model.codes
        },
    }
    return json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def load_model(path: str | Path) -> CoderModel:
    """Return the model stored at ``path`` (see :func:`render_model`)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != MODEL_FORMAT:
        raise ValueError(f"{path}: model format {data.get('format')} is not {MODEL_FORMAT}")
    vocabulary = {w: i for i, w in enumerate(data["vocabulary"])}
    models = data["models"]
    codes = tuple(data["codes"])
    column = {name: i for i, name in enumerate(_feature_names(vocabulary, codes))}
    return CoderModel(
        version=data["version"],
        codes=codes,
        vocabulary=vocabulary,
        weights={c: {column[w]: v for w, v in models[c]["weights"].items()} for c in codes},
        bias={c: models[c]["bias"] for c in codes},
        keep={c: models[c]["keep"] for c in codes},
        add={c: models[c]["add"] for c in codes},
        about=data.get("about", {}),
    )


def model_version(payload: Mapping[str, Any]) -> str:
    """Return a short version naming the model's content (``m-<12 hex digits>``)."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return "m-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def build_vocabulary(passages: Sequence[Passage], min_df: int = 2) -> dict[str, int]:
    """Return the terms found in at least ``min_df`` passages, numbered in sorted order."""
    df = Counter(t for p in passages for t in _terms(p.text, p.lang))
    return {t: i for i, t in enumerate(sorted(t for t, n in df.items() if n >= min_df))}
