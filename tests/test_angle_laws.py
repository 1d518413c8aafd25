"""Tests for kdbook.angle_laws: the samplers follow their stated angle laws (eq. 17)."""

import numpy as np
import pytest

from kdbook import angle_laws, tasks

HALF_PI = np.pi / 2
THETAS = np.linspace(0.0, HALF_PI, 41)


def test_uniform_band_angles_and_p():
    low, high = np.radians(54), np.radians(56)
    task = angle_laws.uniform_band_task(4, low, high, seed=0)
    X = task.sample(20_000, 1)
    assert X.shape == (20_000, 4)
    angles = tasks.teacher_angles(X, task.w_star)
    assert angles.min() >= low - 1e-9 and angles.max() <= high + 1e-9
    # DKW at 20,000 samples: deviation below 0.015 with probability > 0.999
    np.testing.assert_allclose(tasks.empirical_p(X, task.w_star, THETAS), task.p(THETAS), atol=0.015)
    assert task.p(0.0) == 1.0 and task.p(high) == 0.0


def test_uniform_band_directions_fill_the_orthogonal_space():
    task = angle_laws.uniform_band_task(5, 0.2, 0.3, seed=3)
    X = task.sample(5_000, 2)
    w = task.w_star / np.linalg.norm(task.w_star)
    perp = X - np.outer(X @ w, w)
    # the orthogonal parts are isotropic in the 4-dim complement: second moment ~ (I - w w^T) / 4
    units = perp / np.linalg.norm(perp, axis=1, keepdims=True)
    second = units.T @ units
    np.testing.assert_allclose(second / X.shape[0], (np.eye(5) - np.outer(w, w)) / 4, atol=0.03)
    assert np.mean(X @ w > 0) == pytest.approx(0.5, abs=0.03)


def test_two_direction_law():
    a1, a2, q = np.radians(20), np.radians(40), 0.1
    task = angle_laws.two_direction_task(3, a1, a2, q, seed=0)
    X = task.sample(20_000, 1)
    angles = tasks.teacher_angles(X, task.w_star)
    assert set(np.round(np.degrees(angles), 6)) == {20.0, 40.0}
    assert np.mean(np.isclose(angles, a2)) == pytest.approx(q, abs=0.01)
    np.testing.assert_array_equal(task.p(np.array([0.0, a1, a1 + 1e-3, a2, a2 + 1e-3])), [1, 1, q, q, 0])
    # all inputs lie in one plane through w_* (rank 2), the two directions on opposite sides of w_*
    assert np.linalg.matrix_rank(X, tol=1e-8) == 2
    w = task.w_star / np.linalg.norm(task.w_star)
    u1, u2 = X[np.isclose(angles, a1)][0], X[np.isclose(angles, a2)][0]
    u1, u2 = u1 * np.sign(u1 @ w), u2 * np.sign(u2 @ w)
    between = np.arccos(u1 @ u2 / (np.linalg.norm(u1) * np.linalg.norm(u2)))
    assert between == pytest.approx(a1 + a2)


def test_polynomial_constant():
    task = tasks.polynomial_angle_task(5, 2.0, seed=0)
    assert angle_laws.polynomial_constant(task.p, 2.0) == pytest.approx(0.0, abs=1e-12)
    band = angle_laws.uniform_band_task(4, np.radians(54), np.radians(56), seed=0)
    log_c = angle_laws.polynomial_constant(band.p, 300.0)
    safe = -300.0 * np.log1p(-2 * np.radians(56) / np.pi)  # p <= 1 up to 56 degrees, 0 after
    assert 0 < log_c <= safe and log_c > 0.95 * safe


def test_inverse_p_samples_the_law():
    task = tasks.polynomial_angle_task(5, 2.0, seed=0)
    u = np.random.default_rng(0).uniform(size=50_000)
    angles = angle_laws.inverse_p(task.p, u)
    np.testing.assert_allclose(angles, HALF_PI * (1 - np.sqrt(u)), atol=1e-12)  # the exact inverse, kappa = 2
    lines = angle_laws.two_direction_task(3, 0.3, 0.6, 0.25, seed=0)  # a step law: two atoms
    atoms = angle_laws.inverse_p(lines.p, u)
    assert set(np.round(atoms, 9)) == {0.3, 0.6}
    assert np.mean(np.isclose(atoms, 0.6)) == pytest.approx(0.25, abs=0.01)


