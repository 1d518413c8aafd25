"""Tests for kdbook.explore.geometry: chapter 4's p(theta) explorable."""

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kdbook.explore.geometry import angle_survival_explorer, draw_angle_survival  # noqa: E402
from kdbook.tasks import polynomial_angle_task  # noqa: E402


def _title_number(text: str) -> float:
    """The number in "0.23" or in mathtext "$1.4 \\times 10^{-6}$"."""
    text = text.strip().strip("$")
    if r"\times" in text:
        mantissa, power = text.split(r"\times")
        return float(mantissa) * 10.0 ** int(power.strip().removeprefix("10^{").removesuffix("}"))
    return float(text)


def test_bound_below_a_thousandth_is_written_in_mathtext():
    fig = draw_angle_survival(2.0, 22.5, d=50, m=500)
    title = fig.axes[1].get_title()
    assert r"\times 10^{-8}" in title  # (1 - (pi/8) / (3 pi/8))^(2 * 20) = 9.0e-8
    assert _title_number(title.split(":")[1].split("(")[0]) == pytest.approx((2 / 3) ** 40, rel=0.01)  # 2 digits
    plt.close(fig)


def test_curve_is_the_tasks_p_and_the_sample_estimates_it():
    fig = draw_angle_survival(2.0, 0.0, d=50, m=2000, seed=3)
    top = fig.axes[0]
    exact = next(line for line in top.get_lines() if line.get_label() == "this task: exact $p$")
    theta = exact.get_xdata()
    np.testing.assert_allclose(exact.get_ydata(), polynomial_angle_task(50, 2.0, seed=3).p(theta))
    dots = next(line for line in top.get_lines() if line.get_label().startswith("estimated"))
    expected = polynomial_angle_task(50, 2.0, seed=3).p(dots.get_xdata())
    # Dvoretzky-Kiefer-Wolfowitz at 1e-3: sup |p_hat - p| <= sqrt(log(2/1e-3) / (2 m)).
    assert np.max(np.abs(dots.get_ydata() - expected)) <= np.sqrt(np.log(2e3) / 4000)
    assert fig.get_size_inches()[0] <= 7.5
    plt.close(fig)


def test_margin_leaves_no_input_near_the_boundary_and_bound_falls_with_kappa():
    fig = draw_angle_survival(1.0, 20.0, d=50, m=1000)
    counts = [patch.get_height() for patch in fig.axes[1].containers[0] if patch.get_x() >= np.pi / 2 - np.radians(20)]
    assert counts and max(counts) == 0
    plt.close(fig)
    bounds = []
    for kappa in (0.5, 4.0):
        fig = draw_angle_survival(kappa, 0.0, d=50, m=500)
        bounds.append(_title_number(fig.axes[1].get_title().split(":")[1].split("(")[0]))
        plt.close(fig)
    assert bounds[1] < bounds[0]


def test_bad_input_and_explorer():
    with pytest.raises(ValueError, match=re.escape("margin_deg must be in [0, 80], got 85.0")):
        draw_angle_survival(1.0, 85.0)
    with pytest.raises(ValueError, match="kappa must be > 0 when margin_deg > 0"):
        draw_angle_survival(0.0, 10.0)
    app = angle_survival_explorer(kappa=1.0, d=20)
    app.controls["margin_deg"].value = 15.0
    assert app.redraws == 2
    plt.close("all")
