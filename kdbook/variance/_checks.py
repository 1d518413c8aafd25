"""Checks the variance-reduction modules share.

Every public function declares its parameters with
:func:`kdbook._params.validate_params`; what is left here are the facts that
involve several parameters (labels below ``K``, at least two classes) or a
shape the declarations cannot name (per-sample gradients of shape ``(n, ...)``).
"""

from __future__ import annotations

import numpy as np

from .._params import Array, validate_params

#: Distillation weights ``lam``: one number or a 1-D array, every entry in ``[0, 1]``.
LAMS = Array(..., low=0.0, high=1.0)


def _lam_array(lams: np.ndarray, name: str) -> np.ndarray:
    """A validated scalar or 1-D array of weights as a 1-D array (a scalar gives length one)."""
    if lams.ndim == 0:
        return lams.reshape(1)
    if lams.ndim > 1:
        raise ValueError(f"{name} must be a number or have shape (L,), got shape {lams.shape}")
    return lams


@validate_params(lams=LAMS)
def lam_values(lams) -> np.ndarray:
    """A 1-D array of distillation weights, each in ``[0, 1]``.

    A scalar becomes an array of length one.
    """
    return _lam_array(lams, "lams")


def _check_classes(W: np.ndarray, name: str) -> None:
    if W.shape[0] < 2:
        raise ValueError(f"{name} must have at least K = 2 rows (classes), got shape {W.shape}")


def _check_label_range(y: np.ndarray, n_classes: int, name: str, classes_from: str) -> None:
    """Labels (whole numbers >= 0, already checked) must index one of the ``n_classes`` classes."""
    if np.any(y >= n_classes):
        raise ValueError(
            f"{name} must contain class labels in [0, {n_classes - 1}] ({classes_from}), got max {y.max()}"
        )


def _check_per_sample(grads: np.ndarray, name: str) -> np.ndarray:
    if grads.ndim < 2:
        raise ValueError(f"{name} must hold one gradient per sample: shape (n, ...), got shape {grads.shape}")
    return grads.reshape(grads.shape[0], -1)
