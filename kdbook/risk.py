"""How well the student agrees with the teacher: angles and transfer risk.

* :func:`angle`: the unsigned angle of eq. (16) or the signed one of eq. (28);
* :func:`transfer_risk`: eq. (4) estimated on held-out inputs;
* :func:`gaussian_transfer_risk`: the exact risk ``alpha(w, w_*)/pi`` for
  isotropic Gaussian inputs, a closed form to test estimators against;
* :func:`theorem3_bound`, :func:`corollary1_bound`, :func:`corollary2_bound`:
  the bounds on the expected transfer risk of Section 4.2, eqs. (19)-(21);
* :func:`theorem3_terms`: the two terms of eq. (19) at one ``beta``;
* :func:`lemma1_cosines`: the QR identity (25)-(26) behind Lemma 1;
* :func:`angle_perturbation_bound`, :func:`approximation_slack`,
  :func:`approximate_theorem3_bound`: Theorem 3 for a student that is only
  ``epsilon``-close to ``w_hat`` (Appendix D).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize_scalar

from ._params import Array, Boolean, Function, Integer, Real, validate_params

__all__ = [
    "angle",
    "transfer_risk",
    "gaussian_transfer_risk",
    "Z95",
    "risk_summary",
    "Bound",
    "theorem3_bound",
    "corollary1_bound",
    "corollary2_bound",
    "theorem3_terms",
    "lemma1_cosines",
    "angle_perturbation_bound",
    "approximation_slack",
    "approximate_theorem3_bound",
]

HALF_PI = np.pi / 2

#: The 97.5% quantile of the standard normal, for the 95% confidence intervals of every table.
Z95 = 1.959963984540054


@validate_params(u=Array("d", nonzero=True), v=Array("d", nonzero=True), signed=Boolean())
def angle(u, v, signed: bool = False) -> float:
    """The angle between two non-zero vectors, in radians.

    ``signed=False`` gives ``alpha_bar(u, v) = arccos(|u^T v| / (||u|| ||v||))``
    in ``[0, pi/2]``, eq. (16); ``signed=True`` gives
    ``alpha(u, v) = arccos(u^T v / (||u|| ||v||))`` in ``[0, pi]``, eq. (28).
    """
    # Normalize first so huge or tiny norms cannot overflow the product (and
    # divide by the largest entry before taking norms, which could overflow too).
    u = u / np.max(np.abs(u))
    v = v / np.max(np.abs(v))
    cosine = float(np.dot(u / np.linalg.norm(u), v / np.linalg.norm(v)))
    if not signed:
        cosine = abs(cosine)
    return float(np.arccos(np.clip(cosine, -1.0, 1.0)))


@validate_params(w=Array("d"), w_star=Array("d", nonzero=True), X_test=Array("m", "d"))
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
    return float(np.mean((X_test @ w >= 0) != (X_test @ w_star >= 0)))


@validate_params(w=Array("d", nonzero=True), w_star=Array("d", nonzero=True))
def gaussian_transfer_risk(w, w_star) -> float:
    """Exact transfer risk for ``x ~ N(0, I_d)``: ``alpha(w, w_*) / pi`` (eq. 28).

    A Gaussian is rotation invariant, so only the 2-D plane of ``w`` and
    ``w_*`` matters, where the two half-planes disagree on a wedge of angle
    ``2 alpha`` out of ``2 pi``.
    """
    return angle(w, w_star, signed=True) / np.pi


@validate_params(risks=Array("trials", low=0.0, high=1.0))
def risk_summary(risks) -> dict:
    """Mean, standard error and a normal 95% interval of per-transfer-set risks.

    Parameters
    ----------
    risks : array of shape (trials,)
        One transfer risk per transfer set, each in ``[0, 1]``.

    Returns
    -------
    dict with keys ``risk`` (mean), ``risk_se`` (standard error of the mean,
    ``nan`` for one trial), ``ci_low`` and ``ci_high`` (mean -+ 1.96 se,
    clipped to ``[0, 1]``) and ``trials``. The rows of every Monte Carlo
    table in the book are built from it.
    """
    trials = risks.shape[0]
    mean = float(np.mean(risks))
    se = float(np.std(risks, ddof=1) / np.sqrt(trials)) if trials > 1 else float("nan")
    return {
        "risk": mean,
        "risk_se": se,
        "ci_low": max(mean - Z95 * se, 0.0),
        "ci_high": min(mean + Z95 * se, 1.0),
        "trials": trials,
    }


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


def _real_numbers(raw) -> np.ndarray | None:
    """``raw`` as float64 if it holds real numbers (not strings, objects or complex), else None."""
    values = np.asarray(raw)
    return values.astype(np.float64) if values.dtype.kind in "biuf" else None


def _evaluate_p(p: Callable, theta: np.ndarray) -> np.ndarray:
    try:
        values = _real_numbers(p(theta))
    except (TypeError, ValueError):  # a scalar-only p: call it point by point
        values = None
    if values is None or values.shape != theta.shape:
        scalars = [p(float(t)) for t in theta]
        values = _real_numbers(scalars)
        if values is None or values.shape != theta.shape:
            raise TypeError(f"p must return a real number (a probability) for each theta, got {scalars[0]!r}")
    if not np.all(np.isfinite(values)) or np.any(values < -1e-12) or np.any(values > 1 + 1e-12):
        raise ValueError("p must return probabilities in [0, 1] on [0, pi/2]")
    return np.clip(values, 0.0, 1.0)


@validate_params(p=Function(), n=Integer(1), d=Integer(1, optional=True), tight=Boolean(), grid=Integer(3))
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
    if d is not None and n >= d:
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


@validate_params(gamma=Real(0.0, 1.0), n=Integer(1))
def corollary1_bound(gamma: float, n: int) -> float:
    """Corollary 1 (margin case), eq. (20): ``gamma^n``.

    Applies when some ``beta`` has ``p(beta) = 0`` and
    ``gamma = p(pi/2 - beta) < 1``: the risk decays exponentially in ``n``.

    Parameters
    ----------
    gamma : float in [0, 1]
    n : int >= 1
    """
    return float(gamma**n)


@validate_params(kappa=Real(0.0), n=Integer(1), c=Real(0.0, low_open=True))
def corollary2_bound(kappa: float, n: int, c: float = 1.0) -> float:
    """Corollary 2 (polynomial case), eq. (21): ``c (1 + (log n)^kappa) / n^kappa``.

    Applies when ``p(theta) <= c (1 - 2 theta / pi)^kappa`` on ``[0, pi/2]``.

    Parameters
    ----------
    kappa : float >= 0
    n : int >= 1
    c : float > 0, default 1.0
    """
    # Log space: at kappa=200, n=100 the power n**kappa overflows a float.
    if n == 1:  # log n = 0, and 0**0 = 1 by convention
        return float(c * (2.0 if kappa == 0 else 1.0))
    log_n = math.log(n)
    log_value = np.logaddexp(0.0, kappa * math.log(log_n)) - kappa * log_n
    return float(c * math.exp(log_value))  # underflows to 0.0 only below 1e-308


#: ``beta`` in ``[0, pi/2]``, with rounding slack so that ``np.pi / 2`` itself passes.
BETA = Real(0.0, HALF_PI * (1 + 1e-12))


@validate_params(p=Function(), n=Integer(1), beta=BETA)
def theorem3_terms(p: Callable, n: int, beta) -> tuple[float, float]:
    """The two terms of eq. (19) at one ``beta``: ``(p(beta), p(pi/2 - beta)^n)``.

    The first is the mass of "hard" test points (angle to ``w_*`` at least
    ``beta``); the second the probability that no transfer point is a good
    teaching point (all at angle at least ``pi/2 - beta``), eq. (32).

    Parameters
    ----------
    p : callable, the reverse cdf of eq. (17)
    n : int >= 1
    beta : float in [0, pi/2]
    """
    beta = min(beta, HALF_PI)
    first = float(_evaluate_p(p, np.array([beta]))[0])
    second = float(_evaluate_p(p, np.array([HALF_PI - beta]))[0]) ** n
    return first, second


@validate_params(X=Array("n", "d"), w_star=Array("d", nonzero=True))
def lemma1_cosines(X, w_star) -> tuple[np.ndarray, np.ndarray]:
    """``cos alpha_bar(w_*, w_hat(X[:k]))`` for every prefix ``k``, in the two forms of eqs. (25)-(26).

    With the QR factorization ``X^T = Q R`` (the paper's ``X = Q R``), the
    distillation solution of the first ``k`` points is ``Q_k Q_k^T w_*`` and

    * eq. (25): ``w_*^T Q_k Q_k^T w_* / (||w_*|| ||Q_k Q_k^T w_*||)``;
    * eq. (26): ``||Q_k^T w_*|| / ||w_*||``, a partial sum of squares, hence
      non-decreasing in ``k``: Lemma 1.

    Parameters
    ----------
    X : array of shape (n, d) with ``n <= d``, full rank
    w_star : array of shape (d,)

    Returns
    -------
    (cos25, cos26) : two ndarrays of shape (n,)
    """
    n, d = X.shape
    if n > d:
        raise ValueError(f"X must have n <= d rows for the QR argument of Lemma 1, got n={n}, d={d}")
    q, r = np.linalg.qr(X.T)  # (d, n), (n, n)
    if np.min(np.abs(np.diag(r))) <= 1e-12 * np.max(np.abs(np.diag(r))):
        raise ValueError("X must have full row rank (its points linearly independent)")
    coefficients = q.T @ w_star  # q_j^T w_*, shape (n,)
    norm = np.linalg.norm(w_star)
    cos26 = np.sqrt(np.cumsum(coefficients**2)) / norm
    projections = np.cumsum(q * coefficients, axis=1).T  # row k-1: Q_k Q_k^T w_*
    lengths = np.linalg.norm(projections, axis=1)
    cos25 = (projections @ w_star) / (norm * np.maximum(lengths, np.finfo(float).tiny))
    return cos25, cos26


@validate_params(epsilon=Real(0.0), w_hat_norm=Real(0.0, low_open=True))
def angle_perturbation_bound(epsilon, w_hat_norm) -> float:
    """Largest angle between ``w`` and ``w_hat`` when ``||w - w_hat|| <= epsilon < ||w_hat||``.

    It is ``arcsin(epsilon / ||w_hat||)`` (the tool behind Appendix D): from
    ``2 w^T w_hat = ||w||^2 + ||w_hat||^2 - ||w - w_hat||^2`` the cosine is at
    least ``(r^2 + a^2 - epsilon^2) / (2 r a)`` with ``r = ||w||``,
    ``a = ||w_hat||``, minimized at ``r = sqrt(a^2 - epsilon^2)``. The bound is
    attained by ``w`` tangent to the sphere of radius ``epsilon`` around ``w_hat``.

    Parameters
    ----------
    epsilon : float >= 0
    w_hat_norm : float > epsilon
    """
    if epsilon >= w_hat_norm:
        raise ValueError(f"epsilon must be < w_hat_norm (got {epsilon} >= {w_hat_norm}); otherwise w may be 0")
    return float(np.arcsin(epsilon / w_hat_norm))


@validate_params(beta=BETA, rho=Real(0.0, 1.0, high_open=True))
def approximation_slack(beta, rho) -> float:
    """The angle ``eta(beta)`` lost by an ``epsilon``-close student in the approximate Theorem 3.

    The smallest ``eta >= 0`` with ``sin(eta) sin(beta + eta) >= rho`` where
    ``rho = epsilon / ||w_*||``; by ``2 sin(a) sin(b) = cos(a - b) - cos(a + b)``
    it is ``eta = (arccos(cos(beta) - 2 rho) - beta) / 2``. It exists with
    ``beta + eta <= pi/2`` only when ``cos(beta) >= rho``; otherwise ``inf``.

    Parameters
    ----------
    beta : float in [0, pi/2]
    rho : float in [0, 1)
    """
    beta = min(beta, HALF_PI)
    if np.cos(beta) < rho:
        return float("inf")
    return float(0.5 * (np.arccos(np.clip(np.cos(beta) - 2.0 * rho, -1.0, 1.0)) - beta))


@validate_params(p=Function(), n=Integer(1), rho=Real(0.0, 1.0, high_open=True), d=Integer(1, optional=True),
                 tight=Boolean(), grid=Integer(3))
def approximate_theorem3_bound(
    p: Callable, n: int, rho, d: int | None = None, *, tight: bool = False, grid: int = 4097
) -> Bound:
    """Theorem 3 for a student only ``epsilon``-close to ``w_hat`` (Appendix D), minimized over ``beta``.

    If ``||w - w_hat(X)|| <= epsilon`` for every transfer set and
    ``rho = epsilon / ||w_*|| < 1``, then for ``n < d`` and every ``beta`` with
    ``cos(beta) >= rho``

    ``E[R(h_w)] <= p(beta) + p(pi/2 - beta - eta(beta))^n``

    with ``eta`` from :func:`approximation_slack` (``eta = 0`` when
    ``rho = 0``: eq. 19). With ``tight=True`` the second term is multiplied by
    ``1 - p(beta)``. For ``n >= d`` (``w_hat = w_*``) the bound is
    ``p(arccos(rho))`` (0 when ``rho = 0``, eq. 18).

    Parameters
    ----------
    p : callable, the reverse cdf of eq. (17)
    n : int >= 1
    rho : float in [0, 1), the relative accuracy ``epsilon / ||w_*||``
    d : int >= 1, optional
    tight : bool, default False
    grid : int >= 3, points of the grid over ``beta``

    Returns
    -------
    Bound
        A float with attribute ``beta`` (the minimizing ``beta`` on the grid).
    """
    if d is not None and n >= d:
        if rho == 0.0:
            return Bound(0.0, np.nan)
        return Bound(float(_evaluate_p(p, np.array([np.arccos(rho)]))[0]), np.nan)
    betas = np.linspace(0.0, float(np.arccos(rho)), grid)
    etas = 0.5 * (np.arccos(np.clip(np.cos(betas) - 2.0 * rho, -1.0, 1.0)) - betas)
    good = np.clip(HALF_PI - betas - etas, 0.0, HALF_PI)
    first = _evaluate_p(p, betas)
    second = _evaluate_p(p, good) ** n
    values = first + ((1.0 - first) * second if tight else second)
    best = int(np.argmin(values))
    return Bound(min(float(values[best]), 1.0), float(betas[best]))
