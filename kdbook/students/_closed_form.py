"""The closed-form student ``w_hat`` of Theorem 1 (eq. 6) and projections onto spans."""

from __future__ import annotations

import numpy as np

from .. import _spans
from .._params import Array, validate_params


@validate_params(X=Array("n", "d"), w_star=Array("d", nonzero=True))
def distillation_solution(X, w_star) -> np.ndarray:
    """The student's limit ``w_hat`` of Theorem 1, eq. (6).

    ``w_hat = w_*`` when the rows of ``X`` span ``R^d`` and
    ``w_hat = X^T (X X^T)^{-1} X w_*`` (the paper's ``X (X^T X)^{-1} X^T w_*``
    with samples as rows) when they are linearly independent: in both cases
    the orthogonal projection of ``w_*`` onto the span of the data. For a
    rank-deficient ``X`` (repeated points, zero rows) it is the minimum-norm
    solution ``pinv(X) X w_*``, which is where gradient descent from 0 goes
    (see ``kdbook._spans``).

    Parameters
    ----------
    X : array of shape (n, d)
        Transfer inputs, one per row.
    w_star : array of shape (d,)
        The teacher's weight vector (non-zero).

    Returns
    -------
    ndarray of shape (d,)
    """
    return _spans.project_one(X, w_star)


#: Gram matrices with a larger condition number are projected through the SVD instead.
GRAM_CONDITION_LIMIT = _spans.GRAM_CONDITION_LIMIT


@validate_params(X_batch=Array("trials", "n", "d"), vectors=Array(...))
def project_onto_spans(X_batch, vectors) -> np.ndarray:
    """``P_X v`` for each transfer set: the projection onto the span of its rows.

    The projection ``X^T (X X^T)^{-1} X v`` (eq. 6 with samples as rows) is
    solved through the small ``(n, n)`` Gram matrices, which costs ``n^2 d``
    per set; sets whose Gram matrix is ill-conditioned or singular
    (condition number above ``GRAM_CONDITION_LIMIT``: repeated or nearly
    repeated points, zero rows) are projected through an SVD with
    ``numpy.linalg.pinv``'s cutoff, so the result is always the minimum-norm
    ``pinv(X) X v``. Sets with ``n >= d`` rows are allowed (``v`` itself when
    the rows span ``R^d``).

    Parameters
    ----------
    X_batch : array of shape (trials, n, d)
    vectors : array of shape (d,) or (trials, d)

    Returns
    -------
    ndarray of shape (trials, d)
    """
    trials, n, d = X_batch.shape
    if vectors.shape not in ((d,), (trials, d)):
        raise ValueError(f"vectors must have shape ({d},) or ({trials}, {d}), got {vectors.shape}")
    return _spans.project(X_batch, np.broadcast_to(vectors, (trials, d)))


@validate_params(X_batch=Array("trials", "n", "d"), w_star=Array("d", nonzero=True))
def distillation_solutions(X_batch, w_star) -> np.ndarray:
    """:func:`distillation_solution` for many transfer sets at once.

    Parameters
    ----------
    X_batch : array of shape (trials, n, d)
        ``trials`` transfer sets of ``n`` samples each.
    w_star : array of shape (d,)

    Returns
    -------
    ndarray of shape (trials, d): ``w_hat = pinv(X) X w_*`` for each transfer
    set; exactly ``w_*`` for a set whose rows span ``R^d``. Rank-deficient
    sets (repeated points, zero rows) get the minimum-norm solution.
    """
    return _spans.project(X_batch, np.broadcast_to(w_star, (X_batch.shape[0], w_star.shape[0])))


@validate_params(X=Array("n", "d"))
def span_projector(X) -> np.ndarray:
    """The ``(d, d)`` orthogonal projector ``P_X`` onto the span of the rows of ``X``."""
    return np.linalg.pinv(X) @ X
