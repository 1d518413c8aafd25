"""Chapter 13's explorable: an imperfect teacher's bias against the labels' variance.

:func:`draw_bayes_teacher` distills logistic students on transfer sets of
growing size from the targets ``teacher_weight * p^t + (1 - teacher_weight) * y``,
where ``p^t = sigmoid(s / temperature)`` is the Bayes teacher at a
temperature (``s`` the Bayes log-odds of the Gaussian mixture of
:mod:`kdbook.bayes_teacher`): every temperature has the Bayes accuracy, only
its calibration changes. The top panel is the teacher's calibration (its
probability against the Bayes probability); the bottom panel the students'
excess risk against the transfer-set size, median and 10-90% band over
transfer sets, next to the students trained on the labels alone and the exact
limit of an infinite transfer set (Menon et al., 2021: a teacher is good when
its probabilities are). :func:`bayes_teacher_explorer` wires it to sliders.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit, logit

from .._params import Real, Seed, validate_params
from ..bayes_teacher import population_student, student_excess_risks
from ..plots import PALETTE, ROLE_COLORS, label_axes
from .core import explorer

__all__ = ["draw_bayes_teacher", "bayes_teacher_explorer"]

#: The chapter's mixture (dimension, radius), transfer-set sizes and transfer sets per size.
DIM, RADIUS = 5, 0.4
SIZES = (25, 50, 100, 200, 400, 800)
REPEATS = 40


@functools.lru_cache(maxsize=64)
def _students(temperature: float, teacher_weight: float, seed: int) -> np.ndarray:
    """Excess risks (sizes x repeats), computed once per setting; the draws are shared across settings."""
    return student_excess_risks(np.array(SIZES), temperature=temperature, teacher_weight=teacher_weight,
                                repeats=REPEATS, d=DIM, radius=RADIUS, seed=seed)


def _band(ax, risks, color, label):
    low, middle, high = np.quantile(risks, [0.1, 0.5, 0.9], axis=1)
    ax.fill_between(SIZES, low, high, color=color, alpha=0.2, lw=0)
    ax.plot(SIZES, middle, "o-", color=color, lw=2, ms=5, label=label)


@validate_params(temperature=Real(0.05, 20.0), teacher_weight=Real(0.0, 1.0), seed=Seed(keep_int=True))
def draw_bayes_teacher(temperature: float = 0.7, teacher_weight: float = 1.0, *, seed: int = 0):
    """The tempered Bayes teacher's calibration and the excess risk of its students.

    Parameters
    ----------
    temperature : float in [0.05, 20]. Suggested static grid: 0.5, 0.7, 1, 1.4, 2.
        1 is the Bayes teacher; below 1 over-confident, above 1 under-confident.
    teacher_weight : float in [0, 1], the weight of the teacher in the targets (the rest is the labels).
        Suggested grid: 0.5, 0.8, 1.
    seed : int >= 0, the transfer sets' draws.

    Returns
    -------
    matplotlib Figure, 7.2 x 6.8 in, two panels stacked (about 0.3 s for a new setting, cached after).
    """
    labels_only = _students(1.0, 0.0, seed)
    exact_copy = teacher_weight == 1.0
    students = None if exact_copy else _students(temperature, teacher_weight, seed)
    _, limit = population_student(temperature=temperature, teacher_weight=teacher_weight, d=DIM, radius=RADIUS)
    limit = limit if limit > 1e-12 else 0.0  # T = 1: the Bayes teacher has no bias (up to rounding)

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.2, 6.8), layout="constrained",
                                      gridspec_kw={"height_ratios": [1, 1.35]})
    bayes = np.linspace(0.005, 0.995, 199)
    teacher = expit(logit(bayes) / temperature)
    top.plot(bayes, bayes, color=ROLE_COLORS["teacher"], ls=":", lw=1.2, label="Bayes teacher p*")
    top.plot(bayes, teacher, color=PALETTE["orange"], lw=2, label=f"teacher at T = {temperature:g}")
    top.plot(bayes, teacher_weight * teacher + (1 - teacher_weight) * bayes, color=ROLE_COLORS["distillation"],
             lw=2, ls="--", label=f"mean target, weight ψ = {teacher_weight:g}")
    top.set_xlim(0, 1)
    top.set_ylim(0, 1)
    label_axes(top, "Bayes probability p*(x)", "probability of class 1",
               "the teacher's calibration (all have the Bayes accuracy)")
    top.legend(loc="upper left", fontsize=9)

    _band(bottom, labels_only, ROLE_COLORS["hard-label"], "labels only")
    if exact_copy:
        if limit > 0:
            bottom.plot(SIZES, np.full(len(SIZES), limit), "o-", color=ROLE_COLORS["distillation"], lw=2, ms=5,
                        label="distilled (copies the teacher)")
    else:
        _band(bottom, students, ROLE_COLORS["distillation"], f"distilled, ψ = {teacher_weight:g}")
    if limit > 0:
        bottom.axhline(limit, color=ROLE_COLORS["bound"], ls=":", lw=1.5, label="distilled, infinite transfer set")
    bottom.set_xscale("log")
    bottom.set_yscale("log")
    bottom.set_ylim(5e-4, 1.0)
    bottom.set_xticks(SIZES, [str(s) for s in SIZES])
    bottom.minorticks_off()
    title = (f"T = {temperature:g}, ψ = {teacher_weight:g}: bias {limit:.3f}" if limit > 0
             else f"T = {temperature:g}, ψ = {teacher_weight:g}: no bias")
    if exact_copy and limit == 0:
        title = "Bayes teacher, ψ = 1: the student is exact (excess risk 0)"
    label_axes(bottom, "transfer-set size n", "student's excess risk", title)
    bottom.legend(loc="lower left", fontsize=9)
    return fig


@validate_params(temperature=Real(0.05, 20.0), teacher_weight=Real(0.0, 1.0), seed=Seed(keep_int=True))
def bayes_teacher_explorer(*, temperature: float = 0.7, teacher_weight: float = 1.0, seed: int = 0):
    """Sliders over the teacher's temperature and weight; redraws :func:`draw_bayes_teacher`.

    Returns an ``ipywidgets.VBox`` (see :func:`kdbook.explore.core.explorer`).
    """
    import ipywidgets as widgets

    controls = {
        "temperature": widgets.FloatLogSlider(value=temperature, base=10, min=-1, max=0.7, step=0.05,
                                              description="temperature T", continuous_update=False),
        "teacher_weight": widgets.FloatSlider(value=teacher_weight, min=0, max=1, step=0.05,
                                              description="teacher weight ψ", continuous_update=False),
    }
    return explorer(lambda temperature, teacher_weight: draw_bayes_teacher(temperature, teacher_weight, seed=seed),
                    controls, title="An imperfect teacher: bias against the labels' variance")
