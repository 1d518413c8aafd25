"""Least squares ``f_i(x) = (a_i^T x - b_i)^2 / 2``: gradients, solution, tasks and teachers."""

from __future__ import annotations

import numpy as np

from .._validation import as_data_matrix, as_float, as_generator, as_int, as_vector
from ._checks import _check_targets


def least_squares_gradients(x, A, b) -> np.ndarray:
    """Per-sample gradients ``a_i (a_i^T x - b_i)`` of ``f_i(x) = (a_i^T x - b_i)^2 / 2``.

    Parameters
    ----------
    x : array of shape (d,)
    A : array of shape (n, d), samples as rows
    b : array of shape (n,)

    Returns
    -------
    ndarray of shape (n, d).
    """
    x = as_vector(x, "x")
    A = as_data_matrix(A, "A", d=x.shape[0])
    b = _check_targets(b, A.shape[0])
    return A * (A @ x - b)[:, None]


def least_squares_loss(x, A, b) -> float:
    """``f(x) = (1/2n) ||A x - b||^2``, the mean of the per-sample losses."""
    x = as_vector(x, "x")
    A = as_data_matrix(A, "A", d=x.shape[0])
    b = _check_targets(b, A.shape[0])
    return float(0.5 * np.mean((A @ x - b) ** 2))


def least_squares_solution(A, b) -> np.ndarray:
    """The minimizer ``x*`` of ``f`` (minimum-norm if ``A`` is rank deficient), via ``numpy.linalg.lstsq``."""
    A = as_data_matrix(A, "A")
    b = _check_targets(b, A.shape[0])
    return np.linalg.lstsq(A, b, rcond=None)[0]


def make_least_squares(
    n: int, d: int, *, noise: float = 1.0, seed, x_true=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A synthetic regression task ``b = A x_true + noise * eps`` with Gaussian rows.

    Column ``j`` of ``A`` has scale ``linspace(1, 0.4, d)[j]`` so that the
    Hessian ``A^T A / n`` has condition number about 6: SGD mixes in a few
    hundred steps. Pass the ``x_true`` of an earlier call to draw more data
    from the same task (default: a standard Gaussian draw).

    Returns
    -------
    A : ndarray of shape (n, d); b : ndarray of shape (n,); x_true : ndarray of shape (d,)
    """
    n = as_int(n, "n", minimum=2)
    d = as_int(d, "d", minimum=1)
    noise = as_float(noise, "noise", minimum=0.0)
    rng = as_generator(seed, "seed")
    if x_true is None:
        x_true = rng.standard_normal(d)
    else:
        x_true = as_vector(x_true, "x_true")
        if x_true.shape[0] != d:
            raise ValueError(f"x_true must have shape ({d},), got {x_true.shape}")
    A = rng.standard_normal((n, d)) * np.linspace(1.0, 0.4, d)
    b = A @ x_true + noise * rng.standard_normal(n)
    return A, b, x_true


def least_squares_teachers(A, b, A_other, b_other, *, early_steps: int = 3) -> dict:
    """Three teachers of decreasing quality for the least-squares student on ``(A, b)``.

    * ``"exact optimum"``: ``x*`` itself;
    * ``"early-stopped"``: ``early_steps`` of gradient descent on ``(A, b)`` from zero;
    * ``"other data"``: the least-squares solution on a different sample ``(A_other, b_other)``.

    Returns
    -------
    dict mapping name to an array of shape (d,).
    """
    A = as_data_matrix(A, "A")
    A_other = as_data_matrix(A_other, "A_other", d=A.shape[1])
    b_other = _check_targets(b_other, A_other.shape[0], "b_other")
    return {
        "exact optimum": least_squares_solution(A, b),
        "early-stopped": early_stopped_least_squares(A, b, steps=early_steps),
        "other data": least_squares_solution(A_other, b_other),
    }


def early_stopped_least_squares(A, b, *, steps: int, lr: float | None = None, x0=None) -> np.ndarray:
    """A teacher stopped early: ``steps`` of full-batch gradient descent on ``f`` from ``x0`` (default 0).

    ``lr`` defaults to ``1 / L`` with ``L`` the largest eigenvalue of ``A^T A / n``.
    """
    A = as_data_matrix(A, "A")
    b = _check_targets(b, A.shape[0])
    steps = as_int(steps, "steps", minimum=0)
    n, d = A.shape
    H = A.T @ A / n
    if lr is None:
        lr = 1.0 / np.linalg.eigvalsh(H)[-1]
    lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
    x = np.zeros(d) if x0 is None else as_vector(x0, "x0").copy()
    if x.shape[0] != d:
        raise ValueError(f"x0 must have shape ({d},), got {x.shape}")
    Ab = A.T @ b / n
    for _ in range(steps):
        x = x - lr * (H @ x - Ab)
    return x
