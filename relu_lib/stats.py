"""Summaries of repeated measurements: a mean over seeds with its confidence interval.

Examples
--------
>>> m, half = mean_interval([1.0, 2.0, 3.0, 4.0, 5.0])
>>> m, round(half, 3)
(3.0, 1.963)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["LEVEL", "mean_interval"]

#: The confidence level of the book's intervals.
LEVEL = 0.95


def mean_interval(values: Any, level: float = LEVEL) -> tuple[float, float]:
    """Mean of ``values`` and the half-width t·s/√n of its interval.

    s is the sample standard deviation and t the Student-t quantile with
    n − 1 degrees of freedom for a ``level`` confidence interval (SciPy
    comes with scikit-learn, which the digits data need). Used where a
    chapter repeats a measurement over seeds (Sparsity, Why non-linearity?).
    """
    from scipy.stats import t

    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    s = x.std(ddof=1)
    half = t.ppf((1 + level) / 2, n - 1) * s / np.sqrt(n)
    return float(x.mean()), float(half)
