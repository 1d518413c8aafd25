"""Closed forms of the distillation gradient: stationary point, second moment, optimal weight."""

from __future__ import annotations

import numpy as np

from .._params import Array, Boolean, Integer, Real, validate_params
from ._checks import LAMS, _check_per_sample, _lam_array


@validate_params(x_star=Array("d"), theta=Array("d"), lam=Real(0.0, 1.0))
def kd_stationary_point(x_star, theta, lam: float) -> np.ndarray:
    """The least-squares distillation stationary point ``x_lam = (1 - lam) x* + lam theta``.

    The expected distillation gradient is ``H (x - x*) - lam H (theta - x*)`` with
    ``H = A^T A / n``; it vanishes at ``x_lam`` (unique if ``H`` is invertible).
    The student is pulled a fraction ``lam`` of the way toward the teacher.
    """
    return (1.0 - lam) * x_star + lam * theta


def _moments(grads_x: np.ndarray, grads_theta: np.ndarray):
    n = grads_x.shape[0]
    mean_x, mean_t = grads_x.mean(axis=0), grads_theta.mean(axis=0)
    return (
        np.sum(grads_x * grads_x) / n,
        np.sum(grads_x * grads_theta) / n,
        np.sum(grads_theta * grads_theta) / n,
        mean_x @ mean_x,
        mean_x @ mean_t,
        mean_t @ mean_t,
    )


def _pair(grads_x: np.ndarray, grads_theta: np.ndarray):
    gx = _check_per_sample(grads_x, "grads_x")
    gt = _check_per_sample(grads_theta, "grads_theta")
    if gx.shape != gt.shape:
        raise ValueError(f"grads_x and grads_theta must have the same shape, got {gx.shape} and {gt.shape}")
    return gx, gt


#: Per-sample gradients: shape ``(n, ...)``, checked in the body (at least two axes, equal shapes).
GRADS = Array(...)


@validate_params(grads_x=GRADS, grads_theta=GRADS, lam=LAMS, batch_size=Integer(1), unbiased=Boolean())
def kd_second_moment(grads_x, grads_theta, lam, *, batch_size: int = 1, unbiased: bool = False):
    """``E || mean_{i in B} (grad f_i(x) - lam grad f_i(theta)) ||^2`` over minibatches ``B``.

    Exact (no sampling) for minibatches of ``batch_size`` indices drawn uniformly
    with replacement from the ``n`` samples: with ``g_i`` the per-sample
    distillation gradient, the value is ``(1/m) mean_i ||g_i||^2 + (1 - 1/m) ||mean_i g_i||^2``.
    At ``x = x*`` this is the *noise at the optimum* that sets SGD's floor.
    With ``unbiased=True`` the estimator is ``g_i + lam grad f(theta)`` (mean-corrected).

    Parameters
    ----------
    grads_x, grads_theta : arrays of shape (n, ...)
        Per-sample hard-label gradients at the student ``x`` and the teacher ``theta``.
    lam : float or array of floats in [0, 1]
    batch_size : int >= 1

    Returns
    -------
    float, or ndarray of the shape of ``lam``.
    """
    gx, gt = _pair(grads_x, grads_theta)
    scalar = lam.ndim == 0
    lams = _lam_array(lam, "lam")
    m = batch_size
    xx, xt, tt, mx2, mxt, mt2 = _moments(gx, gt)
    per_sample = xx - 2 * lams * xt + lams**2 * tt
    if unbiased:
        # g_i + lam mean(gt): shifts each g_i by a constant, so only the mean term changes
        per_sample = per_sample + 2 * lams * (mxt - lams * mt2) + lams**2 * mt2
        mean_sq = mx2 * np.ones_like(lams)
    else:
        mean_sq = mx2 - 2 * lams * mxt + lams**2 * mt2
    value = per_sample / m + (1 - 1 / m) * mean_sq
    return float(value[0]) if scalar else value


@validate_params(grads_x=GRADS, grads_theta=GRADS, batch_size=Integer(1), unbiased=Boolean())
def optimal_distillation_weight(grads_x, grads_theta, *, batch_size: int = 1, unbiased: bool = False) -> float:
    """The weight ``lam*`` minimizing :func:`kd_second_moment` (unconstrained).

    Setting the derivative of the quadratic ``E||G_x - lam G_theta||^2`` to zero
    (``G`` the minibatch gradients) gives the control-variate coefficient

        lam* = E<G_x, G_theta> / E||G_theta||^2,

    which for ``batch_size = 1`` and ``x = x*`` is
    ``E<grad f_xi(x*), grad f_xi(theta)> / E||grad f_xi(theta)||^2``. A perfect
    teacher (``theta = x*``) gives ``lam* = 1`` and zero noise. For the
    unbiased estimator the means are removed first (classic control variate).
    The value can leave ``[0, 1]``; since the objective is a convex quadratic,
    the best admissible weight is ``clip(lam*, 0, 1)``.
    """
    gx, gt = _pair(grads_x, grads_theta)
    m = batch_size
    xx, xt, tt, mx2, mxt, mt2 = _moments(gx, gt)
    if unbiased:
        numerator, denominator = (xt - mxt) / m, (tt - mt2) / m
    else:
        numerator = xt / m + (1 - 1 / m) * mxt
        denominator = tt / m + (1 - 1 / m) * mt2
    if denominator <= 0:
        raise ValueError("grads_theta must not vanish (or, if unbiased, must vary across samples)")
    return float(numerator / denominator)
