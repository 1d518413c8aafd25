"""kdbook.bayes_teacher: exact moments against Monte Carlo, the Bayes teacher's variance, cross-fitting."""

import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import norm

from kdbook.bayes_teacher import (
    bayes_probabilities,
    bayes_weights,
    corrected_targets,
    cross_fitted_probabilities,
    crossover_size,
    error_rate,
    excess_risk,
    fit_logistic,
    gaussian_mixture,
    objective_moments,
    optimal_correction,
    population_student,
    student_excess_risks,
    teacher_kl,
)

D, R = 4, 0.5


def test_bayes_probabilities_are_the_posterior_of_the_two_gaussians():
    X, y, p_star = gaussian_mixture(500, d=D, radius=R, seed=3)
    up = np.exp(-0.5 * ((X - R) ** 2).sum(axis=1))
    down = np.exp(-0.5 * ((X + R) ** 2).sum(axis=1))
    np.testing.assert_allclose(p_star, up / (up + down), rtol=1e-10)
    np.testing.assert_allclose(bayes_probabilities(X, radius=R), p_star)
    assert set(np.unique(y)) == {0.0, 1.0}
    # The classes sit on the side of their means: class 1 has the larger 1^T x on average.
    assert X[y == 1].sum(axis=1).mean() > 0 > X[y == 0].sum(axis=1).mean()


@pytest.mark.parametrize("teacher_scale", [1.0, 0.4, 2.5])
def test_objective_moments_match_monte_carlo(teacher_scale):
    w, b = np.array([0.6, -0.2, 0.3, 0.1]), 0.2
    teacher = teacher_scale * bayes_weights(D, radius=R) + np.array([0.0, 0.3, 0.0, 0.0])
    exact = objective_moments(w, b, teacher, -0.1, radius=R)
    X, y, _ = gaussian_mixture(400_000, d=D, radius=R, seed=1)
    q = expit(X @ w + b)
    one, zero = -np.log(q), -np.log(1 - q)
    labels = y * one + (1 - y) * zero
    pt = expit(X @ teacher - 0.1)
    distilled = pt * one + (1 - pt) * zero
    for sample, mean, variance in ((labels, exact.risk, exact.label_variance),
                                   (distilled, exact.teacher_mean, exact.teacher_variance)):
        assert abs(sample.mean() - mean) < 4 * sample.std() / np.sqrt(len(sample))
        assert abs(sample.var() / variance - 1) < 0.02


def test_the_bayes_teacher_is_unbiased_and_removes_the_conditional_variance():
    w, b = np.array([0.6, -0.2, 0.3, 0.1]), 0.2
    exact = objective_moments(w, b, bayes_weights(D, radius=R), radius=R)
    assert abs(exact.bias) < 1e-10
    # Law of total variance: the gap is E[p*(1 - p*) (w^T x + b)^2], the label noise's share.
    X, _, p_star = gaussian_mixture(400_000, d=D, radius=R, seed=2)
    gap = p_star * (1 - p_star) * (X @ w + b) ** 2
    assert abs(exact.label_variance - exact.teacher_variance - gap.mean()) < 4 * gap.std() / np.sqrt(len(gap))
    assert crossover_size(exact.label_variance, exact.teacher_variance, exact.bias) == float("inf")


def test_crossover_size_is_where_the_mean_squared_errors_cross():
    w, b = np.array([0.6, -0.2, 0.3, 0.1]), 0.2
    moments = objective_moments(w, b, 0.5 * bayes_weights(D, radius=R), radius=R)
    size = crossover_size(moments.label_variance, moments.teacher_variance, moments.bias)
    assert 1 < size < 1e4
    teacher = moments.bias**2 + moments.teacher_variance / size
    np.testing.assert_allclose(teacher, moments.label_variance / size, rtol=1e-12)
    # A teacher worse in variance never wins.
    assert crossover_size(0.1, 0.2, 0.05) == 0.0 and crossover_size(0.2, 0.1, 0.0) == float("inf")


