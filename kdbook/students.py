"""What the student learns: the distillation solution and its training dynamics.

* :func:`distillation_solution` is the closed form ``w_hat`` of Theorem 1,
  eq. (6): the projection of ``w_*`` onto the span of the data.
* :func:`distillation_solutions` does the same for a stack of transfer sets.
* :func:`gradient_descent` and :func:`gradient_flow` train a shallow
  (``N = 1``) student on ``L^1`` (eq. 1) with a finite step, and along the
  continuous flow of eq. (3), in numpy/scipy.
* :func:`train_student` trains a shallow or deep linear student
  ``w^T = W_N ... W_1`` (eq. 2) in torch and records its distance to
  ``w_hat`` (Theorems 1 and 2).
* :func:`restricted_hessian_eigenvalue`, :func:`strong_convexity_bound` and
  :func:`sublevel_points` make the restricted strong convexity of eq. (9)
  (the heart of the proof of Theorem 1) measurable.

Samples are rows: ``X`` has shape ``(n, d)``; the paper's ``X`` is ``X.T``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from . import spans
from ._validation import (
    as_data_matrix,
    as_data_stack,
    as_float,
    as_float_array,
    as_generator,
    as_int,
    as_nonzero_vector,
    as_vector,
)
from .losses import loss_gradient, normalized_cross_entropy, sigmoid

__all__ = [
    "distillation_solution",
    "distillation_solutions",
    "project_onto_spans",
    "span_projector",
    "Trajectory",
    "gradient_descent",
    "gradient_flow",
    "TrainedStudent",
    "smoothness_constant",
    "default_learning_rate",
    "train_student",
    "restricted_hessian_eigenvalue",
    "strong_convexity_bound",
    "sublevel_points",
]


def distillation_solution(X, w_star) -> np.ndarray:
    """The student's limit ``w_hat`` of Theorem 1, eq. (6).

    ``w_hat = w_*`` when the rows of ``X`` span ``R^d`` and
    ``w_hat = X^T (X X^T)^{-1} X w_*`` (the paper's ``X (X^T X)^{-1} X^T w_*``
    with samples as rows) when they are linearly independent: in both cases
    the orthogonal projection of ``w_*`` onto the span of the data. For a
    rank-deficient ``X`` (repeated points, zero rows) it is the minimum-norm
    solution ``pinv(X) X w_*``, which is where gradient descent from 0 goes
    (see :mod:`kdbook.spans`).

    Parameters
    ----------
    X : array of shape (n, d)
        Transfer inputs, one per row.
    w_star : array of shape (d,)
        The teacher's weight vector (non-zero).

    Returns
    -------
    ndarray of shape (d,)
    """
    w_star = as_nonzero_vector(w_star, "w_star")
    X = as_data_matrix(X, "X", d=w_star.shape[0])
    return spans.project_one(X, w_star)


#: Gram matrices with a larger condition number are projected through the SVD instead.
GRAM_CONDITION_LIMIT = spans.GRAM_CONDITION_LIMIT


def project_onto_spans(X_batch, vectors) -> np.ndarray:
    """``P_X v`` for each transfer set: the projection onto the span of its rows.

    The projection ``X^T (X X^T)^{-1} X v`` (eq. 6 with samples as rows) is
    solved through the small ``(n, n)`` Gram matrices, which costs ``n^2 d``
    per set; sets whose Gram matrix is ill-conditioned or singular
    (condition number above ``GRAM_CONDITION_LIMIT``: repeated or nearly
    repeated points, zero rows) are projected through an SVD with
    ``numpy.linalg.pinv``'s cutoff, so the result is always the minimum-norm
    ``pinv(X) X v``. Sets with ``n >= d`` rows are allowed (``v`` itself when
    the rows span ``R^d``).

    Parameters
    ----------
    X_batch : array of shape (trials, n, d)
    vectors : array of shape (d,) or (trials, d)

    Returns
    -------
    ndarray of shape (trials, d)
    """
    X_batch = as_data_stack(X_batch, "X_batch")
    trials, n, d = X_batch.shape
    vectors = as_float_array(vectors, "vectors")
    if vectors.shape not in ((d,), (trials, d)):
        raise ValueError(f"vectors must have shape ({d},) or ({trials}, {d}), got {vectors.shape}")
    return spans.project(X_batch, np.broadcast_to(vectors, (trials, d)))


def distillation_solutions(X_batch, w_star) -> np.ndarray:
    """:func:`distillation_solution` for many transfer sets at once.

    Parameters
    ----------
    X_batch : array of shape (trials, n, d)
        ``trials`` transfer sets of ``n`` samples each.
    w_star : array of shape (d,)

    Returns
    -------
    ndarray of shape (trials, d): ``w_hat = pinv(X) X w_*`` for each transfer
    set; exactly ``w_*`` for a set whose rows span ``R^d``. Rank-deficient
    sets (repeated points, zero rows) get the minimum-norm solution.
    """
    w_star = as_nonzero_vector(w_star, "w_star")
    X_batch = as_data_stack(X_batch, "X_batch", d=w_star.shape[0])
    return spans.project(X_batch, np.broadcast_to(w_star, (X_batch.shape[0], w_star.shape[0])))


def _span_basis(X: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the span of the rows of ``X``, shape ``(d, rank)``."""
    _, singular, vt = np.linalg.svd(X, full_matrices=False)
    rank = int(np.sum(singular > singular[0] * max(X.shape) * np.finfo(np.float64).eps))
    return vt[:rank].T.copy()


