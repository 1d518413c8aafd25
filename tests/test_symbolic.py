"""Tests for kdbook.symbolic: the sympy checks of Theorem 1's loss facts."""

import pytest
import sympy as sp

from kdbook.symbolic import (
    check_gradient,
    check_hessian,
    check_minimizers,
    check_theorem1,
    check_zero_at_teacher,
    symbolic_loss,
)


def test_gradient_check_holds_for_two_shapes():
    for n, d in [(2, 2), (3, 1)]:
        result = check_gradient(n, d, seed=1)
        assert result.holds
        assert result.residual == sp.zeros(d, 1)
        assert result.numeric_error < 1e-12


def test_hessian_and_zero_checks_hold():
    hessian = check_hessian(2, 2)
    assert hessian.holds and hessian.residual == sp.zeros(2, 2)
    zero = check_zero_at_teacher(2, 3)
    assert zero.holds and zero.residual == 0


def test_minimizer_check_holds():
    result = check_minimizers()
    assert result.holds
    assert result.residual[2] == sp.S.EmptySet


def test_symbolic_loss_is_positive_away_from_the_teacher():
    L, X, w, w_star = symbolic_loss(1, 1)
    value = L.subs({X[0, 0]: 1.0, w[0]: 2.0, w_star[0]: 0.5})
    assert float(value) > 0
    # The checks would catch a wrong formula: a gradient without the 1/n factor differs.
    L2, X2, w2, s2 = symbolic_loss(2, 1)
    wrong = sp.diff(L2, w2[0]) * 2
    assert sp.simplify(wrong - sp.diff(L2, w2[0])) != 0


def test_check_theorem1_table():
    table = check_theorem1(2, 2)
    assert len(table) == 4 and table["holds"].all()


def test_bad_input():
    with pytest.raises(ValueError, match="n"):
        symbolic_loss(0, 2)
    with pytest.raises(ValueError, match="d"):
        symbolic_loss(2, 5)
    with pytest.raises(TypeError, match="n"):
        check_gradient(1.5, 2)
    with pytest.raises(ValueError, match="points"):
        check_hessian(2, 2, points=0)
    with pytest.raises(TypeError, match="seed"):
        check_zero_at_teacher(2, 2, seed=None)
