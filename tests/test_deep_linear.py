"""Tests for kdbook.deep_linear: balanced starts, Theorem 2's conditions, the induced flow."""

import warnings

import numpy as np
import pytest

from kdbook.deep_linear import (
    balance_gaps,
    balanced_init_threshold,
    balanced_initialization,
    balanced_limit_distance,
    check_initial_conditions,
    end_to_end,
    end_to_end_flow,
    end_to_end_velocity,
    flip_sign,
    flip_sign_if_needed,
    init_norm_bound,
    preconditioner,
)
from kdbook.losses import soft_labels
from kdbook.students import train_student
from kdbook.tasks import isotropic_gaussian_task


def _data(n=10, d=6, seed=0):
    task = isotropic_gaussian_task(d, seed=seed)
    return task.sample(n, seed + 1), task.w_star


@pytest.mark.parametrize("depth, width", [(2, 1), (2, 7), (3, 4), (5, 3)])
def test_balanced_initialization_is_balanced_with_the_chosen_norm(depth, width):
    factors = balanced_initialization(6, depth, norm=0.01, hidden_width=width, seed=3)
    assert len(factors) == depth
    assert factors[0].shape == (width, 6) and factors[-1].shape == (1, width)
    assert np.linalg.norm(end_to_end(factors)) == pytest.approx(0.01, rel=1e-12)
    assert np.all(balance_gaps(factors) < 1e-15)


def test_balanced_initialization_direction_and_depth_one():
    direction = np.arange(1.0, 5.0)
    factors = balanced_initialization(4, 3, norm=2.0, hidden_width=2, seed=0, direction=direction)
    np.testing.assert_allclose(end_to_end(factors), 2.0 * direction / np.linalg.norm(direction))
    single = balanced_initialization(4, 1, norm=2.0, hidden_width=2, seed=0, direction=direction)
    assert len(single) == 1 and balance_gaps(single).size == 0


def test_random_factors_are_not_balanced():
    rng = np.random.default_rng(0)
    factors = [rng.standard_normal((3, 6)), rng.standard_normal((1, 3))]
    assert balance_gaps(factors)[0] > 0.1
    X, w_star = _data()
    report = check_initial_conditions(factors, X, w_star, epsilon=0.1)
    assert not report.balanced and not report.all_hold


def test_check_initial_conditions_and_sign_flip():
    X, w_star = _data()
    factors = balanced_initialization(6, 3, norm=1e-4, hidden_width=4, seed=1)
    report = check_initial_conditions(factors, X, w_star, epsilon=0.1)
    flipped = check_initial_conditions(flip_sign(factors), X, w_star, epsilon=0.1)
    assert report.balanced and flipped.balanced and report.small
    # Exactly one of w0 and -w0 beats the origin near 0.
    assert report.better_than_origin != flipped.better_than_origin
    assert report.flip_repairs == (not report.better_than_origin)
    repaired = check_initial_conditions(flip_sign_if_needed(factors, X, w_star), X, w_star, epsilon=0.1)
    assert repaired.all_hold
    # (11) fails for a start that is too large.
    big = balanced_initialization(6, 3, norm=10.0, hidden_width=4, seed=1)
    assert not check_initial_conditions(big, X, w_star, epsilon=0.1).small


def test_init_norm_bound():
    # The bound is increasing in epsilon and capped by ||w_hat||.
    values = [init_norm_bound(1.0, eps, 2) for eps in (1e-3, 1e-2, 1e-1)]
    assert values[0] < values[1] < values[2] <= 1.0
    assert init_norm_bound(1.0, 1e-2, 2) == pytest.approx(1e-4 / (1e-4 + 1.0))
    # As epsilon grows the bound approaches ||w_hat|| from below.
    assert 0.5 * (1 - 1e-6) < init_norm_bound(0.5, 1e4, 3) < 0.5
    with pytest.raises(ValueError, match="epsilon"):
        init_norm_bound(1.0, 0.0, 2)
    with pytest.raises(ValueError, match="w_hat_norm"):
        init_norm_bound(-1.0, 0.1, 2)


