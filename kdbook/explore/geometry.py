"""Chapter 4's explorable: how the task's angular geometry ``p(theta)`` changes with kappa and a margin.

``p(theta) = P[alpha_bar(w_*, x) >= theta]`` (eq. 17) is the share of inputs
whose angle to the teacher ``w_*`` is at least ``theta``; an angle near
``pi/2`` means an input near the decision boundary. The smaller ``p`` is near
``pi/2``, the fewer inputs lie close to the boundary, and the faster Theorem
3's bound (eq. 18) falls with ``n``.
:func:`draw_angle_survival` shows ``p`` (exact and estimated from a sample),
the histogram of the sampled angles and the bound at a fixed ``n``;
:func:`angle_survival_explorer` wires it to sliders.

For the chapter (C2): static grid ``{"kappa": [0.25, 0.5, 1, 2, 4],
"margin_deg": [0, 10, 20, 30]}`` (20 frames, about 0.15 s each), default
``kappa=1, margin_deg=0``; labels ``{"kappa": "κ", "margin_deg": "margin (degrees)"}``,
formats ``{"kappa": "{:g}", "margin_deg": "{:d}"}``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._params import Integer, Real, Seed, validate_params
from ..plots import PALETTE, ROLE_COLORS, label_axes
from ..risk import theorem3_bound
from ..tasks import empirical_p, isotropic_gaussian_task, margin_task, polynomial_angle_task, teacher_angles
from .core import explorer

__all__ = ["draw_angle_survival", "angle_survival_explorer"]

HALF_PI = np.pi / 2
_TICKS = [0, np.pi / 8, np.pi / 4, 3 * np.pi / 8, HALF_PI]
_TICK_LABELS = ["0", r"$\pi/8$", r"$\pi/4$", r"$3\pi/8$", r"$\pi/2$"]


def _readable(value: float) -> str:
    """A bound for a title: "0.23", "1", or mathtext "$9.0 \\times 10^{-8}$" below 10^-3."""
    if value == 0 or value >= 1e-3:
        return f"{value:.2g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return rf"${mantissa} \times 10^{{{int(exponent)}}}$"


def _task(d, kappa, margin_deg, seed):
    if margin_deg == 0:
        return polynomial_angle_task(d, kappa, seed=seed)
    if kappa == 0:
        raise ValueError("kappa must be > 0 when margin_deg > 0 (a margin task needs kappa > 0)")
    return margin_task(d, np.radians(margin_deg), kappa=kappa, seed=seed)


@validate_params(kappa=Real(0.0, 100.0), margin_deg=Real(0.0, 80.0), d=Integer(2), m=Integer(10, 200_000),
                 n=Integer(1), seed=Seed(keep_int=True))
def draw_angle_survival(kappa: float = 1.0, margin_deg: float = 0.0, *, d: int = 200, m: int = 4000,
                        n: int = 20, seed: int = 0):
    """``p(theta)`` of eq. (17), the histogram of sampled angles and Theorem 3's bound at ``n``.

    The task is the kappa-polynomial task (``margin_deg = 0``, Section 5.1) or
    the margin task (``margin_deg > 0``), whose ``p`` vanishes beyond
    ``theta_max = pi/2 - margin``. The Gaussian task of the same ``d`` is drawn
    for reference: its inputs crowd around ``theta = pi/2``, the worst case.

    Parameters
    ----------
    kappa : float >= 0 (> 0 with a margin). Suggested static grid: 0.25, 0.5, 1, 2, 4.
    margin_deg : float in [0, 80], degrees. Suggested grid: 0, 10, 20, 30.
    d : int >= 2, default 200
        Only the sample and the Gaussian reference depend on ``d``.
    m : int >= 10, default 4000
        Sample size for the empirical ``p`` and the histogram.
    n : int >= 1, default 20
        Transfer-set size at which Theorem 3's bound is quoted.
    seed : int >= 0 or numpy.random.Generator

    Returns
    -------
    matplotlib Figure, 5.0 x 6.6 in, two panels stacked for the book's column and a phone (about 0.15 s).
    """
    task = _task(d, kappa, margin_deg, seed)
    gaussian = isotropic_gaussian_task(d, seed=seed)
    X = task.sample(m, rng=seed + 1)
    angles = teacher_angles(X, task.w_star)
    thetas = np.linspace(0, HALF_PI, 301)
    dots = np.linspace(0, HALF_PI, 25)
    bound = float(theorem3_bound(task.p, n))
    bound_gaussian = float(theorem3_bound(gaussian.p, n))

    # A fixed layout (drawn once for 5.0 x 6.6 in): constrained layout would double the time of each frame.
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(5.0, 6.6))
    fig.subplots_adjust(left=0.14, right=0.96, top=0.84, bottom=0.08, hspace=0.42)
    top.plot(thetas, gaussian.p(thetas), color=PALETTE["orange"], ls="--", lw=1.5, label=f"Gaussian task, $d = {d}$")
    top.plot(thetas, task.p(thetas), color=ROLE_COLORS["distillation"], lw=2, label=r"this task: exact $p$")
    top.plot(dots, empirical_p(X, task.w_star, dots), "o", ms=4, color=ROLE_COLORS["distillation"],
             label=f"estimated from {m:,} inputs")
    if margin_deg > 0:
        for ax in (top, bottom):
            ax.axvspan(HALF_PI - np.radians(margin_deg), HALF_PI, color=PALETTE["green"], alpha=0.15, lw=0)
        top.text(HALF_PI - np.radians(margin_deg) / 2, 0.5, "margin:\nno\ninputs", ha="center", fontsize=10)
    top.set_ylim(-0.02, 1.02)
    label_axes(top, r"angle $\theta$", r"$p(\theta)$", rf"$\kappa = {kappa:g}$, margin ${margin_deg:g}^\circ$")
    fig.legend(*top.get_legend_handles_labels(), loc="upper center", bbox_to_anchor=(0.5, 0.995), ncols=2, fontsize=10)
    bottom.hist(angles, bins=np.linspace(0, HALF_PI, 37), density=True, color=ROLE_COLORS["distillation"],
                alpha=0.8, edgecolor="white")
    label_axes(bottom, r"angle $\bar\alpha(w_*, x)$ of an input to $w_*$", "density of inputs",
               f"Theorem 3 bound at $n = {n}$: {_readable(bound)} (Gaussian: {_readable(bound_gaussian)})")
    for ax in (top, bottom):
        ax.set_xticks(_TICKS, _TICK_LABELS)
        ax.set_xlim(0, HALF_PI)
    return fig


@validate_params(kappa=Real(0.05, 20.0), margin_deg=Real(0.0, 60.0), d=Integer(2), seed=Seed(keep_int=True))
def angle_survival_explorer(*, kappa: float = 1.0, margin_deg: float = 0.0, d: int = 200, seed: int = 0):
    """Sliders over kappa (log scale) and the margin; redraws :func:`draw_angle_survival`.

    Returns an ``ipywidgets.VBox`` (see :func:`kdbook.explore.core.explorer`).
    """
    import ipywidgets as widgets

    controls = {
        "kappa": widgets.FloatLogSlider(value=kappa, base=10, min=-1.3, max=1.3, step=0.05, description="κ",
                                        continuous_update=False),
        "margin_deg": widgets.FloatSlider(value=margin_deg, min=0, max=60, step=1, description="margin (deg)",
                                          continuous_update=False),
    }
    return explorer(lambda kappa, margin_deg: draw_angle_survival(kappa, margin_deg, d=d, seed=seed), controls,
                    title="How kappa and a margin move inputs away from the boundary")
