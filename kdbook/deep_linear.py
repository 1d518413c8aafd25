"""Deep linear students ``w^T = W_N ... W_1`` and the conditions of Theorem 2.

Phuong & Lampert (2019), Theorem 2, assume a start that is

* small, eq. (11): ``||w(0)|| < min{||w_hat||, eps^N (eps^2 ||w_hat||^(-2/N) + ||w_hat||^(2-2/N))^(-N/2)}``;
* better than the origin, eq. (12): ``L^1(w(0)) < L^1(0)``;
* balanced, eq. (13): ``W_{j+1}(0)^T W_{j+1}(0) = W_j(0) W_j(0)^T`` for ``j = 1, ..., N-1``.

This module builds such starts (:func:`balanced_initialization`), reports
which conditions hold (:func:`check_initial_conditions`), repairs (12) by a
sign flip (:func:`flip_sign`), and gives the end-to-end dynamics that
balancedness buys (Arora, Cohen and Hazan 2018, Theorem 1): under gradient
flow on the factors, the product moves as

``dw/dt = -P(w) grad L^1(w)``,  ``P(w) = ||w||^(2 - 2/N) (I + (N - 1) u u^T)``,  ``u = w / ||w||``,

a preconditioned gradient flow (:func:`preconditioner`, :func:`end_to_end_flow`).

Shapes: ``W_1`` is ``(h, d)``, the middle factors ``(h, h)``, ``W_N`` is
``(1, h)``; samples are rows of ``X`` (``(n, d)``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from ._params import Array, ArrayList, Boolean, Integer, Real, Seed, validate_params
from .losses import loss_gradient, normalized_cross_entropy, soft_labels
from .students import distillation_solution
from .students._dynamics import SOFT_LABELS, solve_flow

__all__ = [
    "balanced_initialization", "end_to_end", "balance_gaps", "init_norm_bound", "InitialConditions",
    "check_initial_conditions", "flip_sign", "flip_sign_if_needed", "InitialConditionWarning", "preconditioner",
    "end_to_end_velocity",
    "end_to_end_flow", "balanced_orthogonal_norm", "balanced_limit_distance", "balanced_init_threshold",
]


#: A chain ``[W_1, ..., W_N]`` of 2-D factors (how they fit together is checked by :func:`_chain`).
FACTORS = ArrayList(2)
POSITIVE = Real(0.0, low_open=True)
DEPTH = Integer(1)


def _chain(factors: list[np.ndarray], name: str = "factors", d: int | None = None) -> list[np.ndarray]:
    """Check that validated factors multiply to a ``(1, d)`` row (``d`` the columns of ``W_1``)."""
    checked = factors
    for j in range(1, len(checked)):
        if checked[j].shape[1] != checked[j - 1].shape[0]:
            raise ValueError(
                f"{name}[{j}] has shape {checked[j].shape} but must have {checked[j - 1].shape[0]} columns "
                f"to multiply {name}[{j - 1}] of shape {checked[j - 1].shape}"
            )
    if checked[-1].shape[0] != 1:
        raise ValueError(f"the last factor W_N must have one row (shape (1, h)), got {checked[-1].shape}")
    if d is not None and checked[0].shape[1] != d:
        raise ValueError(f"{name}[0] must have d = {d} columns to match X and w_star, got shape {checked[0].shape}")
    return checked


@validate_params(d=Integer(1), depth=DEPTH, norm=POSITIVE, hidden_width=Integer(1), seed=Seed(),
                 direction=Array(None, nonzero=True, optional=True))
def balanced_initialization(d: int, depth: int, *, norm: float, hidden_width: int, seed=0, direction=None):
    """Factors ``[W_1, ..., W_N]`` that satisfy balancedness (13) exactly, with ``||w(0)|| = norm``.

    With ``u`` the unit direction of ``w(0)``, ``s = norm^(1/N)`` and random
    unit vectors ``a_1, ..., a_{N-1}`` in ``R^h``:
    ``W_1 = s a_1 u^T``, ``W_j = s a_j a_{j-1}^T`` and ``W_N = s a_{N-1}^T``.
    Then ``W_{j+1}^T W_{j+1} = s^2 a_j a_j^T = W_j W_j^T`` for every ``j``
    (up to rounding) and the product is ``s^N u^T = w(0)^T``. This is the
    rank-one case of the balanced initialization of Arora et al. (2019).

    Parameters
    ----------
    d : int >= 1
        Input dimension.
    depth : int >= 1
        ``N``. For ``N = 1`` the single factor is ``w(0)^T`` (13 is vacuous).
    norm : float > 0
        ``||w(0)||``, the end-to-end norm.
    hidden_width : int >= 1
        ``h``.
    seed : int or numpy.random.Generator
        Draws ``a_j`` (and ``u`` when ``direction`` is None).
    direction : array of shape (d,), optional
        Direction of ``w(0)`` (normalized here); random by default.

    Returns
    -------
    list of ndarray: ``W_1`` of shape ``(h, d)``, ``N - 2`` factors of shape
    ``(h, h)`` and ``W_N`` of shape ``(1, h)``.
    """
    rng = seed
    if direction is None:
        direction = rng.standard_normal(d)
    elif direction.shape[0] != d:
        raise ValueError(f"direction must have shape (d,) = ({d},), got {direction.shape}")
    u = direction / np.linalg.norm(direction)
    if depth == 1:
        return [norm * u[None, :]]
    s = norm ** (1.0 / depth)
    a = rng.standard_normal((depth - 1, hidden_width))
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    factors = [s * np.outer(a[0], u)]
    for j in range(1, depth - 1):
        factors.append(s * np.outer(a[j], a[j - 1]))
    factors.append(s * a[-1][None, :])
    return factors


@validate_params(factors=FACTORS)
def end_to_end(factors) -> np.ndarray:
    """The end-to-end weight vector ``w`` with ``w^T = W_N ... W_1`` (eq. 2), shape ``(d,)``."""
    factors = _chain(factors)
    row = factors[-1]
    for factor in reversed(factors[:-1]):
        row = row @ factor
    return row[0].copy()


@validate_params(factors=FACTORS)
def balance_gaps(factors) -> np.ndarray:
    """``||W_{j+1}^T W_{j+1} - W_j W_j^T||_F`` for ``j = 1, ..., N-1`` (eq. 13), shape ``(N-1,)``.

    All zero means balanced; empty for ``N = 1``.
    """
    factors = _chain(factors)
    return np.array(
        [_norm(factors[j + 1].T @ factors[j + 1] - factors[j] @ factors[j].T) for j in range(len(factors) - 1)]
    )


def _norm(a: np.ndarray) -> float:
    """The 2-norm (Frobenius for matrices) without overflow: ``np.linalg.norm`` squares the entries,
    which leaves float64 once they pass 1e154, though a norm of 1e200 is representable."""
    largest = float(np.max(np.abs(a))) if a.size else 0.0
    if largest == 0.0 or not np.isfinite(largest):
        return largest
    return largest * float(np.linalg.norm(a / largest))


def _exp(log_value: float) -> float:
    """``exp(log_value)``: 0.0 below the float64 range and ``inf`` above it (``math.exp`` would raise)."""
    try:
        return math.exp(log_value)
    except OverflowError:
        return math.inf


@validate_params(w_hat_norm=POSITIVE, epsilon=POSITIVE, depth=DEPTH)
def init_norm_bound(w_hat_norm: float, epsilon: float, depth: int) -> float:
    """The right-hand side of eq. (11): how small ``||w(0)||`` must be for accuracy ``epsilon``.

    ``min{||w_hat||, eps^N (eps^2 ||w_hat||^(-2/N) + ||w_hat||^(2 - 2/N))^(-N/2)}``.
    Computed in log space (a deep student's ``eps^N`` underflows, and the
    powers of a large ``||w_hat||`` overflow); the result is 0.0 only when the
    true bound is below the smallest float64, and never above ``||w_hat||``.
    """
    log_norm, log_eps = math.log(w_hat_norm), math.log(epsilon)
    log_inner = np.logaddexp(2.0 * log_eps - 2.0 * log_norm / depth, (2.0 - 2.0 / depth) * log_norm)
    # Cap in float, not in log space, so that a capped bound is ||w_hat|| exactly. In log space the
    # relative error is about N |log eps| 1e-16 (1e-13 at N = 4, eps = 1e300), not 1e-16.
    return min(w_hat_norm, _exp(depth * log_eps - depth / 2.0 * float(log_inner)))


@dataclass(frozen=True)
class InitialConditions:
    """Which assumptions of Theorem 2 a start satisfies.

    Attributes
    ----------
    init_norm, norm_bound : float
        ``||w(0)||`` and the right-hand side of (11).
    small : bool
        Condition (11): ``init_norm < norm_bound``.
    loss_start, loss_origin : float
        ``L^1(w(0))`` and ``L^1(0)``.
    better_than_origin : bool
        Condition (12): ``loss_start < loss_origin``.
    flip_repairs : bool
        Whether negating ``W_N`` (so ``w(0) -> -w(0)``) satisfies (12).
    balance_gap : float
        Largest ``||W_{j+1}^T W_{j+1} - W_j W_j^T||_F`` relative to ``||w(0)||^(2/N)``.
    balanced : bool
        Condition (13), up to ``rtol``.
    """

    init_norm: float
    norm_bound: float
    small: bool
    loss_start: float
    loss_origin: float
    better_than_origin: bool
    flip_repairs: bool
    balance_gap: float
    balanced: bool

    @property
    def all_hold(self) -> bool:
        """True when (11), (12) and (13) all hold."""
        return self.small and self.better_than_origin and self.balanced


@validate_params(factors=FACTORS, X=Array("n", "d", nonzero=True), w_star=Array("d", nonzero=True), epsilon=POSITIVE,
                 rtol=Real(0.0))
def check_initial_conditions(factors, X, w_star, epsilon: float, *, rtol: float = 1e-10) -> InitialConditions:
    """Report which of the conditions (11), (12), (13) of Theorem 2 hold for ``factors``.

    Parameters
    ----------
    factors : list of arrays ``[W_1, ..., W_N]``
        ``W_1`` of shape ``(h, d)``, ``W_N`` of shape ``(1, h)``.
    X : array of shape (n, d)
    w_star : array of shape (d,), the teacher
    epsilon : float > 0
        The accuracy ``eps`` of eq. (15) that (11) is checked for.
    rtol : float >= 0
        Balancedness (13) is accepted when every gap is at most
        ``rtol * ||w(0)||^(2/N)`` (the size of ``W_j W_j^T``).
    """
    factors = _chain(factors, d=w_star.shape[0])
    depth = len(factors)
    w0 = end_to_end(factors)
    y = soft_labels(X, w_star)
    init_norm = _norm(w0)
    bound = init_norm_bound(_norm(distillation_solution(X, w_star)), epsilon, depth)
    loss_start = normalized_cross_entropy(w0, X, y)
    loss_flipped = normalized_cross_entropy(-w0, X, y)
    loss_origin = normalized_cross_entropy(np.zeros_like(w0), X, y)
    gaps = balance_gaps(factors)
    scale = _exp(2.0 / depth * math.log(init_norm)) if init_norm > 0 else 1.0
    gap = float(gaps.max() / scale) if gaps.size else 0.0
    return InitialConditions(
        init_norm=init_norm,
        norm_bound=bound,
        small=init_norm < bound,
        loss_start=loss_start,
        loss_origin=loss_origin,
        better_than_origin=loss_start < loss_origin,
        flip_repairs=loss_flipped < loss_origin,
        balance_gap=gap,
        balanced=gap <= rtol,
    )


@validate_params(factors=FACTORS)
def flip_sign(factors) -> list[np.ndarray]:
    """Negate ``W_N``: the product becomes ``-w(0)`` and balancedness (13) is kept.

    ``(-W_N)^T (-W_N) = W_N^T W_N``, so this is the repair of (12) that the
    paper suggests ("at most one has to flip the sign on one of the W_i(0)").
    """
    factors = _chain(factors)
    return [f.copy() for f in factors[:-1]] + [-factors[-1]]


class InitialConditionWarning(UserWarning):
    """A deep start violates a condition of Theorem 2 that the function was asked to meet (eq. 12)."""


@validate_params(factors=FACTORS, X=Array("n", "d"), w_star=Array("d", nonzero=True), strict=Boolean(),
                 return_flag=Boolean())
def flip_sign_if_needed(factors, X, w_star, *, strict: bool = False, return_flag: bool = False):
    """Keep ``factors`` or :func:`flip_sign` them, whichever start has the lower ``L^1`` (eq. 12).

    Convexity gives ``L^1(w0) + L^1(-w0) >= 2 L^1(0)``, so *at most one* of
    ``w0`` and ``-w0`` satisfies (12): the lower-loss sign is the only
    candidate. Whether it satisfies (12) is a separate question. With
    ``g = grad L^1(0) = X^T (1/2 - y) / n``, convexity also gives
    ``L^1(+-w0) >= L^1(0) +- g^T w0``, so both signs fail when
    ``g^T w0 = 0``; and since ``L^1`` is ``lambda_max(X^T X) / (4 n)``-smooth
    (``sigma' <= 1/4``), ``L^1(w0) <= L^1(0) + g^T w0 + ||X w0||^2 / (8 n)``,
    so the sign with ``g^T w0 < 0`` satisfies (12) whenever
    ``|g^T w0| > ||X w0||^2 / (8 n)``: a direction not orthogonal to ``g``
    and a small enough norm. A start that is large, or nearly orthogonal to
    ``g``, can have both signs violate (12); no sign flip repairs it.

    Parameters
    ----------
    factors : list of arrays ``[W_1, ..., W_N]``
    X : array of shape (n, d)
    w_star : array of shape (d,), the teacher (non-zero)
    strict : bool
        If True, raise ``ValueError`` when neither sign satisfies (12).
    return_flag : bool
        If True, also return whether the returned start satisfies (12), and
        do not warn: the caller checks the flag (``strict`` still raises).

    Warns
    -----
    InitialConditionWarning
        By default, when neither sign satisfies (12): the lower-loss start is
        returned anyway, and the message gives ``L^1(w(0))``, ``L^1(-w(0))``
        and ``L^1(0)``.

    Returns
    -------
    list of ndarray, or ``(factors, satisfied)`` when ``return_flag`` is True.
    """
    factors = _chain(factors, d=w_star.shape[0])
    w0 = end_to_end(factors)
    y = soft_labels(X, w_star)
    loss_plus = normalized_cross_entropy(w0, X, y)
    loss_minus = normalized_cross_entropy(-w0, X, y)
    loss_origin = normalized_cross_entropy(np.zeros_like(w0), X, y)
    chosen = flip_sign(factors) if loss_minus < loss_plus else [f.copy() for f in factors]
    satisfied = bool(min(loss_plus, loss_minus) < loss_origin)
    if not satisfied and (strict or not return_flag):
        message = (
            f"factors: neither w(0) nor -w(0) satisfies (12), L^1(w(0)) < L^1(0): L^1(w(0)) = {loss_plus:.6g}, "
            f"L^1(-w(0)) = {loss_minus:.6g}, L^1(0) = {loss_origin:.6g} (||w(0)|| = {np.linalg.norm(w0):.3g}); "
            "use a smaller norm or a direction with grad L^1(0)^T w(0) != 0"
        )
        if strict:
            raise ValueError(message)
        warnings.warn(message + " (returning the lower-loss sign anyway)", InitialConditionWarning, stacklevel=2)
    return (chosen, satisfied) if return_flag else chosen


@validate_params(w=Array("d"), depth=DEPTH)
def preconditioner(w, depth: int) -> np.ndarray:
    """``P(w) = ||w||^(2 - 2/N) (I + (N - 1) u u^T)`` with ``u = w / ||w||``, shape ``(d, d)``.

    For balanced factors, gradient flow on ``W_1, ..., W_N`` moves the
    product as ``dw/dt = -P(w) grad L^1(w)`` (Arora et al. 2018, Theorem 1,
    for a single output). ``N = 1`` gives ``I``. The extra ``(N - 1) u u^T``
    term pushes along the current direction of ``w``: the "momentum" of the
    paper's proof sketch, and the reason the part of ``w(0)`` orthogonal to
    the data can grow.
    """
    d = w.shape[0]
    if depth == 1:
        return np.eye(d)
    norm = _norm(w)
    if norm == 0.0:
        return np.zeros((d, d))
    u = w / norm
    shape = np.eye(d) + (depth - 1) * np.outer(u, u)
    # Past ~1e154 ||w||^(2 - 2/N) leaves float64: entries overflow to +-inf, but zeros stay zeros.
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = _exp((2.0 - 2.0 / depth) * math.log(norm)) * shape
    scaled[shape == 0] = 0.0
    return scaled


@validate_params(factors=FACTORS, X=Array("n", "d"), y=SOFT_LABELS)
def end_to_end_velocity(factors, X, y) -> np.ndarray:
    """The velocity ``dw/dt`` of the product under gradient flow (3) on the factors, shape ``(d,)``.

    Exactly ``-sum_j A_j A_j^T g^T B_j^T B_j`` with ``g = grad L^1(w)^T``,
    ``A_j = W_N ... W_{j+1}`` and ``B_j = W_{j-1} ... W_1``; valid for any
    factors, balanced or not. For balanced factors it equals
    ``-preconditioner(w, N) @ grad L^1(w)``.

    Parameters
    ----------
    factors : list of arrays ``[W_1, ..., W_N]``
    X : array of shape (n, d)
    y : array of shape (n,), soft labels in ``[0, 1]``
    """
    factors = _chain(factors, d=X.shape[1])
    w = end_to_end(factors)
    g = loss_gradient(w, X, y)[None, :]
    depth = len(factors)
    velocity = np.zeros_like(g)
    for j in range(depth):
        left = np.ones((1, 1))
        for factor in reversed(factors[j + 1:]):
            left = left @ factor
        # right is B_j = W_{j-1} ... W_1 (the identity for j = 1).
        right = np.eye(w.shape[0])
        for factor in factors[:j]:
            right = factor @ right
        velocity -= (left @ left.T) @ g @ (right.T @ right)
    return velocity[0]


@validate_params(X=Array("n", "d"), y=SOFT_LABELS, w0=Array("d"), depth=DEPTH,
                 times=Array("k", low=0.0, increasing=True), rtol=POSITIVE, atol=POSITIVE)
def end_to_end_flow(X, y, w0, depth: int, times, *, rtol: float = 1e-9, atol: float = 1e-12):
    """Solve ``dw/dt = -P(w) grad L^1(w)`` (the induced flow of a balanced depth-``N`` student).

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,), soft labels in ``[0, 1]``
    w0 : array of shape (d,), non-zero for ``N >= 2``
    depth : int >= 1
    times : increasing non-negative array of shape (k,)
        Where to report ``w``; gradient descent with step ``lr`` is at time
        ``step * lr``.
    rtol, atol : float
        Tolerances of scipy's ``DOP853`` integrator.

    Returns
    -------
    kdbook.students.Trajectory
    """
    if depth > 1 and not np.any(w0):
        raise ValueError("w0 must be non-zero for depth >= 2 (w = 0 is a stationary point)")

    def velocity(_t, w):
        return -preconditioner(w, depth) @ loss_gradient(w, X, y)

    return solve_flow(velocity, w0, times, X, y, name="end-to-end flow", method="DOP853", rtol=rtol, atol=atol)


# Theorem 2 through an exact identity (the book's derivation, not the paper's).
#
# For balanced factors the rows of dL/dW_1 lie in span(X), so W_1(t)(I - P)
# never moves; balancedness (kept by the flow) makes every factor rank one
# with singular value ||w||^(1/N), and for the rank-one start of
# balanced_initialization this pins the orthogonal part's norm exactly.


@validate_params(w=Array("d"), w0=Array("d", nonzero=True), X=Array("n", "d"), depth=DEPTH)
def balanced_orthogonal_norm(w, w0, X, depth: int) -> float:
    """``||w||^((N-1)/N) ||w0||^(1/N) ||(I - P) u||``, ``u = w0 / ||w0||``, ``P`` the projector on span(X).

    Along the gradient flow (3) of a balanced rank-one start (as built by
    :func:`balanced_initialization`) this *equals* ``||(I - P) w(t)||`` at
    every time: the orthogonal part of the product is
    ``(W_N ... W_2)(t) W_1(0) (I - P)`` and ``||W_N ... W_2|| = ||w(t)||^((N-1)/N)``.
    For ``N = 1`` it is ``||(I - P) w0||`` (the orthogonal part stays put).
    Gradient descent keeps balancedness up to ``O(lr^2)`` per step, so it
    holds there up to that error.

    Parameters
    ----------
    w : array of shape (d,), the end-to-end weight vector at time t
    w0 : array of shape (d,), non-zero, the start ``w(0)``
    X : array of shape (n, d)
    depth : int >= 1
    """
    from .students import span_projector

    init_norm = _norm(w0)
    u = w0 / init_norm
    leak = float(np.linalg.norm(u - span_projector(X) @ u))
    log_scale = (depth - 1) / depth * math.log(_norm(w)) if np.any(w) else -math.inf
    return _exp(log_scale + math.log(init_norm) / depth) * leak


@validate_params(w_hat_norm=POSITIVE, init_norm=POSITIVE, leak=Real(0.0, 1.0), depth=DEPTH)
def balanced_limit_distance(w_hat_norm: float, init_norm: float, leak: float, depth: int) -> float:
    """The limit ``delta = ||w(inf) - w_hat||`` predicted from the start alone.

    At the limit the part in span(X) is ``w_hat`` and the rest is orthogonal,
    so ``||w(inf)||^2 = ||w_hat||^2 + delta^2`` and
    :func:`balanced_orthogonal_norm` becomes the scalar equation

    ``delta = (||w_hat||^2 + delta^2)^((N-1)/(2N)) ||w(0)||^(1/N) c``,  ``c = ||(I - P) u||``,

    whose left side over the first factor is increasing in ``delta``: one root,
    found with scipy's ``brentq``.

    Parameters
    ----------
    w_hat_norm : float > 0
    init_norm : float > 0, ``||w(0)||``
    leak : float in [0, 1], ``c = ||(I - P) u||``
    depth : int >= 1
    """
    from scipy.optimize import brentq

    target = init_norm ** (1.0 / depth) * leak
    if target == 0.0:
        return 0.0

    def excess(delta):  # hypot: ||w_hat||^2 + delta^2 would overflow for norms past 1e154
        return delta / math.hypot(w_hat_norm, delta) ** ((depth - 1) / depth) - target

    upper = max(w_hat_norm, 1.0)
    while excess(upper) < 0:
        upper *= 2.0
    return float(brentq(excess, 0.0, upper, xtol=1e-15, rtol=1e-13))


@validate_params(w_hat_norm=POSITIVE, epsilon=POSITIVE, depth=DEPTH)
def balanced_init_threshold(w_hat_norm: float, epsilon: float, depth: int) -> float:
    """``eps^N (||w_hat||^2 + eps^2)^(-(N-1)/2)``: the limit is within ``eps`` iff ``||w(0)|| c^N`` is at most this.

    Follows from :func:`balanced_limit_distance` (its defining function is
    increasing). The right-hand side of (11) equals this threshold times
    ``||w_hat|| / sqrt(||w_hat||^2 + eps^2) < 1``, and ``c <= 1``, so (11)
    implies (15) for these starts. Never above ``eps``; 0.0 only below the
    float64 range.
    """
    # Log space, as init_norm_bound: eps^N and (||w_hat||^2 + eps^2)^(...) leave float64 long before their ratio.
    log_eps = math.log(epsilon)
    log_hypot = math.log(math.hypot(w_hat_norm, epsilon))  # hypot: no overflow of the squares
    return _exp(depth * log_eps - (depth - 1) * log_hypot)
