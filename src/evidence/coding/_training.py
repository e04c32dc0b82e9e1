"""Train the coder's learned layer, and measure it honestly by cross-validation.

:func:`train_model` fits one logistic regression per code on passages whose codes a person
set, then chooses, per code and by cross-validation inside the training passages, whether the
model keeps rule hits (a precision filter), adds codes no rule found (recall), both or
neither: a part is kept only where it raises that code's cross-validated F1. Folds group
passages by source. :func:`cross_validate` repeats the whole procedure inside each outer fold,
so the figure it gives is that of text the procedure never saw.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evidence.coding._decisions import Labels
from evidence.coding._model import (
    CoderModel,
    Passage,
    build_vocabulary,
    featurize,
    model_decisions,
    model_version,
    render_model,
)
from evidence.coding._suggest import _require_sklearn

__all__ = [
    "ADD",
    "KEEP",
    "TrainingPassage",
    "assign_folds",
    "compute_learning_curve",
    "cross_validate",
    "file_digest",
    "train_model",
]

#: thresholds tried for keeping a rule hit (0: keep every hit) and for adding a code (> 1: never)
KEEP = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
ADD = (1.01, 0.9, 0.8, 0.7, 0.6, 0.5)
_TOP = 400  # weights kept per code: the largest, so the model file stays small
_MIN_GAIN = 3  # a part is kept when it wins at least this many more correct decisions; with
# fewer, parts chosen on a few hundred passages lost on the folds they never saw


@dataclass(frozen=True, slots=True)
class TrainingPassage:
    """A training passage: the passage as the rules coded it, what a person said, its source."""

    passage: Passage
    labels: Labels
    group: str


def assign_folds(examples: Sequence[TrainingPassage], folds: int, seed: int) -> np.ndarray:
    """Return each example's fold, whole groups (sources) to a fold, reproducibly."""
    groups = sorted({e.group for e in examples})
    order = np.random.default_rng(seed).permutation(len(groups))
    fold_of = {g: int(i) % folds for g, i in zip(groups, order, strict=True)}
    return np.array([fold_of[e.group] for e in examples], dtype=int)


