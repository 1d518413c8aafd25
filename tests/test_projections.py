"""The batched projections behind every Monte Carlo experiment."""

import numpy as np
import pytest

from kdbook.students import distillation_solution, distillation_solutions, project_onto_spans


def test_batched_solutions_match_the_single_closed_form():
    rng = np.random.default_rng(0)
    X_batch = rng.standard_normal((6, 5, 30))
    w_star = rng.standard_normal(30)
    batched = distillation_solutions(X_batch, w_star)
    for X, w_hat in zip(X_batch, batched, strict=True):
        np.testing.assert_allclose(w_hat, distillation_solution(X, w_star), atol=1e-12)
    np.testing.assert_array_equal(distillation_solutions(rng.standard_normal((2, 40, 30)), w_star)[1], w_star)


def test_ill_conditioned_sets_take_the_svd_path_and_stay_accurate():
    rng = np.random.default_rng(1)
    X_batch = rng.standard_normal((3, 4, 20))
    X_batch[1, 3] = X_batch[1, 2] + 1e-9 * rng.standard_normal(20)  # nearly repeated input
    vectors = rng.standard_normal((3, 20))
    projected = project_onto_spans(X_batch, vectors)
    for X, v, p in zip(X_batch, vectors, projected, strict=True):
        np.testing.assert_allclose(p, np.linalg.pinv(X) @ (X @ v), atol=1e-6)
        # a projection leaves a residual orthogonal to the data
        np.testing.assert_allclose(X @ (v - p), 0.0, atol=1e-8)


def test_bad_stacks_are_rejected():
    with pytest.raises(ValueError, match=r"X_batch must have shape \(trials, n, d\)"):
        project_onto_spans(np.zeros((3, 4)), np.ones(4))
    with pytest.raises(ValueError, match=r"w_star has d = 5 along axis 0 \(shape \(5,\)\), but X_batch has d = 4$"):
        distillation_solutions(np.zeros((2, 3, 4)), np.ones(5))
    with pytest.raises(ValueError, match="vectors must have shape"):
        project_onto_spans(np.ones((2, 2, 3)), np.ones(4))
    with pytest.raises(ValueError, match="finite"):
        distillation_solutions(np.full((1, 2, 3), np.nan), np.ones(3))
