"""Input checks shared by the fidelity modules (validated once, at the public boundary)."""

from __future__ import annotations

import numpy as np

from .._validation import as_float, as_float_array, as_int


def _as_scores(value, name: str) -> np.ndarray:
    scores = as_float_array(value, name, ndim=2)
    if scores.shape[1] < 2:
        raise ValueError(f"{name} must have shape (n, K) with K >= 2 classes, got shape {scores.shape}")
    return scores


def _check_temperature(temperature) -> float:
    return as_float(temperature, "temperature", minimum=0.0, strict_minimum=True)


def _check_labels(y, n: int, name: str) -> np.ndarray:
    labels = np.asarray(y)
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},), one label per row, got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"{name} must contain integer class labels 0, ..., K - 1, got dtype {labels.dtype}")
    if np.any(labels < 0):
        raise ValueError(f"{name} must contain class labels >= 0")
    return labels.astype(np.int64)


def _check_sizes(sizes, n_total: int) -> np.ndarray:
    values = [as_int(size, "sizes (each)", minimum=1, maximum=n_total) for size in sizes]
    if not values:
        raise ValueError("sizes must contain at least one size")
    if np.any(np.diff(values) <= 0):
        raise ValueError(f"sizes must be strictly increasing, got {values}")
    return np.array(values)