def span_projector(X) -> np.ndarray:
    """The ``(d, d)`` orthogonal projector ``P_X`` onto the span of the rows of ``X``."""
    X = as_data_matrix(X, "X")
    return np.linalg.pinv(X) @ X


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

    solution = solve_ivp(
        velocity, (0.0, float(times[-1])), w, method="Radau", t_eval=times,
        jac=jacobian, rtol=rtol, atol=atol,
    )
    if not solution.success:  # pragma: no cover - scipy reports its own reason
        raise RuntimeError(f"gradient flow integration failed: {solution.message}")
    weights = solution.y.T
    losses = np.array([normalized_cross_entropy(v, X, y) for v in weights])
    return Trajectory(times=solution.t, weights=weights, losses=losses)


# ---------------------------------------------------------------------------
# Training in torch: shallow (N = 1) and deep linear (N >= 2) students.
# ---------------------------------------------------------------------------

#: Default end-to-end norm ``||w(0)||`` of a deep student (Theorem 2 needs a small start).
DEFAULT_DEEP_INIT_SCALE = 1e-3
#: Default number of gradient steps (per depth: deeper students must first escape the origin).
DEFAULT_STEPS = {1: 5000, 2: 8000, 3: 12000}
#: Default width of the hidden layers of a deep linear student.
DEFAULT_HIDDEN_WIDTH = 8

OPTIMIZERS = ("auto", "gd", "lbfgs", "newton")
#: ``optimizer="auto"`` finishes with Newton steps when gradient descent ends
#: farther than this (relative) from its limit.
AUTO_TOLERANCE = 1e-6
#: At most this many Newton steps finish an ``optimizer="auto"`` run.
AUTO_NEWTON_STEPS = 50


