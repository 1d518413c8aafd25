"""Self-distillation of kernel ridge regression, in the kernel's eigenbasis.

A teacher fits kernel ridge regression to labels ``y``; each round, a student
of the same kind fits the previous round's predictions (mixed with the labels
with weight ``alpha``). With ``K = V diag(d) V^T``, one round multiplies the
``k``-th eigen-coefficient by ``d_k / (d_k + ridge)``: rounds shrink the small
eigen-directions fastest, so they sparsify the fit in the eigenbasis and, with
``alpha = 0``, collapse it to zero (Mobahi, Farajtabar & Bartlett, 2020). With
``alpha > 0`` the rounds converge to ``alpha K (alpha K + ridge I)^{-1} y``:
ridge regression with ridge ``ridge / alpha`` (Borup & Andersen, 2021).

Everything here is linear in the labels, so :func:`round_maps` gives each
round as a matrix, and expected errors under label noise are exact
(:func:`teacher_weight_risk`), with no Monte Carlo: for the student that mixes
the teacher with the labels with weight ``xi`` (Das & Sanghavi, 2023),
:func:`optimal_teacher_weight` is the minimizer in closed form (the book's own
fixed-design derivation).
"""

from __future__ import annotations

import numpy as np

from ._params import Array, Integer, Real, Seed, validate_params

__all__ = [
    "rbf_kernel",
    "noisy_sine",
    "fitted_values",
    "limit",
    "round_maps",
    "teacher_weight_risk",
    "optimal_teacher_weight",
]


@validate_params(a=Array("m"), b=Array("n"), width=Real(0.0, low_open=True))
def rbf_kernel(a, b, *, width) -> np.ndarray:
    """Gaussian (RBF) kernel between 1-D inputs, ``exp(-(a_i - b_j)^2 / (2 width^2))``.

    Parameters
    ----------
    a : array of shape (m,)
    b : array of shape (n,)
    width : float > 0

    Returns
    -------
    ndarray of shape (m, n)
    """
    return np.exp(-((a[:, None] - b[None, :]) ** 2) / (2.0 * width**2))


@validate_params(n=Integer(2), noise=Real(0.0), seed=Seed())
def noisy_sine(n=11, *, noise=0.3, seed=0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The classic toy of self-distillation: ``n`` equally spaced inputs on [0, 1], labels ``sin(2 pi x) + noise``.

    Parameters
    ----------
    n : int >= 2, default 11
    noise : float >= 0, default 0.3
        Standard deviation of the Gaussian label noise.
    seed : int >= 0 or numpy.random.Generator, default 0

    Returns
    -------
    x, y, f : ndarrays of shape (n,)
        Inputs, noisy labels and the noise-free ``sin(2 pi x)``.
    """
    x = np.linspace(0.0, 1.0, n)
    f = np.sin(2 * np.pi * x)
    return x, f + noise * seed.standard_normal(n), f


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


@validate_params(K=Array("n", "n"), ridge=Real(0.0, low_open=True), rounds=Integer(0), alpha=Real(0.0, 1.0))
def round_maps(K, *, ridge, rounds, alpha=0.0) -> np.ndarray:
    """The linear maps of the rounds: ``fitted_values(K, y, ...)[t] == round_maps(K, ...)[t] @ y``.

    Parameters
    ----------
    K : array of shape (n, n)
        Kernel matrix (symmetric, positive semi-definite).
    ridge : float > 0
    rounds : int >= 0
    alpha : float in [0, 1], default 0

    Returns
    -------
    ndarray of shape (rounds + 1, n, n)
    """
    values, vectors = _eigen(K)
    shrink = values / (values + ridge)
    diagonal = np.empty((rounds + 1, len(K)))
    diagonal[0] = shrink
    for t in range(1, rounds + 1):
        diagonal[t] = shrink * (alpha + (1.0 - alpha) * diagonal[t - 1])
    return np.einsum("ik,tk,jk->tij", vectors, diagonal, vectors)


def _weight_terms(K, f, ridge):
    """Shrink factors s, the gain s(1 - s) that a teacher weight trades, and f in the eigenbasis."""
    values, vectors = _eigen(K)
    shrink = values / (values + ridge)
    return shrink, shrink * (1.0 - shrink), vectors.T @ f


@validate_params(K=Array("n", "n"), f=Array("n"), noise=Real(0.0), ridge=Real(0.0, low_open=True),
                 weights=Array(None))
def teacher_weight_risk(K, f, *, noise, ridge, weights) -> np.ndarray:
    """Expected in-sample error of the student that mixes teacher and labels with weight ``xi``.

    Labels ``y = f + noise * e`` with standard Gaussian ``e``; teacher
    ``S y`` with ``S = K (K + ridge I)^{-1}``; the student fits the targets
    ``xi S y + (1 - xi) y`` with the same ridge, so its fit is
    ``S ((1 - xi) I + xi S) y``. Returns ``E ||fit - f||^2 / n`` for each
    ``xi`` in ``weights`` (``xi = 0`` is the teacher itself; ``xi > 1``
    extrapolates past the teacher).

    Parameters
    ----------
    K : array of shape (n, n)
        Kernel matrix (symmetric, positive semi-definite).
    f : array of shape (n,)
        The noise-free function at the training inputs.
    noise : float >= 0
        Standard deviation of the label noise.
    ridge : float > 0
    weights : array of shape (m,)
        Teacher weights ``xi`` (any real numbers).

    Returns
    -------
    ndarray of shape (m,)
    """
    shrink, gain, coefficients = _weight_terms(K, f, ridge)
    fit = shrink[None, :] - weights[:, None] * gain[None, :]
    return (((fit - 1.0) ** 2) * coefficients**2 + fit**2 * noise**2).sum(axis=1) / len(f)


@validate_params(K=Array("n", "n"), f=Array("n"), noise=Real(0.0), ridge=Real(0.0, low_open=True))
def optimal_teacher_weight(K, f, *, noise, ridge) -> float:
    """The teacher weight ``xi`` that minimizes :func:`teacher_weight_risk`, in closed form.

    The risk is a quadratic in ``xi``; with ``s_k`` the shrink factors, ``g_k =
    s_k (1 - s_k)`` and ``f_k`` the eigen-coefficients of ``f``,
    ``xi* = sum g_k ((s_k - 1) f_k^2 + s_k noise^2) / sum g_k^2 (f_k^2 + noise^2)``.
    As ``noise`` grows it tends to ``sum s_k^2 (1 - s_k) / sum s_k^2 (1 - s_k)^2 > 1``:
    under heavy label noise the student should trust the teacher more than
    the teacher trusts itself (the book's fixed-design form of Das & Sanghavi, 2023).

    Parameters
    ----------
    K : array of shape (n, n)
        Kernel matrix (symmetric, positive semi-definite).
    f : array of shape (n,)
        The noise-free function at the training inputs.
    noise : float >= 0
        Standard deviation of the label noise.
    ridge : float > 0

    Returns
    -------
    float
    """
    shrink, gain, coefficients = _weight_terms(K, f, ridge)
    denominator = np.sum(gain**2 * (coefficients**2 + noise**2))
    if denominator == 0.0:
        raise ValueError("K and f leave the teacher weight free: every xi gives the same risk (f = 0 and noise = 0, "
                         "or a kernel whose shrink factors are all 0 or 1)")
    return float(np.sum(gain * ((shrink - 1.0) * coefficients**2 + shrink * noise**2)) / denominator)
