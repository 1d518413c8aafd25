"""Chapters 8 and 9's explorables: optimization bias (``w_delta``) and monotonicity.

Every ``w_delta = w_hat + delta (||w_hat|| / ||q||) q`` with ``q`` orthogonal to
the data span fits the soft labels exactly, so it minimizes the distillation
loss (eq. 1) as well as the gradient-descent student ``w_hat`` (eq. 6) does;
Section 5.2 shows that its risk grows with ``delta``. Section 5.3 ties this to
monotonicity: the index ``M(w)`` of eq. (34) is the chance that one extra
transfer input turns the student toward the teacher.

* :func:`draw_optimization_bias` (chapter 8): the risk of ``w_delta`` against
  ``delta`` on one task, and the per-transfer-set change of risk.
  Static grid for the chapter: ``{"delta": [0, 0.25, 0.5, 1, 2, 4, 8],
  "kappa": [0.5, 1, 2, 4]}`` (28 frames), default ``delta=1, kappa=1``. The
  transfer-set size ``n`` barely matters on this task (the push's effect on a
  test input is about ``||x|| / sqrt(d)`` whatever ``n``), the margin does.
* :func:`draw_monotonicity` (chapter 9): risk of the three learners against
  ``n`` and their monotonicity index at the chosen ``n``. Static grid:
  ``{"n": [1, 5, 20, 50], "kappa": [0.5, 1, 2]}`` (12 frames; the curve keeps all of 1, 2, 5, 10, 20, 50),
  default ``n=5, kappa=1``; labels ``{"n": "transfer-set size n", "kappa": "κ"}``,
  formats ``{"n": "{:d}", "kappa": "{:g}"}``.

The Monte Carlo runs behind the curves are cached per setting, so stepping a
control redraws in well under a second after the first frame; the sizes
(``d = 100``, 200 transfer sets) are smaller than the chapters' own runs.
"""

from __future__ import annotations

from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np

from .._params import Integer, Real, Seed, validate_params
from .._threads import single_threaded
from ..experiments import TIE_TOLERANCE
from ..learners import delta_weights, distillation_weights, hard_label_weights, transfer_risks
from ..plots import ROLE_COLORS, label_axes
from ..tasks import polynomial_angle_task, teacher_angles
from .core import explorer

__all__ = ["draw_optimization_bias", "optimization_bias_explorer", "draw_monotonicity", "monotonicity_explorer"]

