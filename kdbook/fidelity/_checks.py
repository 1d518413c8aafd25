"""Checks shared by the fidelity modules that a declaration cannot state (facts about a value).

The parameters themselves are declared with :func:`kdbook._params.validate_params`
where each public function is defined; the helpers here get converted values.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_int


def _check_classes(scores: np.ndarray, name: str) -> None:
    """Scores over ``K`` classes (the last axis) need ``K >= 2``."""
    if scores.shape[-1] < 2:
        raise ValueError(f"{name} must have K >= 2 classes along its last axis, got shape {scores.shape}")


def _check_probability_rows(probs: np.ndarray, name: str) -> None:
    if np.any(probs < 0) or np.any(probs > 1):
        raise ValueError(f"{name} must contain probabilities in [0, 1] (kind='probs')")
    if not np.allclose(probs.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError(f"{name} must have rows summing to 1 (probabilities over the K classes, kind='probs')")


def _check_hidden(hidden) -> tuple:
    """The hidden widths of an MLP (a tuple or list, already checked to be one): each an int >= 1."""
    return tuple(as_int(width, "hidden (each width)", minimum=1) for width in hidden)


def _check_sizes_fit(sizes: np.ndarray, n_total: int, name_total: str) -> None:
    if sizes[-1] > n_total:
        raise ValueError(
            f"sizes must be <= {n_total} (the rows of {name_total}), got {int(sizes[-1])}"
        )
