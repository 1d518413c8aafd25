"""Chapter 12's explorable: rounds of self-distillation as a spectral filter.

:func:`draw_self_distillation` fits kernel ridge regression to the noisy sine
of :func:`kdbook.self_distillation.noisy_sine` and then ``rounds`` rounds of
self-distillation, each fitting ``alpha`` times the labels plus ``1 - alpha``
times the previous round's predictions. The top panel shows the fits; the
bottom panel the same fits in the kernel's eigenbasis, where each round
multiplies coefficient ``k`` by ``d_k / (d_k + ridge)``: small-eigenvalue
directions die first, and without labels (``alpha = 0``) everything does.
:func:`self_distillation_explorer` wires it to sliders.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._params import Integer, Real, Seed, validate_params
from ..plots import PALETTE, ROLE_COLORS, label_axes
from ..self_distillation import fitted_values, limit, noisy_sine, rbf_kernel
from .core import explorer

__all__ = ["draw_self_distillation", "self_distillation_explorer"]

#: The chapter's toy: 11 inputs, kernel width 0.15, ridge 0.05, noise 0.3.
WIDTH, RIDGE, NOISE = 0.15, 0.05, 0.3


def _test_predictions(x, K, targets, ridge, grid, width):
    """Kernel ridge predictions on ``grid`` of models fitted to each row of ``targets``."""
    return rbf_kernel(grid, x, width=width) @ np.linalg.solve(K + ridge * np.eye(len(x)), targets.T)


@validate_params(rounds=Integer(0, 500), alpha=Real(0.0, 1.0), ridge=Real(0.0, low_open=True),
                 width=Real(0.0, low_open=True), noise=Real(0.0), seed=Seed(keep_int=True))
def draw_self_distillation(rounds: int = 3, alpha: float = 0.0, *, ridge: float = RIDGE, width: float = WIDTH,
                           noise: float = NOISE, seed: int = 0):
    """The teacher's fit, round ``rounds`` of self-distillation and their eigen-coefficients.

    Parameters
    ----------
    rounds : int in [0, 500]. Suggested static grid: 0, 1, 2, 3, 5, 8, 13, 20, 40.
    alpha : float in [0, 1], weight of the true labels. Suggested grid: 0, 0.1, 0.3.
    ridge, width, noise : floats, the toy's ridge, kernel width and label noise.
    seed : int >= 0, the noise draw.

    Returns
    -------
    matplotlib Figure, 7.2 x 6.4 in, two panels stacked (about 0.1 s).
    """
    x, y, _ = noisy_sine(noise=noise, seed=seed)
    K = rbf_kernel(x, x, width=width)
    rows = fitted_values(K, y, ridge=ridge, rounds=rounds, alpha=alpha)
    targets = np.vstack([y, alpha * y + (1.0 - alpha) * rows[:-1]]) if rounds else y[None]
    grid = np.linspace(0.0, 1.0, 201)
    truth = np.sin(2 * np.pi * grid)
    teacher, student = _test_predictions(x, K, targets[[0, -1]], ridge, grid, width).T
    errors = [float(np.mean((p - truth) ** 2)) for p in (teacher, student)]

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.2, 6.4), layout="constrained")
    top.plot(grid, truth, color=ROLE_COLORS["teacher"], lw=1.2, ls=":", label=r"truth $\sin(2\pi x)$")
    top.plot(x, y, "o", color=ROLE_COLORS["teacher"], ms=5, label="noisy labels")
    top.plot(grid, teacher, color=PALETTE["orange"], lw=1.5, label="teacher (round 0)")
    top.plot(grid, student, color=ROLE_COLORS["distillation"], lw=2.2, label=f"round {rounds}")
    top.set_ylim(-1.9, 1.9)
    label_axes(top, "input x", "prediction",
               f"round {rounds}, χ = {alpha:g}: test error {errors[1]:.3f} (teacher {errors[0]:.3f})")
    top.legend(loc="lower left", fontsize=9, ncols=2)

    values, vectors = np.linalg.eigh(K)
    order = np.argsort(values)[::-1]
    index = np.arange(1, len(x) + 1)
    coefficients = np.abs(vectors.T @ np.vstack([rows[0], rows[-1]]).T)[order]
    bottom.semilogy(index, coefficients[:, 0], "s-", color=PALETTE["orange"], ms=5, label="teacher")
    bottom.semilogy(index, coefficients[:, 1], "o-", color=ROLE_COLORS["distillation"], ms=5,
                    label=f"round {rounds}")
    if alpha > 0:
        fixed = np.abs(vectors.T @ limit(K, y, ridge=ridge, alpha=alpha))[order]
        bottom.semilogy(index, fixed, "--", color=PALETTE["green"], lw=1.5, label=f"limit: ridge {ridge / alpha:.2g}")
    bottom.set_ylim(1e-9, 10)
    bottom.set_xticks(index)
    label_axes(bottom, "eigen-direction k of the kernel (largest eigenvalue first)",
               "|coefficient| of the fit", "the same fits in the kernel's eigenbasis")
    bottom.legend(loc="lower left", fontsize=9)
    return fig


@validate_params(rounds=Integer(0, 500), alpha=Real(0.0, 1.0), seed=Seed(keep_int=True))
def self_distillation_explorer(*, rounds: int = 3, alpha: float = 0.0, seed: int = 0):
    """Sliders over the number of rounds and the label weight; redraws :func:`draw_self_distillation`.

    Returns an ``ipywidgets.VBox`` (see :func:`kdbook.explore.core.explorer`).
    """
    import ipywidgets as widgets

    controls = {
        "rounds": widgets.IntSlider(value=rounds, min=0, max=100, description="rounds", continuous_update=False),
        "alpha": widgets.FloatSlider(value=alpha, min=0, max=1, step=0.05, description="label weight χ",
                                     continuous_update=False),
    }
    return explorer(lambda rounds, alpha: draw_self_distillation(rounds, alpha, seed=seed), controls,
                    title="Rounds of self-distillation filter the fit in the kernel's eigenbasis")
