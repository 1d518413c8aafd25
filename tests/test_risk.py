"""Tests for kdbook.risk: angles, transfer risk, Theorem 3 and its corollaries, Appendix D."""

import numpy as np
import pytest

from kdbook import risk, tasks

HALF_PI = np.pi / 2


def polynomial_p(kappa):
    return lambda theta: (1.0 - np.asarray(theta) / HALF_PI) ** kappa


# --- angles and risk -------------------------------------------------------------------------


def test_angle_signed_and_unsigned():
    u, v = np.array([1.0, 0.0]), np.array([-1.0, 1.0])
    assert risk.angle(u, v, signed=True) == pytest.approx(3 * np.pi / 4)
    assert risk.angle(u, v) == pytest.approx(np.pi / 4)
    assert risk.angle(1e300 * u, 1e-300 * v) == pytest.approx(np.pi / 4)


def test_transfer_risk_counts_disagreements():
    X = np.array([[1.0, 0.0], [-1.0, 0.1], [0.5, -2.0], [0.0, 1.0]])
    assert risk.transfer_risk(np.array([0.0, 1.0]), np.array([1.0, 0.0]), X) == pytest.approx(0.5)
    assert risk.transfer_risk(np.array([2.0, 0.0]), np.array([1.0, 0.0]), X) == 0.0


def test_gaussian_transfer_risk_matches_sampling():
    rng = np.random.default_rng(0)
    w_star, w = rng.standard_normal(5), rng.standard_normal(5)
    X = rng.standard_normal((200_000, 5))
    assert risk.transfer_risk(w, w_star, X) == pytest.approx(risk.gaussian_transfer_risk(w, w_star), abs=5e-3)


# --- Theorem 3 -------------------------------------------------------------------------------


def test_theorem3_bound_kappa1_n20_value_and_minimizer():
    bound = risk.theorem3_bound(polynomial_p(1.0), 20)
    assert float(bound) == pytest.approx(0.18858, abs=1e-4)
    first, second = risk.theorem3_terms(polynomial_p(1.0), 20, bound.beta)
    assert first + second == pytest.approx(float(bound), abs=1e-9)
    # the minimum is no larger than the value at any beta on a fine grid
    for beta in np.linspace(0, HALF_PI, 101):
        assert float(bound) <= sum(risk.theorem3_terms(polynomial_p(1.0), 20, beta)) + 1e-12


def test_theorem3_bound_zero_past_d_and_tight_not_larger():
    p = polynomial_p(2.0)
    assert float(risk.theorem3_bound(p, 50, d=50)) == 0.0
    assert np.isnan(risk.theorem3_bound(p, 50, d=50).beta)
    assert float(risk.theorem3_bound(p, 10, tight=True)) <= float(risk.theorem3_bound(p, 10)) + 1e-12


def test_theorem3_bound_decreases_in_n():
    values = [float(risk.theorem3_bound(polynomial_p(1.0), n)) for n in (1, 2, 5, 10, 100, 1000)]
    assert np.all(np.diff(values) < 0)
    assert values[0] == pytest.approx(1.0)


def test_theorem3_terms_values():
    first, second = risk.theorem3_terms(polynomial_p(1.0), 3, np.pi / 4)
    assert first == pytest.approx(0.5) and second == pytest.approx(0.125)


def test_corollary1_is_theorem3_for_margin_task():
    task = tasks.margin_task(10, np.pi / 6, kappa=1.0, seed=0)
    beta = HALF_PI - np.pi / 6  # p(beta) = 0 there
    gamma = float(task.p(HALF_PI - beta))
    for n in (1, 3, 10):
        assert risk.corollary1_bound(gamma, n) == pytest.approx(sum(risk.theorem3_terms(task.p, n, beta)))
        assert float(risk.theorem3_bound(task.p, n)) <= risk.corollary1_bound(gamma, n) + 1e-6


def test_corollary2_dominates_theorem3_for_c_equal_1():
    for kappa in (0.5, 1.0, 2.0, 4.0):
        for n in (1, 2, 5, 20, 100, 10_000):
            assert float(risk.theorem3_bound(polynomial_p(kappa), n)) <= risk.corollary2_bound(kappa, n) + 1e-12


