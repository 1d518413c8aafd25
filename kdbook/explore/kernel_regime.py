"""Chapter 14's explorable: a wide network's student is kernel interpolation of the teacher's logits.

:func:`draw_kernel_regime` draws ``n`` transfer inputs of the planar toy of
:func:`kdbook.kernel_regime.parabola_task`, trains the random-features student
of width ``width`` on the teacher's soft labels (its limit,
:func:`kdbook.kernel_regime.feature_student`) and shows where it disagrees
with the teacher. :func:`kernel_regime_explorer` wires it to sliders.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit

from .._params import Integer, Seed, validate_params
from ..kernel_regime import feature_student, parabola_logits, parabola_task, random_features
from ..plots import PALETTE, ROLE_COLORS, label_axes
from .core import explorer

__all__ = ["draw_kernel_regime", "kernel_regime_explorer"]

#: The plane drawn: [-LIMIT, LIMIT]^2, on a RESOLUTION x RESOLUTION grid; the risk is measured on TEST inputs.
LIMIT, RESOLUTION, TEST = 2.5, 121, 4000


@validate_params(width=Integer(1, 20000), n=Integer(1, 2000), seed=Seed(keep_int=True))
def draw_kernel_regime(width: int = 1000, n: int = 10, *, seed: int = 0):
    """The teacher's and the random-features student's decision regions on the plane.

    Parameters
    ----------
    width : int in [1, 20000], the student's width ``D``. Suggested grid: 10, 40, 1000.
    n : int in [1, 2000], transfer-set size. Suggested grid: 5, 10, 20, 40.
    seed : int >= 0, the transfer set (the features use seed + 1, the test inputs seed + 2).

    Returns
    -------
    matplotlib Figure, 6.4 x 6.4 in, one panel (about 0.2 s).
    """
    X, logits = parabola_task(n, seed=seed)
    w = feature_student(random_features(X, width=width, seed=seed + 1), np.clip(expit(logits), 1e-12, 1 - 1e-12))
    X_test, test_logits = parabola_task(TEST, seed=seed + 2)
    risk = np.mean((random_features(X_test, width=width, seed=seed + 1) @ w > 0) != (test_logits > 0))
    axis = np.linspace(-LIMIT, LIMIT, RESOLUTION)
    g1, g2 = np.meshgrid(axis, axis)
    plane = np.column_stack([g1.ravel(), g2.ravel(), np.ones(g1.size)])
    student = (random_features(plane, width=width, seed=seed + 1) @ w).reshape(g1.shape)
    teacher = parabola_logits(plane).reshape(g1.shape)

    fig, ax = plt.subplots(figsize=(6.4, 6.4), layout="constrained")
    ax.contourf(g1, g2, student > 0, levels=[-0.5, 0.5, 1.5], colors=[PALETTE["sky"], PALETTE["yellow"]], alpha=0.35)
    ax.contourf(g1, g2, (student > 0) != (teacher > 0), levels=[0.5, 1.5], colors="none", hatches=["///"])
    ax.contour(g1, g2, teacher, levels=[0], colors=[ROLE_COLORS["teacher"]], linewidths=2.2, linestyles="--")
    ax.contour(g1, g2, student, levels=[0], colors=[ROLE_COLORS["distillation"]], linewidths=2.2)
    ax.scatter(X[:, 0], X[:, 1], c=np.where(logits > 0, PALETTE["orange"], PALETTE["blue"]), s=40,
               edgecolors="black", linewidths=0.8, zorder=3)
    ax.plot([], [], "--", color=ROLE_COLORS["teacher"], lw=2.2, label="teacher's boundary")
    ax.plot([], [], color=ROLE_COLORS["distillation"], lw=2.2, label="student's boundary")
    ax.fill_between([], [], [], facecolor="none", hatch="///", label="they disagree")
    ax.set_xlim(-LIMIT, LIMIT)
    ax.set_ylim(-LIMIT, LIMIT)
    ax.set_aspect("equal")
    label_axes(ax, "input x₁", "input x₂", f"width D = {width}, n = {n}: transfer risk {risk:.3f}")
    ax.legend(loc="lower center", fontsize=10, framealpha=0.9)
    return fig


@validate_params(width=Integer(1, 20000), n=Integer(1, 2000), seed=Seed(keep_int=True))
def kernel_regime_explorer(*, width: int = 1000, n: int = 10, seed: int = 0):
    """Sliders over the width and the transfer-set size; redraws :func:`draw_kernel_regime`.

    Returns an ``ipywidgets.VBox`` (see :func:`kdbook.explore.core.explorer`).
    """
    import ipywidgets as widgets

    controls = {
        "width": widgets.IntSlider(value=width, min=2, max=4000, description="width D", continuous_update=False),
        "n": widgets.IntSlider(value=n, min=1, max=200, description="transfer set n", continuous_update=False),
    }
    return explorer(lambda width, n: draw_kernel_regime(width, n, seed=seed), controls,
                    title="A random-features student interpolates its teacher's logits")
