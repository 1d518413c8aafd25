"""Explorable for the first key factor of Section 5: data geometry.

:func:`draw_data_geometry` draws, for one kappa-polynomial task (Section 5.1)
and one transfer-set size ``n``,

1. the inputs in the plane spanned by the teacher direction and each input's
   own orthogonal component (so the angle to ``w_*`` is the angle seen in
   the plot), coloured by the teacher's label, with one transfer set marked;
2. ``p(theta)`` of eq. (17): the exact ``(1 - 2 theta / pi)^kappa`` and the
   fraction of the drawn inputs at angle at least ``theta``;
3. the expected transfer risk of the distillation student against ``n``
   (mean over transfer sets, with the Theorem 3 bound of eq. 19).

:func:`data_geometry_explorer` puts sliders over ``kappa`` and ``n`` on it
(built on :func:`kdbook.explore.core.explorer`). The sizes are smaller than the
book's Figure 3 (``d = 200`` instead of 1000) so that a redraw takes about a
second.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, NullFormatter

from .._params import Integer, Real, Seed, validate_params
from ..learners import distillation_weights, transfer_risks
from ..plots import ROLE_COLORS, label_axes
from ..risk import theorem3_bound
from ..tasks import empirical_p, polynomial_angle_task
from .core import explorer

__all__ = ["draw_data_geometry", "data_geometry_explorer"]


#: At most this many held-out inputs are drawn in the first panel (all of them enter the risk).
_POINTS_SHOWN = 1000


def _risk_curve_ns(n: int, d: int) -> np.ndarray:
    """Transfer-set sizes from 1 up to ``n`` (log-spaced, at most 10 values)."""
    return np.unique(np.rint(np.geomspace(1, max(n, 1), num=min(n, 10))).astype(int))


@validate_params(kappa=Real(0.0, low_open=True), n=Integer(1), d=Integer(2), trials=Integer(2), n_test=Integer(10),
                 seed=Seed())
def draw_data_geometry(kappa: float, n: int, *, d: int = 200, trials: int = 50, n_test: int = 2000, seed=0):
    """Samples, ``p(theta)`` and the transfer risk of one kappa-polynomial task.

    Parameters
    ----------
    kappa : float > 0
        Degree of the polynomial ``p(theta) = (1 - 2 theta / pi)^kappa``.
    n : int, 1 <= n <= 10 d
        Transfer-set size (the risk panel covers ``1, ..., n``).
    d : int >= 2, default 200
    trials : int >= 2, default 50
        Transfer sets per size for the risk panel.
    n_test : int >= 10, default 2000
        Held-out inputs for the risk and the empirical p; the first 1,000 are drawn in the first panel.
    seed : int or numpy.random.Generator

    Returns
    -------
    matplotlib Figure, 5.0 x 10.4 in: samples, ``p(theta)`` and the risk stacked, drawn for the book's column
    and a phone. The risk axis is logarithmic, so a risk of 10^-4 is as visible as one of 0.1; a size at which
    no disagreement was seen at all is drawn as an open triangle at the resolution ``1 / (trials * n_test)``.
    """
    if n > 10 * d:
        raise ValueError(f"n must be <= {10 * d} (10 d with d = {d}), got {n}")
    rng = seed
    task = polynomial_angle_task(d, kappa, seed=rng)
    w_star = task.w_star
    axis = w_star / np.linalg.norm(w_star)
    X_test = task.sample(n_test, rng)

    # Three panels stacked, a fixed layout (constrained layout would double the time of a frame).
    fig, (ax_points, ax_p, ax_risk) = plt.subplots(3, 1, figsize=(5.0, 10.4))
    fig.subplots_adjust(left=0.16, right=0.96, top=0.97, bottom=0.14, hspace=0.5)

    # 1. Inputs in the (w_*, orthogonal part) plane, signed so both halves show.
    def plane(X):
        along = X @ axis
        across = np.linalg.norm(X - np.outer(along, axis), axis=1)
        return along, np.sign(along) * across

    along, across = plane(X_test[:_POINTS_SHOWN])
    positive = along >= 0
    ax_points.scatter(along[positive], across[positive], s=4, alpha=0.35, color=ROLE_COLORS["distillation"],
                      label="teacher says 1")
    ax_points.scatter(along[~positive], across[~positive], s=4, alpha=0.35, color=ROLE_COLORS["hard-label"],
                      label="teacher says 0")
    shown = task.sample(min(n, 200), rng)
    ax_points.scatter(*plane(shown), s=28, facecolor="none", edgecolor=ROLE_COLORS["teacher"],
                      label=f"a transfer set ($n = {n}$)" if n <= 200 else "first 200 of a transfer set")
    ax_points.axvline(0.0, color=ROLE_COLORS["teacher"], lw=1)
    label_axes(ax_points, r"component along $w_*$", "orthogonal part (signed)",
               rf"inputs, $\kappa = {kappa:.3g}$, $d = {d}$")
    ax_points.legend(loc="upper left", fontsize=10, markerscale=2, frameon=True, framealpha=0.85)

    # 2. p(theta): exact and empirical.
    theta = np.linspace(0.0, np.pi / 2, 200)
    ax_p.plot(np.degrees(theta), task.p(theta), color=ROLE_COLORS["teacher"], label=r"exact $(1 - 2\theta/\pi)^\kappa$")
    ax_p.plot(np.degrees(theta), empirical_p(X_test, w_star, theta), "--", color=ROLE_COLORS["delta"],
              label=f"fraction of {n_test:,} inputs")
    label_axes(ax_p, r"angle $\theta$ (degrees)", r"$p(\theta)$", "angle distribution, eq. (17)")
    ax_p.set_xlim(0, 90)
    ax_p.set_xticks([0, 15, 30, 45, 60, 75, 90])
    ax_p.set_ylim(0, 1.02)
    ax_p.legend(fontsize=10, loc="upper right")

    # 3. Risk against n (log scale), with the Theorem 3 bound.
    ns = _risk_curve_ns(n, d)
    means, bounds = [], []
    for size in ns:
        X_batch = task.sample(int(size), rng, trials=trials)
        means.append(transfer_risks(distillation_weights(X_batch, w_star), w_star, X_test).mean())
        bounds.append(float(theorem3_bound(task.p, int(size), d)))
    means, bounds = np.array(means), np.array(bounds)
    floor = 1.0 / (trials * n_test)
    seen = means > 0
    ax_risk.plot(ns, bounds, "s--", color=ROLE_COLORS["bound"], label="Theorem 3 bound")
    ax_risk.plot(ns[seen], means[seen], "o-", color=ROLE_COLORS["distillation"],
                 label=f"distillation (mean of {trials} sets)")
    if not seen.all():
        ax_risk.plot(ns[~seen], np.full((~seen).sum(), floor), "v", mfc="none", color=ROLE_COLORS["distillation"],
                     label="no disagreement seen")
    ax_risk.axhline(floor, color=ROLE_COLORS["distillation"], lw=0.8, ls=":", label="resolution of the estimate")
    ax_risk.set_xscale("log")
    ax_risk.set_yscale("log")
    ax_risk.set_ylim(floor / 3, 2.0)
    ax_risk.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax_risk.xaxis.set_minor_formatter(NullFormatter())
    if means[-1] > 0:
        risk_text = f"{means[-1]:.2g}"
    else:
        risk_text = f"0 in {trials} × {n_test:,} evaluations"
    label_axes(ax_risk, "transfer-set size n", "expected transfer risk", f"risk at n = {n}: {risk_text}")
    ax_risk.legend(fontsize=10, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=1, frameon=False)
    return fig


@validate_params(kappa=Real(0.125, 16.0), n=Integer(1), d=Integer(2), seed=Seed(keep_int=True))
def data_geometry_explorer(*, kappa: float = 1.0, n: int = 20, d: int = 200, seed=0):
    """Sliders over ``kappa`` and ``n`` that redraw :func:`draw_data_geometry`.

    Parameters
    ----------
    kappa : float in [1/8, 16], default 1.0
    n : int in [1, 2 d], default 20
    d : int >= 2, default 200
    seed : int or numpy.random.Generator

    Returns
    -------
    ipywidgets.VBox (see :func:`kdbook.explore.core.explorer`).
    """
    import ipywidgets as widgets

    if n > 2 * d:
        raise ValueError(f"n must be <= {2 * d} (2 d with d = {d}), got {n}")
    # One int for every redraw: each redraw starts from the same seed.
    kappa_slider = widgets.FloatLogSlider(value=kappa, base=2, min=-3, max=4, step=0.25, description="κ",
                                          continuous_update=False)
    n_slider = widgets.IntSlider(value=n, min=1, max=2 * d, description="n", continuous_update=False)
    return explorer(
        lambda kappa, n: draw_data_geometry(kappa, n, d=d, seed=seed),
        {"kappa": kappa_slider, "n": n_slider},
        title="Data geometry: how the angle distribution drives the transfer risk",
    )