def _targets(examples: Sequence[TrainingPassage], code: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the 0/1 labels of ``code`` and which examples a person decided it on."""
    values = [e.labels.value(code) for e in examples]
    known = np.array([v is not None for v in values])
    return np.array([bool(v) for v in values]), known


def _fit(x: Any, y: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Fit one code's logistic regression; None when one class has under two examples."""
    if y.sum() < 2 or (len(y) - y.sum()) < 2:
        return None
    _require_sklearn()  # the optional suggest extra: without it, say what to install
    # scikit-learn takes a second to import: only training pays for it.
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(
        C=4.0, class_weight="balanced", max_iter=3000, solver="liblinear", random_state=0
    ).fit(x, y)
    weights = model.coef_[0].copy()
    if len(weights) > _TOP:
        weights[np.argsort(np.abs(weights))[:-_TOP]] = 0.0
    return weights, float(model.intercept_[0])


def _probabilities(fitted: tuple[np.ndarray, float] | None, x: Any) -> np.ndarray:
    if fitted is None:
        return np.zeros(x.shape[0])
    weights, bias = fitted
    return 1.0 / (1.0 + np.exp(-(x @ weights + bias)))


def _out_of_fold(
    examples: Sequence[TrainingPassage], codes: Sequence[str], folds: np.ndarray
) -> np.ndarray:
    """Return each example's probability per code from models that did not see its fold."""
    out = np.zeros((len(examples), len(codes)))
    for k in np.unique(folds):
        # plain ints: examples is a Sequence, indexed by int
        train, test = np.flatnonzero(folds != k).tolist(), np.flatnonzero(folds == k).tolist()
        vocabulary = build_vocabulary([examples[i].passage for i in train])
        x_train = featurize([examples[i].passage for i in train], vocabulary, codes)
        x_test = featurize([examples[i].passage for i in test], vocabulary, codes)
        for j, code in enumerate(codes):
            y, known = _targets([examples[i] for i in train], code)
            fitted = _fit(x_train[known], y[known])
            out[test, j] = _probabilities(fitted, x_test)
    return out


def _correct(y: np.ndarray, decided: np.ndarray) -> tuple[int, int, int]:
    return int((y & decided).sum()), int((~y & decided).sum()), int((y & ~decided).sum())


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _choose(y: np.ndarray, rule: np.ndarray, prob: np.ndarray) -> tuple[float, float]:
    """Return the (keep, add) thresholds that maximise F1, each only if it gains."""
    base = _correct(y, rule)
    best = (_f1(*base), 0.0, 1.01)
    for keep in KEEP:
        for add in ADD:
            decided = (rule & (prob >= keep)) | (~rule & (prob >= add))
            tp, fp, fn = _correct(y, decided)
            gain = (tp - base[0]) - (fp - base[1])
            if gain >= _MIN_GAIN and _f1(tp, fp, fn) > best[0]:
                best = (_f1(tp, fp, fn), keep, add)
    return best[1], best[2]


def train_model(
    examples: Sequence[TrainingPassage],
    codes: Sequence[str],
    *,
    folds: int = 5,
    seed: int = 0,
    about: Mapping[str, Any] | None = None,
) -> CoderModel:
    """Return the coder model trained on ``examples``, its parts chosen by cross-validation."""
    split = assign_folds(examples, folds, seed)
    oof = _out_of_fold(examples, codes, split)
    vocabulary = build_vocabulary([e.passage for e in examples])
    x = featurize([e.passage for e in examples], vocabulary, codes)
    weights: dict[str, dict[int, float]] = {}
    bias: dict[str, float] = {}
    keep: dict[str, float] = {}
    add: dict[str, float] = {}
    for j, code in enumerate(codes):
        y, known = _targets(examples, code)
        rule = np.array([code in e.passage.rules for e in examples])
        keep[code], add[code] = _choose(y[known], rule[known], oof[known, j])
        fitted = _fit(x[known], y[known]) if (keep[code], add[code]) != (0.0, 1.01) else None
        if fitted is None:
            keep[code], add[code] = 0.0, 1.01
            weights[code], bias[code] = {}, 0.0
            continue
        w, b = fitted
        weights[code] = {int(i): float(w[i]) for i in np.flatnonzero(w)}
        bias[code] = b
    model = CoderModel("", tuple(codes), vocabulary, weights, bias, keep, add, dict(about or {}))
    model.version = model_version({"text": render_model(model)})
    return model


def _micro(
    examples: Sequence[TrainingPassage], decided: Sequence[frozenset[str]], codes: Sequence[str]
):
    tp = fp = fn = 0
    for e, found in zip(examples, decided, strict=True):
        for code in codes:
            value = e.labels.value(code)
            if value is None:
                continue
            tp += value and code in found
            fp += (not value) and code in found
            fn += value and code not in found
    return {"tp": tp, "fp": fp, "fn": fn, "f1": round(_f1(tp, fp, fn), 4)}


def cross_validate(
    examples: Sequence[TrainingPassage], codes: Sequence[str], *, folds: int = 5, seed: int = 0
) -> dict[str, Any]:
    """Return the micro-F1 of the rules alone and of the rules with the model, each measured
    on folds the whole training procedure (thresholds included) never saw."""
    split = assign_folds(examples, folds, seed)
    rules: list[frozenset[str]] = [frozenset()] * len(examples)
    combined: list[frozenset[str]] = [frozenset()] * len(examples)
    for k in range(folds):
        train = [examples[i] for i in np.flatnonzero(split != k).tolist()]
        test = np.flatnonzero(split == k).tolist()
        model = train_model(train, codes, folds=folds, seed=seed)
        decided, _ = model_decisions(model, [examples[i].passage for i in test])
        for i, found in zip(test, decided, strict=True):
            combined[i] = found
            rules[i] = examples[i].passage.rules
    return {
        "folds": folds,
        "seed": seed,
        "rules": _micro(examples, rules, codes),
        "rules_and_model": _micro(examples, combined, codes),
    }


def file_digest(data: bytes) -> str:
    """Return the sha256 of a training file's bytes."""
    return hashlib.sha256(data).hexdigest()


def _uncertainty(model: CoderModel, passages: Sequence[Passage]) -> np.ndarray:
    """How unsure the model is of each passage: the sum over codes of min(p, 1 - p)."""
    prob = model.probabilities(passages)
    return np.minimum(prob, 1 - prob).sum(axis=1)


def compute_learning_curve(
    examples: Sequence[TrainingPassage],
    codes: Sequence[str],
    *,
    sizes: Sequence[int] = (25, 50, 100, 200),
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Simulate a coordinator reviewing a library's passages, most uncertain first.

    The passages are split in two halves by source; each half in turn is the library, the
    model is trained on the other half, the library's passages are reviewed in uncertainty
    order, and after each number of ``sizes`` reviews the model is retrained with them; the
    F1 of the rules alone and of rules with the model is measured on the library's passages
    not yet reviewed. Returns one row per size (0 included), both halves pooled.
    """
    halves = assign_folds(examples, 2, seed)
    pooled: dict[int, dict[str, list[int]]] = {}
    for half in (0, 1):
        base = [e for e, h in zip(examples, halves, strict=True) if h != half]
        library = [e for e, h in zip(examples, halves, strict=True) if h == half]
        model = train_model(base, codes, seed=seed)
        order = np.argsort(-_uncertainty(model, [e.passage for e in library]), kind="stable")
        for n in (0, *sizes):
            if n > len(library):
                continue
            reviewed = [library[i] for i in order[:n]]
            rest = [library[i] for i in order[n:]]
            trained = train_model([*base, *reviewed], codes, seed=seed) if n else model
            decided, _ = model_decisions(trained, [e.passage for e in rest])
            rules = [e.passage.rules for e in rest]
            for name, found in (("rules", rules), ("rules_and_model", decided)):
                counts = _micro(rest, found, codes)
                sums = pooled.setdefault(n, {}).setdefault(name, [0, 0, 0])
                for k, key in enumerate(("tp", "fp", "fn")):
                    sums[k] += counts[key]
    return [
        {"reviewed": n, **{name: round(_f1(*c), 4) for name, c in parts.items()}}
        for n, parts in sorted(pooled.items())
    ]
