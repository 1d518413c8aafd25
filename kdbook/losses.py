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

from ._validation import as_data_matrix, as_float, as_nonzero_vector, as_vector

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


def sigmoid(z):
    """The logistic function ``1 / (1 + exp(-z))``, overflow-free (scipy's ``expit``)."""
    return expit(np.asarray(z, dtype=np.float64))


def log_sigmoid(z):
    """``log sigma(z) = -log(1 + exp(-z))``, exact for large ``|z|``."""
    return -np.logaddexp(0.0, -np.asarray(z, dtype=np.float64))


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
    w_star = as_nonzero_vector(w_star, "w_star")
    X = as_data_matrix(X, "X", d=w_star.shape[0])
    temperature = as_float(temperature, "temperature", minimum=0.0, strict_minimum=True)
    return sigmoid(X @ w_star / temperature)


def hard_labels(X, w_star) -> np.ndarray:
    """The teacher's decisions ``h_*(x_i) = 1{w_*^T x_i >= 0}`` as 0/1 floats, shape ``(n,)``."""
    w_star = as_nonzero_vector(w_star, "w_star")
    X = as_data_matrix(X, "X", d=w_star.shape[0])
    return (X @ w_star >= 0).astype(np.float64)


def _check_labels(y, n: int) -> np.ndarray:
    y = as_vector(y, "y")
    if y.shape[0] != n:
        raise ValueError(f"y must have one label per row of X (n = {n}), got {y.shape[0]}")
    if np.any((y < 0) | (y > 1)):
        raise ValueError("y must contain probabilities in [0, 1]")
    return y


def binary_entropy(y) -> np.ndarray:
    """Elementwise entropy ``-y log y - (1 - y) log(1 - y)`` in nats (0 at y = 0 or 1)."""
    y = _as_probabilities(y)
    return -(xlogy(y, y) + xlogy(1.0 - y, 1.0 - y))


def _as_probabilities(y) -> np.ndarray:
    """Validate an array of probabilities in ``[0, 1]`` (any shape)."""
    y = np.asarray(y, dtype=np.float64)
    if y.size == 0:
        raise ValueError("y must not be empty")
    if not np.all(np.isfinite(y)) or np.any((y < 0) | (y > 1)):
        raise ValueError("y must contain probabilities in [0, 1]")
    return y


def optimal_loss(y) -> float:
    """The constant ``L^*`` of eq. (1): the mean binary entropy of the soft labels.

    Cross-entropy against soft labels is minimized when the student's
    probabilities equal them, where it equals their entropy; subtracting it
    makes ``min L^1 = 0``.
    """
    return float(np.mean(binary_entropy(y)))


def _per_sample_cross_entropy(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -(y * log_sigmoid(logits) + (1.0 - y) * log_sigmoid(-logits))


def cross_entropy(w, X, y) -> float:
    """The un-normalized cross-entropy ``-(1/n) sum_i [y_i log s_i + (1 - y_i) log(1 - s_i)]``.

    ``s_i = sigma(w^T x_i)``; ``X`` has shape ``(n, d)``, ``w`` shape ``(d,)``,
    ``y`` shape ``(n,)`` with entries in ``[0, 1]``.
    """
    w = as_vector(w, "w")
    X = as_data_matrix(X, "X", d=w.shape[0])
    y = _check_labels(y, X.shape[0])
    return float(np.mean(_per_sample_cross_entropy(X @ w, y)))


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
    w = as_vector(w, "w")
    X = as_data_matrix(X, "X", d=w.shape[0])
    y = _check_labels(y, X.shape[0])
    per_sample = _per_sample_cross_entropy(X @ w, y) - binary_entropy(y)
    # Rounding can leave -1e-17 where the exact value is 0; the loss is a KL.
    return float(max(np.mean(per_sample), 0.0))


def loss_gradient(w, X, y) -> np.ndarray:
    """Gradient of ``L^1`` (eq. 1): ``(1/n) X^T (sigma(X w) - y)``, shape ``(d,)``.

    It is a combination of the rows of ``X``, so it always lies in the span of
    the data: the fact behind Theorem 1.
    """
    w = as_vector(w, "w")
    X = as_data_matrix(X, "X", d=w.shape[0])
    y = _check_labels(y, X.shape[0])
    return X.T @ (sigmoid(X @ w) - y) / X.shape[0]


def loss_hessian(w, X) -> np.ndarray:
    """Hessian of ``L^1``: ``(1/n) X^T diag(sigma'(X w)) X``, shape ``(d, d)``.

    It does not depend on the labels. ``sigma'(z) = sigma(z) sigma(-z)``
    vanishes for large ``|z|``, which is why saturated (hot) teachers make
    gradient descent slow.
    """
    w = as_vector(w, "w")
    X = as_data_matrix(X, "X", d=w.shape[0])
    logits = X @ w
    curvature = sigmoid(logits) * sigmoid(-logits)
    return (X.T * curvature) @ X / X.shape[0]
