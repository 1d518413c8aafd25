import numpy as np
import pytest
from scipy.optimize import approx_fprime

from kdbook.losses import (
    binary_entropy,
    cross_entropy,
    hard_labels,
    log_sigmoid,
    loss_gradient,
    loss_hessian,
    normalized_cross_entropy,
    optimal_loss,
    sigmoid,
    soft_labels,
)


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 5))
    w_star = rng.standard_normal(5)
    return X, w_star, soft_labels(X, w_star)


def test_soft_labels_are_sigmoid_of_teacher_logits(problem):
    X, w_star, y = problem
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-X @ w_star)), rtol=1e-14)
    assert y.shape == (12,)


def test_temperature_softens_like_a_smaller_teacher(problem):
    X, w_star, _ = problem
    np.testing.assert_allclose(soft_labels(X, w_star, temperature=4.0), soft_labels(X, w_star / 4.0))


def test_hard_labels_match_teacher_decisions(problem):
    X, w_star, _ = problem
    np.testing.assert_array_equal(hard_labels(X, w_star), (X @ w_star >= 0).astype(float))


def test_optimal_loss_is_mean_binary_entropy(problem):
    _, _, y = problem
    expected = np.mean(-y * np.log(y) - (1 - y) * np.log(1 - y))
    assert optimal_loss(y) == pytest.approx(expected, rel=1e-13)
    assert binary_entropy(np.array([0.0, 1.0, 0.5]))[2] == pytest.approx(np.log(2))
    np.testing.assert_array_equal(binary_entropy(np.array([0.0, 1.0])), [0.0, 0.0])


def test_normalized_loss_is_zero_at_teacher_and_positive_elsewhere(problem):
    X, w_star, y = problem
    assert normalized_cross_entropy(w_star, X, y) == pytest.approx(0.0, abs=1e-14)
    rng = np.random.default_rng(1)
    for _ in range(20):
        w = w_star + rng.standard_normal(5)
        assert normalized_cross_entropy(w, X, y) > 0
    shifted = w_star + 1
    assert normalized_cross_entropy(shifted, X, y) == pytest.approx(cross_entropy(shifted, X, y) - optimal_loss(y))


def test_gradient_matches_finite_differences(problem):
    X, w_star, y = problem
    w = np.linspace(-1, 1, 5)
    numeric = approx_fprime(w, lambda v: normalized_cross_entropy(v, X, y), 1e-7)
    np.testing.assert_allclose(loss_gradient(w, X, y), numeric, atol=1e-6)
    np.testing.assert_allclose(loss_gradient(w_star, X, y), 0.0, atol=1e-15)


def test_hessian_matches_finite_differences_of_gradient(problem):
    X, _, y = problem
    w = np.linspace(-1, 1, 5)
    numeric = np.array([approx_fprime(w, lambda v, i=i: loss_gradient(v, X, y)[i], 1e-7) for i in range(5)])
    np.testing.assert_allclose(loss_hessian(w, X), numeric, atol=1e-6)


def test_finite_for_huge_logits():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 1.0]])
    w_star = np.array([1e4, -1e4])
    y = soft_labels(X, w_star)
    assert np.all(np.isfinite(y))
    for w in (w_star, -w_star, np.zeros(2), np.array([1e4, 1e4])):
        assert np.isfinite(normalized_cross_entropy(w, X, y))
        assert np.all(np.isfinite(loss_gradient(w, X, y)))
        assert np.all(np.isfinite(loss_hessian(w, X)))
    assert normalized_cross_entropy(w_star, X, y) == 0.0
    assert normalized_cross_entropy(-w_star, X, y) > 1e3
    assert np.isfinite(log_sigmoid(-1e4)) and log_sigmoid(-1e4) == pytest.approx(-1e4)
    assert sigmoid(1e4) == 1.0 and sigmoid(-1e4) == 0.0


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda X, w, y: soft_labels(X.T, w), ValueError,
         r"X has d = 12 along axis 1 .*but w_star has d = 5 \(samples are rows: pass X.T"),
        (lambda X, w, y: soft_labels(X, np.zeros(5)), ValueError, "w_star must be non-zero, got all zeros"),
        (lambda X, w, y: soft_labels(X[0], w), ValueError, r"X must have shape \(n, d\)"),
        (lambda X, w, y: soft_labels(X, w, temperature=0), ValueError, "temperature must be > 0"),
        (lambda X, w, y: soft_labels(np.full((2, 5), np.nan), w), ValueError, "X must contain only finite"),
        (lambda X, w, y: soft_labels(np.empty((0, 5)), w), ValueError, "X must not be empty"),
        (lambda X, w, y: soft_labels("abc", w), TypeError, "X must be an array"),
        (lambda X, w, y: normalized_cross_entropy(w, X, y[:-1]), ValueError,
         r"y has n = 11 along axis 0 \(shape \(11,\)\), but X has n = 12"),
        (lambda X, w, y: normalized_cross_entropy(w, X, y + 1), ValueError,
         r"every entry of y must be in \[0, 1\], got 1\."),
        (lambda X, w, y: loss_gradient(w[:3], X, y), ValueError,
         r"X has d = 5 along axis 1 \(shape \(12, 5\)\), but w has d = 3"),
        (lambda X, w, y: loss_hessian(np.array([np.inf] * 5), X), ValueError, "w must contain only finite"),
        (lambda X, w, y: optimal_loss(np.array([1.5])), ValueError, r"every entry of y must be in \[0, 1\], got 1.5"),
        (lambda X, w, y: optimal_loss(np.array([])), ValueError, "y must not be empty"),
    ],
)
def test_bad_input_is_rejected_with_named_parameter(problem, call, error, pattern):
    X, w_star, y = problem
    with pytest.raises(error, match=pattern):
        call(X, w_star, y)