@dataclass(frozen=True)
class TrainedStudent:
    """A student trained on ``L^1`` (eq. 1) by :func:`train_student`.

    Attributes
    ----------
    w : ndarray of shape (d,)
        The end-to-end weight vector ``w^T = W_N ... W_1`` after training.
    factors : list of ndarray
        ``[W_1, ..., W_N]``: ``W_1`` has shape ``(h, d)``, the middle factors
        ``(h, h)`` and ``W_N`` shape ``(1, h)``; for ``N = 1`` the single
        factor is ``w^T`` of shape ``(1, d)``.
    history : pandas.DataFrame
        One row per step (step 0 is the start) with columns ``step``,
        ``loss`` (``L^1(w)``, eq. 1), ``distance`` (``||w - w_hat||``) and
        ``orthogonal`` (the norm of the part of ``w`` orthogonal to the
        span of the data).
    w_hat : ndarray of shape (d,)
        :func:`distillation_solution`, the limit predicted by Theorems 1-2.
    w0 : ndarray of shape (d,)
        The end-to-end starting point ``w(0)``.
    initial_factors : list of ndarray
        ``[W_1(0), ..., W_N(0)]``, the factors at the start.
    depth : int
        ``N``, the number of factors.
    lr : float
        The step size used (for L-BFGS and Newton, the initial step of the line search).
    optimizer : str
        ``"gd"`` (gradient descent, a discretisation of the flow of eq. 3),
        ``"lbfgs"``, ``"newton"``, or ``"gd+newton"`` when ``optimizer="auto"``
        had to finish gradient descent with Newton steps.
    """

    w: np.ndarray
    factors: list
    history: object
    w_hat: np.ndarray
    w0: np.ndarray
    initial_factors: list
    depth: int
    lr: float
    optimizer: str

    @property
    def relative_error(self) -> float:
        """``||w - w_hat|| / ||w_hat||`` at the end of training."""
        return float(np.linalg.norm(self.w - self.w_hat) / np.linalg.norm(self.w_hat))


def smoothness_constant(X) -> float:
    """The smoothness constant ``lambda_max(X^T X) / (4 n)`` of ``L^1`` (eq. 1).

    The Hessian ``(1/n) X^T diag(sigma'(Xw)) X`` has ``sigma' <= 1/4``, so the
    gradient is Lipschitz with this constant and gradient descent with
    ``lr < 2 / L`` decreases the loss.
    """
    X = as_data_matrix(X, "X")
    return float(np.linalg.norm(X, 2) ** 2 / (4.0 * X.shape[0]))


def default_learning_rate(X, w_star, depth: int = 1) -> float:
    """The step size :func:`train_student` uses when ``lr`` is not given.

    ``1 / L`` for ``N = 1`` (``L`` from :func:`smoothness_constant`). For
    ``N >= 2`` the end-to-end vector moves with the preconditioner of
    :func:`kdbook.deep_linear.preconditioner`, whose largest eigenvalue is
    ``N ||w||^(2 - 2/N)``; it is bounded along the way by its value at
    ``w_hat``, so the default is ``1 / (L N max(||w_hat||, 1)^(2 - 2/N))``.
    """
    w_star = as_nonzero_vector(w_star, "w_star")
    X = as_data_matrix(X, "X", d=w_star.shape[0])
    depth = as_int(depth, "depth", minimum=1)
    lr = 1.0 / smoothness_constant(X)
    if depth > 1:
        scale = max(float(np.linalg.norm(distillation_solution(X, w_star))), 1.0)
        lr /= depth * scale ** (2.0 - 2.0 / depth)
    return lr


def _torch_loss(torch, factors, X_t, y_t, entropy: float):
    """``L^1`` of eq. (1) for the product of ``factors``, as a torch scalar."""
    row = factors[-1]
    for factor in reversed(factors[:-1]):
        row = row @ factor
    logits = X_t @ row[0]
    # -y log s - (1 - y) log(1 - s) = softplus(z) - y z, minus L^* (eq. 1).
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, y_t) - entropy, row[0]