def test_corollary_values():
    assert risk.corollary1_bound(0.5, 3) == pytest.approx(0.125)
    assert risk.corollary2_bound(1.0, 1) == pytest.approx(1.0)
    assert risk.corollary2_bound(2.0, 10, c=2.0) == pytest.approx(2 * (1 + np.log(10) ** 2) / 100)


# --- Lemma 1 ---------------------------------------------------------------------------------


def test_lemma1_cosines_forms_agree_and_increase():
    rng = np.random.default_rng(1)
    X, w_star = rng.standard_normal((12, 30)), rng.standard_normal(30)
    cos25, cos26 = risk.lemma1_cosines(X, w_star)
    np.testing.assert_allclose(cos25, cos26, atol=1e-12)
    assert np.all(np.diff(cos26) >= 0)
    direct = [np.cos(risk.angle(np.linalg.lstsq(X[:k], X[:k] @ w_star, rcond=None)[0], w_star))
              for k in range(1, 13)]
    np.testing.assert_allclose(cos26, direct, atol=1e-10)


def test_lemma1_cosines_square_case_reaches_one():
    rng = np.random.default_rng(2)
    _, cos26 = risk.lemma1_cosines(rng.standard_normal((6, 6)), rng.standard_normal(6))
    assert cos26[-1] == pytest.approx(1.0)


# --- Appendix D ------------------------------------------------------------------------------


def test_angle_perturbation_bound_is_attained_and_never_exceeded():
    rng = np.random.default_rng(3)
    w_hat, epsilon = rng.standard_normal(8), 0.4
    limit = risk.angle_perturbation_bound(epsilon, np.linalg.norm(w_hat))
    for _ in range(2000):
        direction = rng.standard_normal(8)
        w = w_hat + epsilon * rng.uniform() ** (1 / 8) * direction / np.linalg.norm(direction)
        assert risk.angle(w, w_hat, signed=True) <= limit + 1e-12
    # tangent point: w = w_hat (1 - s^2) + eps sqrt(1 - s^2) u with u orthogonal, s = eps/||w_hat||
    a, s = np.linalg.norm(w_hat), epsilon / np.linalg.norm(w_hat)
    u = rng.standard_normal(8)
    u -= (u @ w_hat) / a**2 * w_hat
    u /= np.linalg.norm(u)
    tangent = (1 - s**2) * w_hat + epsilon * np.sqrt(1 - s**2) * u
    assert np.linalg.norm(tangent - w_hat) == pytest.approx(epsilon)
    assert risk.angle(tangent, w_hat, signed=True) == pytest.approx(limit)


def test_approximation_slack_solves_its_equation():
    for beta in (0.0, 0.3, 1.0):
        for rho in (0.0, 0.01, 0.2):
            eta = risk.approximation_slack(beta, rho)
            assert np.sin(eta) * np.sin(beta + eta) == pytest.approx(rho, abs=1e-12)
            assert beta + eta <= HALF_PI + 1e-12
    assert risk.approximation_slack(1.5, 0.5) == float("inf")


def test_approximate_bound_reduces_to_theorem3_and_grows_with_rho():
    p = polynomial_p(1.0)
    exact = float(risk.theorem3_bound(p, 20))
    at_zero = float(risk.approximate_theorem3_bound(p, 20, 0.0))
    assert exact - 1e-9 <= at_zero <= exact + 1e-3
    values = [float(risk.approximate_theorem3_bound(p, 20, rho)) for rho in (0.0, 0.01, 0.05, 0.2)]
    assert np.all(np.diff(values) > 0)
    assert float(risk.approximate_theorem3_bound(p, 20, 0.0, d=20)) == 0.0
    assert float(risk.approximate_theorem3_bound(p, 20, 0.1, d=20)) == pytest.approx(float(p(np.arccos(0.1))))
    assert float(risk.approximate_theorem3_bound(p, 5, 0.1, tight=True)) <= float(
        risk.approximate_theorem3_bound(p, 5, 0.1)
    )


# --- bad input -------------------------------------------------------------------------------


