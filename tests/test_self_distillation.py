"""kdbook.self_distillation: the rounds in the eigenbasis against the matrix recursion, and the limit."""

import numpy as np
import pytest

from kdbook.self_distillation import fitted_values, limit


def kernel(n=12, seed=0, gamma=2.0):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 1, n))
    return np.exp(-gamma * (x[:, None] - x[None, :]) ** 2 * 10), np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(n)


def recursion(K, y, ridge, rounds, alpha):
    """The definition, row by row, with dense solves."""
    smoother = K @ np.linalg.inv(K + ridge * np.eye(len(y)))
    rows = [smoother @ y]
    for _ in range(rounds):
        rows.append(smoother @ (alpha * y + (1 - alpha) * rows[-1]))
    return np.array(rows)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0])
def test_rounds_match_the_definition(alpha):
    K, y = kernel()
    got = fitted_values(K, y, ridge=0.05, rounds=6, alpha=alpha)
    assert got.shape == (7, 12)
    np.testing.assert_allclose(got, recursion(K, y, 0.05, 6, alpha), atol=1e-10)


def test_without_labels_the_rounds_shrink_each_eigen_coefficient_geometrically():
    K, y = kernel()
    values, vectors = np.linalg.eigh(K)
    rows = fitted_values(K, y, ridge=0.1, rounds=5)
    coefficients = rows @ vectors
    kept = values > 1e-3  # directions whose coefficients stay well above rounding
    ratio = coefficients[1:, kept] / coefficients[:-1, kept]
    np.testing.assert_allclose(ratio, np.broadcast_to(values[kept] / (values[kept] + 0.1), ratio.shape), rtol=1e-6)
    assert kept.sum() >= 4
    # ... so the fit collapses: the norm falls every round.
    assert np.all(np.diff(np.linalg.norm(rows, axis=1)) < 0)


@pytest.mark.parametrize("alpha", [0.2, 0.7])
def test_the_rounds_converge_to_the_limit_ridge_regression_with_ridge_over_alpha(alpha):
    K, y = kernel()
    rows = fitted_values(K, y, ridge=0.05, rounds=400, alpha=alpha)
    fixed = limit(K, y, ridge=0.05, alpha=alpha)
    np.testing.assert_allclose(rows[-1], fixed, atol=1e-9)
    ridge_fit = K @ np.linalg.solve(K + (0.05 / alpha) * np.eye(len(y)), y)
    np.testing.assert_allclose(fixed, ridge_fit, atol=1e-10)
    assert np.linalg.norm(rows[1] - fixed) > 1e-3  # not there after one round


def test_without_labels_the_limit_is_zero():
    K, y = kernel()
    assert np.all(limit(K, y, ridge=0.1, alpha=0.0) == 0)


def test_zero_rounds_is_the_teacher():
    K, y = kernel()
    teacher = K @ np.linalg.solve(K + 0.1 * np.eye(12), y)
    np.testing.assert_allclose(fitted_values(K, y, ridge=0.1, rounds=0)[0], teacher)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"K": np.triu(np.ones((4, 4)))}, "K must be symmetric"),
        ({"K": -np.eye(4)}, "K must be positive semi-definite"),
        ({"K": np.ones((4, 3))}, "K has n = 3"),
        ({"y": np.ones(3)}, "y has n = 3"),
        ({"ridge": 0.0}, "ridge"),
        ({"rounds": -1}, "rounds"),
        ({"alpha": 1.5}, "alpha"),
    ],
)
def test_bad_input_is_refused_by_name(change, message):
    args = {"K": np.eye(4), "y": np.ones(4), "ridge": 0.1, "rounds": 2, "alpha": 0.5, **change}
    with pytest.raises(ValueError, match=message):
        fitted_values(args["K"], args["y"], ridge=args["ridge"], rounds=args["rounds"], alpha=args["alpha"])


def test_round_maps_are_the_rounds_as_matrices():
    from kdbook.self_distillation import round_maps

    K, y = kernel()
    maps = round_maps(K, ridge=0.05, rounds=4, alpha=0.2)
    np.testing.assert_allclose(maps @ y, fitted_values(K, y, ridge=0.05, rounds=4, alpha=0.2), atol=1e-12)


def test_teacher_weight_risk_is_the_expected_error_by_monte_carlo():
    from kdbook.self_distillation import teacher_weight_risk

    K, _ = kernel()
    x = np.linspace(0, 1, 12)
    f = np.sin(2 * np.pi * x)
    S = K @ np.linalg.inv(K + 0.05 * np.eye(12))
    rng = np.random.default_rng(5)
    Y = f + 0.5 * rng.standard_normal((40_000, 12))
    for xi in (0.0, 1.0, 2.5):
        fits = Y @ (S @ ((1 - xi) * np.eye(12) + xi * S)).T
        errors = ((fits - f) ** 2).mean(axis=1)
        exact = teacher_weight_risk(K, f, noise=0.5, ridge=0.05, weights=np.array([xi]))[0]
        assert abs(errors.mean() - exact) < 4 * errors.std() / np.sqrt(len(errors)), (xi, errors.mean(), exact)


def test_optimal_teacher_weight_minimizes_the_risk_and_exceeds_one_under_heavy_noise():
    from kdbook.self_distillation import optimal_teacher_weight, teacher_weight_risk

    K, _ = kernel()
    f = np.sin(2 * np.pi * np.linspace(0, 1, 12))
    grid = np.linspace(-3, 8, 22_001)
    for noise in (0.05, 0.5, 3.0):
        best = optimal_teacher_weight(K, f, noise=noise, ridge=0.05)
        risk = teacher_weight_risk(K, f, noise=noise, ridge=0.05, weights=grid)
        assert abs(best - grid[risk.argmin()]) <= 1e-3
    heavy, light = (optimal_teacher_weight(K, f, noise=noise, ridge=0.05) for noise in (3.0, 0.05))
    assert heavy > 1 > light
