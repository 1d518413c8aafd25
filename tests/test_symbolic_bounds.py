"""Tests for kdbook.symbolic_bounds: sympy proofs of Corollary 2's algebra and Appendix D tools."""

import numpy as np
import pytest
import sympy as sp

from kdbook import symbolic_bounds as sb


def test_corollary2_steps_all_hold():
    steps = sb.corollary2_steps()
    assert len(steps) == 5
    assert all(step.holds for step in steps), [step.name for step in steps if not step.holds]
    assert all(isinstance(step.latex(), str) and step.latex() for step in steps)


def test_corollary2_first_steps_vanish_exactly():
    first, second = sb.corollary2_steps()[:2]
    assert first.result == 0 and second.result == 0


def test_a_wrong_substitution_is_detected():
    # The check must be able to fail: with beta = (pi/2) n^(-1/(2n)) the second term is n^(-kappa/2).
    n, kappa = sp.symbols("n kappa", positive=True)
    beta = sp.pi / 2 * n ** (-1 / (2 * n))
    step = sb._zero("wrong", (1 - 2 / sp.pi * (sp.pi / 2 - beta)) ** (n * kappa) - n ** (-kappa))
    assert not step.holds


def test_corollary2_chain_values():
    chain = sb.corollary2_chain(np.array([20.0]), np.array([1.0]))
    assert chain["eq22"][0] == pytest.approx(chain["eq23"][0])
    assert chain["eq23"][0] <= chain["eq21"][0]
    assert chain["eq21"][0] == pytest.approx((1 + np.log(20)) / 20)


def test_check_corollary2_grid_passes_and_reports():
    report = sb.check_corollary2_grid(np.arange(1, 2001), np.linspace(0.0, 5.0, 11))
    assert report["max_excess_23_over_21"] <= 1e-12
    assert report["max_relative_mismatch_22_23"] < 1e-9


def test_angle_tool_and_slack_identity():
    assert all(step.holds for step in sb.angle_tool_steps())
    assert sb.slack_identity().holds


def test_bad_input():
    with pytest.raises(ValueError, match="n must be >= 1"):
        sb.corollary2_chain(np.array([0.5]), np.array([1.0]))
    with pytest.raises(ValueError, match="kappa"):
        sb.corollary2_chain(np.array([2.0]), np.array([-1.0]))
    with pytest.raises(ValueError, match="finite"):
        sb.check_corollary2_grid(np.array([np.nan]), np.array([1.0]))
    with pytest.raises(ValueError, match="shape"):
        sb.check_corollary2_grid(np.ones((2, 2)), np.array([1.0]))
