"""Transfer tasks ``(P_x, w_*)``: a teacher and a way to draw its inputs.

A task knows three things (Phuong & Lampert 2019, Sections 3 and 4.2):

* ``w_star``, the teacher's weight vector, shape ``(d,)``;
* ``sample(n, rng)``, i.i.d. inputs with samples as rows, shape ``(n, d)``
  (or ``(trials, n, d)`` with ``trials=``);
* ``p(theta)``, the reverse cdf of the unsigned angle between ``w_*`` and a
  random input, eq. (17): ``p(theta) = P[alpha_bar(w_*, x) >= theta]``.

Three families are provided:

* :func:`isotropic_gaussian_task`: ``x ~ N(0, I_d)``; ``p`` is a regularized
  incomplete beta function because ``cos^2`` of the angle is
  ``Beta(1/2, (d-1)/2)``-distributed.
* :func:`polynomial_angle_task`: the kappa-polynomial task of Section 5.1 with
  ``p(theta) = (1 - 2 theta / pi)^kappa`` exactly.
* :func:`margin_task`: angles never exceed ``pi/2 - margin``, the setting of
  Corollary 1.

For any sample, :func:`teacher_angles` gives each input's angle to the
teacher (eq. 16) and :func:`empirical_p` estimates ``p`` (eq. 17).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg.blas import dger
from scipy.special import betainc

from ._params import Array, Instance, Integer, Real, Seed, validate_params
from ._validation import as_generator, as_int

__all__ = [
    "TransferTask",
    "random_teacher",
    "isotropic_gaussian_task",
    "polynomial_angle_task",
    "margin_task",
    "empirical_p",
    "teacher_angles",
    "check_angles",
]

HALF_PI = np.pi / 2


# The range check stays in the body, in terms of ``name``: this helper checks
# angles for other code (``TransferTask.p``, the explorables), also when it is
# called from inside a validated function, where the declaration is not checked.
@validate_params(theta=Array(...), name=Instance(str))
def check_angles(theta, name: str = "theta") -> np.ndarray:
    """Validate angles in ``[0, pi/2]`` (the domain of ``p`` in eq. 17).

    Parameters
    ----------
    theta : scalar or array, radians
    name : str, default "theta"
        The caller's name for ``theta``, used in the error message.

    Returns
    -------
    ndarray of the shape of ``theta``, clipped to ``[0, pi/2]``.
    """
    theta = np.asarray(theta, dtype=np.float64)
    # A hair of tolerance so that np.linspace(0, np.pi / 2, k) is accepted.
    if np.any(theta < 0) or np.any(theta > HALF_PI * (1 + 1e-12)):
        raise ValueError(f"{name} must lie in [0, pi/2], got values in [{theta.min()}, {theta.max()}]")
    return np.clip(theta, 0.0, HALF_PI)


@validate_params(d=Integer(1), scale=Real(0.0, low_open=True), seed=Seed())
def random_teacher(d: int, *, scale: float = 1.0, seed=0) -> np.ndarray:
    """A teacher ``w_*`` uniform in direction with norm ``scale``, shape ``(d,)``."""
    direction = seed.standard_normal(d)
    return scale * direction / np.linalg.norm(direction)


@dataclass(frozen=True)
class TransferTask:
    """A transfer task: teacher ``w_star`` and an input sampler.

    Use the factory functions of this module rather than the constructor.

    Attributes
    ----------
    name : str
        A short label used in plots and tables.
    w_star : ndarray of shape (d,)
        The teacher's weight vector.
    """

    name: str
    w_star: np.ndarray
    _sampler: Callable[[int, np.random.Generator], np.ndarray] = field(repr=False)
    _p: Callable[[np.ndarray], np.ndarray] = field(repr=False)

    @property
    def d(self) -> int:
        """Input dimension."""
        return int(self.w_star.shape[0])

    def sample(self, n: int, rng, *, trials: int | None = None) -> np.ndarray:
        """Draw ``n`` i.i.d. inputs, shape ``(n, d)``; with ``trials``, ``(trials, n, d)``.

        ``rng`` is an int seed or a ``numpy.random.Generator``.
        """
        n = as_int(n, "n", minimum=1)
        rng = as_generator(rng)
        if trials is None:
            return self._sampler(n, rng)
        trials = as_int(trials, "trials", minimum=1)
        return self._sampler(trials * n, rng).reshape(trials, n, self.d)

    def p(self, theta) -> np.ndarray:
        """Reverse cdf of the angle between ``w_*`` and ``x``, eq. (17).

        ``theta`` is a scalar or an array with values in ``[0, pi/2]``; the
        result has the same shape and lies in ``[0, 1]``.
        """
        return self._p(check_angles(theta))


def _scaled_vectors_at_angle(
    angles: np.ndarray, lengths: np.ndarray, axis: np.ndarray, noise: np.ndarray
) -> np.ndarray:
    """``lengths * z`` with ``z`` the unit vector at ``angles`` to the unit ``axis`` in the plane of ``noise``.

    Works in place on ``noise`` (shape ``(m, d)``, i.i.d. Gaussian): the part of
    each row orthogonal to ``axis`` is normalized and the result is
    ``lengths (cos(angle) axis + sin(angle) noise_perp / ||noise_perp||)``,
    without temporaries of shape ``(m, d)`` (the rank-one update is BLAS ``dger``).
    """
    along = noise @ axis  # (m,)
    perp_norm = np.sqrt(np.maximum(np.einsum("ij,ij->i", noise, noise) - along**2, np.finfo(float).tiny))
    scale = lengths * np.sin(angles) / perp_norm
    coefficient = lengths * np.cos(angles) - scale * along
    noise *= scale[:, None]
    if noise.flags.c_contiguous and noise.shape[0] > 0:
        # noise.T is Fortran-ordered: dger updates it (and so noise) in place.
        updated = dger(1.0, axis, coefficient, a=noise.T, overwrite_a=True)
        if not np.shares_memory(updated, noise):  # pragma: no cover - scipy copied after all
            noise.T[...] = updated
    else:  # pragma: no cover - noise is always a fresh C-ordered array here
        noise += np.outer(coefficient, axis)
    return noise


def _angle_task(name, w_star, p, p_inverse) -> TransferTask:
    """A task whose inputs are ``nu * z``: ``z`` at an angle ``a = p^{-1}(u)`` to ``w_*``."""
    axis = w_star / np.linalg.norm(w_star)

    def sampler(count: int, rng: np.random.Generator) -> np.ndarray:
        # Inverse-transform sampling: P[p^{-1}(u) >= theta] = P[u <= p(theta)] = p(theta).
        angles = p_inverse(rng.uniform(size=count))
        noise = rng.standard_normal((count, axis.shape[0]))
        lengths = rng.standard_normal(count)
        return _scaled_vectors_at_angle(angles, lengths, axis, noise)

    return TransferTask(name=name, w_star=w_star, _sampler=sampler, _p=p)


@validate_params(d=Integer(2), scale=Real(0.0, low_open=True), seed=Seed())
def isotropic_gaussian_task(d: int, *, scale: float = 1.0, seed=0) -> TransferTask:
    """Inputs ``x ~ N(0, I_d)`` and a random teacher of norm ``scale``.

    For this task the transfer risk of any ``w`` is exactly
    ``alpha(w, w_*) / pi`` (the signed angle of eq. 28), and
    ``p(theta) = I_{cos^2 theta}(1/2, (d - 1)/2)``.
    """
    w_star = random_teacher(d, scale=scale, seed=seed)

    def sampler(count: int, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_normal((count, d))

    def p(theta: np.ndarray) -> np.ndarray:
        return betainc(0.5, (d - 1) / 2.0, np.cos(theta) ** 2)

    return TransferTask(name=f"Gaussian (d={d})", w_star=w_star, _sampler=sampler, _p=p)


@validate_params(d=Integer(2), kappa=Real(0.0), scale=Real(0.0, low_open=True), seed=Seed())
def polynomial_angle_task(d: int, kappa: float, *, scale: float = 1.0, seed=0) -> TransferTask:
    """The kappa-polynomial task of Section 5.1, with ``p(theta) = (1 - 2 theta/pi)^kappa``.

    Sampling follows the paper: an angle ``a`` with
    ``P[a >= theta] = (1 - 2 theta / pi)^kappa``, a unit vector ``z`` uniform
    among those at angle ``a`` to ``w_*``, and ``x = nu z`` with
    ``nu ~ N(0, 1)``. ``kappa = 0`` puts every input on the decision
    boundary; larger ``kappa`` pushes inputs toward ``+-w_*``.

    Parameters
    ----------
    d : int, at least 2
    kappa : float, at least 0
    scale : float, default 1.0
        Norm of the teacher (its direction is drawn from ``seed``).
    seed : int or numpy.random.Generator, default 0
    """
    w_star = random_teacher(d, scale=scale, seed=seed)

    def p(theta: np.ndarray) -> np.ndarray:
        return (1.0 - theta / HALF_PI) ** kappa

    def p_inverse(u: np.ndarray) -> np.ndarray:
        if kappa == 0:
            return np.full_like(u, HALF_PI)
        return HALF_PI * (1.0 - u ** (1.0 / kappa))

    return _angle_task(f"polynomial (kappa={kappa:g})", w_star, p, p_inverse)


@validate_params(
    d=Integer(2),
    margin=Real(0.0, HALF_PI, low_open=True, high_open=True),
    kappa=Real(0.0, low_open=True),
    scale=Real(0.0, low_open=True),
    seed=Seed(),
)
def margin_task(d: int, margin: float, *, kappa: float = 1.0, scale: float = 1.0, seed=0) -> TransferTask:
    """A task with an angular margin: no input lies within ``margin`` of the boundary.

    Angles to ``w_*`` are confined to ``[0, theta_max]`` with
    ``theta_max = pi/2 - margin`` and ``p(theta) = (1 - theta/theta_max)^kappa``
    there (0 beyond). Corollary 1 applies with ``beta = theta_max`` and
    ``gamma = p(margin)``.

    Parameters
    ----------
    d : int, at least 2
    margin : float in (0, pi/2)
        The angular gap between the data and the decision boundary.
    kappa : float, default 1.0 (> 0)
    """
    theta_max = HALF_PI - margin
    w_star = random_teacher(d, scale=scale, seed=seed)

    def p(theta: np.ndarray) -> np.ndarray:
        return np.clip(1.0 - theta / theta_max, 0.0, 1.0) ** kappa

    def p_inverse(u: np.ndarray) -> np.ndarray:
        return theta_max * (1.0 - u ** (1.0 / kappa))

    return _angle_task(f"margin ({np.degrees(margin):.0f} deg)", w_star, p, p_inverse)


@validate_params(w_star=Array("d", nonzero=True), X=Array("n", "d"))
def teacher_angles(X, w_star) -> np.ndarray:
    """The unsigned angle ``alpha_bar(w_*, x)`` of eq. (16) for every row ``x`` of ``X``.

    Parameters
    ----------
    X : array of shape (n, d), no zero rows
    w_star : array of shape (d,), non-zero

    Returns
    -------
    ndarray of shape (n,), radians in ``[0, pi/2]``.
    """
    scale = np.max(np.abs(X), axis=1, keepdims=True)
    if np.any(scale == 0):
        raise ValueError("X must not contain zero rows (their angle to w_star is undefined)")
    X = X / scale
    unit = w_star / np.max(np.abs(w_star))
    cosines = np.abs(X @ unit) / (np.linalg.norm(X, axis=1) * np.linalg.norm(unit))
    return np.arccos(np.clip(cosines, 0.0, 1.0))


@validate_params(
    w_star=Array("d", nonzero=True), X=Array("n", "d"), theta=Array(..., low=0.0, high=HALF_PI * (1 + 1e-12))
)
def empirical_p(X, w_star, theta) -> np.ndarray:
    """Estimate ``p(theta)`` of eq. (17) from a sample: the fraction of rows of ``X``
    whose unsigned angle to ``w_star`` is at least ``theta``.

    Works for any data (digits, MNIST, your own): ``X`` of shape ``(n, d)``,
    ``theta`` a scalar or array in ``[0, pi/2]``. Rows equal to zero are
    rejected because their angle is undefined.
    """
    angles = np.sort(teacher_angles(X, w_star))
    theta = check_angles(theta)
    below = np.searchsorted(angles, theta.ravel(), side="left")
    return ((angles.shape[0] - below) / angles.shape[0]).reshape(theta.shape)
