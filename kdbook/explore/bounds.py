"""Explorables for the transfer-risk bound of Theorem 3 (Phuong & Lampert 2019, Section 4.2).

* :func:`draw_bound_terms` / :func:`beta_explorer`: the two terms of eq. (19),
  ``p(beta)`` and ``p(pi/2 - beta)^n``, their sum as ``beta`` moves, and the
  minimizing ``beta``; for the kappa-polynomial task ``p(theta) = (1 - 2 theta/pi)^kappa``
  or any ``p`` you pass.
* :func:`draw_teaching_argument`: the "good teaching point" step of the
  proof of Theorem 3 (eqs. 30-31), drawn in the plane of ``w_*``.
* :func:`plot_risk_versus_n`: Monte Carlo risk (with 95% intervals) against
  the bound, from a table of :func:`kdbook.montecarlo.risk_versus_n`.
* :func:`draw_rate` / :func:`rate_explorer`: the bound minimized over ``beta``
  as a function of ``n``, next to Corollary 2's closed form (eq. 21), on
  log-log axes.

Each ``draw_*`` function returns a matplotlib Figure (so the chapter can show
the default setting on the static page); each ``*_explorer`` wires sliders to
it with :func:`kdbook.explore.core.explorer`.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .._params import Boolean, Function, Instance, Integer, Real, validate_params
from ..plots import PALETTE, ROLE_COLORS, label_axes
from ..risk import BETA, _evaluate_p, corollary2_bound, theorem3_bound, theorem3_terms
from ..tasks import check_angles
from .core import explorer

__all__ = [
    "polynomial_p",
    "draw_bound_terms",
    "beta_explorer",
    "draw_rate",
    "rate_explorer",
    "draw_teaching_argument",
    "plot_risk_versus_n",
]

HALF_PI = np.pi / 2
#: An angle to ``w_*`` in ``[0, pi/2]`` (with :data:`kdbook.risk.BETA`'s rounding slack, so ``np.pi / 2`` passes).
_ANGLE = BETA


@validate_params(kappa=Real(0.0))
def polynomial_p(kappa: float) -> Callable[[np.ndarray], np.ndarray]:
    """``p(theta) = (1 - 2 theta / pi)^kappa``, the reverse cdf of the kappa-polynomial task (Section 5.1).

    Parameters
    ----------
    kappa : float >= 0
    """

    def p(theta):
        return (1.0 - check_angles(theta) / HALF_PI) ** kappa

    return p


@validate_params(n=Integer(1), beta=_ANGLE, kappa=Real(0.0), p=Function(optional=True), grid=Integer(10))
def draw_bound_terms(n: int, beta: float, *, kappa: float = 1.0, p: Callable | None = None, grid: int = 400):
    """Plot the two terms of eq. (19) against ``beta`` and mark ``beta`` and the minimizer.

    Parameters
    ----------
    n : int >= 1
        Transfer-set size.
    beta : float in [0, pi/2]
        The angle at which to read off the terms.
    kappa : float >= 0, default 1.0
        Degree of the polynomial task, used when ``p`` is not given.
    p : callable, optional
        Any reverse cdf ``p(theta)`` on ``[0, pi/2]`` (e.g. ``task.p``).
    grid : int >= 10
        Points of the curves.

    Returns
    -------
    matplotlib Figure
    """
    beta = min(beta, HALF_PI)
    if p is None:
        p = polynomial_p(kappa)
        label = rf"$\kappa = {kappa:g}$"
    else:
        label = "your p"
    betas = np.linspace(0.0, HALF_PI, grid)
    first = _evaluate_p(p, betas)
    second = _evaluate_p(p, HALF_PI - betas) ** n
    best = theorem3_bound(p, n)
    at_first, at_second = theorem3_terms(p, n, beta)

    fig, ax = plt.subplots(figsize=(5.6, 5.0))
    ax.plot(betas, first, color=PALETTE["sky"], label=r"hard test points $p(\beta)$")
    ax.plot(betas, second, color=PALETTE["green"], label=r"no good teaching point $p(\pi/2-\beta)^n$")
    ax.plot(betas, first + second, color=ROLE_COLORS["bound"], lw=2.2, label="bound (19): the sum")
    ax.axvline(beta, color=PALETTE["black"], ls="--", lw=1)
    ax.plot([beta, beta, beta], [at_first, at_second, at_first + at_second], "o", color=PALETTE["black"])
    ax.plot([best.beta], [float(best)], "*", ms=14, color=ROLE_COLORS["bound"], label=r"minimum over $\beta$")
    ax.set_xlim(0, HALF_PI)
    ax.set_ylim(0, 1.05)
    ax.set_xticks([0, np.pi / 8, np.pi / 4, 3 * np.pi / 8, HALF_PI])
    ax.set_xticklabels(["0", r"$\pi/8$", r"$\pi/4$", r"$3\pi/8$", r"$\pi/2$"])
    label_axes(
        ax, r"$\beta$ (radians)", "value",
        f"{label}, n = {n}: at β = {beta:.3f} the bound is {at_first + at_second:.3f}\n"
        f"minimum {float(best):.3f} at β = {best.beta:.3f}",
    )
    ax.title.set_fontsize(10)
    # Below the axes: inside, the legend sits on the curves wherever they cross.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1, fontsize=10, frameon=False)
    fig.subplots_adjust(left=0.14, right=0.96, top=0.89, bottom=0.36)  # fixed, so every frame has the same axes
    return fig


@validate_params(n=Integer(1, 10_000), kappa=Real(0.0, 8.0), beta=_ANGLE)
def beta_explorer(*, n: int = 20, kappa: float = 1.0, beta: float = np.pi / 4):
    """Sliders for ``beta``, ``n`` and ``kappa`` over :func:`draw_bound_terms`."""
    import ipywidgets as widgets

    beta = min(beta, HALF_PI)
    controls = {
        "beta": widgets.FloatSlider(value=beta, min=0.0, max=HALF_PI, step=0.01, description="beta",
                                    continuous_update=False),
        "n": widgets.IntSlider(value=n, min=1, max=200, description="n", continuous_update=False),
        "kappa": widgets.FloatSlider(value=kappa, min=0.0, max=8.0, step=0.25, description="kappa",
                                     continuous_update=False),
    }
    return explorer(lambda beta, n, kappa: draw_bound_terms(n, beta, kappa=kappa), controls,
                    title="Theorem 3: the two terms of the bound")


@validate_params(kappa=Real(0.0), n=Integer(1), n_max=Integer(2), points=Integer(5))
def draw_rate(kappa: float, n: int, *, n_max: int = 100_000, points: int = 60):
    """The Theorem 3 bound (min over beta) and Corollary 2 (eq. 21) versus ``n``, log-log.

    Parameters
    ----------
    kappa : float >= 0
        Degree of the polynomial task.
    n : int in [1, n_max]
        The transfer-set size to highlight.
    n_max : int >= 2
    points : int >= 5, grid points in ``n``

    Returns
    -------
    matplotlib Figure
    """
    if n > n_max:
        raise ValueError(f"n must be <= {n_max} (n_max), got {n}")
    p = polynomial_p(kappa)
    ns = np.unique(np.round(np.logspace(0, np.log10(n_max), points)).astype(int))
    bounds = _minimized_bounds(p, ns)
    closed = np.array([corollary2_bound(kappa, int(k)) for k in ns])
    here = float(theorem3_bound(p, n))
    fig, ax = plt.subplots(figsize=(5.6, 4.6))
    ax.loglog(ns, closed, color=PALETTE["purple"], ls="--", lw=2, zorder=3,
              label=r"Corollary 2: $(1 + (\log n)^\kappa)/n^\kappa$")
    ax.loglog(ns, bounds, color=ROLE_COLORS["bound"], lw=2.2,
              label=r"Theorem 3: $\min_\beta\, p(\beta) + p(\pi/2-\beta)^n$")
    ax.plot([n], [here], "o", color=PALETTE["black"])
    label_axes(ax, "transfer-set size n", "bound on expected transfer risk",
               f"κ = {kappa:g}, n = {n:,}: Theorem 3 gives {here:.3g},\n"
               f"Corollary 2 gives {corollary2_bound(kappa, n):.3g}")
    ax.title.set_fontsize(10)
    ax.legend(fontsize=10, loc="lower left")
    fig.subplots_adjust(left=0.16, right=0.97, top=0.88, bottom=0.12)  # fixed: tight_layout is slow on log axes
    return fig


def _minimized_bounds(p: Callable, ns: np.ndarray, grid: int = 2049) -> np.ndarray:
    """``min_beta p(beta) + p(pi/2 - beta)^n`` for every ``n`` in ``ns`` at once (a grid, then a finer grid)."""
    betas = np.linspace(0.0, HALF_PI, grid)
    first, second = np.asarray(p(betas)), np.asarray(p(HALF_PI - betas))
    values = first[None, :] + second[None, :] ** ns[:, None]
    best = np.argmin(values, axis=1)
    step = betas[1] - betas[0]
    fine = np.clip(betas[best][:, None] + np.linspace(-step, step, grid)[None, :], 0.0, HALF_PI)
    refined = np.asarray(p(fine)) + np.asarray(p(HALF_PI - fine)) ** ns[:, None]
    return np.minimum(np.minimum(values.min(axis=1), refined.min(axis=1)), 1.0)


@validate_params(kappa=Real(0.0, 8.0), n=Integer(1, 100_000))
def rate_explorer(*, kappa: float = 1.0, n: int = 20):
    """Sliders for ``kappa`` and ``n`` over :func:`draw_rate`."""
    import ipywidgets as widgets

    controls = {
        "kappa": widgets.FloatSlider(value=kappa, min=0.0, max=8.0, step=0.25, description="kappa",
                                     continuous_update=False),
        "n": widgets.IntSlider(value=n, min=1, max=100_000, description="n", continuous_update=False),
    }
    return explorer(lambda kappa, n: draw_rate(kappa, n), controls, title="How fast the bound decays")


@validate_params(beta=_ANGLE, teaching_angle=_ANGLE, test_angle=Real(-HALF_PI, HALF_PI), shrink=Real(0.0, 1.0))
def draw_teaching_argument(beta: float = np.pi / 6, teaching_angle: float = np.pi / 4, test_angle: float = -np.pi / 7,
                           shrink: float = 0.6):
    """Draw the good-teaching-point argument of the proof of Theorem 3 (eqs. 30-31) in 2-D.

    The teacher ``w_*`` points up. Test points within ``beta`` of ``+-w_*``
    are "easy"; a transfer point within ``pi/2 - beta`` of ``+-w_*`` is a
    "good teaching point". By Lemma 1 the student ``w_hat`` is at most as far
    from ``w_*`` as the teaching point (drawn at ``shrink`` times its angle),
    so by the triangle inequality every easy test point makes an angle below
    ``beta + (pi/2 - beta) = pi/2`` with ``w_hat`` and is classified like the
    teacher does.

    Parameters
    ----------
    beta : float in [0, pi/2]
    teaching_angle : float in [0, pi/2], angle of the teaching point to ``w_*``
    test_angle : float in [-pi/2, pi/2], signed angle of the test point to ``w_*``
    shrink : float in [0, 1], angle of ``w_hat`` as a fraction of ``teaching_angle``

    Returns
    -------
    matplotlib Figure
    """
    beta, teaching_angle = min(beta, HALF_PI), min(teaching_angle, HALF_PI)

    def direction(phi):  # angle phi measured from w_* (the y axis), clockwise positive
        return np.array([np.sin(phi), np.cos(phi)])

    fig, ax = plt.subplots(figsize=(5.6, 5.4))
    for sign in (1, -1):
        base = 0.0 if sign == 1 else np.pi
        good = np.linspace(base - (HALF_PI - beta), base + (HALF_PI - beta), 60)
        easy = np.linspace(base - beta, base + beta, 60)
        ax.fill(*np.c_[[0, 0], 1.6 * np.array([np.sin(good), np.cos(good)])], color=PALETTE["green"], alpha=0.15,
                label="good teaching points" if sign == 1 else None)
        ax.fill(*np.c_[[0, 0], 1.25 * np.array([np.sin(easy), np.cos(easy)])], color=PALETTE["sky"], alpha=0.35,
                label="easy test points" if sign == 1 else None)
    ax.plot([-1.7, 1.7], [0, 0], color=ROLE_COLORS["teacher"], lw=1.5, label="teacher's boundary")
    w_hat_angle = shrink * teaching_angle
    normal = direction(w_hat_angle + HALF_PI) * 1.7
    ax.plot([-normal[0], normal[0]], [-normal[1], normal[1]], color=ROLE_COLORS["distillation"], ls="--", lw=1.5,
            label="student's boundary")
    for vector, text, color in (
        (direction(0.0), r"$w_*$", ROLE_COLORS["teacher"]),
        (direction(w_hat_angle), r"$\hat w$", ROLE_COLORS["distillation"]),
    ):
        ax.annotate("", xy=1.45 * vector, xytext=(0, 0), arrowprops={"arrowstyle": "->", "lw": 2, "color": color})
        ax.text(*(1.52 * vector), text, color=color, fontsize=13)
    teach = 1.1 * direction(teaching_angle)
    test = 0.95 * direction(test_angle)
    ax.plot(*teach, "s", color=PALETTE["green"], ms=9, label=r"teaching point $x_i$")
    ax.plot(*test, "o", color=PALETTE["vermillion"], ms=9, label="test point $x$")
    between = abs(test_angle - w_hat_angle)
    correct = between < HALF_PI
    verdict = "same side as the teacher" if correct else "on the wrong side"
    ax.set_xlim(-1.8, 1.8)
    ax.set_ylim(-1.8, 1.8)
    ax.set_aspect("equal")
    label_axes(ax, "direction orthogonal to $w_*$", "direction of $w_*$",
               f"angle(w_hat, x) = {np.degrees(between):.0f} deg < 90 deg: {verdict}" if correct
               else f"angle(w_hat, x) = {np.degrees(between):.0f} deg: {verdict}")
    ax.title.set_fontsize(10)
    ax.legend(loc="lower left", fontsize=9, ncol=2)
    fig.tight_layout()
    return fig


@validate_params(table=Instance(pd.DataFrame), ax=Instance(Axes, optional=True), title=Instance(str, optional=True),
                 show_bound=Boolean())
def plot_risk_versus_n(table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
                       show_bound: bool = True):
    """Plot measured risk (mean and 95% interval) and the Theorem 3 bound against ``n``, log-log.

    Risks that are exactly 0 (every ``n >= d`` for distillation) cannot sit on
    a log axis: they are drawn as downward triangles on the bottom edge and
    labelled "exactly 0".

    Parameters
    ----------
    table : pandas.DataFrame from :func:`kdbook.montecarlo.risk_versus_n`
    ax : matplotlib Axes, optional
    title : str, optional
    show_bound : bool, default True

    Returns
    -------
    matplotlib Axes
    """
    required = {"n", "learner", "risk", "ci_low", "ci_high", "bound"}
    if not required <= set(table.columns):
        raise ValueError(f"table must have the columns {sorted(required)}, got {list(table.columns)}")
    if ax is None:
        _, ax = plt.subplots()
    positive = table[table["risk"] > 0]
    floor = 0.3 * float(positive["ci_low"][positive["ci_low"] > 0].min()) if len(positive) else 1e-6
    floor = min(floor, 0.3 * float(positive["risk"].min())) if len(positive) else floor
    for learner, rows in table.groupby("learner", sort=False):
        color = ROLE_COLORS.get(learner, PALETTE["purple"])
        nonzero = rows[rows["risk"] > 0]
        low = np.maximum(nonzero["ci_low"].to_numpy(), floor)
        ax.errorbar(nonzero["n"], nonzero["risk"], yerr=[nonzero["risk"] - low, nonzero["ci_high"] - nonzero["risk"]],
                    fmt="o-", ms=4, capsize=3, color=color, label=f"{learner}: measured risk (95% CI)")
        zero = rows[rows["risk"] == 0]
        if len(zero):
            ax.plot(zero["n"], np.full(len(zero), floor), "v", ms=8, color=color, clip_on=False,
                    label=f"{learner}: risk exactly 0")
    if show_bound:
        bounds = table.drop_duplicates("n")
        nonzero = bounds[bounds["bound"] > 0]
        ax.plot(nonzero["n"], nonzero["bound"], "-", lw=2.2, color=ROLE_COLORS["bound"], label="Theorem 3 bound (19)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(bottom=floor)
    label_axes(ax, "transfer-set size n", "expected transfer risk", title)
    return ax
