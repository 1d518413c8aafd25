"""The worst student an epsilon-ball allows: where the approximate-distillation bound is tested.

The book's approximate-distillation bound (chapter 6, its own version of the
paper's Appendix D) holds for *every* student ``w`` with
``||w - w_hat(X)|| <= epsilon`` (the radius chapter 6 writes ``r``). A check of such a bound is only as strong as
the students it is checked on: random points in the ball barely turn
``w_hat``, so their risk says little. :func:`farthest_student` returns, for
each ``w_hat``, the point of the ball that makes the largest angle with
``w_*``: ``w_hat`` turned away from ``w_*`` in the plane of the two by the
largest angle the ball permits, ``arcsin(epsilon / ||w_hat||)`` (the
perturbation lemma of chapter 6, attained on the tangent cone of the ball).
"""

from __future__ import annotations

import numpy as np

from ._params import Array, Real, validate_params

__all__ = ["farthest_student"]


# w_hats is (d,) or (trials, d), which one Array spec cannot say: the body checks its shape against w_star.
@validate_params(w_hats=Array(...), w_star=Array("d", nonzero=True), epsilon=Real(0.0))
def farthest_student(w_hats, w_star, epsilon) -> np.ndarray:
    """For each row ``w_hat``, the point of the ``epsilon``-ball around it farthest in angle from ``w_*``.

    It is ``sqrt(a^2 - epsilon^2) (cos(delta) h + sin(delta) e)`` with
    ``a = ||w_hat||``, ``h = w_hat / a``, ``delta = arcsin(epsilon / a)`` and
    ``e`` the unit vector orthogonal to ``h`` in the plane of ``w_hat`` and
    ``w_*`` that points away from ``w_*``. Its distance to ``w_hat`` is
    exactly ``epsilon`` and its angle to ``w_*`` is
    ``alpha(w_hat, w_*) + delta`` (capped at ``pi``). Where ``w_hat`` is
    parallel to ``w_*`` (``n >= d``), ``e`` is the first coordinate axis made
    orthogonal to ``h`` (any orthogonal direction is equally far).

    Parameters
    ----------
    w_hats : array of shape (d,) or (trials, d)
        Distillation solutions, one per row, each with norm > ``epsilon``.
    w_star : array of shape (d,), non-zero
    epsilon : float >= 0

    Returns
    -------
    ndarray of the shape of ``w_hats``
    """
    single = w_hats.ndim == 1
    rows = np.atleast_2d(w_hats)
    if rows.ndim != 2 or rows.shape[1] != w_star.shape[0]:
        raise ValueError(
            f"w_hats must have shape (d,) or (trials, d) with d = {w_star.shape[0]} as in w_star, "
            f"got shape {w_hats.shape}"
        )
    norms = np.linalg.norm(rows, axis=1)
    if np.any(norms <= epsilon):
        raise ValueError(f"every w_hat must have norm > epsilon = {epsilon} (smallest norm {norms.min():.3g}): "
                         "otherwise the ball contains 0 and every direction")
    h = rows / norms[:, None]
    teacher = w_star / np.linalg.norm(w_star)
    away = (h @ teacher)[:, None] * h - teacher  # minus the part of w_* orthogonal to h
    lengths = np.linalg.norm(away, axis=1)
    parallel = lengths <= 1e-12
    if np.any(parallel):
        fallback = np.zeros(rows.shape[1])
        fallback[0 if abs(teacher[0]) < 0.9 else 1] = 1.0
        away[parallel] = fallback - (h[parallel] @ fallback)[:, None] * h[parallel]
        lengths[parallel] = np.linalg.norm(away[parallel], axis=1)
    e = away / lengths[:, None]
    delta = np.arcsin(epsilon / norms)
    result = np.sqrt(norms**2 - epsilon**2)[:, None] * (np.cos(delta)[:, None] * h + np.sin(delta)[:, None] * e)
    return result[0] if single else result
