"""Stationary risk of constant-step distillation SGD on least squares: bias and noise floor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._params import Array, Integer, Real, validate_params
from ._checks import _check_per_sample

#: A constant step size: a real number > 0.
STEP = Real(0.0, low_open=True)
#: Per-sample gradients: shape ``(n, ...)``, checked in the body.
GRADS = Array(...)
#: Distillation weights: a 1-D array of L entries in ``[0, 1]``.
LAM_GRID = Array("L", low=0.0, high=1.0)
#: Least-squares inputs, not all zeros: with ``A = 0`` SGD never moves and no step size contracts.
INPUTS = Array("n", "d", nonzero=True)


def _second_moment_operator(A: np.ndarray, lr: float, m: int) -> tuple[np.ndarray, float]:
    """The linear map ``I - T`` of the stationary equation ``Sigma = T(Sigma) + noise``, and ``T``'s spectral radius.

    ``T(Sigma) = E[(I - lr H_B) Sigma (I - lr H_B)]`` as a ``d^2 x d^2`` matrix
    (row-major ``vec``); SGD's second moment stays bounded iff the radius is below 1.
    """
    n, d = A.shape
    H = A.T @ A / n
    outer = np.einsum("ia,ib->iab", A, A).reshape(n, d * d)  # vec(a a^T)
    fourth = outer.T @ outer / n  # E[vec(aa^T) vec(aa^T)^T]: the map Sigma -> E[a a^T Sigma a a^T]
    I = np.eye(d)
    # vec(H Sigma) = (I kron H) vec(Sigma) (row-major vec), vec(Sigma H) = (H kron I) vec(Sigma)
    linear = np.kron(I, H) + np.kron(H, I)
    second = fourth / m + (1 - 1 / m) * np.kron(H, H)
    with np.errstate(over="ignore", invalid="ignore"):  # lr * lr overflows to inf past about 1.3e154
        operator = lr * linear - (lr * lr) * second
    if not np.all(np.isfinite(operator)):
        # lr^2 E[(a a^T)^2] dominates and its spectral radius is not representable; A != 0, so it is > 0.
        return operator, float("inf")
    spectral = float(np.max(np.abs(np.linalg.eigvals(np.eye(d * d) - operator))))
    return operator, spectral


@validate_params(A=INPUTS, lr=STEP, batch_size=Integer(1))
def sgd_contraction_factor(A, *, lr: float, batch_size: int = 1) -> float:
    """The factor by which constant-step SGD on least squares contracts its second moment per step.

    The spectral radius of ``Sigma -> E[(I - lr H_B) Sigma (I - lr H_B)]``
    (minibatches of ``batch_size`` rows of ``A`` drawn with replacement). Below
    1 the error's covariance settles to :func:`sgd_stationary_covariance`; at
    or above 1 there is no stationary regime (the second moment diverges) and
    that function raises. It depends on the inputs ``A`` only, not on the targets.

    Parameters
    ----------
    A : array of shape (n, d); lr : float > 0; batch_size : int >= 1

    Returns
    -------
    float >= 0; ``inf`` when ``lr`` is so large (about ``1e154``) that ``lr^2`` overflows.
    """
    return _second_moment_operator(A, lr, batch_size)[1]


@validate_params(A=INPUTS, b=Array("n"), lr=STEP, batch_size=Integer(1))
def sgd_stationary_covariance(A, b, *, lr: float, batch_size: int = 1) -> np.ndarray:
    """Stationary covariance ``Sigma_0`` of plain constant-step SGD on least squares around ``x*``.

    With minibatch Hessian ``H_B`` and gradient noise ``n_B = grad f_B(x*)``, the
    error ``e_t = x_t - x*`` follows ``e_{t+1} = (I - lr H_B) e_t - lr n_B``; its
    covariance solves the linear equation

        Sigma = E[(I - lr H_B) Sigma (I - lr H_B)] + lr^2 E[n_B n_B^T],

    solved exactly here (a ``d^2 x d^2`` system). For the distillation estimator
    the noise is ``(1 - lam) n_B`` around ``x_lam`` and the covariance is
    ``(1 - lam)^2 Sigma_0``.

    Raises ``ValueError`` if ``A`` has rank below ``d`` (the error never
    contracts along its null space, for any ``lr``) or if ``lr`` is too large
    for the second moment to stay bounded (:func:`sgd_contraction_factor` at least 1).

    Returns
    -------
    ndarray of shape (d, d).
    """
    m = batch_size
    n, d = A.shape
    rank = np.linalg.matrix_rank(A)
    if rank < d:
        raise ValueError(
            f"A must have full column rank: it has rank {rank} < d = {d}, so SGD's error never contracts "
            "along A's null space and no lr gives a stationary covariance"
        )
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    residual = A @ x_star - b
    operator, spectral = _second_moment_operator(A, lr, m)
    noise = (A * residual[:, None]).T @ (A * residual[:, None]) / n / m
    if spectral >= 1:
        raise ValueError(
            f"lr = {lr} is too large: SGD's second moment diverges (contraction factor {spectral:.3g} >= 1)"
        )
    sigma = np.linalg.solve(operator, lr**2 * noise.ravel()).reshape(d, d)
    return (sigma + sigma.T) / 2


@validate_params(grads_opt=GRADS, lr=STEP, batch_size=Integer(1))
def small_step_noise_floor(grads_opt, *, lr: float, batch_size: int = 1) -> float:
    """The noise floor of plain SGD for a small step: ``lr * sigma_*^2 / (4 m)``.

    ``sigma_*^2 = mean_i ||grad f_i(x*)||^2`` is the gradient noise at the
    optimum. For least squares this is the first-order term of
    ``tr(H Sigma_0) / 2`` (:func:`sgd_stationary_covariance`): the Lyapunov
    equation ``H Sigma + Sigma H = lr E[n n^T] / m`` gives ``tr(H Sigma) = lr sigma_*^2 / (2 m)``.
    Near a non-degenerate optimum the same holds for any smooth loss.

    Parameters
    ----------
    grads_opt : array of shape (n, ...), per-sample gradients at the optimum
    lr : float > 0; batch_size : int >= 1
    """
    grads = _check_per_sample(grads_opt, "grads_opt")
    m = batch_size
    return float(lr * np.sum(grads**2) / grads.shape[0] / (4 * m))


@validate_params(noise_floor=Real(0.0), teacher_excess=Real(0.0))
def balanced_weight(noise_floor: float, teacher_excess: float) -> float:
    """The ``lam`` minimizing ``lam^2 B + (1 - lam)^2 V``: ``V / (V + B)``.

    ``V`` is the noise floor of plain SGD (excess risk at ``lam = 0``) and ``B``
    the teacher's excess risk ``f(theta) - f(x*)`` (the bias at ``lam = 1``).
    Exact for least squares, where the mean iterate is ``x_lam`` and the
    fluctuations shrink by ``(1 - lam)^2``; a local approximation otherwise.
    """
    V, B = noise_floor, teacher_excess
    if V + B == 0:
        raise ValueError("noise_floor and teacher_excess must not both be zero")
    return V / (V + B)


@dataclass(frozen=True)
class StationaryRisk:
    """Stationary excess risk ``E f(x_t) - f(x*)`` of distillation SGD on least squares.

    Attributes
    ----------
    lam : ndarray of shape (L,)
    bias : ndarray of shape (L,)
        ``lam^2 (theta - x*)^T H (theta - x*) / 2``: the mean iterate sits at ``x_lam``.
    variance : ndarray of shape (L,)
        ``(1 - lam)^2 tr(H Sigma_0) / 2``: the noise floor.
    """

    lam: np.ndarray
    bias: np.ndarray
    variance: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """``bias + variance``, shape ``(L,)``."""
        return self.bias + self.variance


def _teacher_gap(A: np.ndarray, b: np.ndarray, theta: np.ndarray):
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    delta = theta - x_star
    H = A.T @ A / A.shape[0]
    return A, b, float(delta @ H @ delta) / 2


@validate_params(A=INPUTS, b=Array("n"), theta=Array("d"), lams=LAM_GRID, lr=STEP, batch_size=Integer(1))
def least_squares_stationary_risk(A, b, theta, lams, *, lr: float, batch_size: int = 1) -> StationaryRisk:
    """Bias and noise floor of constant-step distillation SGD on least squares, for each ``lam``.

    ``E f(x_t) - f(x*) -> lam^2 B + (1 - lam)^2 V`` with ``B = (theta - x*)^T H (theta - x*) / 2``
    and ``V = tr(H Sigma_0) / 2`` (:func:`sgd_stationary_covariance`). Exact for
    minibatches drawn with replacement.
    """
    A, b, gap = _teacher_gap(A, b, theta)
    sigma = sgd_stationary_covariance(A, b, lr=lr, batch_size=batch_size)
    H = A.T @ A / A.shape[0]
    floor = float(np.sum(H * sigma)) / 2
    return StationaryRisk(lam=lams, bias=lams**2 * gap, variance=(1 - lams) ** 2 * floor)


@validate_params(A=INPUTS, b=Array("n"), theta=Array("d"), lr=STEP, batch_size=Integer(1))
def best_weight_for_sgd(A, b, theta, *, lr: float, batch_size: int = 1) -> float:
    """The ``lam`` minimizing the stationary excess risk ``lam^2 B + (1 - lam)^2 V``: ``V / (B + V)``."""
    A, b, gap = _teacher_gap(A, b, theta)
    sigma = sgd_stationary_covariance(A, b, lr=lr, batch_size=batch_size)
    floor = float(np.sum((A.T @ A / A.shape[0]) * sigma)) / 2
    return balanced_weight(floor, gap)
