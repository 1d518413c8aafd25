"""Distillation in the kernel regime: random features, the feature-space Theorem 1, supervision complexity, MLPs."""

import numpy as np
import pytest
from scipy.special import expit

from kdbook.kernel_regime import (
    arccos_kernel,
    feature_student,
    frozen_direction_students,
    mixed_label_error,
    mlp_logits,
    parabola_logits,
    parabola_task,
    random_features,
    supervision_complexity,
    train_mlp_student,
    transfer_risk_by_size,
)


def test_random_features_are_reproducible_and_scaled():
    X, _ = parabola_task(5, seed=0)
    a, b = random_features(X, width=50, seed=3), random_features(X, width=50, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (5, 50) and np.all(a >= 0)
    assert not np.array_equal(a, random_features(X, width=50, seed=4))


def test_the_gram_matrix_tends_to_the_arccos_kernel():
    X, _ = parabola_task(6, seed=1)
    exact = arccos_kernel(X, X)
    features = random_features(X, width=200_000, seed=0)
    np.testing.assert_allclose(features @ features.T, exact, atol=0.03 * np.abs(exact).max())
    # The diagonal is |x|^2 / 2 (E relu(g)^2 = 1/2 for a standard normal g).
    np.testing.assert_allclose(np.diag(exact), np.sum(X**2, axis=1) / 2)


def test_arccos_kernel_of_opposite_inputs_is_zero_and_zero_rows_give_zero():
    a = np.array([[1.0, 2.0], [0.0, 0.0]])
    np.testing.assert_allclose(arccos_kernel(a, -a[:1]), [[0.0], [0.0]], atol=1e-15)


def test_feature_student_is_the_limit_of_gradient_descent_from_zero():
    X, z = parabola_task(5, seed=2)
    Phi = random_features(X, width=100, seed=1)
    soft = expit(z)
    a = np.zeros(100)
    lr = 4 * len(Phi) / np.linalg.norm(Phi, 2) ** 2
    for _ in range(30_000):
        a -= lr * Phi.T @ (expit(Phi @ a) - soft) / len(Phi)
    limit = feature_student(Phi, soft)
    assert np.linalg.norm(a - limit) < 1e-4 * np.linalg.norm(limit)
    np.testing.assert_allclose(Phi @ limit, z, atol=1e-9)


def test_feature_student_with_more_inputs_than_features_minimizes_the_loss():
    X, z = parabola_task(60, seed=3)
    Phi = random_features(X, width=8, seed=1)
    soft = expit(z)
    w = feature_student(Phi, soft)
    gradient = Phi.T @ (expit(Phi @ w) - soft) / len(Phi)
    assert np.linalg.norm(gradient) < 1e-10
    assert np.abs(Phi @ w - z).max() > 0.1, "it cannot interpolate"


def test_a_teacher_in_feature_space_is_projected():
    rng = np.random.default_rng(0)
    Phi = rng.standard_normal((4, 12))
    a_star = rng.standard_normal(12)
    w = feature_student(Phi, expit(Phi @ a_star))
    np.testing.assert_allclose(w, np.linalg.pinv(Phi) @ Phi @ a_star, atol=1e-10)
    assert np.linalg.norm(w - a_star) > 0.3 * np.linalg.norm(a_star)


def test_supervision_complexity_is_the_norm_of_the_minimum_norm_weights():
    rng = np.random.default_rng(1)
    Phi = rng.standard_normal((5, 9))
    y = rng.standard_normal(5)
    assert supervision_complexity(Phi @ Phi.T, y) == pytest.approx(np.linalg.norm(np.linalg.pinv(Phi) @ y) ** 2)
    assert supervision_complexity(np.array([[2.0, 1.0], [1.0, 2.0]]), np.array([1.0, -1.0])) == pytest.approx(2.0)


def test_supervision_complexity_refuses_a_singular_or_asymmetric_kernel():
    with pytest.raises(ValueError, match="positive definite"):
        supervision_complexity(np.ones((2, 2)), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="symmetric"):
        supervision_complexity(np.array([[1.0, 0.5], [0.0, 1.0]]), np.array([1.0, 0.0]))


def test_transfer_risk_falls_with_n_for_a_wide_student():
    X_pool, z_pool = parabola_task(300, seed=0)
    X_test, z_test = parabola_task(500, seed=1)
    Phi_pool, Phi_test = random_features(X_pool, width=500, seed=2), random_features(X_test, width=500, seed=2)
    table = transfer_risk_by_size(Phi_pool, z_pool, Phi_test, z_test, sizes=np.array([5, 40]), trials=20, seed=0)
    assert list(table.columns) == ["n", "risk", "risk_se"]
    assert table.risk.iloc[1] < table.risk.iloc[0] - 3 * table.risk_se.iloc[0]
    with pytest.raises(ValueError, match="sizes"):
        transfer_risk_by_size(Phi_pool, z_pool, Phi_test, z_test, sizes=np.array([301]), trials=2)


def test_hard_labels_help_only_an_imperfect_teacher():
    X_pool, z_pool = parabola_task(400, seed=0)
    X_test, z_test = parabola_task(800, seed=1)
    Phi_pool, Phi_test = random_features(X_pool, width=500, seed=2), random_features(X_test, width=500, seed=2)
    labels_pool, labels_test = (z_pool > 0).astype(int), (z_test > 0).astype(int)
    perfect = mixed_label_error(Phi_pool, z_pool, labels_pool, Phi_test, labels_test, size=30,
                                rhos=np.array([0.2]), trials=10, seed=0)
    wrong = z_pool + 2.5 * np.sin(2.5 * X_pool[:, 0])
    imperfect = mixed_label_error(Phi_pool, wrong, labels_pool, Phi_test, labels_test, size=30,
                                  rhos=np.array([0.2]), trials=10, seed=0)
    assert perfect["diff"].item() > 0 > imperfect["diff"].item()


def test_parabola_teacher():
    X, z = parabola_task(3, seed=0)
    np.testing.assert_allclose(X[:, 2], 1.0)
    np.testing.assert_allclose(parabola_logits(np.array([[0.0, -0.5, 1.0], [1.0, 1.0, 1.0]])), [0.0, 1.5])


def test_mlp_student_learns_and_frozen_directions_leave_the_transfer_set_alone():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 30))
    targets = expit(3 * X[:, 0])
    student = train_mlp_student(X, targets, hidden=8, steps=300, seed=0)
    assert student.losses[-1] < student.losses[0] - 0.2
    moved = frozen_direction_students(student, X, deltas=np.array([0.0, 3.0]), seed=1)
    np.testing.assert_allclose(mlp_logits(moved[1], X), mlp_logits(student, X), atol=1e-10)
    X_new = rng.standard_normal((50, 30))
    assert np.abs(mlp_logits(moved[1], X_new) - mlp_logits(student, X_new)).max() > 0.1
    np.testing.assert_allclose(mlp_logits(moved[0], X_new), mlp_logits(student, X_new))


def test_frozen_directions_need_room_off_the_span():
    X = np.random.default_rng(0).standard_normal((12, 4))
    student = train_mlp_student(X, np.full(12, 0.5), hidden=3, steps=2)
    with pytest.raises(ValueError, match="n >= d"):
        frozen_direction_students(student, X, deltas=np.array([1.0]))
