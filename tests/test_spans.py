"""Rank-deficient and near-singular transfer sets: every path gives pinv(X) X w_*."""

import numpy as np
import pytest

from kdbook import learners, montecarlo, students
from kdbook._spans import GRAM_CONDITION_LIMIT


def _sets(d: int, n: int, rng) -> dict:
    """Named (n, d) transfer sets that break a Gram-matrix inverse."""
    base = rng.standard_normal((n, d))
    duplicate = base.copy()
    duplicate[-1] = duplicate[0]
    zero_row = base.copy()
    zero_row[1] = 0.0
    near = base.copy()
    near[-1] = near[0] + 1e-10 * rng.standard_normal(d)  # condition number ~1e10
    low_rank = rng.standard_normal((n, 2)) @ rng.standard_normal((2, d))
    return {
        "general": base,
        "duplicate": duplicate,
        "zero row": zero_row,
        "all zero": np.zeros((n, d)),
        "near duplicate": near,
        "low rank": low_rank,
    }


def _reference(X, w_star):
    return np.linalg.pinv(X) @ (X @ w_star)


# Near-duplicates: the answer itself is only determined to about cond * eps.
TOLERANCE = {"near duplicate": 1e-5}


@pytest.mark.parametrize("n, d", [(5, 30), (40, 12), (12, 12)])
def test_every_path_gives_the_minimum_norm_solution(n, d):
    rng = np.random.default_rng(n * d)
    w_star = rng.standard_normal(d)
    sets = _sets(d, n, rng)
    X_batch = np.stack(list(sets.values()))
    batched = students.distillation_solutions(X_batch, w_star)
    via_learners = learners.distillation_weights(X_batch, w_star)
    projected = students.project_onto_spans(X_batch, w_star)
    prefixes = montecarlo.projection_weights(X_batch, w_star, [n])[0]
    for index, (name, X) in enumerate(sets.items()):
        expected = _reference(X, w_star)
        atol = TOLERANCE.get(name, 1e-9) * np.linalg.norm(w_star)
        for label, result in [
            ("single", students.distillation_solution(X, w_star)),
            ("batched", batched[index]),
            ("learners", via_learners[index]),
            ("project_onto_spans", projected[index]),
            ("projection_weights", prefixes[index]),
        ]:
            np.testing.assert_allclose(result, expected, atol=atol, err_msg=f"{label}, {name}")


def test_near_duplicates_are_really_ill_conditioned():
    rng = np.random.default_rng(3)
    X = _sets(30, 5, rng)["near duplicate"]
    assert np.linalg.cond(X) > 1e9
    assert np.linalg.cond(X @ X.T) > GRAM_CONDITION_LIMIT


def test_all_prefixes_of_a_rank_deficient_stack():
    rng = np.random.default_rng(4)
    d = 15
    w_star = rng.standard_normal(d)
    X_batch = rng.standard_normal((3, 10, d))
    X_batch[0, 4] = X_batch[0, 2]  # repeated point from prefix 5 on
    X_batch[1, 0] = 0.0  # a zero first row
    ns = [1, 3, 5, 8, 10]
    weights = montecarlo.projection_weights(X_batch, w_star, ns)
    for i, n in enumerate(ns):
        for t in range(3):
            np.testing.assert_allclose(weights[i, t], _reference(X_batch[t, :n], w_star), atol=1e-9)


def test_gradient_descent_from_zero_converges_to_the_minimum_norm_solution():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((4, 10))
    X = np.vstack([X, X[:2]])  # two repeated points
    w_star = 0.5 * rng.standard_normal(10)
    student = students.train_student(X, w_star, optimizer="gd", steps=20_000)
    np.testing.assert_allclose(student.w, _reference(X, w_star), atol=1e-7)
    np.testing.assert_allclose(student.w_hat, _reference(X, w_star), atol=1e-12)


def test_full_rank_sets_with_n_at_least_d_return_the_teacher_exactly():
    rng = np.random.default_rng(6)
    w_star = rng.standard_normal(8)
    X_batch = rng.standard_normal((4, 20, 8))
    np.testing.assert_array_equal(students.distillation_solutions(X_batch, w_star), np.tile(w_star, (4, 1)))
