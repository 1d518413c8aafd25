"""Tools of the proof of Theorem 1: restricted strong convexity, eq. (9), made measurable."""

from __future__ import annotations

import numpy as np

from .. import _spans
from .._params import Array, Integer, Seed, validate_params
from ..losses import normalized_cross_entropy, sigmoid
from ._closed_form import distillation_solution
from ._training import DATA


@validate_params(w=Array(...), X=DATA)
def restricted_hessian_eigenvalue(w, X):
    """Smallest eigenvalue of the Hessian of ``L^1`` at ``w`` restricted to span(X).

    ``lambda_min(Q^T H(w) Q)`` with ``H(w) = (1/n) X^T diag(sigma'(Xw)) X``
    and ``Q`` an orthonormal basis of the span of the rows of ``X``. A
    positive value on the whole sublevel set is the restricted strong
    convexity of eq. (9), with ``mu`` this eigenvalue.

    Parameters
    ----------
    w : array of shape (d,) or (k, d)
        One point, or ``k`` points (the basis ``Q`` is then computed once).
    X : array of shape (n, d)

    Returns
    -------
    float for one point, ndarray of shape (k,) for ``k`` points.
    """
    if w.ndim not in (1, 2) or w.shape[-1] != X.shape[1]:
        raise ValueError(f"w must have shape (d,) or (k, d) with d = {X.shape[1]} as in X, got shape {w.shape}")
    single = w.ndim == 1
    points = np.atleast_2d(w)
    reduced = X @ _spans.basis(X)
    values = np.empty(points.shape[0])
    for k, point in enumerate(points):
        logits = X @ point
        hessian = (reduced.T * (sigmoid(logits) * sigmoid(-logits))) @ reduced / X.shape[0]
        values[k] = np.linalg.eigvalsh(hessian)[0]
    return float(values[0]) if single else values


#: Past this distance from the teacher's logit, ``sigma'`` is 0 in float64 (it underflows near 745).
_LARGEST_REACH = 2.0**12


def _no_certificate(teacher_logits: np.ndarray, y: np.ndarray) -> ValueError:
    closest = float(min(y.min(), 1.0 - y.max()))
    return ValueError(
        f"w_star saturates the soft labels sigma(X w_star): the largest |X w_star| is "
        f"{np.abs(teacher_logits).max():.3g} and a label lies within {closest:.3g} of 0 or 1, so the sublevel set "
        "reaches logits where sigma' underflows and no float64 certificate mu > 0 exists; scale w_star (or X) down"
    )


@validate_params(X=DATA, w_star=Array("d", nonzero=True))
def strong_convexity_bound(X, w_star) -> float:
    """A certified ``mu > 0`` for eq. (9) on the sublevel set ``{w : L^1(w) <= L^1(0)}``.

    On that set every per-sample term ``KL(sigma(a_i) || sigma(z_i))``
    (``z_i = x_i^T w``, ``a_i = x_i^T w_*``) is at most ``n L^1(0)``, which
    confines ``z_i`` to an interval around ``a_i`` (found with scipy's
    ``brentq``). There ``sigma'(z_i) >= m_i``, the smaller value at the two
    ends, so ``H(w) >= min_i m_i (1/n) X^T X`` and on span(X)

    ``mu = min_i m_i * lambda_min^+(X^T X) / n``,

    the smallest non-zero eigenvalue. This is the constant of Theorem A.3's
    argument, made explicit; :func:`restricted_hessian_eigenvalue` is never
    below it anywhere on the sublevel set.

    Parameters
    ----------
    X : array of shape (n, d), not all zeros
    w_star : array of shape (d,), the teacher (non-zero)

    Raises ``ValueError`` naming ``w_star`` when the teacher is so confident
    (labels within about ``1e-10`` of 0 or 1) that ``mu`` is below the
    smallest float64: then no certificate can be computed.
    """
    from scipy.optimize import brentq

    from ..losses import binary_entropy, log_sigmoid, soft_labels

    n = X.shape[0]
    y = soft_labels(X, w_star)
    teacher_logits = X @ w_star
    budget = n * normalized_cross_entropy(np.zeros_like(w_star), X, y)
    lowest = np.inf
    for a, label in zip(teacher_logits, y, strict=True):
        entropy = float(binary_entropy(label))

        def excess(z, a=a, label=label, entropy=entropy):
            return float(-(label * log_sigmoid(z) + (1 - label) * log_sigmoid(-z)) - entropy) - budget

        ends = []
        for sign in (-1.0, 1.0):
            reach = 1.0
            while excess(a + sign * reach) < 0:
                reach *= 2.0
                if reach > _LARGEST_REACH:  # a label of exactly 0 or 1: the interval has no end
                    raise _no_certificate(teacher_logits, y)
            ends.append(brentq(excess, a, a + sign * reach, xtol=1e-12) if excess(a) < 0 else a)
        curvature = [float(sigmoid(z) * sigmoid(-z)) for z in ends]
        lowest = min(lowest, min(curvature))
    if lowest == 0.0:  # sigma' underflows at the ends: the true mu is below the smallest float64
        raise _no_certificate(teacher_logits, y)
    singular = np.linalg.svd(X, compute_uv=False)
    positive = singular[singular > singular[0] * max(X.shape) * np.finfo(np.float64).eps]
    return float(lowest * positive[-1] ** 2 / n)


@validate_params(X=DATA, w_star=Array("d", nonzero=True), count=Integer(1), seed=Seed())
def sublevel_points(X, w_star, count: int, *, seed=0) -> np.ndarray:
    """Random points of the sublevel set ``{w in w_hat + span(X) : L^1(w) <= L^1(0)}``.

    The set ``W`` of the proof of Theorem 1 (eq. 9), restricted to the
    affine subspace gradient descent from 0 moves in. Each point is
    ``w_hat + r v`` for a random unit direction ``v`` in span(X) and ``r``
    uniform between 0 and the boundary, where ``L^1 = L^1(0)`` (found with
    scipy's ``brentq``; ``L^1`` is convex, so each ray leaves ``W`` once).

    Parameters
    ----------
    X : array of shape (n, d)
    w_star : array of shape (d,), the teacher (non-zero)
    count : int >= 1
    seed : int >= 0 or numpy.random.Generator, default 0

    Returns
    -------
    ndarray of shape (count, d)
    """
    from scipy.optimize import brentq

    from ..losses import soft_labels

    rng = seed
    y = soft_labels(X, w_star)
    w_hat = distillation_solution(X, w_star)
    level = normalized_cross_entropy(np.zeros_like(w_star), X, y)
    basis = _spans.basis(X)
    points = np.empty((count, w_star.shape[0]))
    for k in range(count):
        v = basis @ rng.standard_normal(basis.shape[1])
        v /= np.linalg.norm(v)

        def excess(r, v=v):
            return normalized_cross_entropy(w_hat + r * v, X, y) - level

        reach = 1.0
        while excess(reach) < 0:
            reach *= 2.0
        boundary = brentq(excess, 0.0, reach, xtol=1e-12) if level > 0 else 0.0
        points[k] = w_hat + rng.uniform(0.0, boundary) * v
    return points