@pytest.mark.parametrize("make", [
    lambda d: tasks.polynomial_angle_task(d, 1.0, seed=0),
    lambda d: tasks.isotropic_gaussian_task(d, seed=1),
    lambda d: tasks.margin_task(d, np.pi / 8, seed=2),
])
def test_student_cosines_have_the_law_of_projections(make):
    """Bartlett's shortcut against projections of sampled transfer sets (two-sample KS at every n)."""
    from scipy import stats

    from kdbook import montecarlo

    d, n, trials = 12, 8, 4000
    task = make(d)
    X = task.sample(n, 3, trials=trials)
    W = montecarlo.projection_weights(X, task.w_star, np.arange(1, n + 1))
    direct = np.abs(W @ task.w_star) / (np.linalg.norm(W, axis=2) * np.linalg.norm(task.w_star))
    fast = angle_laws.student_cosines(task.p, d, n, trials, seed=4)
    assert fast.shape == (trials, n) and np.all(np.diff(fast, axis=1) >= -1e-12)  # Lemma 1
    for k in (0, 3, n - 1):
        assert stats.ks_2samp(direct[k], fast[:, k]).pvalue > 1e-3


def test_risk_at_angle_gaussian_and_counting():
    gauss = tasks.isotropic_gaussian_task(50, seed=0)
    phi = np.linspace(0.0, HALF_PI, 9)
    np.testing.assert_allclose(angle_laws.risk_at_angle(gauss.p, 50, phi), phi / np.pi, atol=1e-6)
    task = tasks.polynomial_angle_task(20, 1.0, seed=0)
    w = np.cos(0.4) * task.w_star / np.linalg.norm(task.w_star)
    other = np.random.default_rng(1).standard_normal(20)
    other -= (other @ w) / (w @ w) * w
    w = w + np.sin(0.4) * other / np.linalg.norm(other)
    X = task.sample(400_000, 5)
    counted = np.mean((X @ w >= 0) != (X @ task.w_star >= 0))
    exact = float(angle_laws.risk_at_angle(task.p, 20, 0.4))
    assert counted == pytest.approx(exact, abs=4 * np.sqrt(exact / 400_000))


def test_symmetric_risk_versus_n_table():
    task = tasks.polynomial_angle_task(30, 1.0, seed=0)
    table = angle_laws.symmetric_risk_versus_n(task.p, 30, (1, 5, 29, 30, 40), trials=500, seed=0)
    assert list(table.columns) == ["n", "learner", "risk", "risk_se", "ci_low", "ci_high", "trials", "bound"]
    assert np.all(np.diff(table["risk"]) <= 0) and table["risk"].iloc[0] > 0
    assert (table.loc[table["n"] >= 30, "risk"] == 0).all()
    assert (table.loc[table["n"] < 30, "ci_high"] <= table.loc[table["n"] < 30, "bound"]).all()


def test_two_direction_lines_are_the_tasks_lines():
    task = angle_laws.two_direction_task(3, 0.2, 0.7, 0.3, seed=4)
    u = angle_laws.two_direction_lines(3, 0.2, 0.7, seed=4)
    X = task.sample(200, 1)
    units = X / np.linalg.norm(X, axis=1, keepdims=True)
    on_a_line = np.max(np.abs(units @ u.T), axis=1)
    np.testing.assert_allclose(on_a_line, 1.0, atol=1e-12)
    w = task.w_star / np.linalg.norm(task.w_star)
    np.testing.assert_allclose(np.arccos(np.abs(u @ w)), [0.2, 0.7], atol=1e-12)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: angle_laws.uniform_band_task(1, 0.1, 0.2, seed=0), "d must be"),
        (lambda: angle_laws.uniform_band_task(3, 0.3, 0.2, seed=0), "low must be < high"),
        (lambda: angle_laws.uniform_band_task(3, -0.1, 0.2, seed=0), "low must be"),
        (lambda: angle_laws.uniform_band_task(3, 0.1, 2.0, seed=0), r"high must be in \[0, 1.5708\], got 2.0"),
        (lambda: angle_laws.two_direction_task(3, 0.5, 0.4, 0.1, seed=0), "a1 must be < a2"),
        (lambda: angle_laws.two_direction_task(3, 0.1, HALF_PI, 0.1, seed=0),
         r"a2 must be in \[0, 1.5708\), got 1.5707963"),
        (lambda: angle_laws.two_direction_task(3, 0.1, 0.4, 0.0, seed=0), r"q must be in \(0, 1\), got 0.0"),
        (lambda: angle_laws.two_direction_task(3, 0.1, 0.4, 1.0, seed=0), r"q must be in \(0, 1\), got 1.0"),
        (lambda: angle_laws.polynomial_constant(3.0, 1.0), "callable"),
        (lambda: angle_laws.polynomial_constant(np.cos, -1.0), "kappa must be"),
        (lambda: angle_laws.student_cosines(np.cos, 5, 5, 10), "n_max must be < d"),
        (lambda: angle_laws.student_cosines(np.cos, 2, 1, 10), "d must be"),
        (lambda: angle_laws.two_direction_lines(2, 0.5, 0.4), "a1 must be < a2"),
    ],
)
def test_bad_inputs(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
