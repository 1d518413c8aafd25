"""Tests for Theorem 2's sign flip and the exact orthogonal-part identity (kdbook.deep_linear)."""

import numpy as np
import pytest

from kdbook.deep_linear import (
    InitialConditionWarning,
    balanced_init_threshold,
    balanced_initialization,
    balanced_limit_distance,
    balanced_orthogonal_norm,
    end_to_end,
    end_to_end_flow,
    flip_sign_if_needed,
    init_norm_bound,
)
from kdbook.losses import loss_gradient, normalized_cross_entropy, soft_labels
from kdbook.students import distillation_solution, span_projector
from kdbook.tasks import isotropic_gaussian_task


def _data(n=8, d=20, seed=0):
    task = isotropic_gaussian_task(d, seed=seed)
    return task.sample(n, seed + 1), task.w_star


def test_flip_reports_when_neither_sign_satisfies_12():
    X, w_star = _data()
    y = soft_labels(X, w_star)
    g = loss_gradient(np.zeros(20), X, y)
    # A direction orthogonal to grad L^1(0): by convexity both signs have L^1 >= L^1(0).
    u = np.random.default_rng(3).standard_normal(20)
    u -= (u @ g) / (g @ g) * g
    factors = balanced_initialization(20, 3, norm=0.5, hidden_width=4, seed=0, direction=u)
    chosen, satisfied = flip_sign_if_needed(factors, X, w_star, return_flag=True)
    assert not satisfied
    origin = normalized_cross_entropy(np.zeros(20), X, y)
    assert normalized_cross_entropy(end_to_end(chosen), X, y) >= origin
    with pytest.raises(ValueError, match=r"neither w\(0\) nor -w\(0\)"):
        flip_sign_if_needed(factors, X, w_star, strict=True)
    # The default keeps the old return type (a list of factors), and warns.
    with pytest.warns(InitialConditionWarning):
        assert isinstance(flip_sign_if_needed(factors, X, w_star), list)


def test_flip_works_when_the_first_order_term_beats_the_curvature():
    X, w_star = _data()
    y = soft_labels(X, w_star)
    n = X.shape[0]
    g = loss_gradient(np.zeros(20), X, y)
    origin = normalized_cross_entropy(np.zeros(20), X, y)
    rng = np.random.default_rng(1)
    both_fail = 0
    for _ in range(200):
        w0 = rng.standard_normal(20) * 10 ** rng.uniform(-2, 1)
        factors = balanced_initialization(20, 2, norm=np.linalg.norm(w0), hidden_width=3, seed=rng, direction=w0)
        chosen, satisfied = flip_sign_if_needed(factors, X, w_star, return_flag=True)
        losses = [normalized_cross_entropy(s * w0, X, y) for s in (1, -1)]
        assert not (losses[0] < origin and losses[1] < origin), "convexity: at most one sign satisfies (12)"
        assert satisfied == (min(losses) < origin)
        assert np.isclose(normalized_cross_entropy(end_to_end(chosen), X, y), min(losses))
        if abs(g @ w0) > np.linalg.norm(X @ w0) ** 2 / (8 * n):
            assert satisfied, "the smoothness bound guarantees (12) for the better sign"
        both_fail += not satisfied
    assert 0 < both_fail < 200


def test_identity_holds_along_the_balanced_flow():
    X, w_star = _data(6, 15, seed=2)
    y = soft_labels(X, w_star)
    P = span_projector(X)
    for depth in (1, 2, 3):
        w0 = 0.05 * np.random.default_rng(depth).standard_normal(15)
        flow = end_to_end_flow(X, y, w0, depth, np.linspace(0.5, 40.0, 8))
        for w in flow.weights:
            predicted = balanced_orthogonal_norm(w, w0, X, depth)
            assert np.linalg.norm(w - P @ w) == pytest.approx(predicted, rel=1e-6)


def test_limit_distance_and_threshold():
    w_hat_norm, leak = 0.7, 0.9
    for depth in (1, 2, 4):
        eps = 0.05
        threshold = balanced_init_threshold(w_hat_norm, eps, depth)
        # At the threshold (with c = 1) the limit distance is exactly eps.
        assert balanced_limit_distance(w_hat_norm, threshold, 1.0, depth) == pytest.approx(eps, rel=1e-10)
        below = balanced_limit_distance(w_hat_norm, 0.99 * threshold, 1.0, depth)
        above = balanced_limit_distance(w_hat_norm, 1.01 * threshold, 1.0, depth)
        assert below < eps < above
        # (11) is the threshold times ||w_hat|| / sqrt(||w_hat||^2 + eps^2).
        ratio = init_norm_bound(w_hat_norm, eps, depth) / threshold
        assert ratio == pytest.approx(w_hat_norm / np.hypot(w_hat_norm, eps), rel=1e-12)
        delta = balanced_limit_distance(w_hat_norm, 1e-3, leak, depth)
        assert delta == pytest.approx(np.hypot(w_hat_norm, delta) ** ((depth - 1) / depth)
                                      * 1e-3 ** (1 / depth) * leak, rel=1e-10)
    assert balanced_limit_distance(1.0, 0.1, 0.0, 3) == 0.0


def test_identity_helpers_reject_bad_input():
    X, w_star = _data()
    w = distillation_solution(X, w_star)
    with pytest.raises(ValueError, match="w0"):
        balanced_orthogonal_norm(w, np.zeros(20), X, 2)
    with pytest.raises(ValueError, match="w0 has d = 19 along axis 0"):
        balanced_orthogonal_norm(w, np.ones(19), X, 2)
    with pytest.raises(ValueError, match="depth"):
        balanced_orthogonal_norm(w, np.ones(20), X, 0)
    with pytest.raises(ValueError, match="leak"):
        balanced_limit_distance(1.0, 0.1, 1.5, 2)
    with pytest.raises(ValueError, match="init_norm"):
        balanced_limit_distance(1.0, 0.0, 0.5, 2)
    with pytest.raises(ValueError, match="epsilon"):
        balanced_init_threshold(1.0, 0.0, 2)
    good = balanced_initialization(20, 2, norm=0.1, hidden_width=2, seed=0)
    with pytest.raises(TypeError, match="strict"):
        flip_sign_if_needed(good, X, w_star, strict="yes")
