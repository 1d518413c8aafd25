"""Explorables for Theorems 1 and 2: retrain a student when a slider moves.

Each ``draw_*`` function takes plain values and returns a matplotlib Figure
(chapters show it at the default setting as a static figure); each
``*_explorer`` wires it to sliders with :func:`kdbook.explore.core.explorer`. The
training explorers add a progress bar fed by :func:`kdbook.students.train_student`'s
``callback`` and redraw only when a slider is released, so the page stays
responsive.

* :func:`draw_theorem1_training` / :func:`theorem1_explorer`: ``n``, ``d``,
  teacher scale, step size and number of steps for a shallow student.
* :func:`draw_theorem2_training` / :func:`theorem2_explorer`: depth, init
  scale, ``n`` and ``d`` for a deep linear student.
* :func:`draw_solution_gap` / :func:`solution_gap_explorer`: the closed form
  ``||w_* - w_hat||^2 / ||w_*||^2`` against ``n`` (no training; fast).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._params import Function, Integer, Real, Seed, validate_params
from ..plots import ROLE_COLORS, label_axes
from ..students import default_learning_rate, train_student
from ..tasks import isotropic_gaussian_task
from .core import explorer

#: :func:`draw_theorem1_training` calls a run converged when it ends this close (relative) to ``w_hat``.
CONVERGED_TOLERANCE = 1e-4

__all__ = [
    "draw_theorem1_training",
    "theorem1_explorer",
    "draw_theorem2_training",
    "theorem2_explorer",
    "draw_solution_gap",
    "solution_gap_explorer",
]


def _task_data(n: int, d: int, teacher_scale: float, seed):
    task = isotropic_gaussian_task(d, scale=teacher_scale, seed=seed)
    return task.sample(n, np.random.default_rng([int(seed), 1])), task.w_star


@validate_params(n=Integer(1, 2000), d=Integer(2, 2000), teacher_scale=Real(0.0, 100.0, low_open=True),
                 lr_factor=Real(0.0, 2.0, low_open=True, high_open=True), steps=Integer(1, 100_000),
                 seed=Seed(keep_int=True), progress=Function(optional=True))
def draw_theorem1_training(
    n: int, d: int, teacher_scale: float = 1.0, lr_factor: float = 1.0, steps: int = 2000, *, seed: int = 0,
    progress=None,
):
    """Train a shallow student from ``w(0) = 0`` by plain gradient descent; plot ``L^1(w_k)`` and ``||w_k - w_hat||``.

    Every frame is gradient descent only (``optimizer="gd"``, no second-order
    finish), so a slow case looks slow: the title of the lower panel says
    whether the run ended within ``CONVERGED_TOLERANCE`` (relative) of
    ``w_hat`` and, if not, how far it still is.

    Parameters
    ----------
    n : int in [1, 2000], d : int in [2, 2000]
        Transfer-set size and input dimension (Gaussian inputs).
    teacher_scale : float in (0, 100]
        ``||w_*||``; larger means harder labels and slower convergence.
    lr_factor : float in (0, 2)
        Step size as a multiple of ``1 / L`` (:func:`kdbook.students.smoothness_constant`);
        gradient descent is stable below 2.
    steps : int in [1, 100000]
    seed : int >= 0 or numpy.random.Generator
    progress : callable, optional
        ``progress(step, steps)``, called while training.

    Returns
    -------
    matplotlib Figure, 7.2 x 6.2 in, two panels stacked.
    """
    X, w_star = _task_data(n, d, teacher_scale, seed)
    lr = lr_factor * default_learning_rate(X, w_star)
    # Plain gradient descent only (no second-order finish): the frames show the dynamics of eq. (3).
    student = train_student(X, w_star, steps=steps, lr=lr, optimizer="gd", seed=seed, callback=progress,
                            callback_every=max(steps // 50, 1))
    history = student.history
    floor = 1e-18
    error = student.relative_error
    converged = error <= CONVERGED_TOLERANCE
    verdict = (f"converged: relative error {error:.1e}" if converged
               else f"NOT converged: relative error {error:.1e} after {steps} steps")
    # A fixed layout (no constrained layout) keeps each of the explorable's frames cheap to draw.
    fig, (left, right) = plt.subplots(2, 1, figsize=(7.2, 6.2), sharex=True)
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.09, top=0.89, hspace=0.22)
    resolved = np.where(history["loss"] > 1e-15, history["loss"], np.nan)  # below: rounding noise
    left.semilogy(history["step"], resolved, color=ROLE_COLORS["distillation"])
    label_axes(left, "gradient-descent step k", r"$L^1(w_k)$", "objective (eq. 1)")
    right.semilogy(history["step"], history["distance"] + floor, color=ROLE_COLORS["distillation"],
                   label=r"$\|w_k - \hat w\|$")
    right.semilogy(history["step"], history["orthogonal"] + floor, color=ROLE_COLORS["other"], linestyle="--",
                   label="part orthogonal to span(X)")
    label_axes(right, "gradient-descent step k", "distance", verdict)
    right.title.set_color("black" if converged else ROLE_COLORS["bound"])
    right.legend(loc="best", fontsize=9)
    left.xaxis.label.set_visible(False)  # shared with the panel below
    fig.suptitle(rf"gradient descent: $n = {n}$, $d = {d}$, $\|w_*\| = {teacher_scale:g}$, "
                 rf"step $= {lr_factor:g}/L$", fontsize=11)
    return fig


def _progress_bar(steps_hint: int = 100):
    import ipywidgets as widgets

    bar = widgets.IntProgress(value=0, min=0, max=steps_hint, description="training")

    def update(step, steps):
        bar.max = steps
        bar.value = step

    return bar, update


def _with_progress(bar, app):
    """Expose the progress bar (shown by :func:`~kdbook.explore.core.explorer` above the figure) for tests."""
    app.progress = bar
    return app


@validate_params(n=Integer(1, 400), d=Integer(2, 400), teacher_scale=Real(0.1, 16.0), lr_factor=Real(0.1, 1.9),
                 steps=Integer(100, 20_000), seed=Seed(keep_int=True))
def theorem1_explorer(*, n: int = 20, d: int = 200, teacher_scale: float = 1.0, lr_factor: float = 1.0,
                      steps: int = 2000, seed: int = 0):
    """Sliders over ``n``, ``d``, teacher scale, step size and steps; retrains and redraws.

    Returns an ``ipywidgets.VBox`` with a progress bar; its ``redraw()``
    retrains with the current values (used by the tests).
    """
    import ipywidgets as widgets

    bar, update = _progress_bar(steps)
    controls = {
        "n": widgets.IntSlider(value=n, min=1, max=400, description="n", continuous_update=False),
        "d": widgets.IntSlider(value=d, min=2, max=400, description="d", continuous_update=False),
        "teacher_scale": widgets.FloatLogSlider(value=teacher_scale, base=2, min=-3, max=4, step=0.25,
                                                description="||w*||", continuous_update=False),
        "lr_factor": widgets.FloatSlider(value=lr_factor, min=0.1, max=1.9, step=0.1, description="step × L",
                                         continuous_update=False),
        "steps": widgets.IntSlider(value=steps, min=100, max=20_000, step=100, description="steps",
                                   continuous_update=False),
    }
    app = explorer(
        lambda **values: draw_theorem1_training(**values, seed=seed, progress=update),
        controls,
        title="Theorem 1: a shallow student trained from w(0) = 0",
        progress=bar,
    )
    return _with_progress(bar, app)


@validate_params(depth=Integer(1, 6), init_scale=Real(0.0, 1.0, low_open=True), n=Integer(1, 2000),
                 d=Integer(2, 2000), steps=Integer(1, 100_000), seed=Seed(keep_int=True),
                 progress=Function(optional=True))
def draw_theorem2_training(depth: int, init_scale: float, n: int, d: int, *, steps: int = 3000, seed: int = 0,
                           progress=None):
    """Train a deep linear student from a small balanced start; plot its distance to ``w_hat``.

    Parameters
    ----------
    depth : int in [1, 6]
        ``N``.
    init_scale : float in (0, 1]
        ``||w(0)||`` (for ``N = 1`` too, so that the start is comparable).
    n : int in [1, 2000], d : int in [2, 2000]
    steps : int in [1, 100000]
    seed : int >= 0 or numpy.random.Generator
    progress : callable, optional

    Returns
    -------
    matplotlib Figure.
    """
    X, w_star = _task_data(n, d, 1.0, seed)
    student = train_student(X, w_star, depth, steps=steps, init_scale=init_scale, seed=seed, callback=progress,
                            callback_every=max(steps // 50, 1))
    history = student.history
    floor = 1e-18
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.semilogy(history["step"], history["distance"] + floor, color=ROLE_COLORS["distillation"],
                label=r"$\|w_k - \hat w\|$")
    ax.semilogy(history["step"], history["orthogonal"] + floor, color=ROLE_COLORS["other"], linestyle="--",
                label="part orthogonal to span(X)")
    ax.axhline(init_scale, color=ROLE_COLORS["teacher"], linewidth=0.8, linestyle=":", label=r"$\|w(0)\|$")
    # The orthogonal part of w - w_hat is that of w (w_hat lies in the span); the rest is in the span.
    final, orthogonal = history["distance"].iloc[-1], history["orthogonal"].iloc[-1]
    in_span = np.sqrt(max(final**2 - orthogonal**2, 0.0))
    settled = in_span <= 1e-3 * max(float(np.linalg.norm(student.w_hat)), 1e-12)
    verdict = "" if settled else f"\nnot settled: still moving after {steps} steps"
    label_axes(ax, "gradient step k", "distance",
               rf"$N = {depth}$, $\|w(0)\| = {init_scale:.0e}$, $n = {n}$, $d = {d}$: "
               rf"final $\|w - \hat w\| = {final:.1e}${verdict}")
    ax.legend(loc="best")
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.14, top=0.84)  # fixed: cheap frames
    return fig


@validate_params(depth=Integer(1, 4), init_scale=Real(1e-6, 1.0), n=Integer(1, 400), d=Integer(2, 400),
                 steps=Integer(100, 50_000), seed=Seed(keep_int=True))
def theorem2_explorer(*, depth: int = 2, init_scale: float = 1e-3, n: int = 20, d: int = 100, steps: int = 3000,
                      seed: int = 0):
    """Sliders over depth, init scale, ``n`` and ``d``; retrains a deep student and redraws.

    Returns an ``ipywidgets.VBox`` with a progress bar and a ``redraw()`` method.
    """
    import ipywidgets as widgets

    bar, update = _progress_bar(steps)
    controls = {
        "depth": widgets.IntSlider(value=depth, min=1, max=4, description="depth N", continuous_update=False),
        "init_scale": widgets.FloatLogSlider(value=init_scale, base=10, min=-6, max=0, step=0.5,
                                             description="||w(0)||", continuous_update=False),
        "n": widgets.IntSlider(value=n, min=1, max=400, description="n", continuous_update=False),
        "d": widgets.IntSlider(value=d, min=2, max=400, description="d", continuous_update=False),
    }
    app = explorer(
        lambda **values: draw_theorem2_training(**values, steps=steps, seed=seed, progress=update),
        controls,
        title="Theorem 2: a deep linear student from a small balanced start",
        progress=bar,
    )
    return _with_progress(bar, app)


@validate_params(n=Integer(1, 400), d=Integer(2, 200), trials=Integer(1, 200), seed=Seed())
def draw_solution_gap(n: int, d: int, *, trials: int = 10, seed: int = 0):
    """The closed form: ``||w_* - w_hat||^2 / ||w_*||^2`` of eq. (6) against the transfer-set size.

    For Gaussian inputs ``w_hat`` is the projection of ``w_*`` on a uniformly
    random ``n``-dimensional subspace, so the mean is ``1 - n/d`` for
    ``n < d`` and 0 beyond. No training: for each of ``trials`` draws of
    ``d`` inputs, one QR factorization of ``X^T`` gives nested orthonormal
    bases of the spans of the first ``n'`` inputs (Gram-Schmidt order), so
    ``||w_hat||^2 = sum_{k <= n'} (q_k^T w_*)^2`` for every ``n'`` at once, the
    same projection as :func:`kdbook.students.distillation_solution`.

    Parameters
    ----------
    n : int in [1, 400], d : int in [2, 200]
    trials : int in [1, 200]
        Transfer sets averaged per ``n'``.
    seed : int >= 0 or numpy.random.Generator
    """
    rng = seed
    w_star = rng.standard_normal(d)
    q, _ = np.linalg.qr(np.swapaxes(rng.standard_normal((trials, d, d)), 1, 2))
    captured = np.cumsum(np.einsum("tdk,d->tk", q, w_star) ** 2, axis=1) / (w_star @ w_star)
    sizes = np.arange(1, 2 * d + 1)
    gaps = np.concatenate([1.0 - captured.mean(axis=0), np.zeros(d)])
    gaps = np.clip(gaps, 0.0, 1.0)
    # Plain-text labels and a fixed layout keep a redraw fast (no mathtext parsing, no tight_layout).
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.15, top=0.91)
    ax.plot(sizes, gaps, color=ROLE_COLORS["distillation"], label=f"closed form, mean of {trials} transfer sets")
    ax.plot(sizes, np.clip(1 - sizes / d, 0, 1), color=ROLE_COLORS["teacher"], linewidth=1, linestyle=":",
            label="1 − n/d")
    current = float(gaps[min(n, 2 * d) - 1])
    ax.plot([n], [current], "o", markersize=9, color=ROLE_COLORS["bound"], label=f"n = {n}: {current:.3f}")
    label_axes(ax, "transfer-set size n", "‖w* − ŵ‖² / ‖w*‖²", f"d = {d}")
    ax.legend(loc="upper right")
    return fig


@validate_params(n=Integer(1, 400), d=Integer(2, 200), seed=Seed(keep_int=True))
def solution_gap_explorer(*, n: int = 20, d: int = 100, seed: int = 0):
    """Sliders over ``n`` and ``d`` for :func:`draw_solution_gap` (closed form, redraws fast)."""
    import ipywidgets as widgets

    controls = {
        "n": widgets.IntSlider(value=n, min=1, max=400, description="n", continuous_update=False),
        "d": widgets.IntSlider(value=d, min=2, max=200, description="d", continuous_update=False),
    }
    return explorer(lambda **values: draw_solution_gap(**values, seed=seed), controls,
                    title="How far the closed-form student is from the teacher")
