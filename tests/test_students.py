"""Tests for kdbook.students: the closed form, numpy dynamics and torch training."""

import warnings

import numpy as np
import pytest

from kdbook.losses import loss_hessian, soft_labels
from kdbook.students import (
    DEFAULT_STEPS,
    DEFAULT_TOLERANCE,
    ConvergenceWarning,
    default_learning_rate,
    distillation_solution,
    gradient_descent,
    gradient_flow,
    restricted_hessian_eigenvalue,
    smoothness_constant,
    span_projector,
    strong_convexity_bound,
    train_student,
)
from kdbook.tasks import isotropic_gaussian_task


def _data(n, d, seed=0, scale=1.0):
    task = isotropic_gaussian_task(d, scale=scale, seed=seed)
    return task.sample(n, seed + 1), task.w_star


@pytest.mark.parametrize("n, d", [(60, 15), (10, 40)])
def test_train_student_depth1_gradient_descent_reaches_distillation_solution(n, d):
    X, w_star = _data(n, d)
    student = train_student(X, w_star, steps=5000)
    w_hat = distillation_solution(X, w_star)
    np.testing.assert_allclose(student.w, w_hat, rtol=0, atol=1e-6 * np.linalg.norm(w_hat))
    assert student.relative_error < 1e-6
    assert student.w.shape == (d,)
    assert len(student.factors) == 1 and student.factors[0].shape == (1, d)
    history = student.history
    assert list(history.columns) == ["step", "loss", "distance", "orthogonal"]
    assert len(history) == 5001 and student.optimizer == "gd"
    assert history["distance"].iloc[0] == pytest.approx(np.linalg.norm(w_hat))
    assert history["loss"].iloc[-1] < 1e-12
    # From w(0) = 0 the iterates never leave span(X).
    assert history["orthogonal"].max() < 1e-12
    # The loss never increases with the default step 1 / L.
    assert np.all(np.diff(history["loss"].to_numpy()) <= 1e-15)


