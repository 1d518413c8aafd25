"""The teacher's soft labels and the student's distillation loss.

Notation follows Phuong & Lampert (2019), Section 3, with samples as rows:
``X`` has shape ``(n, d)`` where the paper writes ``X in R^{d x n}``.

* soft labels ``y_i = sigma(w_*^T x_i)``;
* the normalized cross-entropy ``L^1(w)`` of eq. (1), whose constant ``L^*``
  is the mean binary entropy of the soft labels, so that ``min L^1 = 0``;
* its gradient ``(1/n) X^T (sigma(X w) - y)`` and Hessian
  ``(1/n) X^T diag(sigma'(X w)) X``.

All functions stay finite for logits as large as ``+-1e4``: they work with
``log sigma(z) = -softplus(-z)`` and never form ``log(0)``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, xlogy

from ._params import Array, Real, validate_params

__all__ = [
    "sigmoid",
    "log_sigmoid",
    "soft_labels",
    "hard_labels",
    "binary_entropy",
    "optimal_loss",
    "cross_entropy",
    "normalized_cross_entropy",
    "loss_gradient",
    "loss_hessian",
]


@validate_params(z=Array(...))
def sigmoid(z):
    """The logistic function ``1 / (1 + exp(-z))``, overflow-free (scipy's ``expit``)."""
    return expit(z)


@validate_params(z=Array(...))
def log_sigmoid(z):
    """``log sigma(z) = -log(1 + exp(-z))``, exact for large ``|z|``."""
    return -np.logaddexp(0.0, -z)


@validate_params(w_star=Array("d", nonzero=True), X=Array("n", "d"), temperature=Real(0.0, low_open=True))
def soft_labels(X, w_star, temperature: float = 1.0) -> np.ndarray:
    """The teacher's soft labels ``y_i = sigma(w_*^T x_i / T)``.

    Parameters
    ----------
    X : array of shape (n, d)
        Transfer inputs, one sample per row.
    w_star : array of shape (d,)
        The teacher's weight vector (non-zero).
    temperature : float, default 1.0
        ``T > 0``. The paper uses ``T = 1``; a larger ``T`` softens the labels
        exactly as shrinking ``||w_*||`` does.

    Returns
    -------
    ndarray of shape (n,) with values in ``[0, 1]``.
    """
    return sigmoid(X @ w_star / temperature)


@validate_params(w_star=Array("d", nonzero=True), X=Array("n", "d"))
def hard_labels(X, w_star) -> np.ndarray:
    """The teacher's decisions ``h_*(x_i) = 1{w_*^T x_i >= 0}`` as 0/1 floats, shape ``(n,)``."""
    return (X @ w_star >= 0).astype(np.float64)


@validate_params(y=Array(..., low=0.0, high=1.0))
def binary_entropy(y) -> np.ndarray:
    """Elementwise entropy ``-y log y - (1 - y) log(1 - y)`` in nats (0 at y = 0 or 1)."""
    return -(xlogy(y, y) + xlogy(1.0 - y, 1.0 - y))


@validate_params(y=Array(..., low=0.0, high=1.0))
def optimal_loss(y) -> float:
    """The constant ``L^*`` of eq. (1): the mean binary entropy of the soft labels.

    Cross-entropy against soft labels is minimized when the student's
    probabilities equal them, where it equals their entropy; subtracting it
    makes ``min L^1 = 0``.
    """
    return float(np.mean(binary_entropy(y)))


def _per_sample_cross_entropy(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -(y * log_sigmoid(logits) + (1.0 - y) * log_sigmoid(-logits))


@validate_params(w=Array("d"), X=Array("n", "d"), y=Array("n", low=0.0, high=1.0))
def cross_entropy(w, X, y) -> float:
    """The un-normalized cross-entropy ``-(1/n) sum_i [y_i log s_i + (1 - y_i) log(1 - s_i)]``.

    ``s_i = sigma(w^T x_i)``; ``X`` has shape ``(n, d)``, ``w`` shape ``(d,)``,
    ``y`` shape ``(n,)`` with entries in ``[0, 1]``.
    """
    return float(np.mean(_per_sample_cross_entropy(X @ w, y)))


@validate_params(w=Array("d"), X=Array("n", "d"), y=Array("n", low=0.0, high=1.0))
def normalized_cross_entropy(w, X, y) -> float:
    """The distillation objective ``L^1(w)`` of eq. (1), normalized so ``min L^1 = 0``.

    It equals the mean Kullback-Leibler divergence between the Bernoulli
    distributions of the soft labels and of the student, hence ``L^1 >= 0``
    with equality exactly when ``X w`` reproduces the teacher's logits.

    Parameters
    ----------
    w : array of shape (d,)
        The student's end-to-end weight vector.
    X : array of shape (n, d)
        Transfer inputs, samples as rows.
    y : array of shape (n,)
        Soft labels in ``[0, 1]``, usually ``soft_labels(X, w_star)``.
    """
    per_sample = _per_sample_cross_entropy(X @ w, y) - binary_entropy(y)
    # Rounding can leave -1e-17 where the exact value is 0; the loss is a KL.
    return float(max(np.mean(per_sample), 0.0))


@validate_params(w=Array("d"), X=Array("n", "d"), y=Array("n", low=0.0, high=1.0))
def loss_gradient(w, X, y) -> np.ndarray:
    """Gradient of ``L^1`` (eq. 1): ``(1/n) X^T (sigma(X w) - y)``, shape ``(d,)``.

    It is a combination of the rows of ``X``, so it always lies in the span of
    the data: the fact behind Theorem 1.
    """
    return X.T @ (sigmoid(X @ w) - y) / X.shape[0]


@validate_params(w=Array("d"), X=Array("n", "d"))
def loss_hessian(w, X) -> np.ndarray:
    """Hessian of ``L^1``: ``(1/n) X^T diag(sigma'(X w)) X``, shape ``(d, d)``.

    It does not depend on the labels. ``sigma'(z) = sigma(z) sigma(-z)``
    vanishes for large ``|z|``, which is why saturated (hot) teachers make
    gradient descent slow.
    """
    logits = X @ w
    curvature = sigmoid(logits) * sigmoid(-logits)
    return (X.T * curvature) @ X / X.shape[0]