def test_excess_risk_is_the_kl_divergence_by_monte_carlo_and_zero_for_bayes():
    W = np.array([bayes_weights(D, radius=R), [0.3, 0.2, -0.1, 0.5], 3 * bayes_weights(D, radius=R)])
    b = np.array([0.0, 0.4, 0.0])
    exact = excess_risk(W, b, radius=R)
    assert exact[0] < 1e-10 and np.all(exact[1:] > 1e-3)
    X, _, p = gaussian_mixture(300_000, d=D, radius=R, seed=4)
    for j in (1, 2):
        q = expit(X @ W[j] + b[j])
        kl = p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))
        assert abs(kl.mean() - exact[j]) < 4 * kl.std() / np.sqrt(len(kl))


def test_error_rate_closed_form():
    assert error_rate(bayes_weights(D, radius=R), radius=R) == pytest.approx(norm.cdf(-R * np.sqrt(D)))
    w, b = np.array([1.0, 0.5, -0.5, 0.2]), 0.3
    X, y, _ = gaussian_mixture(400_000, d=D, radius=R, seed=5)
    wrong = ((X @ w + b >= 0) != (y == 1)).mean()
    assert abs(wrong - error_rate(w, b, radius=R)) < 4 * np.sqrt(wrong * (1 - wrong) / len(y))


def test_a_student_fitted_to_a_linear_logit_teacher_copies_it_exactly():
    X, _, _ = gaussian_mixture(40, d=D, radius=R, seed=6)
    teacher = np.array([0.8, -0.3, 0.5, 1.1])
    w, b = fit_logistic(X, expit(X @ teacher + 0.25))
    np.testing.assert_allclose(w, teacher, atol=1e-8)
    assert b == pytest.approx(0.25, abs=1e-8)
    # ... so its excess risk is the teacher's: teacher_kl.
    for temperature in (0.5, 2.0):
        w, b = fit_logistic(X, expit(X @ bayes_weights(D, radius=R) / temperature))
        np.testing.assert_allclose(excess_risk(w[None], np.array([b]), radius=R)[0],
                                   teacher_kl(D, radius=R, temperature=temperature), rtol=1e-6)
    assert teacher_kl(D, radius=R) == pytest.approx(0.0, abs=1e-12)


def test_fit_logistic_on_labels_sets_the_gradient_to_zero():
    X, y, _ = gaussian_mixture(300, d=D, radius=R, seed=7)
    w, b = fit_logistic(X, y)
    residual = expit(X @ w + b) - y
    assert np.abs(X.T @ residual).max() < 1e-8 and abs(residual.sum()) < 1e-8


def test_the_population_student_and_its_limits():
    assert population_student(temperature=0.5, teacher_weight=1.0, d=D, radius=R)[0] == pytest.approx(2.0)
    scale, excess = population_student(temperature=0.5, teacher_weight=0.0, d=D, radius=R)
    assert scale == pytest.approx(1.0) and excess == pytest.approx(0.0, abs=1e-12)
    half = population_student(temperature=0.5, teacher_weight=0.5, d=D, radius=R)
    full = population_student(temperature=0.5, teacher_weight=1.0, d=D, radius=R)
    assert 1.0 < half[0] < 2.0 and 0 < half[1] < full[1]
    np.testing.assert_allclose(full[1], teacher_kl(D, radius=R, temperature=0.5), rtol=1e-10)


def test_students_approach_the_population_limit_and_labels_only_students_approach_zero():
    sizes = np.array([50, 3000])
    mixed = student_excess_risks(sizes, temperature=0.5, teacher_weight=0.5, repeats=20, d=D, radius=R)
    limit = population_student(temperature=0.5, teacher_weight=0.5, d=D, radius=R)[1]
    assert abs(np.median(mixed[1]) / limit - 1) < 0.25
    labels = student_excess_risks(sizes, teacher_weight=0.0, repeats=20, d=D, radius=R)
    assert np.median(labels[1]) < 0.1 * np.median(labels[0])
    copies = student_excess_risks(sizes, temperature=2.0, teacher_weight=1.0, repeats=3, d=D, radius=R)
    np.testing.assert_allclose(copies, teacher_kl(D, radius=R, temperature=2.0), rtol=1e-6)


