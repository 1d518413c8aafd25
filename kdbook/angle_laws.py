"""Transfer tasks with hand-made angle laws, for the cases where a bound is tight or fails.

The tasks of :mod:`kdbook.tasks` have smooth reverse cdfs ``p(theta)``
(eq. 17 of Phuong & Lampert 2019). Two questions of the book need laws that
are not smooth:

* :func:`uniform_band_task`: input angles to ``w_*`` uniform on a narrow band
  ``[low, high]``. With ``high`` a little below ``pi/2`` this law satisfies
  the hypothesis ``p(theta) <= c (1 - 2 theta / pi)^kappa`` of Corollary 2
  for a huge ``kappa`` and an even huger ``c``, and breaks eq. (21) when
  ``c > 1`` (chapter 6).
* :func:`two_direction_task`: every input is a multiple of one of two fixed
  unit vectors ``u_1, u_2`` on opposite sides of ``w_*``, at angles ``a_1``
  and ``a_2``. Its angle law has two points, and on it the bound of
  Theorem 3 (eq. 19) and the book's approximate-distillation bound are nearly
  attained (chapters 5 and 6).

Both return a :class:`kdbook.tasks.TransferTask`, so ``sample(n, rng)`` gives
``X`` of shape ``(n, d)`` and ``p(theta)`` the exact reverse cdf.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betainc

from ._params import Array, Function, Integer, Real, Seed, validate_params
from .risk import risk_summary, theorem3_bound
from .tasks import TransferTask, check_angles, random_teacher

__all__ = [
    "uniform_band_task",
    "two_direction_task",
    "two_direction_lines",
    "polynomial_constant",
    "inverse_p",
    "student_cosines",
    "risk_at_angle",
    "symmetric_risk_versus_n",
]

HALF_PI = np.pi / 2


def _orthonormal_partner(axis: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A unit vector orthogonal to the unit ``axis`` (needs ``d >= 2``)."""
    while True:
        other = rng.standard_normal(axis.shape[0])
        other -= (other @ axis) * axis
        norm = np.linalg.norm(other)
        if norm > 1e-8:
            return other / norm


@validate_params(d=Integer(2), low=Real(0.0, HALF_PI, high_open=True), high=Real(0.0, HALF_PI), seed=Seed())
def uniform_band_task(d: int, low: float, high: float, *, seed=0) -> TransferTask:
    """Inputs whose unsigned angle to ``w_*`` (eq. 16) is uniform on ``[low, high]``.

    Each input is ``s r (cos(a) w + sin(a) v)``: ``a`` uniform on the band,
    ``w = w_* / ||w_*||``, ``v`` a uniformly random unit vector orthogonal to
    ``w``, a random sign ``s`` and a length ``r = |N(0, 1)|`` (the length
    does not change any angle). The reverse cdf is ``1`` below ``low``,
    ``(high - theta) / (high - low)`` on the band and ``0`` above ``high``.

    Parameters
    ----------
    d : int >= 2
    low, high : float with ``0 <= low < high <= pi/2`` (radians)
    seed : int or numpy Generator, default 0, for the teacher's direction
    """
    if not low < high:
        raise ValueError(f"low must be < high, got low={low}, high={high}")
    w_star = random_teacher(d, seed=seed)
    axis = w_star / np.linalg.norm(w_star)

    def sampler(count: int, rng: np.random.Generator) -> np.ndarray:
        angles = rng.uniform(low, high, size=count)
        noise = rng.standard_normal((count, d))
        noise -= np.outer(noise @ axis, axis)  # a uniform direction orthogonal to w_*
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        signs_lengths = rng.choice((-1.0, 1.0), size=count) * np.abs(rng.standard_normal(count))
        directions = np.cos(angles)[:, None] * axis + np.sin(angles)[:, None] * noise
        return signs_lengths[:, None] * directions

    def p(theta: np.ndarray) -> np.ndarray:
        return np.clip((high - theta) / (high - low), 0.0, 1.0)

    name = f"angles uniform on [{np.degrees(low):g}, {np.degrees(high):g}] deg"
    return TransferTask(name=name, w_star=w_star, _sampler=sampler, _p=p)


