"""Tests of kdbook.variance, kdbook.symbolic_kd and kdbook.explore.variance."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import sympy as sp  # noqa: E402

from kdbook import symbolic_kd, variance  # noqa: E402
from kdbook.explore.variance import draw_kd_sgd, kd_sgd_explorer  # noqa: E402


@pytest.fixture(scope="module")
def task():
    A, b, x_true = variance.make_least_squares(120, 4, seed=0)
    A2, b2, _ = variance.make_least_squares(60, 4, seed=1, x_true=x_true)
    teachers = variance.least_squares_teachers(A, b, A2, b2, early_steps=2)
    return A, b, teachers


@pytest.fixture(scope="module")
def softmax_task():
    rng = np.random.default_rng(0)
    n, d, K = 300, 3, 3
    Z = np.column_stack([rng.standard_normal((n, d - 1)), np.ones(n)])
    W_true = rng.standard_normal((K, d))
    logits = Z @ W_true.T
    y = np.array([rng.choice(K, p=p) for p in np.exp(logits) / np.exp(logits).sum(1, keepdims=True)])
    return Z, y


# --------------------------------------------------------------------------- identity


def test_kd_gradient_identity_softmax(softmax_task):
    Z, y = softmax_task
    rng = np.random.default_rng(1)
    W, Theta = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    for lam in (0.0, 0.4, 1.0):
        kd = variance.kd_gradients_softmax(W, Theta, Z, y, lam)
        decomposition = variance.softmax_gradients(W, Z, y) - lam * variance.softmax_gradients(Theta, Z, y)
        assert kd.shape == (len(y), 3, 3)
        np.testing.assert_allclose(kd, decomposition, atol=1e-14)
    # lam = 0 is the hard-label gradient, whose mean is the gradient of the loss
    eps = 1e-6
    E = np.zeros_like(W)
    E[1, 2] = eps
    numeric = (variance.softmax_loss(W + E, Z, y) - variance.softmax_loss(W - E, Z, y)) / (2 * eps)
    assert np.isclose(variance.softmax_gradients(W, Z, y).mean(axis=0)[1, 2], numeric, rtol=1e-6)


def test_kd_gradient_identity_logistic():
    rng = np.random.default_rng(2)
    Z = rng.standard_normal((50, 4))
    y = (rng.random(50) < 0.5).astype(float)
    w, theta = rng.standard_normal(4), rng.standard_normal(4)
    kd = variance.kd_gradients_logistic(w, theta, Z, y, 0.3)
    expected = variance.logistic_gradients(w, Z, y) - 0.3 * variance.logistic_gradients(theta, Z, y)
    np.testing.assert_allclose(kd, expected, atol=1e-14)


def test_finite_for_huge_logits(softmax_task):
    Z, y = softmax_task
    W = 1e4 * np.ones((3, 3)) * np.arange(3)[:, None]
    assert np.isfinite(variance.softmax_loss(W, Z, y))
    assert np.all(np.isfinite(variance.kd_gradients_softmax(W, -W, Z, y, 0.5)))
    assert np.all(np.isfinite(variance.kd_gradients_logistic(np.full(3, 1e4), np.full(3, -1e4), Z,
                                                             (y > 0).astype(float), 0.5)))


def test_symbolic_identities_hold_and_a_wrong_one_fails():
    logistic = symbolic_kd.logistic_kd_identity(d=2)
    assert logistic.holds
    softmax = symbolic_kd.softmax_kd_identity(n_classes=2, d=1, label=1)
    assert softmax.holds
    # the check can fail: halving lam in the decomposition leaves a non-zero difference
    lam = sp.Symbol("lambda", real=True)
    pairs = zip(logistic.kd_gradient, logistic.decomposition, strict=True)
    wrong = [sp.simplify(g - h.subs(lam, lam / 2)) for g, h in pairs]
    assert any(expr != 0 for expr in wrong)


def test_torch_autograd_gap_is_rounding(softmax_task):
    Z, y = softmax_task
    rng = np.random.default_rng(3)
    gap = symbolic_kd.torch_kd_gradient_gap(rng.standard_normal((3, 3)), rng.standard_normal((3, 3)), Z[:20], y[:20],
                                            0.7)
    assert gap < 1e-12


def test_symbolic_bad_input():
    with pytest.raises(ValueError, match="d"):
        symbolic_kd.logistic_kd_identity(d=0)
    with pytest.raises(ValueError, match="label must be <= n_classes - 1 = 2, got 3"):
        symbolic_kd.softmax_kd_identity(n_classes=3, d=1, label=3)
    with pytest.raises(ValueError, match=r"lam must be in \[0, 1\], got 1.5"):
        symbolic_kd.torch_kd_gradient_gap(np.zeros((2, 2)), np.zeros((2, 2)), np.ones((3, 2)), [0, 1, 0], 1.5)
    with pytest.raises(ValueError, match=r"Theta has K = 3 along axis 0 \(shape \(3, 2\)\), but W has K = 2"):
        symbolic_kd.torch_kd_gradient_gap(np.zeros((2, 2)), np.zeros((3, 2)), np.ones((3, 2)), [0, 1, 0], 0.5)
    with pytest.raises(ValueError, match=r"y has n = 2 along axis 0 \(shape \(2,\)\), but Z has n = 3"):
        symbolic_kd.torch_kd_gradient_gap(np.zeros((2, 2)), np.zeros((2, 2)), np.ones((3, 2)), [0, 1], 0.5)
    with pytest.raises(ValueError, match=r"y must contain class labels in \[0, 1\]"):
        symbolic_kd.torch_kd_gradient_gap(np.zeros((2, 2)), np.zeros((2, 2)), np.ones((3, 2)), [0, 1, 2], 0.5)


# --------------------------------------------------------------------------- closed forms


def test_stationary_point_and_noise(task):
    A, b, teachers = task
    x_star = teachers["exact optimum"]
    g_star = variance.least_squares_gradients(x_star, A, b)
    sigma2 = np.mean(np.sum(g_star**2, axis=1))
    for theta in teachers.values():
        g_theta = variance.least_squares_gradients(theta, A, b)
        for lam in (0.0, 0.3, 0.9):
            x_lam = variance.kd_stationary_point(x_star, theta, lam)
            g = variance.least_squares_gradients(x_lam, A, b) - lam * g_theta
            assert np.linalg.norm(g.mean(axis=0)) < 1e-12
            assert np.isclose(variance.kd_second_moment(variance.least_squares_gradients(x_lam, A, b), g_theta, lam),
                              (1 - lam) ** 2 * sigma2, rtol=1e-10)


def test_second_moment_matches_monte_carlo(task):
    A, b, teachers = task
    gx = variance.least_squares_gradients(teachers["exact optimum"], A, b)
    gt = variance.least_squares_gradients(teachers["other data"], A, b)
    full = gt.mean(axis=0)
    rng = np.random.default_rng(4)
    idx = rng.integers(0, len(b), size=(40_000, 3))
    for unbiased in (False, True):
        lam = 0.6
        sample = (gx[idx] - lam * gt[idx]).mean(axis=1) + (lam * full if unbiased else 0)
        mc = np.mean(np.sum(sample**2, axis=1))
        exact = variance.kd_second_moment(gx, gt, lam, batch_size=3, unbiased=unbiased)
        assert np.isclose(mc, exact, rtol=0.03), (unbiased, mc, exact)


def test_optimal_weight_minimizes_second_moment(task):
    A, b, teachers = task
    gx = variance.least_squares_gradients(teachers["exact optimum"], A, b)
    grid = np.linspace(0, 1, 2001)
    for name, theta in teachers.items():
        gt = variance.least_squares_gradients(theta, A, b)
        for m in (1, 5):
            for unbiased in (False, True):
                lam_star = variance.optimal_distillation_weight(gx, gt, batch_size=m, unbiased=unbiased)
                values = variance.kd_second_moment(gx, gt, grid, batch_size=m, unbiased=unbiased)
                assert abs(grid[np.argmin(values)] - np.clip(lam_star, 0, 1)) <= 1e-3, (name, m, unbiased)
    assert variance.optimal_distillation_weight(gx, gx) == pytest.approx(1.0)


def test_stationary_covariance_matches_sgd(task):
    A, b, teachers = task
    theta = teachers["early-stopped"]
    lams = np.array([0.0, 0.5, 1.0])
    risk = variance.least_squares_stationary_risk(A, b, theta, lams, lr=0.05, batch_size=2)
    run = variance.run_kd_sgd_least_squares(A, b, theta, lams, lr=0.05, batch_size=2, steps=3000, n_seeds=200,
                                            seed=5, record_every=10)
    np.testing.assert_allclose(run.tail_mean(0.5), risk.total, rtol=0.05)
    x_star = teachers["exact optimum"]
    gap = variance.least_squares_loss(theta, A, b) - variance.least_squares_loss(x_star, A, b)
    assert risk.bias[-1] == pytest.approx(gap) and risk.variance[-1] == 0
    best = variance.best_weight_for_sgd(A, b, theta, lr=0.05, batch_size=2)
    grid = np.linspace(0, 1, 1001)
    totals = variance.least_squares_stationary_risk(A, b, theta, grid, lr=0.05, batch_size=2).total
    assert abs(grid[np.argmin(totals)] - best) <= 1e-3


def test_small_step_floor_is_the_limit(task):
    A, b, teachers = task
    g = variance.least_squares_gradients(teachers["exact optimum"], A, b)
    exact = variance.least_squares_stationary_risk(A, b, teachers["exact optimum"], [0.0], lr=1e-3).variance[0]
    assert variance.small_step_noise_floor(g, lr=1e-3) == pytest.approx(exact, rel=0.02)
    assert variance.balanced_weight(1.0, 3.0) == pytest.approx(0.25)


def test_unbiased_variant_is_centred_at_optimum(task):
    A, b, teachers = task
    run = variance.run_kd_sgd_least_squares(A, b, teachers["other data"], [0.5, 1.0], lr=0.05, batch_size=1,
                                            steps=2000, n_seeds=200, seed=6, unbiased=True)
    x_star = teachers["exact optimum"]
    biased = variance.run_kd_sgd_least_squares(A, b, teachers["other data"], [0.5, 1.0], lr=0.05, batch_size=1,
                                              steps=2000, n_seeds=200, seed=6)
    for i in range(2):
        assert np.linalg.norm(run.final[i].mean(axis=0) - x_star) < 0.3 * np.linalg.norm(
            biased.final[i].mean(axis=0) - x_star)


def test_runs_are_reproducible(task, softmax_task):
    A, b, teachers = task
    kwargs = dict(lr=0.05, batch_size=1, steps=50, n_seeds=3, seed=7)
    one = variance.run_kd_sgd_least_squares(A, b, teachers["other data"], [0.2, 0.8], **kwargs)
    two = variance.run_kd_sgd_least_squares(A, b, teachers["other data"], [0.2, 0.8], **kwargs)
    np.testing.assert_array_equal(one.final, two.final)
    assert one.excess.shape == (2, 3, 5) and one.final.shape == (2, 3, 4)
    Z, y = softmax_task
    W_star = variance.fit_softmax_regression(Z, y)
    run = variance.run_kd_sgd_softmax(Z, y, W_star, [0.0, 1.0], lr=0.5, batch_size=5, steps=100, n_seeds=2, seed=0,
                                      W_star=W_star, record_every=50)
    assert run.final.shape == (2, 2, 3, 3) and run.excess.shape == (2, 2, 2)
    assert np.all(run.excess > -1e-12)
    # seed defaults to 0
    for one, two in zip(variance.make_least_squares(20, 3), variance.make_least_squares(20, 3, seed=0), strict=True):
        np.testing.assert_array_equal(one, two)
    del kwargs["seed"]
    default = variance.run_kd_sgd_least_squares(A, b, teachers["other data"], [0.2, 0.8], **kwargs)
    zero = variance.run_kd_sgd_least_squares(A, b, teachers["other data"], [0.2, 0.8], seed=0, **kwargs)
    np.testing.assert_array_equal(default.final, zero.final)
    settings = dict(lr=0.5, batch_size=5, steps=20, n_seeds=2, record_every=10)
    np.testing.assert_array_equal(variance.run_kd_sgd_softmax(Z, y, W_star, [0.5], **settings).final,
                                  variance.run_kd_sgd_softmax(Z, y, W_star, [0.5], seed=0, **settings).final)


def test_softmax_optimum_and_teachers(softmax_task):
    Z, y = softmax_task
    W_star = variance.fit_softmax_regression(Z, y)
    grad = variance.softmax_gradients(W_star, Z, y).mean(axis=0)
    assert np.linalg.norm(grad) < 1e-10
    np.testing.assert_allclose(W_star.sum(axis=0), 0, atol=1e-10)
    early = variance.early_stopped_softmax(Z, y, steps=5, lr=1.0)
    assert variance.softmax_loss(early, Z, y) > variance.softmax_loss(W_star, Z, y)
    np.testing.assert_array_equal(variance.early_stopped_softmax(Z, y, steps=0, lr=1.0), 0)


def test_separable_data_has_no_optimum():
    Z = np.array([[1.0, 1.0], [2.0, 1.0], [-1.0, 1.0], [-2.0, 1.0]])
    with pytest.raises(ValueError, match="separable"):
        variance.fit_softmax_regression(Z, [1, 1, 0, 0])


def test_helpers(task):
    A, b, teachers = task
    assert A.shape == (120, 4) and b.shape == (120,)
    np.testing.assert_array_equal(variance.early_stopped_least_squares(A, b, steps=0), 0)
    X = np.random.default_rng(0).standard_normal((30, 8))
    F = variance.linear_features(X, n_components=3)
    assert F.shape == (30, 4) and np.all(F[:, -1] == 1)
    np.testing.assert_array_equal(variance.lam_values(0.5), [0.5])


# --------------------------------------------------------------------------- bad input


def test_bad_input(task, softmax_task):
    A, b, teachers = task
    theta = teachers["other data"]
    with pytest.raises(ValueError, match=r"every entry of lams must be in \[0, 1\], got 1.2"):
        variance.lam_values([0.2, 1.2])
    with pytest.raises(ValueError, match=r"lams must be a number or have shape \(L,\)"):
        variance.lam_values([[0.2]])
    with pytest.raises(ValueError, match="finite"):
        variance.lam_values([np.nan])
    with pytest.raises(TypeError, match="lams"):
        variance.lam_values("0.5")
    with pytest.raises(ValueError, match=r"lam must be in \[0, 1\], got -0.1"):
        variance.kd_stationary_point(theta, theta, -0.1)
    with pytest.raises(ValueError, match="lr must be > 0"):
        variance.run_kd_sgd_least_squares(A, b, theta, [0.5], lr=0.0, batch_size=1, steps=10, n_seeds=1, seed=0)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        variance.run_kd_sgd_least_squares(A, b, theta, [0.5], lr=0.1, batch_size=0, steps=10, n_seeds=1, seed=0)
    with pytest.raises(ValueError, match="steps"):
        variance.run_kd_sgd_least_squares(A, b, theta, [0.5], lr=0.1, batch_size=1, steps=0, n_seeds=1, seed=0)
    with pytest.raises(TypeError, match="seed"):
        variance.run_kd_sgd_least_squares(A, b, theta, [0.5], lr=0.1, batch_size=1, steps=10, n_seeds=1, seed=None)
    with pytest.raises(ValueError, match=r"theta has d = 2 along axis 0 \(shape \(2,\)\), but A has d = 4"):
        variance.run_kd_sgd_least_squares(A, b, theta[:2], [0.5], lr=0.1, batch_size=1, steps=10, n_seeds=1, seed=0)
    with pytest.raises(ValueError, match="record_every must be <= steps = 10, got 20"):
        variance.run_kd_sgd_least_squares(A, b, theta, [0.5], lr=0.1, batch_size=1, steps=10, n_seeds=1,
                                          record_every=20)
    with pytest.raises(ValueError, match="diverged"):
        variance.run_kd_sgd_least_squares(A, b, theta, [0.0], lr=50.0, batch_size=1, steps=500, n_seeds=1, seed=0)
    with pytest.raises(ValueError, match="too large"):
        variance.sgd_stationary_covariance(A, b, lr=5.0)
    with pytest.raises(ValueError, match=r"b has n = 119 along axis 0 \(shape \(119,\)\), but A has n = 120"):
        variance.least_squares_gradients(theta, A, b[:-1])
    with pytest.raises(ValueError, match="finite"):
        variance.least_squares_gradients(theta, np.full_like(A, np.inf), b)
    with pytest.raises(ValueError, match="batch_size"):
        variance.kd_second_moment(A, A, 0.5, batch_size=0)
    with pytest.raises(ValueError, match="same shape"):
        variance.optimal_distillation_weight(A, A[:-1])
    with pytest.raises(ValueError, match=r"grads_x must hold one gradient per sample: shape \(n, ...\)"):
        variance.optimal_distillation_weight(A[:, 0], A[:, 0])
    with pytest.raises(ValueError, match="both be zero"):
        variance.balanced_weight(0.0, 0.0)
    with pytest.raises(ValueError, match="noise_floor"):
        variance.balanced_weight(-1.0, 1.0)
    Z, y = softmax_task
    W = np.zeros((3, 3))
    with pytest.raises(ValueError, match=r"y must contain class labels in \[0, 2\]"):
        variance.softmax_loss(W, Z, np.full(len(y), 3))
    with pytest.raises(ValueError, match="y must hold whole numbers"):
        variance.kd_gradients_softmax(W, W, Z, np.full(len(y), 0.5), 0.5)
    with pytest.raises(ValueError, match=r"y must hold whole numbers \(class labels"):
        variance.softmax_loss(W, Z, np.full(len(y), 0.5))
    with pytest.raises(ValueError, match=r"Theta has K = 4 along axis 0 \(shape \(4, 3\)\), but W has K = 3"):
        variance.kd_gradients_softmax(W, np.zeros((4, 3)), Z, y, 0.5)
    with pytest.raises(ValueError, match="W must have at least K = 2 rows"):
        variance.softmax_probabilities(np.zeros((1, 3)), Z)
    with pytest.raises(ValueError, match="probability rows"):
        variance.softmax_gradients(W, Z, np.full((len(y), 3), 0.5))
    with pytest.raises(ValueError, match=r"targets must be labels of shape \(n,\) = \(300,\) or probabilities"):
        variance.softmax_gradients(W, Z, np.full((len(y), 4), 0.25))
    with pytest.raises(ValueError, match=r"every entry of targets must be in \[0, 1\], got 2.0"):
        variance.logistic_gradients(np.zeros(3), Z, np.full(len(y), 2.0))
    with pytest.raises(ValueError, match=r"n_components must be <= min\(n, p\) = 3"):
        variance.linear_features(Z, n_components=10)
    with pytest.raises(ValueError, match="fit_rows must select rows of X"):
        variance.linear_features(Z, n_components=2, fit_rows=[400])
    with pytest.raises(ValueError, match=r"x_true must have shape \(d,\) = \(3,\)"):
        variance.make_least_squares(10, 3, seed=0, x_true=np.zeros(2))
    with pytest.raises(ValueError, match=r"y must contain class labels in \[0, 1\] \(K = Theta.shape\[0\]\)"):
        variance.run_kd_sgd_softmax(Z, y, np.zeros((2, 3)), [0.5], lr=0.1, batch_size=1, steps=10, n_seeds=1)


# --------------------------------------------------------------------------- widget


def test_widget_draws_and_reports_bad_settings(task):
    A, b, teachers = task
    fig = draw_kd_sgd(A, b, teachers, lam=0.5, teacher="early-stopped", lr=0.05, batch_size=2, steps=200, n_seeds=3)
    axes = fig.get_axes()
    assert len(axes) == 2 and all(ax.get_xlabel() and ax.get_ylabel() for ax in axes)
    plt.close(fig)
    # a step size without a stationary regime is a mathematical outcome: drawn as a message
    assert variance.sgd_contraction_factor(A, lr=5.0) >= 1 > variance.sgd_contraction_factor(A, lr=0.05)
    fig = draw_kd_sgd(A, b, teachers, lam=0.5, teacher="early-stopped", lr=5.0, batch_size=1, steps=200, n_seeds=3)
    text = fig.get_axes()[0].texts[0].get_text()
    assert "No stationary regime" in text and "lr = 5.0 is too large" in text
    with pytest.raises(ValueError, match="lr = 5.0 is too large"):  # the same condition as the closed form's
        variance.sgd_stationary_covariance(A, b, lr=5.0)
    plt.close(fig)
    # bad input raises, even where it would only surface inside the closed forms
    with pytest.raises(ValueError, match=r"b has n = 119 along axis 0 \(shape \(119,\)\), but A has n = 120"):
        draw_kd_sgd(A, b[:-1], teachers, lam=0.5, teacher="early-stopped", lr=5.0, batch_size=1)
    with pytest.raises(ValueError, match=r"teachers\['other data'\] must have shape \(4,\)"):
        draw_kd_sgd(A, b, {"other data": np.ones(3)}, lam=0.5, teacher="other data", lr=5.0, batch_size=1)
    with pytest.raises(ValueError, match="lr must be > 0, got -1.0"):
        draw_kd_sgd(A, b, teachers, lam=0.5, teacher="early-stopped", lr=-1.0, batch_size=1)
    with pytest.raises(TypeError, match="seed must be an int seed"):
        draw_kd_sgd(A, b, teachers, lam=0.5, teacher="early-stopped", lr=0.05, batch_size=1, seed=None)
    with pytest.raises(ValueError, match="teacher must be one of"):
        draw_kd_sgd(A, b, teachers, lam=0.5, teacher="oracle", lr=0.05, batch_size=1)
    with pytest.raises(ValueError, match=r"lam must be in \[0, 1\], got 2.0"):
        draw_kd_sgd(A, b, teachers, lam=2.0, teacher="early-stopped", lr=0.05, batch_size=1)
    with pytest.raises(TypeError, match="teachers must be an instance of Mapping, got list"):
        draw_kd_sgd(A, b, [], lam=0.5, teacher="early-stopped", lr=0.05, batch_size=1)
    with pytest.raises(ValueError, match="teachers must be a non-empty mapping"):
        draw_kd_sgd(A, b, {}, lam=0.5, teacher="early-stopped", lr=0.05, batch_size=1)
    with pytest.raises(ValueError, match=r"lr must be in \[0.001, 1\], got 5.0"):
        kd_sgd_explorer(A, b, teachers, lr=5.0)
    app = kd_sgd_explorer(A, b, teachers)
    app.redraw()
    assert hasattr(app, "children")
    plt.close("all")


def test_softmax_hessian_matches_finite_differences(softmax_task):
    Z, y = softmax_task
    rng = np.random.default_rng(8)
    W = rng.standard_normal((3, 3))
    H = variance.softmax_hessian(W, Z)
    assert H.shape == (9, 9) and np.allclose(H, H.T)
    direction = rng.standard_normal((3, 3))
    eps = 1e-6
    grad = lambda M: variance.softmax_gradients(M, Z, y).mean(axis=0)  # noqa: E731
    numeric = (grad(W + eps * direction) - grad(W - eps * direction)) / (2 * eps)
    np.testing.assert_allclose(H @ direction.ravel(), numeric.ravel(), atol=1e-7)
    # adding one vector to every row changes nothing: a null direction
    np.testing.assert_allclose(H @ np.tile(rng.standard_normal(3), 3), 0, atol=1e-12)
    with pytest.raises(ValueError, match=r"Z has d = 2 along axis 1 \(shape \(300, 2\)\), but W has d = 3"):
        variance.softmax_hessian(W, Z[:, :2])


def test_explorer_redraws_from_the_same_seed(task, monkeypatch):
    """A Generator seed becomes one int seed for every redraw, so one setting always draws the same figure."""
    import kdbook.explore.variance as explore_variance

    A, b, teachers = task
    draws = []

    def spy(*args, seed, **kwargs):
        draws.append(np.random.default_rng(seed).integers(1_000_000))  # what draw_kd_sgd's Seed() does
        return plt.figure()

    monkeypatch.setattr(explore_variance, "draw_kd_sgd", spy)
    app = explore_variance.kd_sgd_explorer(A, b, teachers, seed=np.random.default_rng(7))
    app.redraw()
    app.redraw()
    assert len(draws) >= 2 and len(set(draws)) == 1
    plt.close("all")


def test_batched_softmax_runs_equal_the_single_runs(softmax_task):
    Z, y = softmax_task
    W_star = variance.fit_softmax_regression(Z, y)
    other = variance.early_stopped_softmax(Z, y, steps=5, lr=0.5)
    settings = dict(lr=0.5, batch_size=5, steps=40, n_seeds=2, seed=3, W_star=W_star, record_every=20)
    runs = variance.run_kd_sgd_softmax_teachers(Z, y, np.stack([W_star, other]), [0.0, 0.6], unbiased_for=[1],
                                                **settings)
    assert set(runs) == {(0, False), (1, False), (1, True)}
    for (c, unbiased), run in runs.items():
        single = variance.run_kd_sgd_softmax(Z, y, [W_star, other][c], [0.0, 0.6], unbiased=unbiased, **settings)
        np.testing.assert_allclose(run.excess, single.excess, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(run.final, single.final, rtol=1e-10, atol=1e-13)
    with pytest.raises(ValueError, match="unbiased_for must hold teacher indices"):
        variance.run_kd_sgd_softmax_teachers(Z, y, np.stack([W_star]), [0.5], unbiased_for=[1], **settings)
