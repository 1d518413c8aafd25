"""Explorable: distillation SGD on least squares as partial variance reduction.

One figure, two panels. Left: the excess risk ``f(x_t) - f(x*)`` of SGD over
the steps, plain (``lam = 0``) and with distillation at the chosen ``lam``,
averaged over seeds, with the closed-form stationary levels as dashed lines.
Right: the closed-form stationary excess risk against ``lam``, split into the
noise floor ``(1 - lam)^2 V`` and the bias ``lam^2 B`` toward the teacher,
with the chosen and the best ``lam`` marked. Controls: ``lam``, the teacher
(exact optimum, early-stopped, trained on other data), the step size and the
batch size.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from .._validation import as_data_matrix, as_float, as_int, as_vector
from ..plots import ROLE_COLORS, label_axes
from ..variance import (
    best_weight_for_sgd,
    lam_values,
    least_squares_stationary_risk,
    run_kd_sgd_least_squares,
)
from .core import explorer

__all__ = ["draw_kd_sgd", "kd_sgd_explorer"]


def _check_teachers(teachers: Mapping[str, object], d: int) -> dict:
    if not isinstance(teachers, Mapping) or not teachers:
        raise TypeError("teachers must be a non-empty mapping from a name to a weight vector of shape (d,)")
    checked = {}
    for name, theta in teachers.items():
        theta = as_vector(theta, f"teachers[{name!r}]")
        if theta.shape[0] != d:
            raise ValueError(f"teachers[{name!r}] must have shape ({d},), got {theta.shape}")
        checked[str(name)] = theta
    return checked


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

    Parameters
    ----------
    A : array of shape (n, d); b : array of shape (n,)
    teachers : mapping of name to array of shape (d,)
    lam : float in [0, 1]; teacher : a key of ``teachers``
    lr : float > 0; batch_size : int >= 1
    steps, n_seeds : SGD length and number of seeds averaged
    seed : int or numpy Generator

    If ``lr`` is too large for SGD to stay bounded the figure says so instead
    of plotting diverging curves.
    """
    A = as_data_matrix(A, "A")
    teachers = _check_teachers(teachers, A.shape[1])
    if teacher not in teachers:
        raise ValueError(f"teacher must be one of {sorted(teachers)}, got {teacher!r}")
    lam = as_float(lam, "lam", minimum=0.0, maximum=1.0)
    lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    theta = teachers[teacher]
    # Stacked, the two panels keep 9-11 pt text at the book's column width.
    fig, (left, right) = plt.subplots(2, 1, figsize=(7.2, 7.0), layout="constrained")
    grid = np.linspace(0, 1, 101)
    try:
        risk = least_squares_stationary_risk(A, b, theta, grid, lr=lr, batch_size=batch_size)
        best = best_weight_for_sgd(A, b, theta, lr=lr, batch_size=batch_size)
    except ValueError as err:
        for ax in (left, right):
            ax.axis("off")
        left.text(0.0, 0.5, f"No stationary regime:\n{err}", wrap=True, fontsize=11)
        return fig
    lams = lam_values(sorted({0.0, lam}))
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
    label_axes(left, "SGD step", r"excess risk $f(x_t) - f(x^*)$", f"teacher: {teacher}")
    left.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    right.plot(grid, risk.variance, color=ROLE_COLORS["flow"], label=r"noise floor $(1-\lambda)^2 V$")
    right.plot(grid, risk.bias, color=ROLE_COLORS["teacher"], label=r"bias $\lambda^2 B$")
    right.plot(grid, risk.total, color=ROLE_COLORS["distillation"], linewidth=2, label="total")
    right.axvline(lam, color=ROLE_COLORS["distillation"], linestyle=":", label=rf"chosen $\lambda = {lam:.2f}$")
    right.axvline(best, color=ROLE_COLORS["bound"], linestyle="--", label=rf"best $\lambda = {best:.2f}$")
    label_axes(right, r"distillation weight $\lambda$", "stationary excess risk",
               f"step {lr:.3g}, batch {batch_size}")
    right.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def kd_sgd_explorer(A, b, teachers: Mapping[str, object], *, lam: float = 0.5, lr: float = 0.05,
                    batch_size: int = 1, seed=0):
    """Sliders over ``lam``, step size and batch size, and a menu of teachers, redrawing :func:`draw_kd_sgd`."""
    import ipywidgets as widgets

    A = as_data_matrix(A, "A")
    teachers = _check_teachers(teachers, A.shape[1])
    lam = as_float(lam, "lam", minimum=0.0, maximum=1.0)
    lr = as_float(lr, "lr", minimum=0.001, maximum=1.0)
    batch_size = as_int(batch_size, "batch_size", minimum=1, maximum=64)
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
        lambda **values: draw_kd_sgd(A, b, teachers, seed=seed, **values),
        controls,
        title="Distillation SGD: noise floor against bias toward the teacher",
    )
