"""Tests for kdbook.tasks: samplers agree with their analytic p(theta) (eq. 17)."""

import numpy as np
import pytest
from scipy import stats

from kdbook import tasks

HALF_PI = np.pi / 2
THETAS = np.linspace(0.0, HALF_PI, 9)


@pytest.mark.parametrize(
    "task",
    [
        tasks.polynomial_angle_task(40, 1.0, seed=0),
        tasks.polynomial_angle_task(40, 2.5, seed=1),
        tasks.margin_task(40, np.pi / 8, kappa=2.0, seed=2),
        tasks.isotropic_gaussian_task(40, seed=3),
    ],
    ids=["poly1", "poly2.5", "margin", "gaussian"],
)
def test_empirical_p_matches_analytic_p(task):
    X = task.sample(40_000, 0)
    # Dvoretzky-Kiefer-Wolfowitz: sup |empirical - true| <= 0.012 with probability > 0.99
    np.testing.assert_allclose(tasks.empirical_p(X, task.w_star, THETAS), task.p(THETAS), atol=0.012)


def test_polynomial_p_formula_and_endpoints():
    task = tasks.polynomial_angle_task(10, 3.0, seed=0)
    np.testing.assert_allclose(task.p(THETAS), (1 - THETAS / HALF_PI) ** 3)
    assert task.p(0.0) == 1.0 and task.p(HALF_PI) == 0.0


def test_margin_task_never_enters_the_margin():
    task = tasks.margin_task(5, 0.3, seed=0)
    angles = tasks.teacher_angles(task.sample(5000, 1), task.w_star)
    assert angles.max() <= HALF_PI - 0.3 + 1e-12
    assert float(task.p(HALF_PI - 0.3)) == 0.0


def test_sample_shapes_norms_and_trials():
    task = tasks.polynomial_angle_task(6, 1.0, seed=0)
    assert task.sample(7, 0).shape == (7, 6)
    assert task.sample(7, 0, trials=3).shape == (3, 7, 6)
    np.testing.assert_array_equal(task.sample(7, 5), task.sample(7, 5))
    # x = nu z with nu ~ N(0, 1) and |z| = 1: the norms are |N(0, 1)|
    norms = np.linalg.norm(task.sample(20_000, 2), axis=1)
    assert stats.kstest(norms, stats.halfnorm.cdf).pvalue > 1e-3


def test_directions_uniform_around_the_teacher():
    # The component orthogonal to w_* has no preferred direction: its mean vanishes.
    task = tasks.polynomial_angle_task(4, 1.0, seed=0)
    X = task.sample(50_000, 1)
    unit = task.w_star / np.linalg.norm(task.w_star)
    perp = X - np.outer(X @ unit, unit)
    assert np.abs(perp.mean(axis=0)).max() < 0.02


def test_teacher_angles_and_large_inputs():
    w = np.array([1.0, 0.0])
    X = np.array([[1.0, 1.0], [-2.0, 0.0], [0.0, 3.0], [1e300, 1e300]])
    np.testing.assert_allclose(tasks.teacher_angles(X, w), [np.pi / 4, 0.0, HALF_PI, np.pi / 4])


def test_kappa_zero_puts_everything_on_the_boundary():
    task = tasks.polynomial_angle_task(3, 0.0, seed=0)
    angles = tasks.teacher_angles(task.sample(100, 0), task.w_star)
    np.testing.assert_allclose(angles, HALF_PI, atol=1e-7)


def test_bad_input():
    with pytest.raises(ValueError, match="kappa"):
        tasks.polynomial_angle_task(5, -1.0, seed=0)
    with pytest.raises(ValueError, match="d must be >= 2"):
        tasks.polynomial_angle_task(1, 1.0, seed=0)
    with pytest.raises(TypeError, match="seed"):
        tasks.polynomial_angle_task(5, 1.0, seed=None)
    with pytest.raises(ValueError, match="margin"):
        tasks.margin_task(5, 0.0, seed=0)
    with pytest.raises(ValueError, match="margin"):
        tasks.margin_task(5, HALF_PI, seed=0)
    with pytest.raises(ValueError, match="kappa"):
        tasks.margin_task(5, 0.2, kappa=-1.0, seed=0)
    task = tasks.isotropic_gaussian_task(5, seed=0)
    with pytest.raises(ValueError, match="theta"):
        task.p(2.0)
    with pytest.raises(ValueError, match="theta"):
        task.p(-0.1)
    with pytest.raises(ValueError, match="n must be >= 1"):
        task.sample(0, 0)
    with pytest.raises(ValueError, match="trials"):
        task.sample(3, 0, trials=0)
    with pytest.raises(ValueError, match="zero rows"):
        tasks.empirical_p(np.zeros((2, 5)), np.ones(5), 0.1)
    with pytest.raises(ValueError, match="theta"):
        tasks.empirical_p(np.ones((2, 5)), np.ones(5), 1.7)
    with pytest.raises(ValueError, match=r"X has d = 4 along axis 1 \(shape \(2, 4\)\), but w_star has d = 5"):
        tasks.teacher_angles(np.ones((2, 4)), np.ones(5))
    with pytest.raises(ValueError, match="scale"):
        tasks.random_teacher(3, scale=0.0, seed=0)
