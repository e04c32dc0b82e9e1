"""Learned suggestions: a classifier per code, trained on the passages people have coded.

Character n-grams (TF-IDF) and logistic regression: language-agnostic, fast, offline. A code
with too few positive or negative examples gets no model, and the suggester says so. The model
version is a hash of the training data and the parameters. Suggestions are proposals with a
probability, never codings: a person accepts one by recording a decision
(:func:`evidence.coding._decisions.add_decision`). :func:`compute_review_queue` orders the passages
still to review by how unsure the models are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from evidence.coding._decisions import Decision, compute_final_labels
from evidence.errors import ConfigError

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

__all__ = [
    "DEFAULT_PARAMS",
    "Example",
    "Suggestion",
    "QueueItem",
    "Suggester",
    "compute_training_set",
    "train_suggester",
    "suggest_codes",
    "compute_reliability",
    "compute_review_queue",
]

DEFAULT_PARAMS: dict[str, Any] = {
    "ngram_range": [2, 5],
    "min_df": 1,
    "max_features": 200_000,
    "C": 4.0,
    "min_examples": 5,
}


@dataclass(frozen=True, slots=True)
class Example:
    """A passage a person has coded: its id, text, the codes it carries and those it does not.

    ``absent`` codes were rejected; with ``complete``, every code not in ``codes`` is absent.
    Any other code was not reviewed on this passage: it teaches nothing about that code.
    """

    passage_id: str
    text: str
    codes: frozenset[str]
    absent: frozenset[str] = frozenset()
    complete: bool = True

    def knows(self, code: str) -> bool:
        """Return whether a person said whether ``code`` is on this passage."""
        return self.complete or code in self.codes or code in self.absent


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A code proposed for a passage, with the model's probability and version."""

    passage_id: str
    code: str
    probability: float
    model_version: str


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A passage to review: ``uncertainty`` is the expected number of its codes the automatic
    coding gets wrong, ``code`` the likeliest of them; with every calibrated probability."""

    passage_id: str
    uncertainty: float
    code: str
    probabilities: dict[str, float]


@dataclass
class Suggester:
    """Trained models per code; ``skipped`` says why the other codes have none."""

    model_version: str
    params: dict[str, Any]
    codes: tuple[str, ...]
    skipped: dict[str, str]
    n_examples: int
    _vectorizer: TfidfVectorizer | None = field(default=None, repr=False)
    _models: dict[str, LogisticRegression] = field(default_factory=dict, repr=False)
    #: per code, Platt scaling (a, b) fitted on held-out folds: p = 1 / (1 + exp(-(a s + b)))
    calibration: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: per code, (calibrated probability, label) of every example on held-out folds
    held_out: dict[str, list[tuple[float, int]]] = field(default_factory=dict, repr=False)

    def predict(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Return, per trained code, the probability that each text carries it."""
        if not texts or self._vectorizer is None:
            return {code: np.zeros(len(texts)) for code in self.codes}
        features = self._vectorizer.transform(texts)
        return {
            code: _calibrated(
                self._models[code].decision_function(features), self.calibration.get(code)
            )
            for code in self.codes
        }


def compute_training_set(
    decisions: Iterable[Decision], passages: Mapping[str, str]
) -> list[Example]:
    """Return the passages people have reviewed, with what the decisions that stand say.

    A code is present where its standing decision is accept or add, absent where it is
    reject, and, on a passage a coder marked complete, absent wherever it is not present;
    elsewhere it is not reviewed. Passages whose text is unknown are left out.
    """
    return [
        Example(pid, passages[pid], labels.present, labels.absent, labels.complete)
        for pid, labels in compute_final_labels(decisions).items()
        if pid in passages
    ]


def _require_sklearn() -> Any:
    """Return scikit-learn, or fail with what to install when it is absent (the optional
    ``suggest`` extra: it has no wheels for every platform, Alpine's musl for one)."""
    try:
        import sklearn  # noqa: PLC0415 - imported when training only, as in _fit
    except ImportError as exc:
        raise ConfigError(
            "suggestions need scikit-learn, which is not installed: "
            "pip install 'evidence-workbook[suggest]' (make installs it)"
        ) from exc
    return sklearn


