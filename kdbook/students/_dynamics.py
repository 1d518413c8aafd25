"""A shallow student trained in numpy/scipy: gradient descent and the gradient flow of eq. (3)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from .._threads import single_threaded
from .._validation import as_data_matrix, as_float, as_float_array, as_int, as_vector
from ..losses import loss_gradient, normalized_cross_entropy, sigmoid


@dataclass(frozen=True)
class Trajectory:
    """A training run of a shallow student.

    Attributes
    ----------
    times : ndarray of shape (k,)
        Gradient-flow time of each record (``step * lr`` for gradient descent).
    weights : ndarray of shape (k, d)
        The student's weight vector at each recorded time.
    losses : ndarray of shape (k,)
        ``L^1`` (eq. 1) at each recorded time.
    """

    times: np.ndarray
    weights: np.ndarray
    losses: np.ndarray

    @property
    def w(self) -> np.ndarray:
        """The final weight vector, shape ``(d,)``."""
        return self.weights[-1]


def _start(w0, d: int) -> np.ndarray:
    if w0 is None:
        return np.zeros(d)
    w0 = as_vector(w0, "w0")
    if w0.shape[0] != d:
        raise ValueError(f"w0 must have shape ({d},) to match X, got {w0.shape}")
    return w0.copy()


def _labels(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = as_data_matrix(X, "X")
    y = as_vector(y, "y")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have one label per row of X (n = {X.shape[0]}), got {y.shape[0]}")
    if np.any((y < 0) | (y > 1)):
        raise ValueError("y must contain probabilities in [0, 1]")
    return X, y


def gradient_descent(X, y, *, lr: float, steps: int, w0=None, record_every: int = 1) -> Trajectory:
    """Gradient descent ``w <- w - lr * grad L^1(w)`` on eq. (1), from ``w0`` (default 0).

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,), soft labels in ``[0, 1]``
    lr : float > 0
        Step size. ``L^1`` is ``lambda_max(X^T X) / (4 n)``-smooth, so any
        ``lr`` below ``8 n / lambda_max(X^T X)`` decreases the loss.
    steps : int >= 1
    w0 : array of shape (d,), optional
        Starting point; Theorem 1 uses ``w(0) = 0``.
    record_every : int >= 1
        Keep every ``record_every``-th iterate (and the last).
    """
    X, y = _labels(X, y)
    lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
    steps = as_int(steps, "steps", minimum=1)
    record_every = as_int(record_every, "record_every", minimum=1)
    w = _start(w0, X.shape[1])
    n = X.shape[0]
    records = [(0, w.copy())]
    with single_threaded():  # thousands of small products: threads only add synchronization
        for step in range(1, steps + 1):
            w -= lr * (X.T @ (sigmoid(X @ w) - y)) / n
            if step % record_every == 0 or step == steps:
                records.append((step, w.copy()))
    steps_done = np.array([s for s, _ in records], dtype=np.float64)
    weights = np.array([v for _, v in records])
    losses = np.array([normalized_cross_entropy(v, X, y) for v in weights])
    return Trajectory(times=steps_done * lr, weights=weights, losses=losses)


def gradient_flow(X, y, times, *, w0=None, rtol: float = 1e-10, atol: float = 1e-12) -> Trajectory:
    """Solve the gradient flow ``dw/dt = -grad L^1(w)`` of eq. (3) for ``N = 1``.

    Uses scipy's implicit ``Radau`` integrator (the flow is stiff when some
    directions of the data are much longer than others).

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,), soft labels in ``[0, 1]``
    times : increasing array of non-negative times, shape (k,)
        Where to report the solution; the flow starts at time 0.
    w0 : array of shape (d,), optional (default 0)
    rtol, atol : float
        Tolerances of the integrator.
    """
    X, y = _labels(X, y)
    times = as_float_array(times, "times", ndim=1)
    if np.any(times < 0) or np.any(np.diff(times) <= 0):
        raise ValueError("times must be non-negative and strictly increasing")
    w = _start(w0, X.shape[1])
    n = X.shape[0]

    def velocity(_t, v):
        return -loss_gradient(v, X, y)

    def jacobian(_t, v):
        logits = X @ v
        return -(X.T * (sigmoid(logits) * sigmoid(-logits))) @ X / n

    with single_threaded():
        solution = solve_ivp(
            velocity, (0.0, float(times[-1])), w, method="Radau", t_eval=times,
            jac=jacobian, rtol=rtol, atol=atol,
        )
    if not solution.success:  # pragma: no cover - scipy reports its own reason
        raise RuntimeError(f"gradient flow integration failed: {solution.message}")
    weights = solution.y.T
    losses = np.array([normalized_cross_entropy(v, X, y) for v in weights])
    return Trajectory(times=solution.t, weights=weights, losses=losses)
