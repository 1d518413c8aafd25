"""Tests for kdbook.explore.training: the drawing functions and the explorers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kdbook.explore.training import (  # noqa: E402
    draw_solution_gap,
    draw_theorem1_training,
    draw_theorem2_training,
    solution_gap_explorer,
    theorem1_explorer,
    theorem2_explorer,
)


def test_draw_theorem1_training_reports_progress_and_labels_axes():
    calls = []
    fig = draw_theorem1_training(10, 20, 1.0, 1.0, 300, progress=lambda k, total: calls.append((k, total)))
    assert calls[-1] == (300, 300)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_yscale() == "log"
    distance = fig.axes[1].lines[0].get_ydata()
    assert distance[-1] < 1e-3 * distance[0]
    plt.close(fig)


def test_draw_theorem1_training_shows_gradient_descent_only():
    # n = d: 40 plain gradient steps cannot converge; no second-order finish may hide that.
    fig = draw_theorem1_training(20, 20, 1.0, 1.0, 40)
    distance = fig.axes[1].lines[0].get_ydata()
    assert len(distance) == 41, "one point per gradient step, nothing appended"
    assert distance[-1] > 1e-3
    assert fig.axes[1].get_title().startswith("NOT converged")
    plt.close(fig)
    fig = draw_theorem1_training(5, 20, 1.0, 1.0, 300)
    assert fig.axes[1].get_title().startswith("converged")
    plt.close(fig)


def test_draw_theorem2_training():
    fig = draw_theorem2_training(2, 1e-3, 10, 20, steps=500)
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.lines) == 3
    plt.close(fig)


def test_draw_solution_gap_matches_one_minus_n_over_d():
    fig = draw_solution_gap(10, 40, trials=100, seed=1)
    gap = fig.axes[0].lines[0].get_ydata()
    sizes = np.arange(1, 81)
    assert np.max(np.abs(gap[:39] - (1 - sizes[:39] / 40))) < 0.08
    assert np.all(gap[40:] == 0)
    plt.close(fig)


def test_explorers_build_and_redraw():
    app = theorem1_explorer(n=10, d=20, steps=200)
    assert app.progress.value == app.progress.max == 200
    app.controls["steps"].value = 300
    assert app.progress.max == 300 and app.progress.value == 300
    app2 = theorem2_explorer(depth=2, n=10, d=20, steps=200)
    app2.redraw()
    assert app2.progress.value == 200
    app3 = solution_gap_explorer(n=5, d=10)
    app3.redraw()
    plt.close("all")


def test_bad_input():
    with pytest.raises(ValueError, match="lr_factor"):
        draw_theorem1_training(10, 20, 1.0, 2.0, 10)
    with pytest.raises(ValueError, match="teacher_scale"):
        draw_theorem1_training(10, 20, 0.0, 1.0, 10)
    with pytest.raises(ValueError, match="n"):
        draw_theorem1_training(0, 20)
    with pytest.raises(TypeError, match="progress"):
        draw_theorem1_training(10, 20, 1.0, 1.0, 10, progress=5)
    with pytest.raises(ValueError, match="depth"):
        draw_theorem2_training(0, 1e-3, 10, 20)
    with pytest.raises(ValueError, match="init_scale"):
        draw_theorem2_training(2, 0.0, 10, 20)
    with pytest.raises(ValueError, match="d"):
        draw_solution_gap(10, 1000)
    with pytest.raises(ValueError, match="trials"):
        draw_solution_gap(10, 20, trials=0)
    with pytest.raises(ValueError, match="steps"):
        theorem1_explorer(steps=10)
    with pytest.raises(ValueError, match="depth"):
        theorem2_explorer(depth=7)
    with pytest.raises(ValueError, match="d"):
        solution_gap_explorer(d=1)
