"""Stationary risk of constant-step distillation SGD on least squares: bias and noise floor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_data_matrix, as_float, as_int, as_vector
from ._checks import _check_per_sample, _check_targets, lam_values


def sgd_stationary_covariance(A, b, *, lr: float, batch_size: int = 1) -> np.ndarray:
    """Stationary covariance ``Sigma_0`` of plain constant-step SGD on least squares around ``x*``.

    With minibatch Hessian ``H_B`` and gradient noise ``n_B = grad f_B(x*)``, the
    error ``e_t = x_t - x*`` follows ``e_{t+1} = (I - lr H_B) e_t - lr n_B``; its
    covariance solves the linear equation

        Sigma = E[(I - lr H_B) Sigma (I - lr H_B)] + lr^2 E[n_B n_B^T],

    solved exactly here (a ``d^2 x d^2`` system). For the distillation estimator
    the noise is ``(1 - lam) n_B`` around ``x_lam`` and the covariance is
    ``(1 - lam)^2 Sigma_0``.

    Raises ``ValueError`` if ``lr`` is too large for the second moment to stay bounded.

    Returns
    -------
    ndarray of shape (d, d).
    """
    A = as_data_matrix(A, "A")
    b = _check_targets(b, A.shape[0])
    lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
    m = as_int(batch_size, "batch_size", minimum=1)
    n, d = A.shape
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    residual = A @ x_star - b
    H = A.T @ A / n
    outer = np.einsum("ia,ib->iab", A, A).reshape(n, d * d)  # vec(a a^T)
    fourth = outer.T @ outer / n  # E[vec(aa^T) vec(aa^T)^T]: the map Sigma -> E[a a^T Sigma a a^T]
    I = np.eye(d)
    # vec(H Sigma) = (I kron H) vec(Sigma) (row-major vec), vec(Sigma H) = (H kron I) vec(Sigma)
    linear = np.kron(I, H) + np.kron(H, I)
    second = fourth / m + (1 - 1 / m) * np.kron(H, H)
    operator = np.eye(d * d) - (np.eye(d * d) - lr * linear + lr**2 * second)
    noise = (A * residual[:, None]).T @ (A * residual[:, None]) / n / m
    spectral = np.max(np.abs(np.linalg.eigvals(np.eye(d * d) - operator)))
    if spectral >= 1:
        raise ValueError(
            f"lr = {lr} is too large: SGD's second moment diverges (contraction factor {spectral:.3g} >= 1)"
        )
    sigma = np.linalg.solve(operator, lr**2 * noise.ravel()).reshape(d, d)
    return (sigma + sigma.T) / 2


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
    lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
    m = as_int(batch_size, "batch_size", minimum=1)
    return float(lr * np.sum(grads**2) / grads.shape[0] / (4 * m))


def balanced_weight(noise_floor: float, teacher_excess: float) -> float:
    """The ``lam`` minimizing ``lam^2 B + (1 - lam)^2 V``: ``V / (V + B)``.

    ``V`` is the noise floor of plain SGD (excess risk at ``lam = 0``) and ``B``
    the teacher's excess risk ``f(theta) - f(x*)`` (the bias at ``lam = 1``).
    Exact for least squares, where the mean iterate is ``x_lam`` and the
    fluctuations shrink by ``(1 - lam)^2``; a local approximation otherwise.
    """
    V = as_float(noise_floor, "noise_floor", minimum=0.0)
    B = as_float(teacher_excess, "teacher_excess", minimum=0.0)
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


def _teacher_gap(A, b, theta):
    A = as_data_matrix(A, "A")
    b = _check_targets(b, A.shape[0])
    theta = as_vector(theta, "theta")
    if theta.shape[0] != A.shape[1]:
        raise ValueError(f"theta must have shape ({A.shape[1]},) to match A, got {theta.shape}")
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    delta = theta - x_star
    H = A.T @ A / A.shape[0]
    return A, b, float(delta @ H @ delta) / 2


def least_squares_stationary_risk(A, b, theta, lams, *, lr: float, batch_size: int = 1) -> StationaryRisk:
    """Bias and noise floor of constant-step distillation SGD on least squares, for each ``lam``.

    ``E f(x_t) - f(x*) -> lam^2 B + (1 - lam)^2 V`` with ``B = (theta - x*)^T H (theta - x*) / 2``
    and ``V = tr(H Sigma_0) / 2`` (:func:`sgd_stationary_covariance`). Exact for
    minibatches drawn with replacement.
    """
    A, b, gap = _teacher_gap(A, b, theta)
    lams = lam_values(lams)
    sigma = sgd_stationary_covariance(A, b, lr=lr, batch_size=batch_size)
    H = A.T @ A / A.shape[0]
    floor = float(np.sum(H * sigma)) / 2
    return StationaryRisk(lam=lams, bias=lams**2 * gap, variance=(1 - lams) ** 2 * floor)


def best_weight_for_sgd(A, b, theta, *, lr: float, batch_size: int = 1) -> float:
    """The ``lam`` minimizing the stationary excess risk ``lam^2 B + (1 - lam)^2 V``: ``V / (B + V)``."""
    A, b, gap = _teacher_gap(A, b, theta)
    sigma = sgd_stationary_covariance(A, b, lr=lr, batch_size=batch_size)
    floor = float(np.sum((A.T @ A / A.shape[0]) * sigma)) / 2
    return balanced_weight(floor, gap)
