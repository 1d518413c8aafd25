"""Fidelity as a function of the distillation-set size, for linear and MLP students."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._params import Array, Real, Seed, validate_forwarded, validate_params
from .._params_torch import Model
from ._checks import _check_sizes_fit
from ._distill import distill
from ._linear import linear_distillation_solution, train_linear_student
from ._metrics import predictive_kl, top1_agreement

#: Nested distillation-set sizes: strictly increasing whole numbers >= 1 (at most ``N``, checked in the body).
_SIZES = Array(None, integer=True, low=1, increasing=True)


def _relative_error(trained: np.ndarray, closed: np.ndarray) -> float:
    """``||W - W_hat|| / ||W_hat||``; if the rows span nothing (``W_hat = 0``): 0 when ``W = 0`` too, else inf."""
    gap, scale = float(np.linalg.norm(trained - closed)), float(np.linalg.norm(closed))
    if scale > 0:
        return gap / scale
    return 0.0 if gap == 0 else float("inf")


@validate_params(
    X_distill=Array("N", "d", nonzero=True), W_star=Array("classes", "d", nonzero=True), X_test=Array("m", "d"),
    sizes=_SIZES,
    temperature=Real(0.0, low_open=True), seed=Seed(),
)
def linear_fidelity_by_size(X_distill, W_star, X_test, sizes, *, temperature: float = 4.0, seed=0) -> pd.DataFrame:
    """Fidelity of linear softmax students distilled from ``W_*`` on nested subsets of ``X_distill``.

    For each ``n`` in ``sizes`` the student sees the first ``n`` rows of one
    random permutation of ``X_distill`` (so the sets are nested). Both the
    closed form (:func:`linear_distillation_solution`) and the trained student
    (:func:`train_linear_student`) are evaluated on ``X_test``.

    Parameters
    ----------
    X_distill : array of shape (N, d)
    W_star : array of shape (K, d), non-zero
    X_test : array of shape (m, d)
    sizes : increasing sequence of int in ``[1, N]``
    temperature : float > 0
        Temperature of the trained student's loss (the closed form does not
        depend on it).
    seed : int or numpy.random.Generator, default 0
        The permutation.

    Returns
    -------
    pandas.DataFrame
        Columns ``n``, ``rank`` (of the first ``n`` rows), ``agreement_closed_form``,
        ``agreement_trained``, ``kl_closed_form``, ``kl_trained`` (on ``X_test``)
        and ``relative_error`` ``||W - W_hat|| / ||W_hat||``.
    """
    if W_star.shape[0] < 2:
        raise ValueError(f"W_star must have shape (K, d) with K >= 2 classes (rows), got shape {W_star.shape}")
    _check_sizes_fit(sizes, X_distill.shape[0], "X_distill")
    order = seed.permutation(X_distill.shape[0])
    teacher_test = X_test @ W_star.T
    rows = []
    for n in sizes:
        X = X_distill[order[:n]]
        closed = linear_distillation_solution(X, W_star)
        trained = train_linear_student(X, X @ W_star.T, temperature=temperature)
        rows.append({
            "n": int(n),
            "rank": int(np.linalg.matrix_rank(X)),
            "agreement_closed_form": top1_agreement(teacher_test, X_test @ closed.T),
            "agreement_trained": top1_agreement(teacher_test, X_test @ trained.T),
            "kl_closed_form": predictive_kl(teacher_test, X_test @ closed.T),
            "kl_trained": predictive_kl(teacher_test, X_test @ trained.T),
            "relative_error": _relative_error(trained, closed),
        })
    return pd.DataFrame(rows)


@validate_params(
    teacher=Model("d"), X_distill=Array("N", "d"), X_test=Array("m", "d"), sizes=_SIZES,
    y_distill=Array("N", integer=True, low=0, optional=True), seed=Seed(),
)
def mlp_fidelity_by_size(teacher, X_distill, X_test, sizes, *, y_distill=None, seed=0, **kwargs) -> pd.DataFrame:
    """Final fidelity of MLP students distilled (:func:`distill`) on nested subsets of ``X_distill``.

    The subsets are the first ``n`` rows of one random permutation drawn from
    ``seed`` (the same construction as :func:`linear_fidelity_by_size`); the
    student's initialization also comes from ``seed`` (default 0). ``y_distill``
    (labels of the rows of ``X_distill``, optional) is subset with the inputs.
    Other keyword arguments go to :func:`distill`, checked as it checks them.

    Returns
    -------
    pandas.DataFrame
        One row per size: ``n`` and the last row of the run's history.
    """
    _check_sizes_fit(sizes, X_distill.shape[0], "X_distill")
    # X_test is passed again only to tie the axes of forwarded arrays (y_test) to it.
    kwargs = validate_forwarded(distill, {"X_test": X_test, **kwargs})
    del kwargs["X_test"]
    order = seed.permutation(X_distill.shape[0])
    student_seed = int(seed.integers(0, 2**31 - 1))
    rows = []
    for n in sizes:
        subset = order[:n]
        labels = None if y_distill is None else y_distill[subset]
        run = distill(teacher, X_distill[subset], X_test=X_test, y_distill=labels, seed=student_seed, **kwargs)
        rows.append({"n": int(n), **run.final.to_dict()})
    return pd.DataFrame(rows)
