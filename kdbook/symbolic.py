"""Symbolic checks (sympy) of the facts behind Theorem 1 (Appendix A of Phuong & Lampert 2019).

For a generic small transfer set (symbols for every entry of ``X``, ``w`` and
``w_*``) these functions derive, with sympy, the gradient and Hessian of
the normalized cross-entropy ``L^1`` of eq. (1) and compare them with

* the closed forms used by the package, ``(1/n) X^T (sigma(Xw) - y)`` and
  ``(1/n) X^T diag(sigma'(Xw)) X`` (symbolically: the difference simplifies
  to zero), and
* the code itself: :func:`kdbook.losses.loss_gradient`,
  :func:`kdbook.losses.loss_hessian` and
  :func:`kdbook.losses.normalized_cross_entropy` evaluated at random points
  agree with the sympy expressions.

They also show ``L^1(w_*) = 0`` and that the minimizers of ``L^1`` are exactly
the ``w`` with ``X w = X w_*`` (rows as samples).

Every check returns a :class:`SymbolicCheck`; ``holds`` is what chapters and
tests assert.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from ._params import Integer, Seed, validate_params
from .losses import loss_gradient, loss_hessian, normalized_cross_entropy, soft_labels

__all__ = [
    "SymbolicCheck",
    "symbolic_loss",
    "check_gradient",
    "check_hessian",
    "check_zero_at_teacher",
    "check_minimizers",
    "check_theorem1",
]


@dataclass(frozen=True)
class SymbolicCheck:
    """The outcome of one symbolic check.

    Attributes
    ----------
    name : str
        What was checked.
    residual : sympy expression
        The simplified difference (or a summary of it); ``0`` when the check holds.
    numeric_error : float
        Largest absolute difference between the sympy expression and the
        package's numpy code at random points (0.0 when not applicable).
    holds : bool
        ``residual == 0`` and ``numeric_error <= 1e-12``.
    """

    name: str
    residual: object
    numeric_error: float
    holds: bool


def _sigmoid(z):
    return 1 / (1 + sp.exp(-z))


def _log_sigmoid(z):
    # log sigma(z) = -log(1 + exp(-z)), written so sympy differentiates it cleanly.
    return -sp.log(1 + sp.exp(-z))


def _symbols(n: int, d: int):
    X = sp.Matrix(n, d, lambda i, k: sp.Symbol(f"x_{i}{k}", real=True))
    w = sp.Matrix(d, 1, lambda k, _: sp.Symbol(f"w_{k}", real=True))
    w_star = sp.Matrix(d, 1, lambda k, _: sp.Symbol(f"v_{k}", real=True))
    return n, d, X, w, w_star


#: Sympy stays fast up to 4 x 4 transfer sets.
_SIZE = Integer(1, 4)


@validate_params(n=_SIZE, d=_SIZE)
def symbolic_loss(n: int = 2, d: int = 2):
    """``L^1(w)`` of eq. (1) as a sympy expression for an ``n x d`` transfer set.

    Returns ``(L, X, w, w_star)`` where ``X`` is an ``n x d`` matrix of
    symbols ``x_ik`` (samples as rows), ``w`` and ``w_star`` are ``d x 1``
    symbol vectors (``w_k``, ``v_k``). The soft labels are
    ``y_i = sigma(x_i^T w_*)`` and ``L^* `` is their mean binary entropy.
    ``n`` and ``d`` are limited to 1..4 to keep sympy fast.
    """
    n, d, X, w, w_star = _symbols(n, d)
    logits = X * w
    teacher = X * w_star
    total = 0
    for i in range(n):
        y = _sigmoid(teacher[i])
        cross_entropy = -(y * _log_sigmoid(logits[i]) + (1 - y) * _log_sigmoid(-logits[i]))
        entropy = -(y * _log_sigmoid(teacher[i]) + (1 - y) * _log_sigmoid(-teacher[i]))
        total += cross_entropy - entropy
    return total / n, X, w, w_star


def _random_values(X, w, w_star, rng) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
    n, d = X.shape
    Xv = rng.standard_normal((n, d))
    wv = rng.standard_normal(d)
    sv = rng.standard_normal(d)
    subs = {X[i, k]: Xv[i, k] for i in range(n) for k in range(d)}
    subs.update({w[k]: wv[k] for k in range(d)})
    subs.update({w_star[k]: sv[k] for k in range(d)})
    return subs, Xv, wv, sv


@validate_params(n=_SIZE, d=_SIZE, seed=Seed(), points=Integer(1))
def check_gradient(n: int = 2, d: int = 2, *, seed=0, points: int = 3) -> SymbolicCheck:
    """The gradient of ``L^1`` is ``(1/n) X^T (sigma(Xw) - y)`` (Appendix A).

    Differentiates :func:`symbolic_loss` with sympy, subtracts the closed form
    and simplifies (the residual must be 0), then evaluates the sympy
    gradient at ``points`` random points and compares with
    :func:`kdbook.losses.loss_gradient`.
    """
    L, X, w, w_star = symbolic_loss(n, d)
    rng = seed
    y = sp.Matrix([_sigmoid(e) for e in X * w_star])
    s = sp.Matrix([_sigmoid(e) for e in X * w])
    formula = X.T * (s - y) / X.shape[0]
    gradient = sp.Matrix([sp.diff(L, wk) for wk in w])
    residual = sp.simplify(gradient - formula)
    error = 0.0
    as_function = sp.lambdify((list(X), list(w), list(w_star)), gradient, "numpy")
    for _ in range(points):
        _, Xv, wv, sv = _random_values(X, w, w_star, rng)
        value = np.asarray(as_function(Xv.ravel(), wv, sv), dtype=float).ravel()
        error = max(error, float(np.max(np.abs(value - loss_gradient(wv, Xv, soft_labels(Xv, sv))))))
    holds = residual == sp.zeros(*residual.shape) and error <= 1e-12
    return SymbolicCheck("gradient of L^1 equals (1/n) X^T (sigma(Xw) - y)", residual, error, bool(holds))


@validate_params(n=_SIZE, d=_SIZE, seed=Seed(), points=Integer(1))
def check_hessian(n: int = 2, d: int = 2, *, seed=0, points: int = 3) -> SymbolicCheck:
    """The Hessian of ``L^1`` is ``(1/n) X^T diag(sigma'(Xw)) X`` with ``sigma' = sigma (1 - sigma)``.

    Symbolic residual plus a numeric comparison with
    :func:`kdbook.losses.loss_hessian` at random points. The Hessian does
    not involve the labels, which is why the curvature (and the speed of
    gradient descent) depends on the student's logits only.
    """
    L, X, w, w_star = symbolic_loss(n, d)
    rng = seed
    s = [_sigmoid(e) for e in X * w]
    curvature = sp.diag(*[si * (1 - si) for si in s])
    formula = X.T * curvature * X / X.shape[0]
    hessian = sp.hessian(L, list(w))
    residual = sp.simplify(hessian - formula)
    error = 0.0
    as_function = sp.lambdify((list(X), list(w), list(w_star)), hessian, "numpy")
    for _ in range(points):
        _, Xv, wv, sv = _random_values(X, w, w_star, rng)
        value = np.asarray(as_function(Xv.ravel(), wv, sv), dtype=float)
        error = max(error, float(np.max(np.abs(value - loss_hessian(wv, Xv)))))
    holds = residual == sp.zeros(*residual.shape) and error <= 1e-12
    return SymbolicCheck("Hessian of L^1 equals (1/n) X^T diag(sigma'(Xw)) X", residual, error, bool(holds))


@validate_params(n=_SIZE, d=_SIZE, seed=Seed(), points=Integer(1))
def check_zero_at_teacher(n: int = 2, d: int = 2, *, seed=0, points: int = 3) -> SymbolicCheck:
    """``L^1(w_*) = 0``: the constant ``L^*`` of eq. (1) is the loss at the teacher.

    Also evaluates the sympy ``L^1`` at random ``w`` and compares with
    :func:`kdbook.losses.normalized_cross_entropy`.
    """
    L, X, w, w_star = symbolic_loss(n, d)
    rng = seed
    residual = sp.simplify(L.subs(dict(zip(list(w), list(w_star), strict=True))))
    as_function = sp.lambdify((list(X), list(w), list(w_star)), L, "numpy")
    error = 0.0
    for _ in range(points):
        _, Xv, wv, sv = _random_values(X, w, w_star, rng)
        value = float(as_function(Xv.ravel(), wv, sv))
        error = max(error, abs(value - normalized_cross_entropy(wv, Xv, soft_labels(Xv, sv))))
    return SymbolicCheck("L^1(w_*) = 0", residual, error, bool(residual == 0 and error <= 1e-12))


@validate_params()
def check_minimizers() -> SymbolicCheck:
    """The minimizers of ``L^1`` are exactly the ``w`` with ``X w = X w_*`` (Appendix A).

    ``L^1`` is the mean over samples of ``f(z_i) = KL(Bernoulli(sigma(a_i)) || Bernoulli(sigma(z_i)))``
    with student logit ``z_i = x_i^T w`` and teacher logit ``a_i = x_i^T w_*``.
    With sympy: ``f(a) = 0``, ``f'(z) = sigma(z) - sigma(a)``, whose only real
    root is ``z = a``, and ``f''(z) = sigma'(z) > 0``. So each term is
    non-negative and vanishes only at ``z_i = a_i``; ``L^1(w) = 0`` iff
    ``x_i^T w = x_i^T w_*`` for all ``i``, i.e. ``X w = X w_*``: the affine set
    ``w_* + null(X)``, a single point when ``X`` has rank ``d``.

    The residual is the tuple ``(f(a), f'(z) - (sigma(z) - sigma(a)), roots - {a}, f'' - sigma(1 - sigma))``
    and is ``(0, 0, EmptySet, 0)`` when everything holds.
    """
    z, a = sp.symbols("z a", real=True)
    y = _sigmoid(a)
    f = -(y * _log_sigmoid(z) + (1 - y) * _log_sigmoid(-z)) + (y * _log_sigmoid(a) + (1 - y) * _log_sigmoid(-a))
    at_teacher = sp.simplify(f.subs(z, a))
    first = sp.diff(f, z)
    first_residual = sp.simplify(first - (_sigmoid(z) - _sigmoid(a)))
    roots = sp.solveset(first, z, domain=sp.S.Reals)
    extra_roots = sp.Complement(roots, sp.FiniteSet(a))
    second_residual = sp.simplify(sp.diff(f, z, 2) - _sigmoid(z) * (1 - _sigmoid(z)))
    residual = (at_teacher, first_residual, extra_roots, second_residual)
    holds = at_teacher == 0 and first_residual == 0 and extra_roots == sp.S.EmptySet and second_residual == 0
    return SymbolicCheck("minimizers of L^1 are exactly {w : X w = X w_*}", residual, 0.0, bool(holds))


@validate_params(n=_SIZE, d=_SIZE, seed=Seed(keep_int=True))
def check_theorem1(n: int = 2, d: int = 2, *, seed=0):
    """Run all checks; returns a pandas DataFrame with one row per check (``name``, ``holds``, ...)."""
    import pandas as pd

    # An int seed (keep_int): each check starts its own generator from it.
    checks = [
        check_gradient(n, d, seed=seed),
        check_hessian(n, d, seed=seed),
        check_zero_at_teacher(n, d, seed=seed),
        check_minimizers(),
    ]
    return pd.DataFrame(
        {
            "check": [c.name for c in checks],
            "symbolic residual": [str(c.residual) for c in checks],
            "max numeric error": [c.numeric_error for c in checks],
            "holds": [c.holds for c in checks],
        }
    )