def test_bad_input_raises():
    p = polynomial_p(1.0)
    with pytest.raises(ValueError, match="n must be >= 1"):
        risk.theorem3_bound(p, 0)
    with pytest.raises(TypeError, match="callable"):
        risk.theorem3_bound(0.5, 3)
    with pytest.raises(ValueError, match="probabilities"):
        risk.theorem3_bound(lambda t: 2.0 + 0 * t, 3)
    with pytest.raises(ValueError, match="gamma"):
        risk.corollary1_bound(1.5, 3)
    with pytest.raises(ValueError, match="gamma"):
        risk.corollary1_bound(-0.1, 3)
    with pytest.raises(ValueError, match="n must be >= 1"):
        risk.corollary1_bound(0.5, 0)
    with pytest.raises(ValueError, match="kappa"):
        risk.corollary2_bound(-1.0, 3)
    with pytest.raises(ValueError, match="n must be >= 1"):
        risk.corollary2_bound(1.0, 0)
    with pytest.raises(ValueError, match="c must be > 0"):
        risk.corollary2_bound(1.0, 3, c=0.0)
    with pytest.raises(ValueError, match="beta"):
        risk.theorem3_terms(p, 3, 2.0)
    with pytest.raises(ValueError, match="beta"):
        risk.theorem3_terms(p, 3, -0.1)
    with pytest.raises(ValueError, match="n must be >= 1"):
        risk.theorem3_terms(p, 0, 0.1)
    with pytest.raises(ValueError, match="epsilon must be <"):
        risk.angle_perturbation_bound(2.0, 1.0)
    with pytest.raises(ValueError, match="epsilon"):
        risk.angle_perturbation_bound(-1.0, 1.0)
    with pytest.raises(ValueError, match="rho"):
        risk.approximation_slack(0.1, 1.0)
    with pytest.raises(ValueError, match="beta"):
        risk.approximation_slack(3.0, 0.1)
    with pytest.raises(ValueError, match="rho"):
        risk.approximate_theorem3_bound(p, 3, 1.2)
    with pytest.raises(ValueError, match="n must be >= 1"):
        risk.approximate_theorem3_bound(p, 0, 0.1)
    with pytest.raises(ValueError, match="n <= d"):
        risk.lemma1_cosines(np.ones((4, 3)), np.ones(3))
    with pytest.raises(ValueError, match="full row rank"):
        risk.lemma1_cosines(np.ones((2, 3)), np.ones(3))
    with pytest.raises(ValueError, match="non-zero"):
        risk.angle(np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="v has d = 3 along axis 0"):
        risk.angle(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="X_test has d = 3"):
        risk.transfer_risk(np.ones(2), np.ones(2), np.ones((4, 3)))


def test_risk_summary_gives_mean_standard_error_and_interval():
    from kdbook.risk import Z95, risk_summary

    values = np.array([0.0, 0.1, 0.2, 0.3])
    summary = risk_summary(values)
    assert summary["risk"] == pytest.approx(0.15)
    assert summary["risk_se"] == pytest.approx(np.std(values, ddof=1) / 2)
    assert summary["ci_low"] == pytest.approx(max(0.15 - Z95 * summary["risk_se"], 0.0))
    assert summary["trials"] == 4
    assert risk_summary(np.zeros(3))["ci_high"] == 0.0
    assert np.isnan(risk_summary(np.array([0.5]))["risk_se"])
    with pytest.raises(ValueError, match=r"risks must have shape \(trials,\)"):
        risk_summary(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        risk_summary(np.array([1.5]))


def test_corollary2_bound_log_space_matches_old_formula_and_does_not_overflow():
    import numpy as np

    from kdbook.risk import corollary2_bound

    for kappa in [0.0, 0.5, 1.0, 2.0, 5.0, 10.0]:
        for n in [1, 2, 3, 10, 100, 1000]:
            old = float(1.5 * (1.0 + np.log(n) ** kappa) / n**kappa)
            assert np.isclose(corollary2_bound(kappa, n, c=1.5), old, rtol=1e-12, atol=0)
    value = corollary2_bound(kappa=200, n=100)  # raised OverflowError before
    expected = np.exp(200 * np.log(np.log(100)) - 200 * np.log(100))  # 1 is negligible
    assert np.isfinite(value) and np.isclose(value, expected, rtol=1e-10)