@validate_params(
    d=Integer(2),
    a1=Real(0.0, HALF_PI, high_open=True),
    a2=Real(0.0, HALF_PI, high_open=True),
    q=Real(0.0, 1.0, low_open=True, high_open=True),
    seed=Seed(),
)
def two_direction_task(d: int, a1: float, a2: float, q: float, *, seed=0) -> TransferTask:
    """Inputs on two lines: ``s r u_1`` with probability ``1 - q``, ``s r u_2`` with probability ``q``.

    ``u_1`` and ``u_2`` are unit vectors in one plane through ``w_*``, at
    angles ``a_1`` and ``a_2`` to ``w_*`` on opposite sides of it; ``s`` is a
    random sign and ``r = |N(0, 1)|``. The unsigned angle to ``w_*`` takes two
    values, so ``p(theta)`` (eq. 17) is ``1`` up to ``a_1``, ``q`` up to
    ``a_2`` and ``0`` beyond (for ``a_1 < a_2``). A student built from
    ``u_2`` alone misclassifies every ``u_1`` input when it leans more than
    ``pi/2 - a_1 - a_2`` past ``w_*``: this is what makes the bounds tight.

    Parameters
    ----------
    d : int >= 2
    a1, a2 : float with ``0 <= a1 < a2 < pi/2`` (radians)
    q : float in (0, 1), the probability of the second direction
    seed : int or numpy Generator, default 0, for the teacher and the plane
    """
    if not a1 < a2:
        raise ValueError(f"a1 must be < a2, got a1={a1}, a2={a2}")
    w_star, directions = _two_lines(d, a1, a2, seed)

    def sampler(count: int, rng: np.random.Generator) -> np.ndarray:
        which = (rng.uniform(size=count) < q).astype(int)
        signs_lengths = rng.choice((-1.0, 1.0), size=count) * np.abs(rng.standard_normal(count))
        return signs_lengths[:, None] * directions[which]

    def p(theta: np.ndarray) -> np.ndarray:
        return np.where(theta <= a1, 1.0, np.where(theta <= a2, q, 0.0))

    name = f"two directions at {np.degrees(a1):g} and {np.degrees(a2):g} deg, q = {q:g}"
    return TransferTask(name=name, w_star=w_star, _sampler=sampler, _p=p)


