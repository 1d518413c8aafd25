"""Symbolic checks (sympy) of the algebra behind Corollary 2 and Appendix D.

Corollary 2 of Phuong & Lampert (2019) inserts ``p(theta) <= (1 - 2 theta/pi)^kappa``
into Theorem 3 (eq. 22), sets ``beta = (pi/2) n^{-1/n}`` and simplifies (eq. 23),
then uses ``e^x >= 1 + x`` to reach eq. (21). :func:`corollary2_steps`
verifies each step with sympy and :func:`check_corollary2_grid` checks the
resulting chain of inequalities numerically on a grid of ``n`` and ``kappa``.

For the approximate-distillation theorem (Appendix D), :func:`angle_tool_steps`
verifies the minimization behind ``angle(w, w_hat) <= arcsin(r / ||w_hat||)``
(chapter 6 writes ``r`` for the radius of the ball around ``w_hat``) and
:func:`slack_identity` the closed form of the slack ``zeta(beta)`` (chapter 6's
symbol) used by :func:`kdbook.risk.approximation_slack`.

Each check returns :class:`SymbolicStep` records: a name, the sympy
expression that must vanish (or be non-negative), the simplified result and
whether the check holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from ._params import Array, Real, validate_params

__all__ = [
    "SymbolicStep",
    "corollary2_steps",
    "corollary2_chain",
    "check_corollary2_grid",
    "angle_tool_steps",
    "slack_identity",
]


@dataclass(frozen=True)
class SymbolicStep:
    """One verified step.

    Attributes
    ----------
    name : str
        What the step claims, in words.
    claim : sympy.Expr
        The expression the step is about (a difference that must be 0, or a
        quantity that must be >= 0).
    result : sympy.Expr
        ``claim`` after simplification.
    holds : bool
        Whether sympy proved the claim.
    """

    name: str
    claim: sp.Expr
    result: sp.Expr
    holds: bool

    def latex(self) -> str:
        """The claim in LaTeX, for display in the book."""
        return sp.latex(self.claim)


def _zero(name: str, difference: sp.Expr) -> SymbolicStep:
    result = sp.simplify(sp.powsimp(sp.expand_log(difference, force=True), force=True))
    return SymbolicStep(name, difference, result, bool(result == 0))


@validate_params()
def corollary2_steps() -> list[SymbolicStep]:
    """Verify the algebra of eqs. (22)-(23) with ``beta = (pi/2) n^{-1/n}``.

    Steps (``n >= 2``, ``kappa >= 0`` real symbols; ``c = 1``):

    1. ``1 - (2/pi) beta = 1 - exp(-log(n)/n)`` (first term of eq. 23);
    2. ``(1 - (2/pi)(pi/2 - beta))^{n kappa} = n^{-kappa}`` (second term);
    3. ``e^x - 1 - x >= 0`` for all real ``x``: its derivative vanishes only
       at ``x = 0``, where the value is 0, and its second derivative is
       positive;
    4. hence ``1 - exp(-log(n)/n) <= log(n)/n`` (``x = -log(n)/n``), and
       ``(log(n)/n)^kappa + n^{-kappa} = (1 + (log n)^kappa)/n^kappa``: eq. (21).
    """
    n, kappa = sp.symbols("n kappa", positive=True)
    x = sp.symbols("x", real=True)
    beta = sp.pi / 2 * n ** (-1 / n)
    steps = [
        _zero("first term: 1 - (2/pi) beta = 1 - exp(-log(n)/n)",
              (1 - 2 / sp.pi * beta) - (1 - sp.exp(-sp.log(n) / n))),
        _zero("second term: (1 - (2/pi)(pi/2 - beta))^(n kappa) = n^(-kappa)",
              (1 - 2 / sp.pi * (sp.pi / 2 - beta)) ** (n * kappa) - n ** (-kappa)),
    ]
    f = sp.exp(x) - 1 - x
    critical = sp.solve(sp.diff(f, x), x)
    convex = sp.simplify(sp.diff(f, x, 2))
    holds = critical == [0] and sp.simplify(f.subs(x, 0)) == 0 and bool(convex.is_positive)
    steps.append(SymbolicStep("e^x >= 1 + x: f = e^x - 1 - x is convex with its only critical point f(0) = 0",
                              f, convex, holds))
    gap = sp.log(n) / n - (1 - sp.exp(-sp.log(n) / n))
    gap_holds = sp.simplify(gap - f.subs(x, -sp.log(n) / n)) == 0 and holds
    steps.append(SymbolicStep("1 - exp(-log(n)/n) <= log(n)/n, since the gap is f(-log(n)/n) >= 0",
                              gap, sp.simplify(gap - f.subs(x, -sp.log(n) / n)), bool(gap_holds)))
    steps.append(_zero("(log(n)/n)^kappa + n^(-kappa) = (1 + log(n)^kappa) / n^kappa",
                       (sp.log(n) / n) ** kappa + n ** (-kappa) - (1 + sp.log(n) ** kappa) / n**kappa))
    return steps


@validate_params(n=Array(..., low=1.0), kappa=Array(..., low=0.0))
def corollary2_chain(n, kappa) -> dict[str, np.ndarray]:
    """The chain (22) >= ... evaluated numerically, for arrays ``n >= 1`` and ``kappa >= 0``.

    Returns the three quantities of the proof at ``beta = (pi/2) n^{-1/n}``:
    ``"eq22"``, the right side of eq. (22); ``"eq23"``, the right side of
    eq. (23) (equal to ``"eq22"``); ``"eq21"``, the final bound
    ``(1 + (log n)^kappa)/n^kappa``. Broadcasting applies.
    """
    try:
        np.broadcast_shapes(n.shape, kappa.shape)
    except ValueError:
        raise ValueError(f"n and kappa must broadcast together, got shapes {n.shape} and {kappa.shape}") from None
    beta = np.pi / 2 * n ** (-1.0 / n)
    eq22 = (1 - 2 / np.pi * beta) ** kappa + (1 - 2 / np.pi * (np.pi / 2 - beta)) ** (n * kappa)
    eq23 = (1 - np.exp(-np.log(n) / n)) ** kappa + n ** (-kappa)
    eq21 = (1 + np.log(n) ** kappa) / n**kappa
    return {"eq22": eq22, "eq23": eq23, "eq21": eq21}


@validate_params(ns=Array(None, low=1.0), kappas=Array(None, low=0.0), rtol=Real(0.0))
def check_corollary2_grid(ns, kappas, *, rtol: float = 1e-12) -> dict[str, float]:
    """Check eq. (22) = eq. (23) <= eq. (21) on the grid ``ns x kappas``.

    Returns the largest relative mismatch between (22) and (23) and the
    largest value of ``(23) - (21)`` (which must be <= 0 up to rounding);
    raises ``AssertionError`` if either check fails.
    """
    n_grid, kappa_grid = np.meshgrid(ns, kappas)
    chain = corollary2_chain(n_grid, kappa_grid)
    mismatch = float(np.max(np.abs(chain["eq22"] - chain["eq23"]) / np.maximum(chain["eq23"], 1e-300)))
    excess = float(np.max(chain["eq23"] - chain["eq21"]))
    if mismatch > 1e-9:
        raise AssertionError(f"eq. (22) and eq. (23) differ by a relative {mismatch:.2e}")
    if excess > rtol:
        raise AssertionError(f"eq. (23) exceeds eq. (21) by {excess:.2e}")
    return {"max_relative_mismatch_22_23": mismatch, "max_excess_23_over_21": excess}


@validate_params()
def angle_tool_steps() -> list[SymbolicStep]:
    """Verify the minimization behind ``angle(w, w_hat) <= arcsin(r/||w_hat||)``.

    With ``s = ||w||``, ``a = ||w_hat||`` and ``||w - w_hat|| <= r < a``,
    ``cos angle(w, w_hat) >= g(s) = (s^2 + a^2 - r^2) / (2 s a)``. The steps:
    ``g'(s) = 0`` exactly at ``s = sqrt(a^2 - r^2)``, ``g''`` is positive
    there, and the minimum value equals ``cos(arcsin(r/a))`` (chapter 6's lemma).
    """
    s, a, r = sp.symbols("s a r", positive=True)
    g = (s**2 + a**2 - r**2) / (2 * s * a)
    s_star = sp.sqrt(a**2 - r**2)
    steps = [
        _zero("g'(s) = 0 at s = sqrt(a^2 - r^2)", sp.diff(g, s).subs(s, s_star)),
    ]
    curvature = sp.simplify(sp.diff(g, s, 2).subs(s, s_star))
    # g'' = (a^2 - r^2) / (a s^3) at s_star: positive when r < a.
    positive = sp.simplify(curvature - (a**2 - r**2) / (a * s_star**3)) == 0
    steps.append(SymbolicStep("g''(s*) = (a^2 - r^2) / (a s*^3) > 0 for r < a", curvature,
                              curvature, bool(positive)))
    steps.append(_zero("g(s*) = sqrt(1 - r^2/a^2) = cos(arcsin(r/a))",
                       g.subs(s, s_star) - sp.cos(sp.asin(r / a))))
    return steps


@validate_params()
def slack_identity() -> SymbolicStep:
    """Verify ``sin(zeta) sin(beta + zeta) = rho`` for ``zeta = (arccos(cos(beta) - 2 rho) - beta)/2``.

    The product-to-sum identity ``2 sin(zeta) sin(beta + zeta) = cos(beta) - cos(beta + 2 zeta)``
    turns the condition into ``cos(beta + 2 zeta) = cos(beta) - 2 rho`` (chapter 6 writes
    ``zeta(beta)`` for this angle; :func:`kdbook.risk.approximation_slack` computes it).
    """
    beta, zeta, rho = sp.symbols("beta zeta rho", real=True)
    difference = 2 * sp.sin(zeta) * sp.sin(beta + zeta) - (sp.cos(beta) - sp.cos(beta + 2 * zeta))
    identity = sp.simplify(sp.expand_trig(difference))
    closed = (sp.acos(sp.cos(beta) - 2 * rho) - beta) / 2
    substituted = sp.simplify((sp.cos(beta) - sp.cos(beta + 2 * closed)) / 2 - rho)
    return SymbolicStep("2 sin(zeta) sin(beta + zeta) = cos(beta) - cos(beta + 2 zeta), so zeta(beta) solves it",
                        difference, identity + substituted, bool(identity == 0 and substituted == 0))