def test_cross_fitted_probabilities_do_not_depend_on_a_rows_own_label():
    X, y, _ = gaussian_mixture(60, d=D, radius=R, seed=8)
    base = cross_fitted_probabilities(X, y, folds=5, ridge=0.1, seed=0)
    flipped = y.copy()
    flipped[7] = 1 - flipped[7]
    other = cross_fitted_probabilities(X, flipped, folds=5, ridge=0.1, seed=0)
    assert other[7] == base[7]
    assert np.sum(other != base) >= 40  # the other folds' teachers saw the flip
    w, b = fit_logistic(X, flipped, ridge=0.1)
    w0, b0 = fit_logistic(X, y, ridge=0.1)
    assert expit(X[7] @ w + b) != expit(X[7] @ w0 + b0)  # the in-sample teacher does depend on it


def test_optimal_correction_minimizes_the_expected_target_error():
    rng = np.random.default_rng(9)
    p_star = rng.uniform(0.1, 0.9, 200)
    teacher = np.clip(p_star + rng.normal(0, 0.2, 200), 0, 1)
    best = optimal_correction(teacher, p_star)
    labels = (rng.uniform(size=(20_000, 200)) < p_star).astype(float)
    grid = np.linspace(0, 1, 41)
    errors = [((teacher + g * (labels - teacher) - p_star) ** 2).mean() for g in grid]
    assert abs(grid[int(np.argmin(errors))] - best) <= 0.025 + 1e-12
    assert 0 < best < 1
    np.testing.assert_allclose(corrected_targets(teacher, labels[0], gamma=1.0), labels[0])


def test_bad_input_is_refused_by_name():
    X, y, _ = gaussian_mixture(6, d=D, radius=R)
    with pytest.raises(ValueError, match="folds"):
        cross_fitted_probabilities(X, y, folds=7)
    with pytest.raises(ValueError, match="angle"):
        teacher_kl(1, radius=R, angle=0.3)
    with pytest.raises(ValueError, match="targets"):
        fit_logistic(X, y + 1.0)


def test_same_data_teachers_lean_towards_their_labels_only_in_sample():
    from kdbook.bayes_teacher import distilled_excess_risks, same_data_teachers

    teachers = same_data_teachers(40, repeats=150, folds=4, ridge=0.05, d=3, radius=R, seed=1)
    noise = teachers.y - teachers.p_star
    lean_in = ((teachers.in_sample - teachers.p_star) * noise).mean(axis=1)
    lean_cf = ((teachers.cross_fitted - teachers.p_star) * noise).mean(axis=1)
    error = 3 * lean_cf.std() / np.sqrt(len(lean_cf))
    assert lean_in.mean() > 5 * error and abs(lean_cf.mean()) < error
    risks = distilled_excess_risks(teachers.X, teachers.cross_fitted, radius=R)
    assert risks.shape == (150,) and np.all(risks >= 0)


def test_quadratic_features():
    from kdbook.bayes_teacher import quadratic_features

    out = quadratic_features(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(out, [[1, 2, 3, 1, 2, 3, 4, 6, 9]])


@pytest.mark.parametrize("temperature", [0.05, 10.0, 20.0])
def test_the_population_student_of_extreme_teachers(temperature):
    # Newton's method from scale 1 diverged for hot teachers; the root is bracketed now.
    scale, excess = population_student(temperature=temperature, teacher_weight=1.0, d=D, radius=R)
    assert scale == pytest.approx(1 / temperature, rel=1e-9)
    assert excess == pytest.approx(teacher_kl(D, radius=R, temperature=temperature), rel=1e-9)
    mixed_scale, _ = population_student(temperature=temperature, teacher_weight=0.5, d=D, radius=R)
    assert min(1.0, 1 / temperature) < mixed_scale < max(1.0, 1 / temperature)
