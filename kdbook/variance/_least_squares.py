"""Least squares ``f_i(x) = (a_i^T x - b_i)^2 / 2``: gradients, solution, tasks and teachers."""

from __future__ import annotations

import numpy as np

from .._params import Array, Integer, Real, Seed, validate_params


@validate_params(x=Array("d"), A=Array("n", "d"), b=Array("n"))
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
    return A * (A @ x - b)[:, None]


@validate_params(x=Array("d"), A=Array("n", "d"), b=Array("n"))
def least_squares_loss(x, A, b) -> float:
    """``f(x) = (1/2n) ||A x - b||^2``, the mean of the per-sample losses."""
    return float(0.5 * np.mean((A @ x - b) ** 2))


@validate_params(A=Array("n", "d"), b=Array("n"))
def least_squares_solution(A, b) -> np.ndarray:
    """The minimizer ``x*`` of ``f`` (minimum-norm if ``A`` is rank deficient), via ``numpy.linalg.lstsq``."""
    return np.linalg.lstsq(A, b, rcond=None)[0]


@validate_params(n=Integer(2), d=Integer(1), noise=Real(0.0), seed=Seed(), x_true=Array("d", optional=True))
def make_least_squares(
    n: int, d: int, *, noise: float = 1.0, seed=0, x_true=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A synthetic regression task ``b = A x_true + noise * eps`` with Gaussian rows.

    Column ``j`` of ``A`` has scale ``linspace(1, 0.4, d)[j]`` so that the
    Hessian ``A^T A / n`` has condition number about 6: SGD mixes in a few
    hundred steps. Pass the ``x_true`` of an earlier call to draw more data
    from the same task (default: a standard Gaussian draw).

    Parameters
    ----------
    n : int >= 2; d : int >= 1
    noise : float >= 0, default 1.0
    seed : int >= 0 or numpy Generator, default 0
    x_true : array of shape (d,), optional

    Returns
    -------
    A : ndarray of shape (n, d); b : ndarray of shape (n,); x_true : ndarray of shape (d,)
    """
    rng = seed
    if x_true is None:
        x_true = rng.standard_normal(d)
    elif x_true.shape[0] != d:
        raise ValueError(f"x_true must have shape (d,) = ({d},) to match d, got shape {x_true.shape}")
    A = rng.standard_normal((n, d)) * np.linspace(1.0, 0.4, d)
    b = A @ x_true + noise * rng.standard_normal(n)
    return A, b, x_true


@validate_params(
    A=Array("n", "d"), b=Array("n"), A_other=Array("n_other", "d"), b_other=Array("n_other"), early_steps=Integer(0)
)
def least_squares_teachers(A, b, A_other, b_other, *, early_steps: int = 3) -> dict:
    """Three teachers of decreasing quality for the least-squares student on ``(A, b)``.

    * ``"exact optimum"``: ``x*`` itself;
    * ``"early-stopped"``: ``early_steps`` of gradient descent on ``(A, b)`` from zero;
    * ``"other data"``: the least-squares solution on a different sample ``(A_other, b_other)``.

    Returns
    -------
    dict mapping name to an array of shape (d,).
    """
    return {
        "exact optimum": least_squares_solution(A, b),
        "early-stopped": early_stopped_least_squares(A, b, steps=early_steps),
        "other data": least_squares_solution(A_other, b_other),
    }


@validate_params(
    A=Array("n", "d"), b=Array("n"), steps=Integer(0), lr=Real(0.0, low_open=True, optional=True),
    x0=Array("d", optional=True),
)
def early_stopped_least_squares(A, b, *, steps: int, lr: float | None = None, x0=None) -> np.ndarray:
    """A teacher stopped early: ``steps`` of full-batch gradient descent on ``f`` from ``x0`` (default 0).

    ``lr`` defaults to ``1 / L`` with ``L`` the largest eigenvalue of ``A^T A / n``.
    """
    n, d = A.shape
    H = A.T @ A / n
    if lr is None:
        top = np.linalg.eigvalsh(H)[-1]
        if top <= 0:
            raise ValueError("A must not be all zeros when lr is not given (lr defaults to 1 / L, L the largest "
                             "eigenvalue of A^T A / n)")
        lr = float(1.0 / top)
    x = np.zeros(d) if x0 is None else x0.copy()
    Ab = A.T @ b / n
    for _ in range(steps):
        x = x - lr * (H @ x - Ab)
    return x