def test_preconditioner_matches_the_factor_dynamics():
    X, w_star = _data(12, 5, seed=2)
    y = soft_labels(X, w_star)
    from kdbook.losses import loss_gradient

    for depth in (1, 2, 3, 4):
        factors = balanced_initialization(5, depth, norm=0.7, hidden_width=3, seed=depth)
        w = end_to_end(factors)
        induced = end_to_end_velocity(factors, X, y)
        predicted = -preconditioner(w, depth) @ loss_gradient(w, X, y)
        np.testing.assert_allclose(induced, predicted, atol=1e-13)
    np.testing.assert_array_equal(preconditioner(np.ones(3), 1), np.eye(3))
    np.testing.assert_array_equal(preconditioner(np.zeros(3), 2), np.zeros((3, 3)))
    # Unbalanced factors do not follow the preconditioned flow.
    rng = np.random.default_rng(1)
    factors = [rng.standard_normal((3, 5)), rng.standard_normal((1, 3))]
    w = end_to_end(factors)
    assert not np.allclose(end_to_end_velocity(factors, X, y), -preconditioner(w, 2) @ loss_gradient(w, X, y))


def test_end_to_end_flow_matches_small_step_training():
    X, w_star = _data(30, 5, seed=4)
    y = soft_labels(X, w_star)
    lr, steps = 0.02, 1500
    student = train_student(X, w_star, 2, steps=steps, lr=lr, init_scale=0.05, seed=0)
    flow = end_to_end_flow(X, y, student.w0, 2, [0.0, steps * lr])
    assert np.linalg.norm(flow.w - student.w) < 0.02 * np.linalg.norm(student.w)
    assert flow.losses[-1] < flow.losses[0]


def test_bad_input():
    X, w_star = _data()
    with pytest.raises(ValueError, match="depth"):
        balanced_initialization(6, 0, norm=1.0, hidden_width=2, seed=0)
    with pytest.raises(ValueError, match="norm"):
        balanced_initialization(6, 2, norm=0.0, hidden_width=2, seed=0)
    with pytest.raises(ValueError, match="hidden_width"):
        balanced_initialization(6, 2, norm=1.0, hidden_width=0, seed=0)
    with pytest.raises(ValueError, match="direction"):
        balanced_initialization(6, 2, norm=1.0, hidden_width=2, seed=0, direction=np.ones(5))
    with pytest.raises(TypeError, match="seed"):
        balanced_initialization(6, 2, norm=1.0, hidden_width=2, seed=None)
    with pytest.raises(TypeError, match="factors"):
        end_to_end(np.ones((1, 6)))
    with pytest.raises(ValueError, match="factors"):
        end_to_end([])
    with pytest.raises(ValueError, match="columns"):
        end_to_end([np.ones((3, 6)), np.ones((1, 4))])
    with pytest.raises(ValueError, match="one row"):
        balance_gaps([np.ones((3, 6)), np.ones((2, 3))])
    with pytest.raises(ValueError, match="factors"):
        end_to_end([np.full((1, 6), np.nan)])
    good = balanced_initialization(6, 2, norm=0.1, hidden_width=2, seed=0)
    with pytest.raises(ValueError, match="epsilon"):
        check_initial_conditions(good, X, w_star, epsilon=-1.0)
    with pytest.raises(ValueError, match="d = 6"):
        check_initial_conditions([np.ones((2, 4)), np.ones((1, 2))], X, w_star, epsilon=0.1)
    with pytest.raises(ValueError, match="X"):
        check_initial_conditions(good, X.T, w_star, epsilon=0.1)
    with pytest.raises(ValueError, match="w_star"):
        flip_sign_if_needed(good, X, np.zeros(6))
    with pytest.raises(ValueError, match="depth"):
        preconditioner(np.ones(3), 0)
    with pytest.raises(ValueError, match="w"):
        preconditioner(np.ones((2, 2)), 2)
    y = soft_labels(X, w_star)
    with pytest.raises(ValueError, match="w0"):
        end_to_end_flow(X, y, np.zeros(6), 2, [0.0, 1.0])
    with pytest.raises(ValueError, match="w0"):
        end_to_end_flow(X, y, np.ones(5), 2, [0.0, 1.0])
    with pytest.raises(ValueError, match="times"):
        end_to_end_flow(X, y, np.ones(6), 2, [1.0, 0.5])
    with pytest.raises(ValueError, match="y"):
        end_to_end_flow(X, y[:3], np.ones(6), 2, [0.0, 1.0])
    with pytest.raises(ValueError, match="y"):
        end_to_end_velocity(good, X, y + 2)


def _old_init_norm_bound(a, eps, depth):  # the formula before log space (raises OverflowError off its range)
    inner = eps**2 * a ** (-2.0 / depth) + a ** (2.0 - 2.0 / depth)
    return float(min(a, eps**depth * inner ** (-depth / 2.0)))


def _old_balanced_init_threshold(a, eps, depth):
    return float(eps**depth * (a**2 + eps**2) ** (-(depth - 1) / 2.0))