def train_student(
    X,
    w_star,
    depth: int = 1,
    *,
    steps: int | None = None,
    lr: float | None = None,
    init_scale: float | None = None,
    hidden_width: int = DEFAULT_HIDDEN_WIDTH,
    seed=0,
    w0=None,
    optimizer: str = "auto",
    callback=None,
    callback_every: int = 100,
) -> TrainedStudent:
    """Train a linear student ``w^T = W_N ... W_1`` by distillation (eqs. 1-3), in torch float64.

    Gradient descent on the factors, ``W_j <- W_j - lr * dL/dW_j`` with
    ``L(W_1, ..., W_N) = L^1((W_N ... W_1)^T)`` (eq. 2), is the
    finite-step version of the gradient flow of eq. (3). Theorem 1 (``N = 1``,
    start at 0) and Theorem 2 (``N >= 2``, small balanced start) say where it
    goes: to ``w_hat`` of eq. (6), returned as ``w_hat``.

    Parameters
    ----------
    X : array of shape (n, d)
        Transfer inputs, samples as rows.
    w_star : array of shape (d,)
        The teacher (non-zero); the soft labels are ``sigma(X w_star)``.
    depth : int >= 1
        ``N``, the number of factors.
    steps : int >= 1, optional
        Number of gradient steps (L-BFGS iterations). Default 5000 for
        ``N = 1``, 8000 for ``N = 2`` and 12000 for ``N >= 3``.
    lr : float > 0, optional
        Step size; default :func:`default_learning_rate` for gradient descent
        and 1 (the initial step of the line search) for L-BFGS and Newton.
        With all defaults a shallow student with ``d <= 200``, ``n <= 400``
        and logits of order one converges (``||w - w_hat|| <= 1e-4 ||w_hat||``),
        including the ill-conditioned case ``n`` close to ``d`` where
        gradient descent alone would stall (see ``optimizer``).
    init_scale : float >= 0, optional
        ``||w(0)||``: the start has this norm and a random direction drawn
        from ``seed``. Default 0 for ``N = 1`` (Theorem 1) and ``1e-3`` for
        ``N >= 2`` (which must be positive: 0 is a stationary point). The
        deep start is balanced (eq. 13), built by
        :func:`kdbook.deep_linear.balanced_initialization`, and its sign is
        chosen so that ``L^1(w(0)) <= L^1(0)`` (eq. 12).
    hidden_width : int >= 1
        Width ``h`` of the hidden layers (``N >= 2``); default 8.
    seed : int or numpy.random.Generator
        Source of the random start (unused when the start is 0 or ``w0``).
    w0 : array of shape (d,), optional
        An explicit end-to-end start instead of ``init_scale`` (for ``N >= 2``
        it is factored into balanced factors).
    optimizer : {"auto", "gd", "lbfgs", "newton"}
        ``"gd"`` is plain gradient descent for ``steps`` steps. ``"auto"``
        (the default) is the same, except that for ``N = 1``, if gradient
        descent ends farther than ``AUTO_TOLERANCE`` (relative) from its limit
        ``P_X w_* + (I - P_X) w(0)``, up to ``AUTO_NEWTON_STEPS`` Newton steps
        restricted to the span finish the job (the history then continues
        past ``steps``, and ``optimizer`` reads ``"gd+newton"``); this
        happens when ``n`` is close to ``d`` and the smallest singular value
        of ``X`` makes every first-order method slow. For ``N >= 2`` it is
        gradient descent. ``"lbfgs"`` (``N = 1`` only) runs torch's L-BFGS with a strong-Wolfe
        line search; from ``w(0) = 0`` its steps are combinations of
        gradients, so they stay in the span of the data and it reaches the
        same ``w_hat`` as gradient descent, far faster on saturated
        (hot-teacher) problems. ``"newton"`` (``N = 1`` only) takes damped
        Newton steps computed in the span of the data (the Hessian restricted
        to span(X), eq. 9, with Armijo backtracking): the same limit, and
        quadratic convergence even when ``n`` is close to ``d``.
    callback : callable, optional
        ``callback(step, steps)`` is called every ``callback_every`` steps
        and at the end (a widget uses it for its progress bar).
    callback_every : int >= 1

    Returns
    -------
    TrainedStudent
    """
    import pandas as pd
    import torch

    from .deep_linear import balanced_initialization, end_to_end, flip_sign_if_needed
    from .losses import optimal_loss, soft_labels

    w_star = as_nonzero_vector(w_star, "w_star")
    X = as_data_matrix(X, "X", d=w_star.shape[0])
    n, d = X.shape
    depth = as_int(depth, "depth", minimum=1)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    auto = optimizer == "auto"
    if auto:
        optimizer = "gd"
    if optimizer != "gd" and depth != 1:
        raise ValueError(
            f"optimizer={optimizer!r} is only available for depth = 1 (deep students follow gradient descent)"
        )
    if steps is None:
        steps = DEFAULT_STEPS[min(depth, 3)]
    steps = as_int(steps, "steps", minimum=1)
    if lr is None:
        lr = 1.0 if optimizer != "gd" else default_learning_rate(X, w_star, depth)
    lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
    hidden_width = as_int(hidden_width, "hidden_width", minimum=1)
    callback_every = as_int(callback_every, "callback_every", minimum=1)
    if callback is not None and not callable(callback):
        raise TypeError("callback must be callable or None")
    rng = as_generator(seed, "seed")
    if w0 is not None and init_scale is not None:
        raise ValueError("give either w0 or init_scale, not both")
    if w0 is not None:
        start = _start(w0, d)
    else:
        if init_scale is None:
            init_scale = 0.0 if depth == 1 else DEFAULT_DEEP_INIT_SCALE
        init_scale = as_float(init_scale, "init_scale", minimum=0.0)
        direction = rng.standard_normal(d)
        start = init_scale * direction / np.linalg.norm(direction)
    if depth > 1 and not np.any(start):
        raise ValueError("init_scale (or w0) must be non-zero for depth >= 2: w = 0 is a stationary point")

    y = soft_labels(X, w_star)
    entropy = optimal_loss(y)
    w_hat = distillation_solution(X, w_star)
    basis = _span_basis(X)

    if depth == 1:
        initial = [start[None, :].copy()]
    else:
        initial = balanced_initialization(
            d, depth, norm=float(np.linalg.norm(start)), hidden_width=hidden_width, seed=rng, direction=start
        )
        if w0 is None:
            initial = flip_sign_if_needed(initial, X, w_star)

    X_t = torch.from_numpy(X)
    y_t = torch.from_numpy(y)
    w_hat_t = torch.from_numpy(w_hat)
    basis_t = torch.from_numpy(basis)
    factors = [torch.tensor(f, dtype=torch.float64, requires_grad=True) for f in initial]
    losses: list[float] = []
    distances: list[float] = []
    orthogonal: list[float] = []

    def record(k: int, loss_value, row) -> None:
        with torch.no_grad():
            losses.append(max(float(loss_value), 0.0))
            distances.append(float(torch.linalg.vector_norm(row - w_hat_t)))
            orthogonal.append(float(torch.linalg.vector_norm(row - basis_t @ (basis_t.T @ row))))

    def notify(k: int) -> None:
        if callback is not None and (k % callback_every == 0 or k == steps):
            callback(k, steps)

    def newton_steps(first: int, count: int, stop_at: float = 0.0) -> int:
        """Damped Newton steps restricted to span(X), recorded as steps first..first+count.

        Stops early once ``||w - limit|| <= stop_at``; returns the last step recorded.
        """
        row = factors[0]
        reduced = X_t @ basis_t  # (n, rank): the data in coordinates of span(X)
        limit = w_hat_t + (start_t - basis_t @ (basis_t.T @ start_t))
        k = first
        for k in range(first, first + count + 1):
            with torch.no_grad():
                loss, _ = _torch_loss(torch, factors, X_t, y_t, entropy)
                if k > first or first == 0:
                    record(k, loss, row[0])
                if k == first + count or float(torch.linalg.vector_norm(row[0] - limit)) <= stop_at:
                    break
                logits = X_t @ row[0]
                probabilities = torch.sigmoid(logits)
                gradient = reduced.T @ (probabilities - y_t) / n
                hessian = (reduced.T * (probabilities * (1 - probabilities))) @ reduced / n
                # Newton step restricted to span(X): the iterates never leave w(0) + span(X).
                # The restricted Hessian is positive definite; an LU solve is also bitwise reproducible.
                step = -torch.linalg.solve(hessian, gradient)
                decrement = -float(gradient @ step)
                size = lr if first == 0 else 1.0
                if decrement > 1e-24:  # damped (backtracking) Newton, Armijo condition
                    while size > 1e-12:
                        trial = row[0] + size * (basis_t @ step)
                        value, _ = _torch_loss(torch, [trial[None, :]], X_t, y_t, entropy)
                        if float(value) <= float(loss) - 1e-4 * size * decrement:
                            break
                        size /= 2
                row[0] += size * (basis_t @ step)
            if first == 0:
                notify(k + 1)
        return k

    start_t = torch.from_numpy(start)
    if optimizer == "gd":
        for k in range(steps + 1):
            loss, row = _torch_loss(torch, factors, X_t, y_t, entropy)
            record(k, loss.detach(), row.detach())
            if k == steps:
                break
            grads = torch.autograd.grad(loss, factors)
            with torch.no_grad():
                for factor, grad in zip(factors, grads, strict=True):
                    factor -= lr * grad
            notify(k + 1)
        if auto and depth == 1:
            with torch.no_grad():
                limit = w_hat_t + (start_t - basis_t @ (basis_t.T @ start_t))
                gap = float(torch.linalg.vector_norm(factors[0][0] - limit))
                scale = float(torch.linalg.vector_norm(limit))
            if gap > AUTO_TOLERANCE * max(scale, 1e-300):
                newton_steps(steps, AUTO_NEWTON_STEPS, stop_at=AUTO_TOLERANCE * 1e-3 * scale)
                optimizer = "gd+newton"
    elif optimizer == "newton":
        newton_steps(0, steps)
    else:
        solver = torch.optim.LBFGS(
            factors, lr=lr, max_iter=1, max_eval=30, history_size=50,
            tolerance_grad=1e-15, tolerance_change=1e-18, line_search_fn="strong_wolfe",
        )

        def closure():
            solver.zero_grad()
            value, _ = _torch_loss(torch, factors, X_t, y_t, entropy)
            value.backward()
            return value

        for k in range(steps + 1):
            with torch.no_grad():
                loss, row = _torch_loss(torch, factors, X_t, y_t, entropy)
            record(k, loss, row)
            if k == steps:
                break
            solver.step(closure)
            notify(k + 1)

    final = [f.detach().numpy().copy() for f in factors]
    history = pd.DataFrame(
        {"step": np.arange(len(losses)), "loss": losses, "distance": distances, "orthogonal": orthogonal}
    )
    return TrainedStudent(
        w=end_to_end(final), factors=final, history=history, w_hat=w_hat, w0=end_to_end(initial),
        initial_factors=[np.array(f, copy=True) for f in initial],
        depth=depth, lr=float(lr), optimizer=optimizer,
    )


