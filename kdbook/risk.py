"""How well the student agrees with the teacher: angles and transfer risk.

* :func:`angle`: the unsigned angle of eq. (16) or the signed one of eq. (28);
* :func:`transfer_risk`: eq. (4) estimated on held-out inputs;
* :func:`gaussian_transfer_risk`: the exact risk ``alpha(w, w_*)/pi`` for
  isotropic Gaussian inputs, a closed form to test estimators against;
* :func:`theorem3_bound`, :func:`corollary1_bound`, :func:`corollary2_bound`:
  the bounds on the expected transfer risk of Section 4.2, eqs. (19)-(21).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize_scalar

from ._validation import as_data_matrix, as_float, as_int, as_nonzero_vector, as_vector, check_same_dimension

__all__ = [
    "angle",
    "transfer_risk",
    "gaussian_transfer_risk",
    "Bound",
    "theorem3_bound",
    "corollary1_bound",
    "corollary2_bound",
]

HALF_PI = np.pi / 2


def angle(u, v, signed: bool = False) -> float:
    """The angle between two non-zero vectors, in radians.

    ``signed=False`` gives ``alpha_bar(u, v) = arccos(|u^T v| / (||u|| ||v||))``
    in ``[0, pi/2]``, eq. (16); ``signed=True`` gives
    ``alpha(u, v) = arccos(u^T v / (||u|| ||v||))`` in ``[0, pi]``, eq. (28).
    """
    u = as_nonzero_vector(u, "u")
    v = as_nonzero_vector(v, "v")
    check_same_dimension(u, v, "u", "v")
    # Normalize first so huge or tiny norms cannot overflow the product.
    cosine = float(np.dot(u / np.linalg.norm(u), v / np.linalg.norm(v)))
    if not signed:
        cosine = abs(cosine)
    return float(np.arccos(np.clip(cosine, -1.0, 1.0)))


def transfer_risk(w, w_star, X_test) -> float:
    """The transfer risk of eq. (4), estimated on held-out inputs.

    The fraction of rows ``x`` of ``X_test`` on which the student
    ``1{w^T x >= 0}`` and the teacher ``1{w_*^T x >= 0}`` disagree.

    Parameters
    ----------
    w : array of shape (d,)
        The student's weight vector. A zero vector is allowed (it predicts 1
        everywhere, like any ``h`` with ``w^T x = 0``).
    w_star : array of shape (d,)
        The teacher's weight vector (non-zero).
    X_test : array of shape (m, d)
        Held-out inputs, one per row.

    Returns
    -------
    float in ``[0, 1]``.
    """
    w_star = as_nonzero_vector(w_star, "w_star")
    w = as_vector(w, "w")
    check_same_dimension(w, w_star, "w", "w_star")
    X_test = as_data_matrix(X_test, "X_test", d=w_star.shape[0])
    return float(np.mean((X_test @ w >= 0) != (X_test @ w_star >= 0)))


def gaussian_transfer_risk(w, w_star) -> float:
    """Exact transfer risk for ``x ~ N(0, I_d)``: ``alpha(w, w_*) / pi`` (eq. 28).

    A Gaussian is rotation invariant, so only the 2-D plane of ``w`` and
    ``w_*`` matters, where the two half-planes disagree on a wedge of angle
    ``2 alpha`` out of ``2 pi``.
    """
    return angle(w, w_star, signed=True) / np.pi


class Bound(float):
    """A bound value (a ``float``) that also remembers the ``beta`` attaining it.

    ``beta`` is ``nan`` where the bound does not depend on it (``n >= d``).
    """

    beta: float

    def __new__(cls, value: float, beta: float):
        bound = super().__new__(cls, value)
        bound.beta = float(beta)
        return bound

    def __repr__(self) -> str:
        return f"Bound({float(self)!r}, beta={self.beta!r})"


def _evaluate_p(p: Callable, theta: np.ndarray) -> np.ndarray:
    try:
        values = np.asarray(p(theta), dtype=np.float64)
        if values.shape != theta.shape:
            raise ValueError
    except (TypeError, ValueError):
        values = np.array([float(p(float(t))) for t in theta])
    if not np.all(np.isfinite(values)) or np.any(values < -1e-12) or np.any(values > 1 + 1e-12):
        raise ValueError("p must return probabilities in [0, 1] on [0, pi/2]")
    return np.clip(values, 0.0, 1.0)


def theorem3_bound(p: Callable, n: int, d: int | None = None, *, tight: bool = False, grid: int = 2049) -> Bound:
    """The transfer-risk bound of Theorem 3, minimized over ``beta``.

    ``min_{beta in [0, pi/2]} p(beta) + p(pi/2 - beta)^n``, eq. (19), where
    ``p`` is the reverse cdf of the angle between ``w_*`` and an input,
    eq. (17). With ``tight=True`` the last line of the proof,
    ``p(beta) + (1 - p(beta)) p(pi/2 - beta)^n``, is minimized instead (never
    larger). When ``d`` is given and ``n >= d`` the expected risk is exactly 0,
    eq. (18).

    Parameters
    ----------
    p : callable
        ``p(theta)`` for ``theta`` in ``[0, pi/2]``, vectorized or scalar.
        For example ``task.p`` of a :class:`kdbook.tasks.TransferTask`.
    n : int >= 1
        Transfer-set size.
    d : int >= 1, optional
        Input dimension, for the ``n >= d`` case.
    tight : bool, default False
    grid : int >= 3
        Grid points for the global search, refined by a bounded scalar search.

    Returns
    -------
    Bound
        A float (the bound) with attribute ``beta`` (the minimizer).
    """
    if not callable(p):
        raise TypeError("p must be a callable p(theta)")
    n = as_int(n, "n", minimum=1)
    grid = as_int(grid, "grid", minimum=3)
    if d is not None:
        d = as_int(d, "d", minimum=1)
        if n >= d:
            return Bound(0.0, np.nan)

    def objective(beta):
        beta = np.asarray(beta, dtype=np.float64)
        first = _evaluate_p(p, beta)
        second = _evaluate_p(p, HALF_PI - beta) ** n
        return first + ((1.0 - first) * second if tight else second)

    betas = np.linspace(0.0, HALF_PI, grid)
    values = objective(betas)
    best = int(np.argmin(values))
    low, high = betas[max(best - 1, 0)], betas[min(best + 1, grid - 1)]
    refined = minimize_scalar(
        lambda b: float(objective(np.array([b]))[0]), bounds=(low, high), method="bounded",
        options={"xatol": 1e-12},
    )
    if refined.success and refined.fun < values[best]:
        return Bound(min(float(refined.fun), 1.0), float(refined.x))
    return Bound(min(float(values[best]), 1.0), float(betas[best]))


def corollary1_bound(gamma: float, n: int) -> float:
    """Corollary 1 (margin case), eq. (20): ``gamma^n``.

    Applies when some ``beta`` has ``p(beta) = 0`` and
    ``gamma = p(pi/2 - beta) < 1``: the risk decays exponentially in ``n``.

    Parameters
    ----------
    gamma : float in [0, 1]
    n : int >= 1
    """
    gamma = as_float(gamma, "gamma", minimum=0.0, maximum=1.0)
    n = as_int(n, "n", minimum=1)
    return float(gamma**n)


def corollary2_bound(kappa: float, n: int, c: float = 1.0) -> float:
    """Corollary 2 (polynomial case), eq. (21): ``c (1 + (log n)^kappa) / n^kappa``.

    Applies when ``p(theta) <= c (1 - 2 theta / pi)^kappa`` on ``[0, pi/2]``.

    Parameters
    ----------
    kappa : float >= 0
    n : int >= 1
    c : float > 0, default 1.0
    """
    kappa = as_float(kappa, "kappa", minimum=0.0)
    n = as_int(n, "n", minimum=1)
    c = as_float(c, "c", minimum=0.0, strict_minimum=True)
    return float(c * (1.0 + np.log(n) ** kappa) / n**kappa)