def _version(examples: Sequence[Example], params: Mapping[str, Any]) -> str:
    sklearn = _require_sklearn()
    payload = {
        "examples": sorted(
            (e.passage_id, e.text, sorted(e.codes), sorted(e.absent), e.complete) for e in examples
        ),
        "params": dict(sorted(params.items())),
        "sklearn": sklearn.__version__,
    }
    digest = hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    return f"tfidf-lr-{digest.hexdigest()[:12]}"


def train_suggester(
    examples: Sequence[Example], codes: Iterable[str], params: Mapping[str, Any] | None = None
) -> Suggester:
    """Return a :class:`Suggester` with one model per code that has enough examples.

    A code needs ``min_examples`` positive and as many negative examples; below that it is
    listed in ``skipped`` with the counts.
    """
    settings = {**DEFAULT_PARAMS, **(params or {})}
    unknown = set(settings) - set(DEFAULT_PARAMS)
    if unknown:
        raise ValueError(f"unknown parameters {sorted(unknown)}; use {sorted(DEFAULT_PARAMS)}")
    version = _version(examples, settings)
    labels, skipped = _labels(examples, codes, int(settings["min_examples"]))
    suggester = Suggester(version, settings, tuple(labels), skipped, len(examples))
    if labels:
        _fit(suggester, examples, labels)
    return suggester


def _labels(
    examples: Sequence[Example], codes: Iterable[str], minimum: int
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], dict[str, str]]:
    """Return, per code with ``minimum`` examples of each kind, the rows of the examples a
    person labelled for it and their 0/1 labels; and why the other codes have none."""
    labels: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    skipped: dict[str, str] = {}
    for code in dict.fromkeys(codes):
        rows = np.array([i for i, e in enumerate(examples) if e.knows(code)], dtype=int)
        y = np.array([code in examples[i].codes for i in rows], dtype=int)
        positive, negative = int(y.sum()), int(len(y) - y.sum())
        if positive < minimum or negative < minimum:
            skipped[code] = (
                f"{positive} positive and {negative} negative examples; "
                f"{minimum} of each are needed before suggesting"
            )
        else:
            labels[code] = (rows, y)
    return labels, skipped


def _fit(
    suggester: Suggester,
    examples: Sequence[Example],
    labels: dict[str, tuple[np.ndarray, np.ndarray]],
) -> None:
    """Fit the vectorizer on the examples' texts and one model per code of ``labels``."""
    # scikit-learn takes a second to import: only training pays for it, not every
    # command or notebook that imports the coding package.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    settings = suggester.params
    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=tuple(settings["ngram_range"]),
        min_df=settings["min_df"],
        max_features=settings["max_features"],
        lowercase=True,
        strip_accents="unicode",
        sublinear_tf=True,
        dtype=np.float32,
    )
    features = vectorizer.fit_transform([e.text for e in examples])
    suggester._vectorizer = vectorizer
    for code, (rows, y) in labels.items():
        model = LogisticRegression(
            C=settings["C"], class_weight="balanced", max_iter=2000, solver="liblinear"
        )
        suggester._models[code] = model.fit(features[rows], y)
        scores = _held_out_scores(features[rows], y, settings["C"])
        suggester.calibration[code] = _platt(scores, y)
        held = _calibrated(scores, suggester.calibration[code])
        suggester.held_out[code] = [(float(p), int(t)) for p, t in zip(held, y, strict=True)]


def _held_out_scores(features: Any, y: np.ndarray, c: float) -> np.ndarray:
    """Return each example's score from a model fitted without its fold (at most 5 folds,
    stratified, seeded)."""
    # scikit-learn is imported when training only: see _fit.
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    folds = int(min(5, y.sum(), len(y) - y.sum()))
    out = np.zeros(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(features, y):
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver="liblinear")
        out[test] = model.fit(features[train], y[train]).decision_function(features[test])
    return out