# ---------------------------------------------------------------------------
# Tools of the proof of Theorem 1: restricted strong convexity, eq. (9).
# ---------------------------------------------------------------------------


def restricted_hessian_eigenvalue(w, X):
    """Smallest eigenvalue of the Hessian of ``L^1`` at ``w`` restricted to span(X).

    ``lambda_min(Q^T H(w) Q)`` with ``H(w) = (1/n) X^T diag(sigma'(Xw)) X``
    and ``Q`` an orthonormal basis of the span of the rows of ``X``. A
    positive value on the whole sublevel set is the restricted strong
    convexity of eq. (9), with ``mu`` this eigenvalue.

    Parameters
    ----------
    w : array of shape (d,) or (k, d)
        One point, or ``k`` points (the basis ``Q`` is then computed once).
    X : array of shape (n, d)

    Returns
    -------
    float for one point, ndarray of shape (k,) for ``k`` points.
    """
    if isinstance(w, (str, bytes)) or w is None:
        raise TypeError(f"w must be an array of numbers, got {type(w).__name__}")
    single = np.ndim(w) == 1
    points = as_float_array(np.atleast_2d(w) if single else w, "w", ndim=2)
    X = as_data_matrix(X, "X", d=points.shape[1])
    reduced = X @ _span_basis(X)
    values = np.empty(points.shape[0])
    for k, point in enumerate(points):
        logits = X @ point
        hessian = (reduced.T * (sigmoid(logits) * sigmoid(-logits))) @ reduced / X.shape[0]
        values[k] = np.linalg.eigvalsh(hessian)[0]
    return float(values[0]) if single else values


