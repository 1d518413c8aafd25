"""Tests for kdbook.explore.bias: chapters 8-9's optimization-bias and monotonicity explorables."""

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kdbook.explore import bias  # noqa: E402

SMALL = dict(d=30, trials=60, n_test=1000)


def test_risk_of_w_delta_grows_with_delta_and_w_hat_is_never_beaten_on_average():
    risks = bias._delta_risks(bias.DELTA_CURVE, 10, 30, 1.0, 60, 1000, 0)
    mean, se = risks.mean(axis=1), risks.std(axis=1, ddof=1) / np.sqrt(60)
    assert np.all(np.diff(mean) >= -2 * np.hypot(se[1:], se[:-1]))
    assert mean[-1] - mean[0] > 10 * se[-1]
    fig = bias.draw_optimization_bias(2.0, 10, **SMALL)
    assert "worse on" in fig.axes[1].get_title() and fig.get_size_inches()[0] <= 7.5
    plt.close(fig)


def test_distillation_is_monotone_and_the_others_are_not():
    runs = bias._monotonicity_at(5, 1.0, 30, 0.5, 60, 1000, 100, 0)
    assert runs["distillation"][2] == 1.0  # Lemma 1: an extra input never turns w_hat away
    assert runs["hard-label"][2] < 1.0 and runs["delta"][2] < 1.0
    fig = bias.draw_monotonicity(5, hard_label_steps=100, **SMALL)
    bars = [patch.get_width() for patch in fig.axes[1].containers[0]]
    assert bars[0] == 1.0 and len(bars) == 3
    plt.close(fig)


def test_bad_input_and_explorers():
    with pytest.raises(ValueError, match="n must be <= 29"):
        bias.draw_optimization_bias(1.0, 30, **SMALL)
    with pytest.raises(ValueError, match=re.escape("delta must be in [0, 16], got -1.0")):
        bias.draw_optimization_bias(-1.0, 5, **SMALL)
    with pytest.raises(ValueError, match="n must be <= 28"):
        bias.draw_monotonicity(29, **SMALL)
    app = bias.optimization_bias_explorer(delta=1.0, n=5, d=30)
    app.controls["delta"].value = 2.0
    assert app.redraws == 2
    plt.close("all")
