import numpy as np
import pytest

from kdbook import learners, losses, students, tasks
from kdbook.learners import (
    delta_weights,
    distillation_weights,
    hard_label_weights,
    max_margin_weights,
    orthogonal_directions,
    transfer_risks,
)


@pytest.fixture
def batch():
    task = tasks.polynomial_angle_task(30, 1.0, seed=0)
    return task.sample(6, rng=1, trials=8), task.w_star


def test_distillation_weights_match_the_per_set_closed_form(batch):
    X_batch, w_star = batch
    weights = distillation_weights(X_batch, w_star)
    assert weights.shape == (8, 30)
    for X, w in zip(X_batch, weights, strict=True):
        np.testing.assert_allclose(w, students.distillation_solution(X, w_star), rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(X @ w, X @ w_star, rtol=1e-8, atol=1e-10)


def test_distillation_weights_fall_back_to_qr_on_ill_conditioned_sets(batch):
    X_batch, w_star = batch
    X_bad = X_batch.copy()
    X_bad[0, 1] = X_bad[0, 0] * (1 + 1e-7)  # nearly repeated input: Gram condition ~1e14
    weights = distillation_weights(X_bad, w_star)
    np.testing.assert_allclose(X_bad[0] @ weights[0], X_bad[0] @ w_star, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(weights[1:], distillation_weights(X_batch[1:], w_star), rtol=1e-10)


def test_distillation_weights_equal_the_teacher_when_n_at_least_d():
    w_star = np.array([1.0, -2.0, 0.5])
    X_batch = np.random.default_rng(0).standard_normal((4, 5, 3))
    np.testing.assert_array_equal(distillation_weights(X_batch, w_star), np.tile(w_star, (4, 1)))


def test_orthogonal_directions_are_orthogonal_to_the_data(batch):
    X_batch, _ = batch
    q = orthogonal_directions(X_batch, seed=3)
    residual = np.einsum("tnd,td->tn", X_batch, q)
    assert np.max(np.abs(residual)) < 1e-10 * np.max(np.linalg.norm(q, axis=1))
    with pytest.raises(ValueError, match="n < d"):
        orthogonal_directions(np.ones((2, 3, 3)), seed=0)


def test_delta_weights_keep_the_training_loss_and_push_by_delta(batch):
    X_batch, w_star = batch
    deltas = np.array([0.0, 0.5, 10.0])
    weights = delta_weights(X_batch, w_star, deltas, seed=4)
    assert weights.shape == (3, 8, 30)
    w_hat = distillation_weights(X_batch, w_star)
    np.testing.assert_allclose(weights[0], w_hat)
    for k, delta in enumerate(deltas):
        push = np.linalg.norm(weights[k] - w_hat, axis=1) / np.linalg.norm(w_hat, axis=1)
        np.testing.assert_allclose(push, delta, rtol=1e-10, atol=1e-12)
        for X, w in zip(X_batch, weights[k], strict=True):
            assert losses.normalized_cross_entropy(w, X, losses.soft_labels(X, w_star)) < 1e-12
    with pytest.raises(ValueError, match=r"every entry of deltas must be >= 0, got -1.0"):
        delta_weights(X_batch, w_star, [-1.0], seed=0)


def test_hard_label_weights_separate_the_transfer_set_and_match_full_space_descent(batch):
    X_batch, w_star = batch
    weights = hard_label_weights(X_batch, w_star, steps=500)
    labels = X_batch @ w_star >= 0
    assert np.all((np.einsum("tnd,td->tn", X_batch, weights) >= 0) == labels)
    # The span-coordinate iteration equals plain gradient descent in R^d.
    X, targets = X_batch[0], labels[0].astype(float)
    step = 4 * X.shape[0] / np.linalg.norm(X, 2) ** 2
    w = np.zeros(X.shape[1])
    for _ in range(500):
        w -= step * X.T @ (losses.sigmoid(X @ w) - targets) / X.shape[0]
    np.testing.assert_allclose(weights[0], w, rtol=1e-8, atol=1e-10)
    with pytest.raises(ValueError, match=r"lr_scale must be in \(0, 2\), got 2.0"):
        hard_label_weights(X_batch, w_star, lr_scale=2.0)
    with pytest.raises(ValueError, match="steps must be >= 1"):
        hard_label_weights(X_batch, w_star, steps=0)


def test_max_margin_weights_satisfy_the_kkt_conditions(batch):
    X_batch, w_star = batch
    weights = max_margin_weights(X_batch, w_star)
    signs = np.where(X_batch @ w_star >= 0, 1.0, -1.0)
    margins = signs * np.einsum("tnd,td->tn", X_batch, weights)
    assert np.all(margins >= 1 - 1e-8)
    assert np.allclose(margins.min(axis=1), 1.0, atol=1e-8)  # at least one support vector per set
    # Gradient descent on the hard labels turns toward it (Soudry et al., 2018).
    gaps = []
    for steps in (100, 3000):
        w = hard_label_weights(X_batch, w_star, steps=steps)
        cosine = np.sum(w * weights, 1) / np.linalg.norm(w, axis=1) / np.linalg.norm(weights, axis=1)
        gaps.append(np.mean(np.arccos(np.clip(cosine, -1, 1))))
    assert gaps[1] < gaps[0]


def test_max_margin_weights_reject_large_or_inseparable_sets():
    w_star = np.array([1.0, 0.0])
    with pytest.raises(ValueError, match="n <= 12"):
        max_margin_weights(np.ones((1, 13, 2)), w_star)
    # Two inputs on the teacher's boundary, x and -x, both get label 1: no w has w^T x >= 1 and -w^T x >= 1.
    X = np.array([[[0.0, 1.0], [0.0, -1.0]]])
    with pytest.raises(ValueError, match="not linearly separable"):
        max_margin_weights(X, w_star)


def test_transfer_risks_count_disagreements():
    w_star = np.array([1.0, 0.0])
    X_test = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    weights = np.array([[[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]])
    np.testing.assert_allclose(transfer_risks(weights, w_star, X_test), [[0.0, 0.5, 1.0]])


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: distillation_weights(np.ones((2, 3)), np.ones(3)), ValueError, r"\(trials, n, d\)"),
        (lambda: distillation_weights(np.ones((2, 3, 4)), np.ones(3)), ValueError, "d = 3"),
        (lambda: distillation_weights(np.full((1, 2, 3), np.nan), np.ones(3)), ValueError, "finite"),
        (lambda: distillation_weights(np.ones((1, 2, 3)), np.zeros(3)), ValueError, "non-zero"),
        (lambda: hard_label_weights(np.ones((1, 2, 3)), np.ones(3), steps=1.5), TypeError, "integer"),
        (lambda: orthogonal_directions(np.ones((1, 2, 3)), seed=None), TypeError, "seed"),
        (lambda: transfer_risks(np.ones((2, 4)), np.ones(3), np.ones((5, 3))), ValueError, "d = 3"),
        (lambda: transfer_risks(np.ones((2, 3)), np.ones(3), np.ones((5, 4))), ValueError, "X_test"),
    ],
)
def test_bad_input_is_rejected(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_module_exports():
    assert set(learners.__all__) >= {
        "distillation_weights", "hard_label_weights", "max_margin_weights", "orthogonal_directions",
        "delta_weights", "transfer_risks",
    }