#: The deltas of the risk curve (the chosen delta is added).
DELTA_CURVE = (0.0, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
#: The transfer-set sizes of the risk-versus-n curve (the chosen n is added).
N_CURVE = (1, 2, 5, 10, 20, 50)
_Z95 = 1.959963984540054
#: Bottom edge of the risk axis of :func:`draw_monotonicity` (a zero risk is drawn there).
RISK_FLOOR = 1e-5


@lru_cache(maxsize=4)
def _task(d, kappa, seed, n_test):
    task = polynomial_angle_task(d, kappa, seed=seed)
    return task, task.sample(n_test, rng=seed + 1)


@lru_cache(maxsize=32)
def _delta_runs(n, d, kappa, trials, n_test, seed):
    """Test-set logits of ``w_hat`` and of the unit push ``(||w_hat|| / ||q||) q``, per transfer set."""
    task, X_test = _task(d, kappa, seed, n_test)
    X_batch = task.sample(n, rng=seed + 2 + n, trials=trials)
    w_hat, w_one = delta_weights(X_batch, task.w_star, [0.0, 1.0], seed=seed + 3 + n)
    # The logits are linear in delta: two products serve every delta.
    return X_test @ task.w_star >= 0, X_test @ w_hat.T, X_test @ (w_one - w_hat).T


def _delta_risks(deltas, n, d, kappa, trials, n_test, seed):
    """Transfer risk (eq. 4) of ``w_delta`` for each delta and transfer set, shape ``(k, trials)``."""
    teacher, base, push = _delta_runs(n, d, kappa, trials, n_test, seed)
    return np.stack([np.mean((base + delta * push >= 0) != teacher[:, None], axis=0) for delta in deltas])


#: The declarations the two drawing functions share.
_COMMON = dict(d=Integer(3, 2000), kappa=Real(0.0, 100.0, low_open=True), trials=Integer(2, 10_000),
               n_test=Integer(10, 100_000), seed=Seed(keep_int=True))


#: Half-width of the histogram of per-set risk changes, and the width of its middle bin: the same axes
#: in every frame.
CHANGE_RANGE, CHANGE_FLOOR = 0.3, 1e-3


@validate_params(delta=Real(0.0, 16.0), n=Integer(1), **_COMMON)
def draw_optimization_bias(delta: float = 1.0, n: int = 20, *, d: int = 100, kappa: float = 1.0,
                           trials: int = 200, n_test: int = 4000, seed: int = 0):
    """Risk of ``w_delta`` (Section 5.2) against ``delta``, and the paired change per transfer set.

    All ``w_delta`` fit the transfer set equally well; ``delta = 0`` is gradient
    descent's ``w_hat``, and ``w_delta`` is turned ``arctan(delta)`` away from it
    in a direction the data say nothing about. The axes are the same for every
    setting (risk in ``[0, 0.5]``, changes in ``[-0.3, 0.3]`` on a symmetric log scale, counts up to
    ``trials``), so stepping a control shows the change itself.

    Parameters
    ----------
    delta : float in [0, 16]. Suggested static grid: 0, 0.25, 0.5, 1, 2, 4, 8.
    n : int with 1 <= n < d, default 20.
    d : int, default 100
    kappa : float > 0, default 1.0 (the kappa-polynomial task of Section 5.1).
        Suggested grid: 0.5, 1, 2, 4 (from inputs crowding the boundary to a wide margin).
    trials, n_test : int
        Transfer sets and held-out inputs for the risk.
    seed : int >= 0 or numpy.random.Generator

    Returns
    -------
    matplotlib Figure, 5.6 x 7.2 in (drawn for the column and a phone), two panels stacked.
    """
    if n > d - 1:
        raise ValueError(f"n must be <= {d - 1} (d - 1 with d = {d}), got {n}")
    curve = np.unique(np.append(DELTA_CURVE, delta))
    with single_threaded():
        risks = _delta_risks(curve, n, d, kappa, trials, n_test, seed)
    mean = risks.mean(axis=1)
    se = risks.std(axis=1, ddof=1) / np.sqrt(trials)
    k = int(np.flatnonzero(curve == delta)[0])
    change = risks[k] - risks[0]

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(5.6, 7.2), layout="constrained", height_ratios=(3, 2))
    color = ROLE_COLORS["delta"]
    top.fill_between(curve, np.maximum(mean - _Z95 * se, 0), mean + _Z95 * se, color=color, alpha=0.25, lw=0)
    top.plot(curve, mean, "o-", ms=4, color=color, label=r"$w_\delta$: mean and 95% band")
    top.axhline(mean[0], color=ROLE_COLORS["distillation"], ls="--", lw=1.2, label=r"$\delta = 0$: gradient descent")
    top.plot([delta], [mean[k]], "o", ms=11, mfc="none", mew=2, color=ROLE_COLORS["bound"], label=f"δ = {delta:g}")
    top.set_xscale("symlog", linthresh=0.125, linscale=0.5)
    top.set_xticks([0, 0.25, 1, 4, 16], ["0", "0.25", "1", "4", "16"])
    top.set_xlim(0, 16)
    top.set_ylim(0, 0.5)
    top.legend(loc="upper left", fontsize=10)
    label_axes(top, r"$\delta$ (push out of the data span)", "expected transfer risk",
               rf"$\kappa = {kappa:g}$, n = {n}, d = {d}: turned {np.degrees(np.arctan(delta)):.0f}° from $\hat w$")
    worse, better = np.mean(change > 0), np.mean(change < 0)
    # Bins even on a symmetric log scale: a change of 0.002 and one of 0.2 both show, in every frame.
    outer = np.geomspace(CHANGE_FLOOR, CHANGE_RANGE, 9)
    edges = np.concatenate([-outer[::-1], outer])
    bottom.hist(np.clip(change, -CHANGE_RANGE, CHANGE_RANGE), bins=edges, color=color, edgecolor="white")
    bottom.axvline(0, color=ROLE_COLORS["teacher"], lw=1)
    bottom.set_xscale("symlog", linthresh=CHANGE_FLOOR, linscale=0.6)
    bottom.set_xlim(-CHANGE_RANGE, CHANGE_RANGE)
    bottom.set_xticks([-0.1, -0.01, 0, 0.01, 0.1], ["−0.1", "−0.01", "0", "0.01", "0.1"])
    bottom.set_ylim(0, trials)
    label_axes(bottom, r"risk($w_\delta$) $-$ risk($\hat w$), same transfer set", "transfer sets",
               f"worse on {worse:.0%} of {trials} sets, better on {better:.0%}")
    return fig