def _two_lines(d: int, a1: float, a2: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The teacher and the two unit directions of :func:`two_direction_task`, drawn from ``rng``."""
    w_star = random_teacher(d, seed=rng)
    axis = w_star / np.linalg.norm(w_star)
    partner = _orthonormal_partner(axis, rng)
    directions = np.stack([np.cos(a1) * axis + np.sin(a1) * partner,
                           np.cos(a2) * axis - np.sin(a2) * partner])  # (2, d)
    return w_star, directions


@validate_params(
    d=Integer(2),
    a1=Real(0.0, HALF_PI, high_open=True),
    a2=Real(0.0, HALF_PI, high_open=True),
    seed=Seed(),
)
def two_direction_lines(d: int, a1: float, a2: float, *, seed=0) -> np.ndarray:
    """The two unit vectors ``u_1, u_2`` on whose lines :func:`two_direction_task` puts its inputs.

    Called with the same ``d, a1, a2, seed`` as the task, it returns the rows
    ``u_1`` (angle ``a1`` to ``w_*``) and ``u_2`` (angle ``a2``, on the other
    side), shape ``(2, d)``. Since every input is a multiple of one of them,
    the transfer risk (eq. 4) of any ``w`` is exact:
    ``(1 - q) [w errs on u_1] + q [w errs on u_2]``.

    Parameters
    ----------
    d : int >= 2
    a1, a2 : float with ``0 <= a1 < a2 < pi/2`` (radians)
    seed : int or numpy Generator, default 0, as given to the task
    """
    if not a1 < a2:
        raise ValueError(f"a1 must be < a2, got a1={a1}, a2={a2}")
    return _two_lines(d, a1, a2, seed)[1]


@validate_params(p=Function(), kappa=Real(0.0), grid=Integer(3))
def polynomial_constant(p, kappa: float, *, grid: int = 20_001) -> float:
    """``log c``: the log of the smallest ``c`` with ``p(theta) <= c (1 - 2 theta / pi)^kappa``, on a grid.

    This is the constant of Corollary 2's hypothesis (eq. 21), computed in
    log space because for steep laws ``c`` overflows a float (the band of
    chapter 6 needs ``c`` of order ``10^125``). ``theta = pi/2`` is left out
    (there ``p`` must be 0 for any finite ``c``). Since ``p(0) = 1``, the
    result is at least 0 for every reverse cdf.

    Parameters
    ----------
    p : callable, a reverse cdf ``p(theta)`` on ``[0, pi/2]``
    kappa : float >= 0
    grid : int >= 3
    """
    thetas = check_angles(np.linspace(0.0, HALF_PI, grid)[:-1])
    values = np.asarray(p(thetas), dtype=np.float64)
    positive = values > 0
    logs = np.log(values[positive]) - kappa * np.log1p(-thetas[positive] / HALF_PI)
    return float(np.max(logs))


# --------------------------------------------------------------------------
# Exact-in-distribution simulation for tasks that are symmetric about w_*.
#
# On the angle tasks (polynomial, margin, band) and on Gaussian inputs an input
# is x = s (cos(a) e + sin(a) u): e = w_* / ||w_*||, an unsigned angle a with
# P[a >= theta] = p(theta), a direction u uniform on the unit sphere of the
# orthogonal complement, independent of a, and a scalar s. The distillation
# student (eq. 6) and its risk then depend on the data only through numbers
# that can be drawn directly, without ever forming a d-dimensional vector.
# --------------------------------------------------------------------------


@validate_params(p=Function(), levels=Array(..., low=0.0, high=1.0), iterations=Integer(1))
def inverse_p(p, levels, *, iterations: int = 60) -> np.ndarray:
    """The angle with reverse cdf ``p``: ``a(u) = sup{theta in [0, pi/2] : p(theta) >= u}`` for each level ``u``.

    For ``u`` uniform on ``(0, 1]``, ``P[a(u) >= theta] = P[u <= p(theta)] = p(theta)``
    (inverse-transform sampling, eq. 17). Found by bisection, so it works for
    any non-increasing ``p``, also with flat parts and jumps.

    Parameters
    ----------
    p : callable, a reverse cdf on ``[0, pi/2]`` (vectorized)
    levels : array of values ``u`` in ``[0, 1]``
    iterations : int >= 1, bisection steps (60 reach machine precision)
    """
    low = np.zeros_like(levels)
    high = np.full_like(levels, HALF_PI)
    top = np.asarray(p(high), dtype=np.float64) >= levels  # p(pi/2) >= u: the supremum is pi/2
    for _ in range(iterations):
        middle = 0.5 * (low + high)
        above = np.asarray(p(middle), dtype=np.float64) >= levels
        low = np.where(above, middle, low)
        high = np.where(above, high, middle)
    return np.where(top, HALF_PI, low)


@validate_params(p=Function(), d=Integer(3), n_max=Integer(1), trials=Integer(1), seed=Seed())
def student_cosines(p, d: int, n_max: int, trials: int, *, seed=0) -> np.ndarray:
    """``cos alpha_bar(w_*, w_hat_n)`` of the distillation student for every ``n = 1..n_max``, drawn exactly.

    For a task symmetric about ``w_*`` with angle law ``p`` (module comment
    above), write ``t_i = cot(a_i)`` and ``M`` for the Gram matrix of the
    orthogonal directions ``u_i``. Sherman-Morrison on
    ``X X^T = c c^T + S M S`` (``c = cos a``, ``S = diag(sin a)``) gives
    ``cos^2 alpha_bar = s_n / (1 + s_n)`` with ``s_n = t^T M^{-1} t``
    over the first ``n`` points. ``M = D^{-1/2} L L^T D^{-1/2}``, with ``L``
    the Bartlett factor of a Wishart matrix (the Cholesky factor of the Gram
    matrix of Gaussian vectors in ``R^{d-1}``, i.e. the ``R`` of their QR
    factorization, as in the proof of Lemma 1) and ``D`` its squared row norms.
    Forward substitution ``y = L^{-1} D^{1/2} t`` then gives
    ``s_n = y_1^2 + ... + y_n^2`` for every prefix at once. Row ``i`` of
    ``L`` enters only through ``L_ii`` (``chi`` with ``d - 1 - i`` degrees of
    freedom), its inner product with the earlier ``y`` (``||y_{<i}|| z``,
    ``z ~ N(0, 1)``) and its squared norm (``z^2`` plus an independent
    ``chi^2`` with ``i - 1`` degrees), so each trial costs ``O(n_max)``
    random numbers instead of ``O(n_max d)``. Lemma 1 is visible: ``s_n``
    is a partial sum, non-decreasing in ``n``.

    Parameters
    ----------
    p : callable, the task's reverse cdf (eq. 17)
    d : int >= 3, input dimension
    n_max : int in [1, d - 1]
    trials : int >= 1, independent transfer sets
    seed : int or numpy Generator

    Returns
    -------
    ndarray of shape (trials, n_max), cosines in ``[0, 1]``
    """
    if n_max >= d:
        raise ValueError(f"n_max must be < d = {d} (from n = d on the student is w_* exactly), got {n_max}")
    rng = seed
    angles = inverse_p(p, 1.0 - rng.uniform(size=(trials, n_max)))  # u in (0, 1]
    cot = np.cos(angles) / np.maximum(np.sin(angles), np.finfo(float).tiny)
    squares = np.zeros((trials, n_max))
    done = np.zeros(trials)  # ||y_{<i}||^2
    for i in range(n_max):
        diagonal = np.sqrt(rng.chisquare(d - 1 - i, size=trials))
        if i == 0:
            inner, row_norm2 = np.zeros(trials), diagonal**2
        else:
            z = rng.standard_normal(trials)
            rest = rng.chisquare(i - 1, size=trials) if i > 1 else np.zeros(trials)
            inner, row_norm2 = np.sqrt(done) * z, diagonal**2 + z**2 + rest
        y = (np.sqrt(row_norm2) * cot[:, i] - inner) / diagonal
        squares[:, i] = y**2
        done = done + y**2
    s = np.cumsum(squares, axis=1)
    return np.sqrt(s / (1.0 + s))


@validate_params(p=Function(), d=Integer(3), phi=Array(..., low=0.0, high=HALF_PI * (1 + 1e-12)), grid=Integer(10))
def risk_at_angle(p, d: int, phi, *, grid: int = 8001) -> np.ndarray:
    """The exact transfer risk (eq. 4) of a student at angle ``phi`` to ``w_*``, for a task symmetric about ``w_*``.

    With ``w = cos(phi) e + sin(phi) v`` and a test input
    ``s (cos(a) e + sin(a) u)``, the student errs exactly when
    ``xi = u^T v < -cot(phi) cot(a)``; ``xi`` is a coordinate of a uniform
    unit vector in ``R^{d-1}``, ``(1 + xi) / 2 ~ Beta((d-2)/2, (d-2)/2)``. So
    ``R(phi) = E_a[P(xi > cot(phi) cot(a))]``, integrated over the angle law
    with the exact mass ``p(theta_k) - p(theta_{k+1})`` of each of ``grid``
    cells and the midpoint value. For Gaussian inputs this is ``phi / pi``.

    Parameters
    ----------
    p : callable, the task's reverse cdf (eq. 17)
    d : int >= 3
    phi : array of angles in ``[0, pi/2]``
    grid : int >= 10, cells of the integral over the angle

    Returns
    -------
    ndarray of the shape of ``phi``
    """
    edges = np.linspace(0.0, HALF_PI, grid + 1)
    masses = -np.diff(np.asarray(p(edges), dtype=np.float64))
    middles = 0.5 * (edges[:-1] + edges[1:])
    keep = masses > 0
    masses, cot_a = masses[keep], 1.0 / np.tan(middles[keep])
    half = (d - 2) / 2.0
    phi = np.minimum(np.asarray(phi, dtype=np.float64), HALF_PI)
    out = np.empty(phi.size)
    for index, angle in enumerate(phi.ravel()):
        if angle == 0.0:
            out[index] = 0.0
            continue
        threshold = cot_a / np.tan(angle)  # P(xi > threshold) = I_{(1 - threshold)/2}(half, half)
        out[index] = masses @ betainc(half, half, np.clip((1.0 - threshold) / 2.0, 0.0, 1.0))
    return out.reshape(phi.shape)


@validate_params(
    p=Function(), d=Integer(3), ns=Array("k", integer=True, low=1, increasing=True), trials=Integer(2), seed=Seed(),
    nodes=Integer(10),
)
def symmetric_risk_versus_n(p, d: int, ns, *, trials: int = 200, seed=0, nodes: int = 600) -> pd.DataFrame:
    """Expected transfer risk of the distillation student for each ``n``, on a task symmetric about ``w_*``.

    The same table as :func:`kdbook.montecarlo.risk_versus_n` (columns ``n``,
    ``learner``, ``risk``, ``risk_se``, ``ci_low``, ``ci_high``, ``trials``,
    ``bound``), computed differently: each trial's student angles come from
    :func:`student_cosines` (nested sets, exact in distribution) and each
    student's risk is its exact risk :func:`risk_at_angle` rather than a
    count on held-out points, interpolated (in log scale) from ``nodes``
    angles. Only the average over ``trials`` transfer sets is Monte Carlo.
    Sizes ``n >= d`` have risk exactly 0 (eq. 18).

    Parameters
    ----------
    p : callable, the task's reverse cdf (eq. 17)
    d : int >= 3
    ns : increasing ints >= 1
    trials : int >= 2
    seed : int or numpy Generator
    nodes : int >= 10, angles at which the risk is tabulated
    """
    below = [int(n) for n in ns if n < d]
    risks = np.zeros((ns.size, trials))
    if below:
        cosines = student_cosines(p, d, below[-1], trials, seed=seed)
        phis = np.arccos(np.clip(cosines[:, np.array(below) - 1].T, 0.0, 1.0))  # (len(below), trials)
        table_phi = HALF_PI * np.linspace(0.0, 1.0, nodes) ** 2  # dense near 0, where risks are smallest
        table_risk = risk_at_angle(p, d, table_phi)
        positive = table_risk > 0
        logs = np.interp(phis, table_phi[positive], np.log(table_risk[positive]))
        risks[: len(below)] = np.where(phis < table_phi[positive][0], 0.0, np.exp(logs))
    records = []
    for i, n in enumerate(ns.tolist()):
        bound = float(theorem3_bound(p, n, d=d))
        records.append({"n": n, "learner": "distillation", **risk_summary(risks[i]), "bound": bound})
    return pd.DataFrame.from_records(records)
