"""Explorable: distillation SGD on least squares as partial variance reduction.

One figure, two stacked panels drawn for the book's column (and a phone).
Top: the excess risk ``f(w_k) - f(w_opt)`` of SGD over the steps ``k``, plain
(``lam = 0``) and with distillation at the chosen ``lam``, averaged over
seeds, with the closed-form stationary levels as dashed lines. Bottom: the
closed-form stationary excess risk against ``lam``, split into the
noise floor ``(1 - lam)^2 V`` and the bias ``lam^2 B`` toward the teacher,
with the chosen and the best ``lam`` marked. Controls: ``lam``, the teacher
(exact optimum, early-stopped, trained on other data), the step size and the
batch size.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from .._params import Array, Instance, Integer, Real, Seed, validate_params
from .._validation import as_vector
from ..plots import ROLE_COLORS, label_axes
from ..variance import (
    best_weight_for_sgd,
    least_squares_stationary_risk,
    run_kd_sgd_least_squares,
    sgd_contraction_factor,
)
from .core import explorer

__all__ = ["draw_kd_sgd", "kd_sgd_explorer"]


def _check_teachers(teachers: Mapping[str, object], d: int) -> dict:
    """The mapping's values are weight vectors of A's dimension (the declaration checks only that it is a mapping)."""
    if not teachers:
        raise ValueError("teachers must be a non-empty mapping from a name to a weight vector of shape (d,)")
    checked = {}
    for name, theta in teachers.items():
        theta = as_vector(theta, f"teachers[{name!r}]")
        if theta.shape[0] != d:
            raise ValueError(f"teachers[{name!r}] must have shape ({d},), got {theta.shape}")
        checked[str(name)] = theta
    return checked


@validate_params(
    A=Array("n", "d"), b=Array("n"), teachers=Instance(Mapping), lam=Real(0.0, 1.0), teacher=Instance(str),
    lr=Real(0.0, low_open=True), batch_size=Integer(1), steps=Integer(1), n_seeds=Integer(1), seed=Seed(),
)
def draw_kd_sgd(
    A,
    b,
    teachers: Mapping[str, object],
    *,
    lam: float,
    teacher: str,
    lr: float,
    batch_size: int,
    steps: int = 1500,
    n_seeds: int = 20,
    seed=0,
):
    """Draw the explorable's figure for one setting; returns a matplotlib Figure.

    If ``lr`` is too large for SGD's second moment to stay bounded
    (:func:`kdbook.variance.sgd_contraction_factor` at least 1) there is no
    stationary regime, and the figure says so instead of plotting diverging
    curves. Bad input raises.

    Parameters
    ----------
    A : array of shape (n, d); b : array of shape (n,)
    teachers : mapping of name to array of shape (d,)
    lam : float in [0, 1]; teacher : a key of ``teachers``
    lr : float > 0; batch_size : int >= 1
    steps, n_seeds : ints >= 1, SGD length and number of seeds averaged
    seed : int >= 0 or numpy Generator, default 0
    """
    teachers = _check_teachers(teachers, A.shape[1])
    if teacher not in teachers:
        raise ValueError(f"teacher must be one of {sorted(teachers)}, got {teacher!r}")
    theta = teachers[teacher]
    # Stacked and 5.0 in wide, the panels keep 10-11 pt text legible on a phone (about 9 px at 420 px).
    fig, (left, right) = plt.subplots(2, 1, figsize=(5.0, 8.6), layout="constrained")
    factor = sgd_contraction_factor(A, lr=lr, batch_size=batch_size)
    if factor >= 1:
        for ax in (left, right):
            ax.axis("off")
        message = (f"No stationary regime:\nlr = {lr} is too large: SGD's second moment diverges "
                   f"(contraction factor {factor:.3g} >= 1)")
        left.text(0.0, 0.5, message, wrap=True, fontsize=11)
        return fig
    grid = np.linspace(0, 1, 101)
    risk = least_squares_stationary_risk(A, b, theta, grid, lr=lr, batch_size=batch_size)
    best = best_weight_for_sgd(A, b, theta, lr=lr, batch_size=batch_size)
    lams = np.array(sorted({0.0, lam}))
    run = run_kd_sgd_least_squares(
        A, b, theta, lams, lr=lr, batch_size=batch_size, steps=steps, n_seeds=n_seeds, seed=seed,
        record_every=max(1, steps // 150),
    )
    chosen = least_squares_stationary_risk(A, b, theta, lams, lr=lr, batch_size=batch_size)
    colors = [ROLE_COLORS["hard-label"], ROLE_COLORS["distillation"]]
    for i, value in enumerate(lams):
        color = colors[1 if value > 0 else 0]
        left.semilogy(run.steps, run.excess[i].mean(axis=0), color=color, label=rf"$\lambda = {value:.2f}$")
        if chosen.total[i] > 0:
            left.axhline(chosen.total[i], color=color, linestyle="--", linewidth=1)
    label_axes(left, r"SGD step $k$", r"excess risk $f(\mathbf{w}_k) - f(\mathbf{w}_{\rm opt})$",
               f"teacher: {teacher}")
    left.legend(fontsize=10, loc="upper right")
    right.plot(grid, risk.variance, color=ROLE_COLORS["flow"], label=r"noise floor $(1-\lambda)^2 V$")
    right.plot(grid, risk.bias, color=ROLE_COLORS["teacher"], label=r"bias $\lambda^2 B$")
    right.plot(grid, risk.total, color=ROLE_COLORS["distillation"], linewidth=2, label="total")
    right.axvline(lam, color=ROLE_COLORS["distillation"], linestyle=":", label=rf"chosen $\lambda = {lam:.2f}$")
    right.axvline(best, color=ROLE_COLORS["bound"], linestyle="--", label=rf"best $\lambda = {best:.2f}$")
    label_axes(right, r"distillation weight $\lambda$", "stationary excess risk",
               f"step {lr:.3g}, batch {batch_size}")
    right.legend(fontsize=10, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    return fig


@validate_params(
    A=Array("n", "d"), b=Array("n"), teachers=Instance(Mapping), lam=Real(0.0, 1.0), lr=Real(0.001, 1.0),
    batch_size=Integer(1, 64), seed=Seed(keep_int=True),
)
def kd_sgd_explorer(A, b, teachers: Mapping[str, object], *, lam: float = 0.5, lr: float = 0.05,
                    batch_size: int = 1, seed=0):
    """Sliders over ``lam``, step size and batch size, and a menu of teachers, redrawing :func:`draw_kd_sgd`.

    ``lam`` in [0, 1], ``lr`` in [0.001, 1] and ``batch_size`` in [1, 64] are
    the sliders' starting values (and ranges); ``seed`` (int >= 0 or numpy
    Generator, default 0) seeds every redraw alike, so one setting always
    gives the same figure.
    """
    import ipywidgets as widgets

    teachers = _check_teachers(teachers, A.shape[1])
    style = {"description_width": "initial"}
    controls = {
        "lam": widgets.FloatSlider(value=lam, min=0.0, max=1.0, step=0.05, description="lambda",
                                   continuous_update=False, style=style),
        "teacher": widgets.Dropdown(options=list(teachers), value=next(iter(teachers)), description="teacher"),
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-3, max=0, step=0.1, description="step size",
                                     continuous_update=False, style=style),
        "batch_size": widgets.IntSlider(value=batch_size, min=1, max=64, description="batch",
                                        continuous_update=False),
    }
    return explorer(
        # An int seed (keep_int): every redraw starts its own generator from it.
        lambda **values: draw_kd_sgd(A, b, teachers, seed=seed, **values),
        controls,
        title="Distillation SGD: noise floor against bias toward the teacher",
    )
