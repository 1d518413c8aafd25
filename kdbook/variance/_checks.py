"""Input checks shared by the variance-reduction modules (validated once, at the public boundary)."""

from __future__ import annotations

import numpy as np

from .._validation import as_float, as_float_array, as_vector


def _as_lam(lam, name: str = "lam") -> float:
    return as_float(lam, name, minimum=0.0, maximum=1.0)


def lam_values(lams, name: str = "lams") -> np.ndarray:
    """A 1-D array of distillation weights, each in ``[0, 1]``.

    A scalar becomes an array of length one.
    """
    if lams is not None and not isinstance(lams, (str, bytes)) and np.ndim(lams) == 0:
        lams = [lams]
    array = as_float_array(lams, name, ndim=1)
    if np.any((array < 0) | (array > 1)):
        raise ValueError(f"{name} must lie in [0, 1] (lam weights the distillation term), got {array}")
    return array


def _check_targets(b, n: int, name: str = "b") -> np.ndarray:
    b = as_vector(b, name)
    if b.shape[0] != n:
        raise ValueError(f"{name} must have one entry per row (n = {n}), got {b.shape[0]}")
    return b


def _check_labels(y, n: int, n_classes: int | None = None, name: str = "y") -> np.ndarray:
    array = np.asarray(y)
    if array.ndim != 1:
        raise ValueError(f"{name} must have shape (n,), got shape {array.shape}")
    if array.shape[0] != n:
        raise ValueError(f"{name} must have one label per row (n = {n}), got {array.shape[0]}")
    if not np.issubdtype(array.dtype, np.integer):
        if np.issubdtype(array.dtype, np.floating) and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
            array = array.astype(np.int64)
        else:
            raise TypeError(f"{name} must contain integer class labels 0, ..., K - 1")
    if np.any(array < 0) or (n_classes is not None and np.any(array >= n_classes)):
        upper = "K - 1" if n_classes is None else str(n_classes - 1)
        raise ValueError(f"{name} must contain class labels in [0, {upper}], got min {array.min()}, max {array.max()}")
    return array.astype(np.int64)


def _check_binary(y, n: int, name: str = "y") -> np.ndarray:
    y = _check_targets(y, n, name)
    if np.any((y < 0) | (y > 1)):
        raise ValueError(f"{name} must contain labels or probabilities in [0, 1]")
    return y


def _check_weights(W, name: str, d: int | None = None, n_classes: int | None = None) -> np.ndarray:
    W = as_float_array(W, name, ndim=2)
    if d is not None and W.shape[1] != d:
        raise ValueError(f"{name} must have shape (K, d) with d = {d} columns, got {W.shape}")
    if n_classes is not None and W.shape[0] != n_classes:
        raise ValueError(f"{name} must have K = {n_classes} rows (one per class), got {W.shape}")
    if W.shape[0] < 2:
        raise ValueError(f"{name} must have at least K = 2 rows (classes), got {W.shape}")
    return W


def _check_per_sample(grads, name: str) -> np.ndarray:
    grads = as_float_array(grads, name)
    if grads.ndim < 2:
        raise ValueError(f"{name} must hold one gradient per sample: shape (n, ...), got {grads.shape}")
    return grads.reshape(grads.shape[0], -1)
