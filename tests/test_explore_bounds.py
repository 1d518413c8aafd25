"""Tests for kdbook.explore.bounds: the beta and (kappa, n) explorables of Theorem 3."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kdbook import risk, tasks  # noqa: E402
from kdbook.explore import bounds as bw  # noqa: E402


def teardown_function():
    plt.close("all")


def test_polynomial_p_values_and_validation():
    p = bw.polynomial_p(2.0)
    np.testing.assert_allclose(p(np.array([0.0, np.pi / 4, np.pi / 2])), [1.0, 0.25, 0.0])
    with pytest.raises(ValueError, match="kappa"):
        bw.polynomial_p(-0.5)
    with pytest.raises(ValueError, match="theta"):
        p(2.0)


def test_draw_bound_terms_plots_the_terms_and_minimum():
    fig = bw.draw_bound_terms(20, 1.0, kappa=1.0)
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel()
    lines = ax.get_lines()
    total = [line for line in lines if line.get_label() == "bound (19): the sum"][0]
    first = [line for line in lines if "hard test points" in line.get_label()][0]
    second = [line for line in lines if "no good teaching point" in line.get_label()][0]
    np.testing.assert_allclose(total.get_ydata(), first.get_ydata() + second.get_ydata())
    star = [line for line in lines if line.get_label() == r"minimum over $\beta$"][0]
    best = risk.theorem3_bound(bw.polynomial_p(1.0), 20)
    assert star.get_ydata()[0] == pytest.approx(float(best))
    assert np.min(total.get_ydata()) >= float(best) - 1e-9
    assert "0.189" in ax.get_title()


def test_draw_bound_terms_accepts_any_p():
    task = tasks.margin_task(5, 0.4, seed=0)
    fig = bw.draw_bound_terms(3, 0.5, p=task.p)
    assert "your p" in fig.axes[0].get_title()
    with pytest.raises(TypeError, match="callable"):
        bw.draw_bound_terms(3, 0.5, p=3.0)


def test_draw_rate_curves_are_ordered():
    fig = bw.draw_rate(1.0, 20, n_max=1000)
    ax = fig.axes[0]
    theorem = [line for line in ax.get_lines() if "Theorem 3" in line.get_label()][0]
    corollary = [line for line in ax.get_lines() if "Corollary 2" in line.get_label()][0]
    assert np.all(theorem.get_ydata() <= corollary.get_ydata() + 1e-12)
    assert np.all(np.diff(theorem.get_ydata()) <= 1e-12)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    # the vectorized minimization agrees with theorem3_bound at every n
    ns = np.round(theorem.get_xdata()).astype(int)
    p = bw.polynomial_p(1.0)
    expected = [float(risk.theorem3_bound(p, int(n))) for n in ns]
    np.testing.assert_allclose(theorem.get_ydata(), expected, rtol=1e-6, atol=1e-12)


def test_explorers_redraw_on_slider_change():
    app = bw.beta_explorer(n=5, kappa=2.0, beta=0.3)
    controls = app.children[1].children
    controls[0].value = 0.9
    app.redraw()
    rate = bw.rate_explorer(kappa=2.0, n=10)
    rate.children[1].children[1].value = 50
    rate.redraw()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: bw.draw_bound_terms(0, 0.3), "n must be >= 1"),
        (lambda: bw.draw_bound_terms(5, 2.0), "beta"),
        (lambda: bw.draw_bound_terms(5, -0.1), "beta"),
        (lambda: bw.draw_bound_terms(5, 0.3, kappa=-1.0), "kappa"),
        (lambda: bw.draw_rate(-1.0, 5), "kappa"),
        (lambda: bw.draw_rate(1.0, 0), "n must be >= 1"),
        (lambda: bw.draw_rate(1.0, 10, n_max=5), "n must be <= 5"),
        (lambda: bw.beta_explorer(n=0), re.escape("n must be in [1, 10000], got 0")),
        (lambda: bw.beta_explorer(kappa=-1.0), "kappa"),
        (lambda: bw.beta_explorer(beta=3.0), "beta"),
        (lambda: bw.rate_explorer(kappa=-2.0), "kappa"),
        (lambda: bw.rate_explorer(n=0), re.escape("n must be in [1, 100000], got 0")),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_draw_teaching_argument_verdicts():
    good = bw.draw_teaching_argument(np.pi / 6, np.pi / 4, -np.pi / 7)
    assert "same side" in good.axes[0].get_title()
    # the student's angle plus the test point's angle exceeds pi/2: the argument no longer applies
    bad = bw.draw_teaching_argument(np.pi / 6, 1.5, -1.2, shrink=1.0)
    assert "wrong side" in bad.axes[0].get_title()
    for bad_call in (
        lambda: bw.draw_teaching_argument(beta=2.0),
        lambda: bw.draw_teaching_argument(teaching_angle=-0.1),
        lambda: bw.draw_teaching_argument(test_angle=2.0),
        lambda: bw.draw_teaching_argument(shrink=1.5),
    ):
        with pytest.raises(ValueError):
            bad_call()


def test_plot_risk_versus_n_draws_measured_zero_and_bound():
    import pandas as pd

    table = pd.DataFrame({
        "n": [1, 5, 10, 1, 5, 10], "learner": ["distillation"] * 3 + ["hard-label"] * 3,
        "risk": [0.1, 0.01, 0.0, 0.2, 0.1, 0.05], "ci_low": [0.05, 0.005, 0.0, 0.1, 0.05, 0.04],
        "ci_high": [0.15, 0.015, 0.0, 0.3, 0.15, 0.06], "bound": [1.0, 0.5, 0.0, 1.0, 0.5, 0.0],
    })
    ax = bw.plot_risk_versus_n(table, title="t")
    labels = [line.get_label() for line in ax.get_lines()]
    assert "distillation: risk exactly 0" in labels
    assert "Theorem 3 bound (19)" in labels
    bound_line = [line for line in ax.get_lines() if line.get_label() == "Theorem 3 bound (19)"][0]
    np.testing.assert_allclose(bound_line.get_ydata(), [1.0, 0.5])
    assert ax.get_yscale() == "log" and ax.get_xlabel() and ax.get_ylabel()
    with pytest.raises(ValueError, match="columns"):
        bw.plot_risk_versus_n(table.drop(columns="bound"))
    with pytest.raises(TypeError, match="table must be an instance of DataFrame"):
        bw.plot_risk_versus_n(np.ones((3, 3)))
