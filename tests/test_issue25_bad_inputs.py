"""Regression tests for issue 25, "The library's last bad inputs": one test per fuzzer row.

Each row was a crash, a misleading message or a wrong number; each test here
pins what the function now does instead (a named error, the right value, or a
warning with the gap reached).
"""

from __future__ import annotations

import numpy as np
import pytest

from kdbook.deep_linear import end_to_end_flow
from kdbook.losses import soft_labels
from kdbook.students import gradient_flow


def _data(n=5, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal(d)


def test_flows_at_time_zero_return_the_start():
    X, w_star = _data()
    y = soft_labels(X, w_star)
    w0 = np.array([0.1, -0.2, 0.3])
    for trajectory in (gradient_flow(X, y, [0.0], w0=w0), end_to_end_flow(X, y, w0, 2, [0.0])):
        np.testing.assert_array_equal(trajectory.times, [0.0])
        np.testing.assert_array_equal(trajectory.weights, w0[None, :])
        np.testing.assert_array_equal(trajectory.w, w0)
        assert trajectory.losses.shape == (1,)
        assert trajectory.losses[0] == pytest.approx(float(gradient_flow(X, y, [0.0, 1e-12], w0=w0).losses[0]))
    assert np.all(gradient_flow(X, y, [0.0]).w == 0.0)
