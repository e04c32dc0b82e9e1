"""Agreement between two coders: Cohen's kappa and Krippendorff's alpha per code.

Each code is a yes/no decision per passage. The coders are two people in the decisions file,
or the rules against a person. Confidence intervals come from a bootstrap over passages
(percentile method, fixed seed so that a re-run gives the same figures). Written with numpy so
the arithmetic stays visible and testable against textbook values.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from evidence.coding._decisions import Decision, Labels, compute_coder_labels
from evidence.coding._match import Coding

__all__ = [
    "compute_cohen_kappa",
    "compute_krippendorff_alpha",
    "compute_agreement",
    "compute_coder_sets",
    "compute_rule_sets",
    "percentile_interval",
]


def compute_cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Return Cohen's kappa for two coders' labels of the same units (None when undefined).

    Kappa is undefined when chance agreement is 1 (both coders always give the same label).
    """
    if len(a) != len(b):
        raise ValueError(f"the coders rated {len(a)} and {len(b)} units; they must be the same")
    if not a:
        return None
    categories = sorted(set(a) | set(b), key=repr)
    index = {c: i for i, c in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)))
    for x, y in zip(a, b, strict=True):
        table[index[x], index[y]] += 1
    table /= table.sum()
    observed = np.trace(table)
    expected = float(table.sum(axis=1) @ table.sum(axis=0))
    if np.isclose(expected, 1.0):
        return None
    return float((observed - expected) / (1 - expected))