GRID = [(a, eps, depth) for a in (1e-30, 1e-6, 0.3, 1.0, 7.0, 1e6, 1e30) for eps in (1e-8, 1e-3, 0.5, 1.0, 10.0, 1e5)
        for depth in (1, 2, 3, 5, 10, 40)]


@pytest.mark.parametrize(("new", "old"), [(init_norm_bound, _old_init_norm_bound),
                                          (balanced_init_threshold, _old_balanced_init_threshold)])
def test_log_space_bounds_keep_the_old_values(new, old):
    compared = 0
    for a, eps, depth in GRID:
        try:
            expected = old(a, eps, depth)
        except (OverflowError, ZeroDivisionError):
            continue
        if np.isfinite(expected) and expected > 1e-300:  # the old formula is exact here, not underflowed
            assert new(a, eps, depth) == pytest.approx(expected, rel=1e-12), (a, eps, depth)
            compared += 1
    assert compared > 150


@pytest.mark.parametrize(("a", "eps", "depth"), [
    (1e300, 1e-300, 2), (1e-300, 1e300, 3), (1e300, 1e300, 1000), (1e-300, 1e-300, 10**6), (1.0, 1e-3, 200),
    (1e200, 1e-5, 7), (5.0, 1e250, 50), (1e-200, 1.0, 10**5),
])
def test_bounds_never_raise_at_extreme_inputs(a, eps, depth):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings either
        bound, threshold = init_norm_bound(a, eps, depth), balanced_init_threshold(a, eps, depth)
    assert 0.0 <= bound <= a and np.isfinite(bound)
    assert 0.0 <= threshold <= eps * (1 + 1e-10) and np.isfinite(threshold)
    assert bound <= threshold * (1 + 1e-10)  # (11) is the threshold times ||w_hat|| / hypot(||w_hat||, eps)


def test_bounds_at_known_extremes():
    # eps^N underflows but the bound is representable: N = 200, eps = 1e-3, ||w_hat|| = 1 gives
    # 1e-600 / (1e-6 + 1)^100, below float64 -> 0.0; N = 50, eps = 1e-6 gives 1e-300 (representable).
    assert init_norm_bound(1.0, 1e-3, 200) == 0.0
    assert init_norm_bound(1.0, 1e-6, 50) == pytest.approx(1e-300 * (1 + 1e-12) ** -25, rel=1e-10)
    # A huge ||w_hat||: the bound is eps^N ||w_hat||^(1-N) (1 + ...) (old formula: OverflowError).
    assert balanced_init_threshold(1e200, 1e-2, 3) == 0.0  # 1e-6 / 1e400: below float64
    assert balanced_init_threshold(1e200, 1.0, 2) == pytest.approx(1e-200, rel=1e-12)
    # A huge epsilon: the bound tends to ||w_hat|| and the threshold to eps.
    # (Log space costs accuracy here: the logs cancel from about 2760 down to log 3.)
    assert init_norm_bound(3.0, 1e300, 4) == pytest.approx(3.0, rel=1e-12)
    assert balanced_init_threshold(3.0, 1e300, 4) == pytest.approx(1e300, rel=1e-12)


def test_balanced_limit_distance_with_a_huge_w_hat():
    # ||w_hat||^2 overflowed before; with N = 1 the limit distance is ||w(0)|| c exactly.
    assert balanced_limit_distance(1e200, 2.0, 0.5, 1) == pytest.approx(1.0, rel=1e-12)
    assert np.isfinite(balanced_limit_distance(1e200, 1e-3, 0.5, 3))


def test_huge_norms_do_not_overflow_where_the_answer_is_representable():
    """np.linalg.norm squares entries (inf past 1e154); ||w(0)|| = 1e200 is still a float."""
    from kdbook.deep_linear import balanced_initialization, check_initial_conditions, preconditioner

    X = np.random.default_rng(0).standard_normal((2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        factors = balanced_initialization(3, 2, norm=1e200, hidden_width=4, seed=0)
        report = check_initial_conditions(factors, X, np.ones(3), 0.1)
        big = preconditioner(np.array([1e150, 0.0, -1e150]), 3)
        beyond = preconditioner(np.array([1e250, 0.0, -1e250]), 3)
    assert report.init_norm == pytest.approx(1e200, rel=1e-12)
    assert report.balanced and report.balance_gap < 1e-12
    unit = preconditioner(np.array([1.0, 0.0, -1.0]), 3)
    np.testing.assert_allclose(big, unit * 1e200, rtol=1e-12)
    assert beyond[0, 0] == np.inf and beyond[0, 2] == -np.inf and beyond[0, 1] == 0.0