def _platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Return Platt's (a, b): the logistic map from held-out scores to observed frequencies."""
    from sklearn.linear_model import LogisticRegression  # training only: see _fit

    # Mildly regularised: with a few dozen examples that the scores separate, an unregularised
    # fit would map them to probabilities of 0 and 1, which no held-out fold supports.
    model = LogisticRegression(C=1.0, max_iter=1000).fit(scores.reshape(-1, 1), y)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def _calibrated(scores: np.ndarray, ab: tuple[float, float] | None) -> np.ndarray:
    a, b = ab if ab is not None else (1.0, 0.0)
    return 1.0 / (1.0 + np.exp(-(a * np.asarray(scores, dtype=float) + b)))


def compute_reliability(suggester: Suggester, bins: int = 10) -> list[dict[str, Any]]:
    """Return the reliability table of the calibrated probabilities on held-out folds.

    One row per probability bin that holds examples: the bin, how many (code, passage)
    predictions fell in it, their mean probability and how often the code was really there.
    A calibrated suggester has ``observed`` close to ``mean_probability`` in every bin.
    """
    pairs = [pair for held in suggester.held_out.values() for pair in held]
    rows = []
    for k in range(bins):
        low, high = k / bins, (k + 1) / bins
        inside = [(p, t) for p, t in pairs if low <= p < high or (k == bins - 1 and p == 1.0)]
        if inside:
            rows.append(
                {
                    "bin": [round(low, 2), round(high, 2)],
                    "n": len(inside),
                    "mean_probability": round(float(np.mean([p for p, _ in inside])), 3),
                    "observed": round(float(np.mean([t for _, t in inside])), 3),
                }
            )
    return rows


def suggest_codes(
    suggester: Suggester,
    passages: Iterable[tuple[str, str]],
    *,
    reviewed: Collection[str] = (),
    threshold: float = 0.5,
) -> list[Suggestion]:
    """Return suggestions with probability >= ``threshold`` for ``(passage_id, text)`` pairs.

    Passages in ``reviewed`` are left out. Suggestions come in passage order, most probable
    code first.
    """
    todo = [(pid, text) for pid, text in passages if pid not in reviewed]
    probabilities = suggester.predict([text for _, text in todo])
    out: list[Suggestion] = []
    for row, (pid, _) in enumerate(todo):
        found = [(float(p[row]), code) for code, p in probabilities.items() if p[row] >= threshold]
        for probability, code in sorted(found, key=lambda x: (-x[0], x[1])):
            out.append(Suggestion(pid, code, round(probability, 4), suggester.model_version))
    return out


def compute_review_queue(
    suggester: Suggester,
    passages: Iterable[tuple[str, str]],
    *,
    reviewed: Collection[str] = (),
    coded: Mapping[str, Collection[str]] | None = None,
    limit: int | None = None,
) -> list[QueueItem]:
    """Return the passages not yet reviewed, those a review would correct most first.

    A passage's expected gain is the number of its codes the automatic coding (``coded``:
    passage id -> codes it carries) is expected to get wrong, by the calibrated
    probabilities: p for a code it lacks, 1 - p for a code it has. ``code`` names the code
    most likely wrong. Ties keep the passages' order.
    """
    todo = [(pid, text) for pid, text in passages if pid not in reviewed]
    probabilities = suggester.predict([text for _, text in todo])
    have = coded or {}
    items: list[QueueItem] = []
    for row, (pid, _) in enumerate(todo):
        probs = {code: round(float(p[row]), 4) for code, p in probabilities.items()}
        if not probs:
            continue
        current = set(have.get(pid, ()))
        wrong = {c: (1 - p if c in current else p) for c, p in probs.items()}
        code = max(wrong, key=lambda c: (wrong[c], c))
        items.append(QueueItem(pid, round(sum(wrong.values()), 4), code, probs))
    items.sort(key=lambda item: -item.uncertainty)
    return items[:limit] if limit is not None else items