@pytest.mark.parametrize("n, d", [(60, 15), (10, 40), (20, 200), (200, 200)])
def test_default_trains_to_the_tolerance_and_stops(n, d):
    X, w_star = _data(n, d, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning on ordinary inputs
        student = train_student(X, w_star)
    assert student.converged and student.gap <= DEFAULT_TOLERANCE
    assert student.relative_error <= DEFAULT_TOLERANCE * 1.0001
    # It stops there: one more recorded step would already be below the tolerance.
    relative = student.history["distance"].to_numpy() / np.linalg.norm(student.w_hat)
    assert np.all(relative[:-1] > DEFAULT_TOLERANCE)
    assert student.history["orthogonal"].max() < 1e-10
    assert student.optimizer.startswith("lbfgsb")


def test_looser_tolerance_stops_sooner():
    X, w_star = _data(100, 300, seed=5)
    tight = train_student(X, w_star, tol=1e-10)
    loose = train_student(X, w_star, tol=1e-3)
    assert len(loose.history) < len(tight.history)
    assert 1e-10 < loose.relative_error <= 1e-3 and tight.relative_error <= 1e-10


@pytest.mark.parametrize("optimizer", ["auto", "gd", "lbfgs", "lbfgsb", "newton"])
def test_a_hot_teacher_is_reported_never_silently_wrong(optimizer):
    X, w_star = _data(20, 50, seed=9, scale=1e4)
    with pytest.warns(ConvergenceWarning, match="gap .* > tol"):
        student = train_student(X, w_star, optimizer=optimizer)
    assert student.converged is False and student.gap > DEFAULT_TOLERANCE


def test_the_deep_default_stops_on_the_gradient_norm():
    X, w_star = _data(40, 8, seed=7)
    student = train_student(X, w_star, 2, tol=1e-9)
    assert student.converged and len(student.history) - 1 < DEFAULT_STEPS[2]
    assert student.relative_error < 1e-6


def test_explicit_steps_run_every_step_and_report_convergence():
    X, w_star = _data(30, 60, seed=2)
    short = train_student(X, w_star, steps=3, optimizer="gd")
    assert len(short.history) == 4 and short.converged is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # explicit steps ask for the dynamics: no warning
        train_student(X, w_star, steps=3, optimizer="gd")


def test_training_runs_on_one_thread_and_restores_the_threads():
    import torch

    X, w_star = _data(20, 10)
    before = torch.get_num_threads()
    seen = []
    train_student(X, w_star, steps=2, callback=lambda k, total: seen.append(torch.get_num_threads()),
                  callback_every=1)
    assert seen and set(seen) == {1}
    assert torch.get_num_threads() == before


def test_nonzero_start_keeps_its_orthogonal_part():
    X, w_star = _data(8, 30, seed=2)
    w0 = np.random.default_rng(5).standard_normal(30)
    student = train_student(X, w_star, w0=w0, steps=3000)
    projector = span_projector(X)
    expected = projector @ w_star + (np.eye(30) - projector) @ w0
    np.testing.assert_allclose(student.w, expected, atol=1e-8)
    np.testing.assert_allclose(student.w0, w0)


def test_lbfgs_reaches_the_same_solution_faster():
    X, w_star = _data(30, 12, seed=4, scale=6.0)
    w_hat = distillation_solution(X, w_star)
    lbfgs = train_student(X, w_star, steps=100, optimizer="lbfgs")
    assert np.linalg.norm(lbfgs.w - w_hat) < 1e-5 * np.linalg.norm(w_hat)
    gd = train_student(X, w_star, steps=100, optimizer="gd")
    assert np.linalg.norm(gd.w - w_hat) > 10 * np.linalg.norm(lbfgs.w - w_hat)


def test_init_scale_sets_the_start_norm_and_seed_is_reproducible():
    X, w_star = _data(20, 10, seed=6)
    a = train_student(X, w_star, steps=5, init_scale=0.5, seed=1)
    b = train_student(X, w_star, steps=5, init_scale=0.5, seed=1)
    assert np.linalg.norm(a.w0) == pytest.approx(0.5)
    np.testing.assert_array_equal(a.w, b.w)


@pytest.mark.parametrize("depth", [2, 3])
def test_deep_student_reaches_w_hat_when_n_geq_d(depth):
    X, w_star = _data(40, 8, seed=7)
    student = train_student(X, w_star, depth, steps=4000, hidden_width=5)
    assert len(student.factors) == depth
    assert student.factors[0].shape == (5, 8) and student.factors[-1].shape == (1, 5)
    assert student.relative_error < 1e-6
    product = student.factors[-1]
    for factor in reversed(student.factors[:-1]):
        product = product @ factor
    np.testing.assert_allclose(product[0], student.w)


def test_deep_student_n_below_d_is_within_init_controlled_distance():
    X, w_star = _data(5, 30, seed=8)
    small = train_student(X, w_star, 2, steps=2500, init_scale=1e-6, seed=0)
    large = train_student(X, w_star, 2, steps=2500, init_scale=1e-2, seed=0)
    w_hat = distillation_solution(X, w_star)
    assert np.linalg.norm(small.w - w_hat) < np.linalg.norm(large.w - w_hat)
    assert np.linalg.norm(small.w - w_hat) < 1e-2
    # Not exactly w_hat: the orthogonal part is not zero for a deep student.
    assert large.history["orthogonal"].iloc[-1] > 1e-4


def test_callback_reports_progress():
    X, w_star = _data(10, 5)
    calls = []
    train_student(X, w_star, steps=50, callback=lambda k, total: calls.append((k, total)), callback_every=10)
    assert calls[-1] == (50, 50)
    assert [k for k, _ in calls] == [10, 20, 30, 40, 50]


def test_train_student_bad_input():
    X, w_star = _data(10, 5)
    with pytest.raises(ValueError, match="depth"):
        train_student(X, w_star, 0)
    with pytest.raises(TypeError, match="depth"):
        train_student(X, w_star, 1.5)
    with pytest.raises(ValueError, match="steps"):
        train_student(X, w_star, steps=0)
    with pytest.raises(ValueError, match="lr"):
        train_student(X, w_star, lr=0.0)
    with pytest.raises(ValueError, match="lr"):
        train_student(X, w_star, lr=-1.0)
    with pytest.raises(ValueError, match="X"):
        train_student(X.T, w_star)
    with pytest.raises(ValueError, match="X"):
        train_student(np.where(X > 1, np.nan, X), w_star)
    with pytest.raises(ValueError, match="w_star"):
        train_student(X, np.zeros(5))
    with pytest.raises(ValueError, match="w_star"):
        train_student(X, np.full(5, np.inf))
    with pytest.raises(ValueError, match="init_scale"):
        train_student(X, w_star, init_scale=-1.0)
    with pytest.raises(ValueError, match="init_scale"):
        train_student(X, w_star, 2, init_scale=0.0)
    with pytest.raises(ValueError, match="hidden_width"):
        train_student(X, w_star, 2, hidden_width=0)
    with pytest.raises(ValueError, match="optimizer"):
        train_student(X, w_star, optimizer="adam")
    with pytest.raises(ValueError, match="optimizer"):
        train_student(X, w_star, 2, optimizer="lbfgs")
    with pytest.raises(ValueError, match="w0"):
        train_student(X, w_star, w0=np.ones(4))
    with pytest.raises(ValueError, match="w0"):
        train_student(X, w_star, w0=np.ones(5), init_scale=1.0)
    with pytest.raises(TypeError, match="seed"):
        train_student(X, w_star, seed=None)
    with pytest.raises(TypeError, match="callback"):
        train_student(X, w_star, callback=3)


def test_learning_rate_helpers():
    X, w_star = _data(50, 10)
    L = smoothness_constant(X)
    assert L == pytest.approx(np.linalg.eigvalsh(X.T @ X)[-1] / (4 * 50))
    # L bounds every Hessian.
    assert np.linalg.eigvalsh(loss_hessian(np.zeros(10), X))[-1] <= L * (1 + 1e-12)
    assert default_learning_rate(X, w_star) == pytest.approx(1 / L)
    assert default_learning_rate(X, w_star, 3) < default_learning_rate(X, w_star, 2) < 1 / L
    with pytest.raises(ValueError, match="X"):
        smoothness_constant(np.ones(3))
    with pytest.raises(ValueError, match="depth"):
        default_learning_rate(X, w_star, 0)


def test_restricted_strong_convexity():
    X, w_star = _data(6, 20, seed=9)
    mu = strong_convexity_bound(X, w_star)
    assert mu > 0
    rng = np.random.default_rng(0)
    projector = span_projector(X)
    w_hat = distillation_solution(X, w_star)
    for _ in range(5):
        w = w_hat + projector @ rng.standard_normal(20) * 0.3
        value = restricted_hessian_eigenvalue(w, X)
        assert value >= mu
        # The full Hessian is singular (n < d) but its restriction to span(X) is not.
        assert np.linalg.eigvalsh(loss_hessian(w, X))[0] < 1e-12 < value
    with pytest.raises(ValueError, match="X"):
        restricted_hessian_eigenvalue(np.zeros(20), X[:, :5])
    with pytest.raises(ValueError, match="w_star"):
        strong_convexity_bound(X, np.zeros(20))


def test_numpy_dynamics_agree_with_torch():
    X, w_star = _data(12, 6, seed=10)
    y = soft_labels(X, w_star)
    lr = default_learning_rate(X, w_star)
    numpy_run = gradient_descent(X, y, lr=lr, steps=200)
    torch_run = train_student(X, w_star, steps=200, lr=lr)
    np.testing.assert_allclose(numpy_run.w, torch_run.w, atol=1e-12)
    flow = gradient_flow(X, y, [0.0, 200 * lr])
    assert np.linalg.norm(flow.w - torch_run.w) < 1e-2


def test_restricted_hessian_eigenvalue_batches():
    X, w_star = _data(6, 20, seed=11)
    points = np.random.default_rng(1).standard_normal((4, 20))
    batch = restricted_hessian_eigenvalue(points, X)
    assert batch.shape == (4,)
    np.testing.assert_allclose(batch, [restricted_hessian_eigenvalue(p, X) for p in points])
    with pytest.raises(TypeError, match="w"):
        restricted_hessian_eigenvalue(None, X)
    with pytest.raises(ValueError, match="w"):
        restricted_hessian_eigenvalue(np.ones((2, 2, 2)), X)


def test_newton_converges_when_n_equals_d():
    X, w_star = _data(60, 60, seed=12)
    w_hat = distillation_solution(X, w_star)
    newton = train_student(X, w_star, optimizer="newton", steps=20)
    assert newton.relative_error < 1e-8
    gd = train_student(X, w_star, steps=500, optimizer="gd")
    assert gd.relative_error > 100 * newton.relative_error
    # From a non-zero start Newton, too, keeps the part of w0 orthogonal to the data.
    X_low, w_low = _data(5, 12, seed=13)
    w0 = np.random.default_rng(2).standard_normal(12)
    projector = span_projector(X_low)
    start = train_student(X_low, w_low, optimizer="newton", steps=20, w0=w0)
    np.testing.assert_allclose(start.w, projector @ w_low + (np.eye(12) - projector) @ w0, atol=1e-8)
    with pytest.raises(ValueError, match="optimizer"):
        train_student(X, w_star, 2, optimizer="newton")
    assert np.linalg.norm(w_hat) > 0


def test_default_optimizer_finishes_with_newton_only_when_gradient_descent_stalls():
    X, w_star = _data(60, 60, seed=12)
    stalled = train_student(X, w_star, steps=500)
    assert stalled.optimizer == "gd+newton"
    assert stalled.relative_error < 1e-6
    assert len(stalled.history) > 501  # the Newton steps continue the history
    assert np.all(np.diff(stalled.history["loss"].to_numpy()[500:]) <= 1e-15)
    X, w_star = _data(10, 40, seed=3)
    easy = train_student(X, w_star, steps=2000)
    assert easy.optimizer == "gd" and len(easy.history) == 2001
    assert easy.relative_error < 1e-6
    # From a non-zero start the finish keeps the part of w0 orthogonal to the data (Theorem 1's limit).
    w0 = np.random.default_rng(5).standard_normal(40)
    projector = span_projector(X)
    moved = train_student(X, w_star, steps=50, w0=w0)
    np.testing.assert_allclose(moved.w, projector @ w_star + (np.eye(40) - projector) @ w0, atol=1e-6)


def test_sublevel_points_lie_in_the_sublevel_set_and_the_span_of_the_data():
    from kdbook.losses import normalized_cross_entropy
    from kdbook.students import sublevel_points

    X, w_star = _data(6, 20, seed=11)
    points = sublevel_points(X, w_star, 25, seed=0)
    y = soft_labels(X, w_star)
    level = normalized_cross_entropy(np.zeros(20), X, y)
    losses = np.array([normalized_cross_entropy(p, X, y) for p in points])
    assert points.shape == (25, 20) and np.all(losses <= level * (1 + 1e-9))
    # Spread through the set, not piled at w_hat: some points sit near its boundary.
    assert losses.max() > 0.5 * level
    projector = span_projector(X)
    np.testing.assert_allclose(points @ projector, points, atol=1e-10)
