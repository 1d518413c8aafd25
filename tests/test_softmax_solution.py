"""The multi-class Theorem 1: gradient descent from zero reaches softmax_distillation_solution."""

import numpy as np
from scipy.special import log_softmax, softmax

from kdbook.students import softmax_distillation_solution


def train_softmax_student(X, W_teacher, steps, lr):
    """Plain gradient descent from W = 0 on the mean cross-entropy to softmax(W_teacher x)."""
    targets = softmax(X @ W_teacher.T, axis=1)
    W = np.zeros_like(W_teacher)
    for _ in range(steps):
        W -= lr * (softmax(X @ W.T, axis=1) - targets).T @ X / len(X)
    return W, targets


def test_training_from_zero_reaches_the_centred_projected_teacher():
    rng = np.random.default_rng(0)
    n, d, classes = 6, 15, 4
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    W_teacher = rng.standard_normal((classes, d))
    W, targets = train_softmax_student(X, W_teacher, steps=60_000, lr=2.0)
    solution = softmax_distillation_solution(X, W_teacher)
    assert np.linalg.norm(W - solution) < 1e-5 * np.linalg.norm(solution)
    # Not the teacher itself (n < d), nor its uncentred projection.
    projector = np.linalg.pinv(X) @ X
    assert np.linalg.norm(W_teacher @ projector - solution) > 0.1 * np.linalg.norm(solution)
    # It fits the soft labels exactly.
    np.testing.assert_allclose(softmax(X @ solution.T, axis=1), targets, atol=1e-12)


def test_rank_deficient_data_gives_the_minimum_norm_minimizer():
    rng = np.random.default_rng(1)
    base = rng.standard_normal((3, 8))
    X = np.vstack([base, base[0] + base[1], np.zeros(8)])  # rank 3 with a repeat and a zero row
    W_teacher = rng.standard_normal((3, 8))
    solution = softmax_distillation_solution(X, W_teacher)
    logits = log_softmax(X @ W_teacher.T, axis=1)
    np.testing.assert_allclose(log_softmax(X @ solution.T, axis=1), logits, atol=1e-12)
    # Any other minimizer differs by a class-constant shift or a direction orthogonal to the data: longer.
    q = rng.standard_normal(8)
    q -= np.linalg.pinv(X) @ (X @ q)
    for other in (solution + np.outer(rng.standard_normal(3), q), solution + np.ones((3, 1)) * rng.standard_normal(8)):
        if np.allclose(log_softmax(X @ other.T, axis=1), logits, atol=1e-9):
            assert np.linalg.norm(other) > np.linalg.norm(solution)


def test_shifting_every_class_by_the_same_vector_changes_nothing():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((5, 7))
    W_teacher = rng.standard_normal((3, 7))
    shifted = W_teacher + rng.standard_normal(7)
    np.testing.assert_allclose(softmax_distillation_solution(X, shifted), softmax_distillation_solution(X, W_teacher),
                               atol=1e-12)


def test_with_as_many_independent_inputs_as_dimensions_it_is_the_centred_teacher():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((9, 7))
    W_teacher = rng.standard_normal((4, 7))
    np.testing.assert_allclose(softmax_distillation_solution(X, W_teacher), W_teacher - W_teacher.mean(axis=0),
                               atol=1e-12)