@validate_params(delta=Real(0.0, 16.0), kappa=Real(0.1, 10.0), n=Integer(1), d=Integer(3, 2000),
                 seed=Seed(keep_int=True))
def optimization_bias_explorer(*, delta: float = 1.0, kappa: float = 1.0, n: int = 20, d: int = 100, seed: int = 0):
    """Sliders over ``delta`` and ``kappa`` (``n`` fixed); redraws :func:`draw_optimization_bias`."""
    import ipywidgets as widgets

    if n > d - 1:
        raise ValueError(f"n must be <= {d - 1} (d - 1 with d = {d}), got {n}")
    controls = {
        "delta": widgets.FloatSlider(value=delta, min=0, max=16, step=0.25, description="δ", continuous_update=False),
        "kappa": widgets.FloatLogSlider(value=kappa, base=10, min=-1, max=1, step=0.05, description="κ",
                                        continuous_update=False),
    }
    return explorer(lambda delta, kappa: draw_optimization_bias(delta, n, d=d, kappa=kappa, seed=seed), controls,
                    title="Optimization bias: every w_delta fits the data, but the risk grows with delta")


@lru_cache(maxsize=64)
def _monotonicity_at(n, kappa, d, delta, trials, n_test, steps, seed):
    """Mean risk, its standard error and the index of eq. (34) for each learner at transfer-set size ``n``."""
    task, X_test = _task(d, kappa, seed, n_test)
    w_star = task.w_star
    X_plus = task.sample(n + 1, rng=seed + 5 + n, trials=trials)
    learners = {
        "distillation": lambda X: distillation_weights(X, w_star),
        "hard-label": lambda X: hard_label_weights(X, w_star, steps=steps),
        "delta": lambda X: delta_weights(X, w_star, [delta], seed=seed + 7 + X.shape[1])[0],
    }
    out = {}
    for name, learner in learners.items():
        before, after = learner(X_plus[:, :n]), learner(X_plus)
        angle_before, angle_after = teacher_angles(before, w_star), teacher_angles(after, w_star)
        risks = transfer_risks(before, w_star, X_test)
        # A strict decrease we can resolve, as in kdbook.experiments.monotonicity: a tie is not one.
        resolved = angle_after < angle_before - TIE_TOLERANCE
        out[name] = (risks.mean(), risks.std(ddof=1) / np.sqrt(trials), float(np.mean(resolved)))
    return out