def strong_convexity_bound(X, w_star) -> float:
    """A certified ``mu > 0`` for eq. (9) on the sublevel set ``{w : L^1(w) <= L^1(0)}``.

    On that set every per-sample term ``KL(sigma(a_i) || sigma(z_i))``
    (``z_i = x_i^T w``, ``a_i = x_i^T w_*``) is at most ``n L^1(0)``, which
    confines ``z_i`` to an interval around ``a_i`` (found with scipy's
    ``brentq``). There ``sigma'(z_i) >= m_i``, the smaller value at the two
    ends, so ``H(w) >= min_i m_i (1/n) X^T X`` and on span(X)

    ``mu = min_i m_i * lambda_min^+(X^T X) / n``,

    the smallest non-zero eigenvalue. This is the constant of Theorem A.3's
    argument, made explicit; :func:`restricted_hessian_eigenvalue` is never
    below it anywhere on the sublevel set.

    Parameters
    ----------
    X : array of shape (n, d)
    w_star : array of shape (d,), the teacher (non-zero)
    """
    from scipy.optimize import brentq

    from .losses import binary_entropy, log_sigmoid, soft_labels

    w_star = as_nonzero_vector(w_star, "w_star")
    X = as_data_matrix(X, "X", d=w_star.shape[0])
    n = X.shape[0]
    y = soft_labels(X, w_star)
    teacher_logits = X @ w_star
    budget = n * normalized_cross_entropy(np.zeros_like(w_star), X, y)
    lowest = np.inf
    for a, label in zip(teacher_logits, y, strict=True):
        entropy = float(binary_entropy(label))

        def excess(z, a=a, label=label, entropy=entropy):
            return float(-(label * log_sigmoid(z) + (1 - label) * log_sigmoid(-z)) - entropy) - budget

        ends = []
        for sign in (-1.0, 1.0):
            reach = 1.0
            while excess(a + sign * reach) < 0:
                reach *= 2.0
            ends.append(brentq(excess, a, a + sign * reach, xtol=1e-12) if excess(a) < 0 else a)
        curvature = [float(sigmoid(z) * sigmoid(-z)) for z in ends]
        lowest = min(lowest, min(curvature))
    singular = np.linalg.svd(X, compute_uv=False)
    positive = singular[singular > singular[0] * max(X.shape) * np.finfo(np.float64).eps]
    return float(lowest * positive[-1] ** 2 / n)


