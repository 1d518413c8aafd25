"""The multi-class Theorem 1 (the book's own result): a softmax-linear student's limit."""

from __future__ import annotations

import numpy as np

from .._params import Array, validate_params


@validate_params(X=Array("n", "d"), W_teacher=Array("classes", "d", nonzero=True))
def softmax_distillation_solution(X, W_teacher) -> np.ndarray:
    """Where a softmax-linear student trained from zero on a linear teacher's soft labels goes.

    Gradient descent from ``W = 0`` on the cross-entropy to the soft labels
    ``softmax(W_teacher x_i)`` keeps the class-sum of the rows at zero (each
    gradient's columns sum to zero over classes) and every row in the span of
    the data; the unique minimizer with both properties is the class-centred
    teacher projected onto that span, ``(I - 11^T/K) W_teacher P_X``: the
    multi-class form of Theorem 1, eq. (6). For a rank-deficient ``X`` it is
    the minimum-norm minimizer.

    Parameters
    ----------
    X : array of shape (n, d)
        Transfer inputs, one per row.
    W_teacher : array of shape (K, d)
        The teacher's weights, one row per class (non-zero).

    Returns
    -------
    ndarray of shape (K, d)
    """
    _, singular, right = np.linalg.svd(X, full_matrices=False)
    rank = int(np.sum(singular > singular[0] * max(X.shape) * np.finfo(float).eps)) if singular[0] > 0 else 0
    basis = right[:rank]
    centred = W_teacher - W_teacher.mean(axis=0)
    return (centred @ basis.T) @ basis
