"""Projections onto the span of a transfer set: the minimum-norm solution of eq. (6).

Gradient descent from ``w(0) = 0`` on ``L^1`` (eq. 1) never leaves the span of
the rows of ``X``; its limit is the minimum-norm solution of ``X w = X w_*``,

``w_hat = pinv(X) X w_* = P_X w_*``,

the orthogonal projection of ``w_*`` onto the row space. For ``X`` of full row
rank this is eq. (6), ``X^T (X X^T)^{-1} X w_*``; for a rank-deficient set
(a repeated point, a zero row, ``n > d`` points in a lower-dimensional
subspace) the inverse does not exist but the projection does, and it is what
the student learns.

Everything here is private to the package: callers validate their inputs and
pass trusted float64 arrays. The fast path solves the small ``(n, n)`` Gram
systems by Cholesky (``n^2 d`` per set); sets whose Gram matrix is
ill-conditioned (where squaring the condition number of ``X`` would cost
accuracy, or which are singular) go through a batched SVD with the same relative cutoff as
``numpy.linalg.pinv``, ``max(n, d) * eps * s_max``.
"""

from __future__ import annotations

import numpy as np

#: Gram matrices with a larger condition number are projected through the SVD instead.
GRAM_CONDITION_LIMIT = 1e8


def _cutoff(shape: tuple[int, int]) -> float:
    """Relative singular-value cutoff of ``numpy.linalg.pinv`` for an ``(n, d)`` matrix."""
    return max(shape) * np.finfo(np.float64).eps


def svd_projections(X_batch: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """``pinv(X) X v`` for a stack ``(trials, n, d)`` and vectors ``(trials, d)``, by SVD."""
    _, singular, vt = np.linalg.svd(X_batch, full_matrices=False)  # vt: (trials, k, d)
    keep = singular > _cutoff(X_batch.shape[1:]) * singular[:, :1]
    coordinates = np.einsum("tkd,td->tk", vt, vectors) * keep
    return np.einsum("tkd,tk->td", vt, coordinates)


def gram_cholesky(gram: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cholesky factors of a stack of Gram matrices ``(trials, m, m)`` and which are safe to use.

    Returns ``(L, well)``. ``L_ii^2`` is the squared distance of point ``i``
    to the span of the points before it, so a repeated point, a zero row or
    a point (nearly) in the span of the earlier ones makes ``L_ii`` (nearly)
    0; ``(max_i L_ii / min_i L_ii)^2``, a lower bound on the condition number
    of the Gram matrix, above ``GRAM_CONDITION_LIMIT`` (or a failed
    factorization) marks a set for the SVD. The leading ``(k, k)`` block of
    ``L`` is the factor of the first ``k`` points, so one factorization
    serves every prefix.
    """
    import torch

    factor, info = torch.linalg.cholesky_ex(torch.from_numpy(gram))
    L = factor.numpy()
    diagonal = np.abs(np.diagonal(L, axis1=1, axis2=2))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = diagonal.max(axis=1) / diagonal.min(axis=1)
    well = (info.numpy() == 0) & np.isfinite(ratio) & (ratio**2 < GRAM_CONDITION_LIMIT)
    return L, well


def cholesky_solve(L: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve ``L L^T c = rhs`` for stacks ``L (trials, m, m)``, ``rhs (trials, m)``."""
    import torch

    solution = torch.cholesky_solve(torch.from_numpy(np.ascontiguousarray(rhs))[..., None], torch.from_numpy(L))
    return solution[..., 0].numpy()


def well_conditioned(gram: np.ndarray) -> np.ndarray:
    """Which Gram matrices of a stack ``(trials, m, m)`` are safe to solve directly."""
    return gram_cholesky(gram)[1]


def project(X_batch: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """``P_X v = pinv(X) X v`` for each set of a stack, any ``n`` and any rank.

    Parameters
    ----------
    X_batch : float64 array of shape (trials, n, d)
    vectors : float64 array of shape (trials, d)

    Returns
    -------
    ndarray of shape (trials, d). When ``n >= d`` and the rows span ``R^d``
    (well-conditioned ``X^T X``), ``v`` itself, exactly.
    """
    trials, n, d = X_batch.shape
    out = np.empty((trials, d))
    if n >= d:
        well = well_conditioned(np.swapaxes(X_batch, 1, 2) @ X_batch)
        out[well] = vectors[well]
    else:
        L, well = gram_cholesky(X_batch @ np.swapaxes(X_batch, 1, 2))  # (trials, n, n)
        if np.any(well):
            X_well = X_batch[well]
            rhs = np.einsum("tnd,td->tn", X_well, vectors[well])
            coefficients = cholesky_solve(L[well], rhs)
            out[well] = np.einsum("tnd,tn->td", X_well, coefficients)
    if not np.all(well):
        out[~well] = svd_projections(X_batch[~well], vectors[~well])
    return out


def project_one(X: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """:func:`project` for a single ``(n, d)`` set and vector ``(d,)``."""
    return project(X[None], vector[None])[0]


def basis(X: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the span of the rows of ``X (n, d)``, shape ``(d, rank)`` (``pinv``'s cutoff)."""
    _, singular, vt = np.linalg.svd(X, full_matrices=False)
    return vt[singular > _cutoff(X.shape) * singular[:1]].T.copy()


def projector(X: np.ndarray):
    """``v -> P_X v`` for ``v`` of shape ``(d,)`` or ``(d, k)``, factorized once for many calls.

    Through the Cholesky factor of the Gram matrix when it is well conditioned
    (cheap), else through :func:`basis`: always the minimum-norm projection.
    """
    from scipy.linalg import cho_solve

    n, d = X.shape
    if n < d:
        L, well = gram_cholesky((X @ X.T)[None])
        if well[0]:
            lower = L[0]
            return lambda v: X.T @ cho_solve((lower, True), X @ v)
    Q = basis(X)
    return lambda v: Q @ (Q.T @ v)