def sublevel_points(X, w_star, count: int, *, seed) -> np.ndarray:
    """Random points of the sublevel set ``{w in w_hat + span(X) : L^1(w) <= L^1(0)}``.

    The set ``W`` of the proof of Theorem 1 (eq. 9), restricted to the
    affine subspace gradient descent from 0 moves in. Each point is
    ``w_hat + r v`` for a random unit direction ``v`` in span(X) and ``r``
    uniform between 0 and the boundary, where ``L^1 = L^1(0)`` (found with
    scipy's ``brentq``; ``L^1`` is convex, so each ray leaves ``W`` once).

    Parameters
    ----------
    X : array of shape (n, d)
    w_star : array of shape (d,), the teacher (non-zero)
    count : int >= 1
    seed : int or numpy.random.Generator

    Returns
    -------
    ndarray of shape (count, d)
    """
    from scipy.optimize import brentq

    from .losses import soft_labels

    w_star = as_nonzero_vector(w_star, "w_star")
    X = as_data_matrix(X, "X", d=w_star.shape[0])
    count = as_int(count, "count", minimum=1)
    rng = as_generator(seed, "seed")
    y = soft_labels(X, w_star)
    w_hat = distillation_solution(X, w_star)
    level = normalized_cross_entropy(np.zeros_like(w_star), X, y)
    basis = _span_basis(X)
    points = np.empty((count, w_star.shape[0]))
    for k in range(count):
        v = basis @ rng.standard_normal(basis.shape[1])
        v /= np.linalg.norm(v)

        def excess(r, v=v):
            return normalized_cross_entropy(w_hat + r * v, X, y) - level

        reach = 1.0
        while excess(reach) < 0:
            reach *= 2.0
        boundary = brentq(excess, 0.0, reach, xtol=1e-12) if level > 0 else 0.0
        points[k] = w_hat + rng.uniform(0.0, boundary) * v
    return points
