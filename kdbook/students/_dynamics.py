"""A shallow student trained in numpy/scipy: gradient descent and the gradient flow of eq. (3)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from .._params import Array, Integer, Real, validate_params
from .._threads import single_threaded
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
    """A private copy of a validated start, or the origin."""
    return np.zeros(d) if w0 is None else w0.copy()


#: Soft labels: one per row of ``X``, each in ``[0, 1]``.
SOFT_LABELS = Array("n", low=0.0, high=1.0)


@validate_params(
    X=Array("n", "d"), y=SOFT_LABELS, lr=Real(0.0, low_open=True), steps=Integer(1),
    w0=Array("d", optional=True), record_every=Integer(1),
)
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


@validate_params(
    X=Array("n", "d"), y=SOFT_LABELS, times=Array("k", low=0.0, increasing=True),
    w0=Array("d", optional=True), rtol=Real(0.0, low_open=True), atol=Real(0.0, low_open=True),
)
def gradient_flow(X, y, times, *, w0=None, rtol: float = 1e-10, atol: float = 1e-12) -> Trajectory:
    """Solve the gradient flow ``dw/dt = -grad L^1(w)`` of eq. (3) for ``N = 1``.

    Uses scipy's implicit ``Radau`` integrator (the flow is stiff when some
    directions of the data are much longer than others).

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,), soft labels in ``[0, 1]``
    times : increasing array of non-negative times, shape (k,)
        Where to report the solution; the flow starts at time 0 (``[0.0]`` returns the start).
    w0 : array of shape (d,), optional (default 0)
    rtol, atol : float
        Tolerances of the integrator.
    """
    w = _start(w0, X.shape[1])
    n = X.shape[0]

    def velocity(_t, v):
        return -loss_gradient(v, X, y)

    def jacobian(_t, v):
        logits = X @ v
        return -(X.T * (sigmoid(logits) * sigmoid(-logits))) @ X / n

    with single_threaded():
        return solve_flow(velocity, w, times, X, y, name="gradient flow", method="Radau", jac=jacobian,
                          rtol=rtol, atol=atol)


def solve_flow(velocity, w0: np.ndarray, times: np.ndarray, X, y, *, name: str, **solver) -> Trajectory:
    """Integrate ``dw/dt = velocity(t, w)`` from ``w0`` at time 0 and report ``w`` and ``L^1`` at ``times``.

    ``times = [0.0]`` returns the start itself: scipy's ``solve_ivp`` cannot
    integrate over an empty interval (it hands back a list, not an array).
    """
    if times[-1] == 0.0:  # times is increasing and >= 0, so it is exactly [0.0]
        weights = w0[None, :].copy()
        times_done = np.asarray(times, dtype=np.float64).copy()
    else:
        solution = solve_ivp(velocity, (0.0, float(times[-1])), w0, t_eval=times, **solver)
        if not solution.success:  # pragma: no cover - scipy reports its own reason
            raise RuntimeError(f"{name} integration failed: {solution.message}")
        weights, times_done = solution.y.T, solution.t
    losses = np.array([normalized_cross_entropy(v, X, y) for v in weights])
    return Trajectory(times=times_done, weights=weights, losses=losses)