@validate_params(n=Integer(1), delta=Real(0.0, 16.0), hard_label_steps=Integer(1, 100_000), **_COMMON)
def draw_monotonicity(n: int = 5, *, kappa: float = 1.0, d: int = 100, delta: float = 0.5, trials: int = 200,
                      n_test: int = 4000, hard_label_steps: int = 300, seed: int = 0):
    """Risk against ``n`` for three learners, and their monotonicity index (eq. 34) at the chosen ``n``.

    Distillation's index is 1 up to ties (Lemma 1: an extra input never turns ``w_hat``
    away from ``w_*``); the hard-label learner and ``w_delta`` are sometimes
    turned away, and their risk is higher (Section 5.3).

    Parameters
    ----------
    n : int with 1 <= n <= d - 2. Suggested static grid: 1, 2, 5, 10, 20, 50 (the
        sizes of the cached curve; other sizes add one run).
    kappa : float > 0, default 1.0. Suggested grid: 0.5, 1, 2.
    d : int, default 100
    delta : float >= 0, default 0.5, the ``w_delta`` learner shown
    trials, n_test, hard_label_steps : int
        Transfer sets per ``n``, held-out inputs, gradient steps of the hard-label learner.
    seed : int >= 0 or numpy.random.Generator

    Returns
    -------
    matplotlib Figure, 5.6 x 7.2 in, two panels stacked, the same axes for every
    setting (risk on a log scale from 1e-5, zero drawn on the bottom edge). The first call for a
    ``(kappa, d)`` trains the learners at every ``n`` of the curve (a few
    seconds); later calls reuse the cached runs.
    """
    if n > d - 2:
        raise ValueError(f"n must be <= {d - 2} (d - 2 with d = {d}), got {n}")
    steps = hard_label_steps
    sizes = sorted({m for m in N_CURVE if m <= d - 2} | {n})
    with single_threaded():
        runs = {m: _monotonicity_at(m, kappa, d, delta, trials, n_test, steps, seed) for m in sizes}
    names = {"distillation": "distillation", "hard-label": "hard labels", "delta": f"$w_\\delta$, δ = {delta:g}"}

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(5.6, 7.2), layout="constrained", height_ratios=(3, 2))
    for learner, label in names.items():
        mean = np.array([runs[m][learner][0] for m in sizes])
        se = np.array([runs[m][learner][1] for m in sizes])
        color = ROLE_COLORS[learner]
        # The same log axes in every frame; a zero risk sits on the bottom edge.
        top.fill_between(sizes, np.maximum(mean - _Z95 * se, RISK_FLOOR), np.maximum(mean + _Z95 * se, RISK_FLOOR),
                         color=color, alpha=0.2, lw=0)
        top.plot(sizes, np.maximum(mean, RISK_FLOOR), "o-", ms=4, color=color, label=label, clip_on=False)
    top.axvline(n, color=ROLE_COLORS["teacher"], lw=1.2, ls=":")
    top.set_xscale("log")
    top.set_yscale("log")
    top.set_ylim(RISK_FLOOR, 0.5)
    # Plain tick labels and no minor ticks: legible, and several times cheaper to draw than mathtext.
    top.set_xticks(N_CURVE, [str(m) for m in N_CURVE])
    top.set_yticks([1e-5, 1e-4, 1e-3, 1e-2, 1e-1], ["10⁻⁵", "10⁻⁴", "10⁻³", "0.01", "0.1"])
    top.minorticks_off()
    top.legend(loc="lower left", fontsize=10)
    label_axes(top, "transfer-set size n", "expected transfer risk", rf"$\kappa = {kappa:g}$, d = {d}")
    index = [runs[n][learner][2] for learner in names]
    y = np.arange(len(names))
    bottom.barh(y, index, color=[ROLE_COLORS[k] for k in names], height=0.6)
    for row, value in zip(y, index, strict=True):
        bottom.text(value + 0.01, row, f"{value:.2f}", va="center", fontsize=10)
    bottom.set_yticks(y, list(names.values()))
    bottom.set_xlim(0, 1.12)
    bottom.set_xticks(np.linspace(0, 1, 6))
    bottom.invert_yaxis()
    label_axes(bottom, r"monotonicity index $\mathcal{M}(w)$, eq. (34)", "learner",
               f"n = {n}: share of {trials} sets turned toward $w_*$")
    return fig


@validate_params(n=Integer(1), kappa=Real(0.1, 10.0), d=Integer(4, 2000), seed=Seed(keep_int=True))
def monotonicity_explorer(*, n: int = 5, kappa: float = 1.0, d: int = 100, seed: int = 0):
    """Sliders over ``n`` and ``kappa``; redraws :func:`draw_monotonicity` (cached runs per setting)."""
    import ipywidgets as widgets

    if n > d - 2:
        raise ValueError(f"n must be <= {d - 2} (d - 2 with d = {d}), got {n}")
    controls = {
        "n": widgets.IntSlider(value=n, min=1, max=d - 2, description="n", continuous_update=False),
        "kappa": widgets.FloatLogSlider(value=kappa, base=10, min=-1, max=1, step=0.05, description="κ",
                                        continuous_update=False),
    }
    return explorer(lambda n, kappa: draw_monotonicity(n, kappa=kappa, d=d, seed=seed), controls,
                    title="Monotonicity: does one more input turn the student toward the teacher?")
