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

from ._params import Function, Integer, Real, Seed, validate_params
from .tasks import TransferTask, check_angles, random_teacher

__all__ = ["uniform_band_task", "two_direction_task", "polynomial_constant"]

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
    w_star = random_teacher(d, seed=seed)
    axis = w_star / np.linalg.norm(w_star)
    partner = _orthonormal_partner(axis, seed)
    directions = np.stack([np.cos(a1) * axis + np.sin(a1) * partner,
                           np.cos(a2) * axis - np.sin(a2) * partner])  # (2, d)

    def sampler(count: int, rng: np.random.Generator) -> np.ndarray:
        which = (rng.uniform(size=count) < q).astype(int)
        signs_lengths = rng.choice((-1.0, 1.0), size=count) * np.abs(rng.standard_normal(count))
        return signs_lengths[:, None] * directions[which]

    def p(theta: np.ndarray) -> np.ndarray:
        return np.where(theta <= a1, 1.0, np.where(theta <= a2, q, 0.0))

    name = f"two directions at {np.degrees(a1):g} and {np.degrees(a2):g} deg, q = {q:g}"
    return TransferTask(name=name, w_star=w_star, _sampler=sampler, _p=p)


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
