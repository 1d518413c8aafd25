"""Self-distillation of kernel ridge regression, in the kernel's eigenbasis.

A teacher fits kernel ridge regression to labels ``y``; each round, a student
of the same kind fits the previous round's predictions (mixed with the labels
with weight ``alpha``). With ``K = V diag(d) V^T``, one round multiplies the
``k``-th eigen-coefficient by ``d_k / (d_k + ridge)``: rounds shrink the small
eigen-directions fastest, so they sparsify the fit in the eigenbasis and, with
``alpha = 0``, collapse it to zero (Mobahi, Farajtabar & Bartlett, 2020). With
``alpha > 0`` the rounds converge to ``alpha K (alpha K + ridge I)^{-1} y``:
ridge regression with ridge ``ridge / alpha`` (Borup & Andersen, 2021).
"""

from __future__ import annotations

import numpy as np

from ._params import Array, Integer, Real, validate_params

__all__ = ["fitted_values", "limit"]

#: Relative tolerance for K's symmetry and for its smallest eigenvalue (a kernel is positive semi-definite).
SYMMETRY_RTOL = 1e-10


def _eigen(K):
    """Eigenvalues and eigenvectors of a symmetric positive semi-definite K, refusing anything else by name."""
    scale = max(float(np.abs(K).max()), np.finfo(float).tiny)
    if np.abs(K - K.T).max() > SYMMETRY_RTOL * scale:
        raise ValueError(f"K must be symmetric, got max |K - K.T| = {np.abs(K - K.T).max():.3g}")
    values, vectors = np.linalg.eigh((K + K.T) / 2)
    if values[0] < -1e-8 * scale * len(K):
        raise ValueError(f"K must be positive semi-definite (a kernel matrix), got eigenvalue {values[0]:.3g}")
    return np.clip(values, 0.0, None), vectors


@validate_params(K=Array("n", "n"), y=Array("n"), ridge=Real(0.0, low_open=True), rounds=Integer(0),
                 alpha=Real(0.0, 1.0))
def fitted_values(K, y, *, ridge, rounds, alpha=0.0) -> np.ndarray:
    """Fitted values of the teacher and of each round of self-distillation.

    Row 0 is the teacher's fit ``K (K + ridge I)^{-1} y``; row ``t`` is
    ``K (K + ridge I)^{-1} (alpha y + (1 - alpha) row_{t-1})``.

    Parameters
    ----------
    K : array of shape (n, n)
        Kernel matrix of the training inputs (symmetric, positive semi-definite).
    y : array of shape (n,)
        Training labels.
    ridge : float > 0
        Ridge penalty ``c`` of every round.
    rounds : int >= 0
        Rounds of self-distillation after the teacher.
    alpha : float in [0, 1], default 0
        Weight of the true labels in each round's targets.

    Returns
    -------
    ndarray of shape (rounds + 1, n)
    """
    values, vectors = _eigen(K)
    shrink = values / (values + ridge)
    labels = vectors.T @ y
    coefficients = np.empty((rounds + 1, len(y)))
    coefficients[0] = shrink * labels
    for t in range(1, rounds + 1):
        coefficients[t] = shrink * (alpha * labels + (1.0 - alpha) * coefficients[t - 1])
    return coefficients @ vectors.T


@validate_params(K=Array("n", "n"), y=Array("n"), ridge=Real(0.0, low_open=True), alpha=Real(0.0, 1.0))
def limit(K, y, *, ridge, alpha) -> np.ndarray:
    """The fixed point of the rounds, ``alpha K (alpha K + ridge I)^{-1} y``.

    For ``alpha > 0`` it is kernel ridge regression with ridge ``ridge / alpha``;
    for ``alpha = 0`` it is zero: without the labels, the rounds collapse.

    Parameters
    ----------
    K : array of shape (n, n)
        Kernel matrix (symmetric, positive semi-definite).
    y : array of shape (n,)
        Training labels.
    ridge : float > 0
        Ridge penalty of every round.
    alpha : float in [0, 1]
        Weight of the true labels in each round's targets.

    Returns
    -------
    ndarray of shape (n,)
    """
    values, vectors = _eigen(K)
    return vectors @ (alpha * values / (alpha * values + ridge) * (vectors.T @ y))
