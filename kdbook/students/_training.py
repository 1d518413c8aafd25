"""Training a shallow or deep linear student on ``L^1`` (eqs. 1-3): :func:`train_student`.

Two uses, two modes. With ``steps`` given it runs exactly that many steps and
records every one: the dynamics of Theorems 1-2, which the chapters plot. With
``steps=None`` (the default) it trains to a stated tolerance as fast as it
can and warns (:class:`ConvergenceWarning`, with the gap reached) when it
cannot get there, so it never hands back a silently wrong student.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np

from .. import _spans
from .._params import Array, Function, Integer, Options, Real, Seed, validate_params
from .._threads import single_threaded
from ._closed_form import distillation_solution
from ._dynamics import _start
from ._optimizers import _Run, run_gd, run_lbfgs_torch, run_lbfgsb, run_newton

#: Default end-to-end norm ``||w(0)||`` of a deep student (Theorem 2 needs a small start).
DEFAULT_DEEP_INIT_SCALE = 1e-3
#: Step caps with ``steps=None`` for gradient descent (per depth: deeper students must first escape the origin).
DEFAULT_STEPS = {1: 5000, 2: 8000, 3: 12000}
#: Iteration caps with ``steps=None`` for the other optimizers.
DEFAULT_ITERATIONS = {"lbfgsb": 20_000, "lbfgs": 2000, "newton": 100}
#: Default width of the hidden layers of a deep linear student.
DEFAULT_HIDDEN_WIDTH = 8
#: Default ``tol``: relative distance to the closed form (N = 1) or relative gradient norm (N >= 2).
DEFAULT_TOLERANCE = 1e-8

OPTIMIZERS = ("auto", "gd", "lbfgs", "newton", "lbfgsb")
#: With ``steps`` given, ``optimizer="auto"`` finishes gradient descent with Newton steps when it
#: ends farther than this (relative) from its limit.
AUTO_TOLERANCE = 1e-6
#: At most this many Newton steps finish an ``optimizer="auto"`` run.
AUTO_NEWTON_STEPS = 50
#: With ``steps=None``, ``optimizer="auto"`` hands over from L-BFGS-B to Newton steps after this
#: many iterations: when ``n`` is close to ``d`` first-order methods crawl (3,600 L-BFGS-B iterations
#: at n = d = 200), while Newton in the span needs a handful.
AUTO_LBFGSB_ITERATIONS = 1000
#: Problems with at most this many entries in ``X`` train on one thread (torch and BLAS):
#: splitting their small products costs more than it saves, and a loaded machine costs 1.5-20x.
SINGLE_THREAD_MAX_ENTRIES = 4_000_000
#: A transfer set: ``(n, d)``, not all zeros (an all-zero set has no step size and nothing to learn from).
DATA = Array("n", "d", nonzero=True)


class ConvergenceWarning(UserWarning):
    """:func:`train_student` stopped before reaching ``tol`` (the gap reached is in the message)."""


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
        ``"lbfgs"``, ``"newton"``, ``"lbfgsb"``, or ``"gd+newton"`` /
        ``"lbfgsb+newton"`` when Newton steps finished the run.
    gap : float
        The stopping test at the end: ``||w - w_lim|| / ||w_lim||`` for
        ``N = 1`` (``w_lim = w_hat + (I - P_X) w(0)``, Theorem 1), the
        gradient norm of ``L^1`` relative to its value at 0 for ``N >= 2``.
    converged : bool
        ``gap <= tol``; ``None`` when ``tol`` was ``None``.
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
    gap: float = float("nan")
    converged: bool | None = None

    @property
    def relative_error(self) -> float:
        """``||w - w_hat|| / ||w_hat||`` at the end of training."""
        return float(np.linalg.norm(self.w - self.w_hat) / np.linalg.norm(self.w_hat))


@validate_params(X=Array("n", "d"))
def smoothness_constant(X) -> float:
    """The smoothness constant ``lambda_max(X^T X) / (4 n)`` of ``L^1`` (eq. 1).

    The Hessian ``(1/n) X^T diag(sigma'(Xw)) X`` has ``sigma' <= 1/4``, so the
    gradient is Lipschitz with this constant and gradient descent with
    ``lr < 2 / L`` decreases the loss.
    """
    return float(np.linalg.norm(X, 2) ** 2 / (4.0 * X.shape[0]))


@validate_params(X=DATA, w_star=Array("d", nonzero=True), depth=Integer(1))
def default_learning_rate(X, w_star, depth: int = 1) -> float:
    """The step size :func:`train_student` uses when ``lr`` is not given.

    ``1 / L`` for ``N = 1`` (``L`` from :func:`smoothness_constant`). For
    ``N >= 2`` the end-to-end vector moves with the preconditioner of
    :func:`kdbook.deep_linear.preconditioner`, whose largest eigenvalue is
    ``N ||w||^(2 - 2/N)``; it is bounded along the way by its value at
    ``w_hat``, so the default is ``1 / (L N max(||w_hat||, 1)^(2 - 2/N))``.
    """
    lr = 1.0 / smoothness_constant(X)
    if depth > 1:
        scale = max(float(np.linalg.norm(distillation_solution(X, w_star))), 1.0)
        lr /= depth * scale ** (2.0 - 2.0 / depth)
    return lr


@validate_params(
    X=DATA, w_star=Array("d", nonzero=True), depth=Integer(1), steps=Integer(1, optional=True),
    tol=Real(0.0, 1.0, low_open=True, optional=True), lr=Real(0.0, low_open=True, optional=True),
    init_scale=Real(0.0, optional=True), hidden_width=Integer(1), seed=Seed(), w0=Array("d", optional=True),
    optimizer=Options(*OPTIMIZERS), callback=Function(optional=True), callback_every=Integer(1),
)
def train_student(
    X,
    w_star,
    depth: int = 1,
    *,
    steps: int | None = None,
    tol: float | None = DEFAULT_TOLERANCE,
    lr: float | None = None,
    init_scale: float | None = None,
    hidden_width: int = DEFAULT_HIDDEN_WIDTH,
    seed=0,
    w0=None,
    optimizer: str = "auto",
    callback=None,
    callback_every: int = 100,
) -> TrainedStudent:
    """Train a linear student ``w^T = W_N ... W_1`` by distillation (eqs. 1-3).

    Theorem 1 (``N = 1``, start at 0) and Theorem 2 (``N >= 2``, small
    balanced start) say where training goes: to ``w_hat`` of eq. (6),
    returned as ``w_hat``. Small problems run on one thread (torch and BLAS,
    restored afterwards).

    Parameters
    ----------
    X : array of shape (n, d)
        Transfer inputs, samples as rows.
    w_star : array of shape (d,)
        The teacher (non-zero); the soft labels are ``sigma(X w_star)``.
    depth : int >= 1
        ``N``, the number of factors.
    steps : int >= 1, optional
        Run exactly this many steps (iterations), recording each: the
        dynamics. Default ``None``: stop as soon as the gap is below ``tol``,
        after at most ``DEFAULT_STEPS`` gradient steps (per depth) or
        ``DEFAULT_ITERATIONS``, and warn if ``tol`` was not reached.
    tol : float in (0, 1), default 1e-8, or None
        The stopping test (see :attr:`TrainedStudent.gap`): the relative
        distance to the closed-form limit ``w_hat + (I - P_X) w(0)`` for
        ``N = 1``, the gradient norm relative to its value at 0 for ``N >= 2``.
        With ``steps`` given it is only reported (``converged``); ``None``
        never stops early.
    lr : float > 0, optional
        Step size; default :func:`default_learning_rate` for gradient descent
        and 1 (the first step of the line search) otherwise.
    init_scale : float >= 0, optional
        ``||w(0)||`` along a random direction drawn from ``seed``. Default 0
        for ``N = 1`` (Theorem 1) and ``1e-3`` for ``N >= 2`` (0 is a
        stationary point). The deep start is balanced (eq. 13) and its sign
        chosen for eq. (12) (:func:`kdbook.deep_linear.flip_sign_if_needed`);
        a large start can violate (12) with either sign, which is not warned
        about here (:func:`kdbook.deep_linear.check_initial_conditions` tells).
    hidden_width : int >= 1
        Width ``h`` of the hidden layers (``N >= 2``).
    seed : int >= 0 or numpy.random.Generator, default 0
        Source of the random start (unused when the start is 0 or ``w0``).
    w0 : array of shape (d,), optional
        An explicit end-to-end start instead of ``init_scale``.
    optimizer : {"auto", "gd", "lbfgs", "newton", "lbfgsb"}
        ``"gd"``: gradient descent on the factors (eq. 2), the finite-step
        flow of eq. (3); the only choice for ``N >= 2``. ``"lbfgsb"``: scipy's
        L-BFGS-B on ``L^1`` written as a mean of KL divergences, accurate to
        full precision near the optimum. ``"lbfgs"``: torch's L-BFGS.
        ``"newton"``: damped Newton steps inside span(X). All of them stay in
        ``w(0) + span(X)`` for ``N = 1`` and so reach Theorem 1's limit.
        ``"auto"``: for ``N = 1`` with ``steps=None``, L-BFGS-B, finished by
        Newton steps if it has not reached ``tol`` after
        ``AUTO_LBFGSB_ITERATIONS`` iterations (``n`` close to ``d``); for
        ``N = 1`` with ``steps`` given, gradient descent finished by up to
        ``AUTO_NEWTON_STEPS`` Newton steps if it ends farther than
        ``AUTO_TOLERANCE`` from its limit; for ``N >= 2``, gradient descent.
    callback : callable, optional
        ``callback(step, steps)`` every ``callback_every`` steps and at the end.
    callback_every : int >= 1

    Returns
    -------
    TrainedStudent

    Warns
    -----
    ConvergenceWarning
        With ``steps=None``, when the run ends with ``gap > tol`` (for
        example a hot teacher, whose soft labels round to 0 and 1 in float64).
    """
    if optimizer not in ("auto", "gd") and depth != 1:
        raise ValueError(f"optimizer={optimizer!r} is only available for depth = 1 (deep students follow "
                         "gradient descent)")
    if w0 is not None and init_scale is not None:
        raise ValueError("give either w0 or init_scale, not both")
    if w0 is not None:
        start = _start(w0, X.shape[1])
    else:
        if init_scale is None:
            init_scale = 0.0 if depth == 1 else DEFAULT_DEEP_INIT_SCALE
        direction = seed.standard_normal(X.shape[1])
        start = init_scale * direction / np.linalg.norm(direction)
    if depth > 1 and not np.any(start):
        raise ValueError("init_scale (or w0) must be non-zero for depth >= 2: w = 0 is a stationary point")
    settings = _Settings(X=X, w_star=w_star, depth=depth, steps=steps, tol=tol, lr=lr, hidden_width=hidden_width,
                         rng=seed, start=start, explicit_start=w0 is not None, optimizer=optimizer,
                         callback=callback, callback_every=callback_every)
    if X.size <= SINGLE_THREAD_MAX_ENTRIES:
        with single_threaded():
            return _train(settings)
    return _train(settings)


@dataclass(frozen=True)
class _Settings:
    """The arguments of :func:`train_student`, validated, with the start resolved."""

    X: np.ndarray
    w_star: np.ndarray
    depth: int
    steps: int | None
    tol: float | None
    lr: float | None
    hidden_width: int
    rng: np.random.Generator
    start: np.ndarray
    explicit_start: bool
    optimizer: str
    callback: object
    callback_every: int


def _train(a: _Settings) -> TrainedStudent:
    import pandas as pd
    import torch

    from ..deep_linear import balanced_initialization, end_to_end, flip_sign_if_needed
    from ..losses import optimal_loss, soft_labels

    X, w_star, depth, start = a.X, a.w_star, a.depth, a.start
    if depth == 1:
        initial = [start[None, :].copy()]
    else:
        initial = balanced_initialization(X.shape[1], depth, norm=float(np.linalg.norm(start)),
                                          hidden_width=a.hidden_width, seed=a.rng, direction=start)
        if not a.explicit_start:  # the better sign; a large start may still violate (12): no warning here,
            # sweeps over init_scale go there on purpose (check_initial_conditions reports it)
            initial, _ = flip_sign_if_needed(initial, X, w_star, return_flag=True)
    optimizer = a.optimizer
    if optimizer == "auto":
        optimizer = "lbfgsb" if depth == 1 and a.steps is None else "gd"
    lr = a.lr
    if lr is None:
        lr = default_learning_rate(X, w_star, depth) if optimizer == "gd" else 1.0
    y = soft_labels(X, w_star)
    project = _spans.projector(X)
    w_hat = project(w_star)  # = distillation_solution(X, w_star), eq. (6), from the same factorization
    limit = w_hat + (start - project(start)) if depth == 1 else None
    cap = a.steps if a.steps is not None else (
        DEFAULT_STEPS[min(depth, 3)] if optimizer == "gd" else DEFAULT_ITERATIONS[optimizer])
    if a.optimizer == "auto" and optimizer == "lbfgsb":
        cap = AUTO_LBFGSB_ITERATIONS
    run = _Run(X=X, y=y, logits=X @ w_star, entropy=optimal_loss(y), w_hat=w_hat, limit=limit, project=project,
               factors=[torch.tensor(f, dtype=torch.float64, requires_grad=True) for f in initial], lr=lr,
               tol=a.tol if a.steps is None else None, callback=a.callback,
               callback_every=a.callback_every, total=cap)
    used = _dispatch(run, optimizer, cap, auto=a.optimizer == "auto" and depth == 1, steps_given=a.steps)
    final = [f.detach().numpy().copy() for f in run.factors]
    w = end_to_end(final)
    gap = run.gap(w)
    tol = a.tol
    converged = None if tol is None else bool(gap <= tol)
    if a.steps is None and converged is False:
        warnings.warn(f"train_student stopped at gap {gap:.3g} > tol = {tol:g} after {len(run.history['step']) - 1} "
                      f"{used} steps; for N = 1 a gap that will not close usually means a hot teacher (logits up to "
                      f"{float(np.max(np.abs(run.logits))):.3g}: soft labels saturate in float64)",
                      ConvergenceWarning, stacklevel=4)  # _train, train_student, its validating wrapper
    return TrainedStudent(
        w=w, factors=final, history=pd.DataFrame(run.history), w_hat=w_hat, w0=end_to_end(initial),
        initial_factors=[np.array(f, copy=True) for f in initial], depth=depth, lr=float(lr), optimizer=used,
        gap=gap, converged=converged,
    )


def _dispatch(run: _Run, optimizer: str, cap: int, *, auto: bool, steps_given) -> str:
    """Run ``optimizer`` for at most ``cap`` steps; ``auto`` may finish with Newton steps. Returns its name."""
    if optimizer == "gd":
        run_gd(run, cap)
    elif optimizer == "lbfgs":
        run_lbfgs_torch(run, cap)
    elif optimizer == "newton":
        run_newton(run, cap, _spans.basis(run.X), first_step=run.lr)
    else:
        run_lbfgsb(run, cap)
    if not auto:
        return optimizer
    w = run.factors[0].detach().numpy()[0]
    threshold = AUTO_TOLERANCE if steps_given is not None else run.tol
    if run.gap(w) <= threshold:
        return optimizer
    # Same history and factors, its own stopping tolerance.
    finish = replace(run, tol=AUTO_TOLERANCE * 1e-3 if steps_given is not None else run.tol)
    run_newton(finish, AUTO_NEWTON_STEPS, _spans.basis(run.X))
    return optimizer + "+newton"