def compute_krippendorff_alpha(data: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Return Krippendorff's alpha (nominal) for ``data[coder][unit]``; None marks a missing value.

    Units with fewer than two values are not pairable and are ignored. Returns None when alpha
    is undefined (fewer than two pairable values, or a single category overall).
    """
    if not data:
        return None
    n_units = len(data[0])
    if any(len(row) != n_units for row in data):
        raise ValueError("every coder needs one value (or None) per unit")
    values = [[row[u] for row in data if row[u] is not None] for u in range(n_units)]
    categories = sorted({v for unit in values for v in unit}, key=repr)
    index = {c: i for i, c in enumerate(categories)}
    coincidences = np.zeros((len(categories), len(categories)))
    for unit in values:
        m = len(unit)
        if m < 2:
            continue
        counts = np.bincount([index[v] for v in unit], minlength=len(categories)).astype(float)
        coincidences += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    n_c = coincidences.sum(axis=1)
    total = n_c.sum()
    if total < 2 or len(categories) < 2:
        return None
    disagreement_observed = total - np.trace(coincidences)
    disagreement_expected = (total**2 - (n_c**2).sum()) / (total - 1)
    if disagreement_expected == 0:
        return None
    return float(1 - disagreement_observed / disagreement_expected)


def _binary_stats(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kappa and alpha for rows of paired 0/1 ratings (NaN where undefined), vectorised."""
    n = a.shape[-1]
    both = (a & b).sum(axis=-1).astype(float)
    only_a = (a & ~b).sum(axis=-1).astype(float)
    only_b = (~a & b).sum(axis=-1).astype(float)
    neither = n - both - only_a - only_b
    observed = (both + neither) / n
    pa, pb = (both + only_a) / n, (both + only_b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(np.isclose(expected, 1), np.nan, (observed - expected) / (1 - expected))
        # Two coders, no missing values: N = 2n values; D_o / D_e reduces to this ratio.
        ones = 2 * both + only_a + only_b
        zeros = 2 * n - ones
        alpha = 1 - (2 * n - 1) * (only_a + only_b) / (ones * zeros)
        alpha = np.where(ones * zeros == 0, np.nan, alpha)
    return kappa, alpha


def percentile_interval(samples: np.ndarray, level: float) -> list[float] | None:
    """Return the percentile interval of bootstrap ``samples`` at ``level`` (NaN left out)."""
    finite = samples[np.isfinite(samples)]
    if finite.size < 2:
        return None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return [round(float(low), 4), round(float(high), 4)]


def _rounded(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 4)


def _as_labels(value: Labels | Iterable[str]) -> Labels:
    """A coder's view of one passage: labels, or the set of its codes (every code decided)."""
    return value if isinstance(value, Labels) else Labels(frozenset(value), complete=True)


def compute_agreement(
    coder_a: Mapping[str, Labels | Iterable[str]],
    coder_b: Mapping[str, Labels | Iterable[str]],
    codes: Iterable[str],
    *,
    units: Sequence[str] | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, Any]:
    """Return kappa and alpha per code between two coders, with bootstrap intervals.

    ``coder_a`` and ``coder_b`` map passage ids to what each coder said: :class:`Labels`
    (codes present, absent, whether the passage is complete), or the set of codes given, when
    every code was decided (the rules). ``units`` are the passages both reviewed (by default
    those in both mappings); a passage missing from a mapping of sets has no code there. Each
    code is compared on the units where both coders said whether it applies, so a code a
    reviewer did not decide is not counted as absent. The result is JSON-able:
    ``{"units": n, "per_code": {code: {...}}, "mean_kappa", "mean_alpha"}``.
    """
    if units is None:
        units = sorted(set(coder_a) & set(coder_b))
    view_a = {u: _as_labels(coder_a.get(u, ())) for u in units}
    view_b = {u: _as_labels(coder_b.get(u, ())) for u in units}
    rng = np.random.default_rng(seed)
    per_code: dict[str, dict[str, Any]] = {}
    for code in dict.fromkeys(codes):
        pairs = [(view_a[u].value(code), view_b[u].value(code)) for u in units]
        known = [(x, y) for x, y in pairs if x is not None and y is not None]
        a = np.array([x for x, _ in known], dtype=bool)
        b = np.array([y for _, y in known], dtype=bool)
        resample = (
            rng.integers(0, len(known), size=(n_boot, len(known))) if known and n_boot > 1 else None
        )
        per_code[code] = _code_agreement(a, b, resample, level)
    kappas = [e["kappa"] for e in per_code.values() if e["kappa"] is not None]
    alphas = [e["alpha"] for e in per_code.values() if e["alpha"] is not None]
    return {
        "units": len(units),
        "level": level,
        "n_boot": n_boot,
        "per_code": per_code,
        "mean_kappa": _rounded(float(np.mean(kappas))) if kappas else None,
        "mean_alpha": _rounded(float(np.mean(alphas))) if alphas else None,
    }


def _code_agreement(
    a: np.ndarray, b: np.ndarray, resample: np.ndarray | None, level: float
) -> dict[str, Any]:
    """Return kappa, alpha and their intervals for one code's yes/no ratings ``a`` and ``b``.

    ``resample`` holds the bootstrap's unit indices, one row per resample (None: no interval).
    """
    units = len(a)
    kappa = compute_cohen_kappa(list(a), list(b)) if units else None
    alpha = compute_krippendorff_alpha([list(a), list(b)]) if units else None
    entry: dict[str, Any] = {
        "units": units,
        "a_positive": int(a.sum()),
        "b_positive": int(b.sum()),
        "observed_agreement": _rounded(float((a == b).mean())) if units else None,
        "kappa": _rounded(kappa),
        "kappa_ci": None,
        "alpha": _rounded(alpha),
        "alpha_ci": None,
    }
    if resample is not None:
        kappas, alphas = _binary_stats(a[resample], b[resample])
        entry["kappa_ci"] = percentile_interval(kappas, level)
        entry["alpha_ci"] = percentile_interval(alphas, level)
    return entry


def compute_coder_sets(decisions: Iterable[Decision]) -> dict[str, dict[str, Labels]]:
    """Return, per coder, the passages they reviewed and what their own latest decisions say:
    codes present, codes absent, and whether they marked the passage complete."""
    return compute_coder_labels(decisions)


def compute_rule_sets(codings: Iterable[Coding]) -> dict[str, set[str]]:
    """Return the codes per passage of rule codings, to compare the rules with a person."""
    out: dict[str, set[str]] = {}
    for c in codings:
        if c.origin == "rule":
            out.setdefault(c.passage_id, set()).add(c.code)
    return out
