"""Fidelity as a function of the distillation-set size, for linear and MLP students."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import as_data_matrix, as_float_array, as_generator
from ._checks import _check_labels, _check_sizes, _check_temperature
from ._distill import distill
from ._linear import linear_distillation_solution, train_linear_student
from ._metrics import predictive_kl, top1_agreement


def linear_fidelity_by_size(X_distill, W_star, X_test, sizes, *, temperature: float = 4.0, seed) -> pd.DataFrame:
    """Fidelity of linear softmax students distilled from ``W_*`` on nested subsets of ``X_distill``.

    For each ``n`` in ``sizes`` the student sees the first ``n`` rows of one
    random permutation of ``X_distill`` (so the sets are nested). Both the
    closed form (:func:`linear_distillation_solution`) and the trained student
    (:func:`train_linear_student`) are evaluated on ``X_test``.

    Parameters
    ----------
    X_distill : array of shape (N, d)
    W_star : array of shape (K, d)
    X_test : array of shape (m, d)
    sizes : increasing sequence of int in ``[1, N]``
    temperature : float > 0
        Temperature of the trained student's loss (the closed form does not
        depend on it).
    seed : int or numpy.random.Generator
        The permutation.

    Returns
    -------
    pandas.DataFrame
        Columns ``n``, ``rank`` (of the first ``n`` rows), ``agreement_closed_form``,
        ``agreement_trained``, ``kl_closed_form``, ``kl_trained`` (on ``X_test``)
        and ``relative_error`` ``||W - W_hat|| / ||W_hat||``.
    """
    W_star = as_float_array(W_star, "W_star", ndim=2)
    X_distill = as_data_matrix(X_distill, "X_distill", d=W_star.shape[1])
    X_test = as_data_matrix(X_test, "X_test", d=W_star.shape[1])
    sizes = _check_sizes(sizes, X_distill.shape[0])
    temperature = _check_temperature(temperature)
    order = as_generator(seed, "seed").permutation(X_distill.shape[0])
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
            "relative_error": float(np.linalg.norm(trained - closed) / np.linalg.norm(closed)),
        })
    return pd.DataFrame(rows)


def mlp_fidelity_by_size(teacher, X_distill, X_test, sizes, *, seed, **kwargs) -> pd.DataFrame:
    """Final fidelity of MLP students distilled (:func:`distill`) on nested subsets of ``X_distill``.

    The subsets are the first ``n`` rows of one random permutation drawn from
    ``seed`` (the same construction as :func:`linear_fidelity_by_size`); the
    student's initialization also comes from ``seed``. Other keyword arguments
    go to :func:`distill` (``y_distill``, if given, is subset with the inputs).

    Returns
    -------
    pandas.DataFrame
        One row per size: ``n`` and the last row of the run's history.
    """
    X_distill = as_data_matrix(X_distill, "X_distill")
    X_test = as_data_matrix(X_test, "X_test", d=X_distill.shape[1])
    sizes = _check_sizes(sizes, X_distill.shape[0])
    rng = as_generator(seed, "seed")
    order = rng.permutation(X_distill.shape[0])
    student_seed = int(rng.integers(0, 2**31 - 1))
    y_distill = kwargs.pop("y_distill", None)
    if y_distill is not None:
        y_distill = _check_labels(y_distill, X_distill.shape[0], "y_distill")
    rows = []
    for n in sizes:
        subset = order[:n]
        labels = None if y_distill is None else y_distill[subset]
        run = distill(teacher, X_distill[subset], X_test=X_test, y_distill=labels, seed=student_seed, **kwargs)
        rows.append({"n": int(n), **run.final.to_dict()})
    return pd.DataFrame(rows)
