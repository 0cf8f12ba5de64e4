"""Summaries of repeated measurements."""

import numpy as np
import pytest

from relu_lib.stats import mean_interval


def test_mean_interval_is_mean_plus_minus_t_s_over_root_n():
    values = [0.1, 0.3, 0.2, 0.4, 0.5]
    mean, half = mean_interval(values)
    # Student t, 4 degrees of freedom, 97.5% quantile: 2.776 (any statistics table)
    assert mean == pytest.approx(0.3)
    assert half == pytest.approx(2.776 * np.std(values, ddof=1) / np.sqrt(5), rel=1e-3)
