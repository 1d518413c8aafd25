"""Tests for kdbook.montecarlo: nested projections, Lemma 1 angles, risk-versus-n tables."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from kdbook import learners, montecarlo, risk, students, tasks


@pytest.fixture
def gaussian_task():
    return tasks.isotropic_gaussian_task(20, seed=3)


def test_projection_weights_match_batched_qr(gaussian_task):
    X = gaussian_task.sample(12, 0, trials=5)
    ns = [1, 4, 12]
    weights = montecarlo.projection_weights(X, gaussian_task.w_star, ns)
    assert weights.shape == (3, 5, 20)
    for index, n in enumerate(ns):
        expected = students.distillation_solutions(X[:, :n, :], gaussian_task.w_star)
        np.testing.assert_allclose(weights[index], expected, atol=1e-10)


def test_projection_weights_return_teacher_for_n_at_least_d(gaussian_task):
    X = gaussian_task.sample(25, 0, trials=3)
    weights = montecarlo.projection_weights(X, gaussian_task.w_star, [5, 20, 25])
    np.testing.assert_array_equal(weights[1], np.broadcast_to(gaussian_task.w_star, (3, 20)))
    np.testing.assert_array_equal(weights[2], np.broadcast_to(gaussian_task.w_star, (3, 20)))
    # below d the projection is strictly shorter than the teacher
    assert np.all(np.linalg.norm(weights[0], axis=1) < np.linalg.norm(gaussian_task.w_star))


def test_projection_weights_fit_the_soft_label_logits(gaussian_task):
    X = gaussian_task.sample(8, 1, trials=4)
    weights = montecarlo.projection_weights(X, gaussian_task.w_star, [8])[0]
    np.testing.assert_allclose(np.einsum("tnd,td->tn", X, weights), X @ gaussian_task.w_star, atol=1e-10)


def test_nested_angles_never_increase_and_match_eq26():
    task = tasks.polynomial_angle_task(30, 1.0, seed=1)
    X = task.sample(29, 2, trials=40)
    angles = montecarlo.nested_angles(X, task.w_star)
    assert angles.shape == (40, 29)
    assert np.all(np.diff(angles, axis=1) <= 1e-10), "Lemma 1: adding points never increases the angle"
    # eq. (26): cos = ||Q^T w_*|| / ||w_*|| with the QR factorization of the prefix
    for t in range(3):
        for k in (1, 7, 29):
            q, _ = np.linalg.qr(X[t, :k, :].T)
            cosine = np.linalg.norm(q.T @ task.w_star) / np.linalg.norm(task.w_star)
            assert angles[t, k - 1] == pytest.approx(np.arccos(min(cosine, 1.0)), abs=1e-7)


def test_nested_angles_rejects_n_at_least_d():
    X = np.random.default_rng(0).standard_normal((2, 5, 5))
    with pytest.raises(ValueError, match="n < d"):
        montecarlo.nested_angles(X, np.ones(5))


def test_risk_versus_n_table_shape_and_columns(gaussian_task):
    table = montecarlo.risk_versus_n(
        gaussian_task, [1, 5, 20, 40], learners=("distillation", "hard-label"), trials=20, n_test=2000, seed=0,
        hard_label_steps=50,
    )
    assert isinstance(table, pd.DataFrame)
    assert len(table) == 8
    for column in ("n", "learner", "risk", "risk_se", "ci_low", "ci_high", "trials", "bound"):
        assert column in table.columns
    assert set(table["learner"]) == {"distillation", "hard-label"}
    assert (table["trials"] == 20).all()
    assert ((table["ci_low"] <= table["risk"]) & (table["risk"] <= table["ci_high"])).all()
    assert ((table["risk"] >= 0) & (table["risk"] <= 1)).all()


def test_risk_versus_n_zero_for_n_at_least_d_and_bound_column(gaussian_task):
    table = montecarlo.risk_versus_n(gaussian_task, [2, 10, 20, 30], trials=30, n_test=3000, seed=4)
    past_d = table[table["n"] >= gaussian_task.d]
    assert (past_d["risk"] == 0).all() and (past_d["bound"] == 0).all()
    for _, row in table.iterrows():
        assert row["bound"] == pytest.approx(float(risk.theorem3_bound(gaussian_task.p, int(row["n"]), d=20)))
        assert row["ci_low"] <= row["bound"], "measured risk lies under the Theorem 3 bound"
    below = table[table["n"] < gaussian_task.d]["risk"].to_numpy()
    assert np.all(below > 0) and np.all(np.diff(below) < 0)


def test_risk_versus_n_matches_exact_gaussian_risk():
    # For Gaussian inputs the risk of w is exactly angle(w, w_*)/pi: the Monte Carlo
    # mean over trials must agree with the mean exact risk within its standard error.
    task = tasks.isotropic_gaussian_task(15, seed=0)
    n = 6
    table = montecarlo.risk_versus_n(task, [n], trials=300, n_test=20_000, seed=11)
    X = task.sample(n, 5, trials=400)
    exact = [risk.gaussian_transfer_risk(w, task.w_star) for w in learners.distillation_weights(X, task.w_star)]
    assert abs(table["risk"].iloc[0] - np.mean(exact)) < 4 * (table["risk_se"].iloc[0] + np.std(exact) / 20)


def test_risk_versus_n_is_reproducible_and_seed_dependent(gaussian_task):
    first = montecarlo.risk_versus_n(gaussian_task, [3, 8], trials=10, n_test=500, seed=7)
    again = montecarlo.risk_versus_n(gaussian_task, [3, 8], trials=10, n_test=500, seed=7)
    other = montecarlo.risk_versus_n(gaussian_task, [3, 8], trials=10, n_test=500, seed=8)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["risk"], other["risk"])


def test_risk_versus_n_chunking_keeps_results_valid(gaussian_task):
    small = montecarlo.risk_versus_n(gaussian_task, [4, 25], trials=9, n_test=500, seed=1, chunk=2)
    assert small.loc[small["n"] == 25, "risk"].item() == 0.0
    assert small["risk"].notna().all()


def test_hard_label_learner_does_not_recover_teacher_at_n_equal_d():
    task = tasks.polynomial_angle_task(10, 1.0, seed=0)
    table = montecarlo.risk_versus_n(
        task, [10], learners=("distillation", "hard-label"), trials=20, n_test=5000, seed=0, hard_label_steps=100
    )
    by_learner = table.set_index("learner")["risk"]
    assert by_learner["distillation"] == 0.0
    assert by_learner["hard-label"] > 0.0


def test_default_chunk_bounds_memory():
    chunk = montecarlo.default_chunk(2000, 1000)
    assert chunk * 2000 * 1000 * 8 <= 64 * 2**20
    assert montecarlo.default_chunk(10**6, 10**6) == 1


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"ns": [0, 5]}, ValueError),
        ({"ns": [5, 3]}, ValueError),
        ({"ns": [2.5]}, ValueError),
        ({"ns": []}, ValueError),
        ({"ns": "12"}, TypeError),
        ({"learners": ("soft",)}, ValueError),
        ({"learners": ()}, ValueError),
        ({"learners": ("distillation", "distillation")}, ValueError),
        ({"trials": 1}, ValueError),
        ({"trials": 2.0}, TypeError),
        ({"n_test": 0}, ValueError),
        ({"chunk": 0}, ValueError),
        ({"seed": None}, TypeError),
        ({"seed": -1}, ValueError),
        ({"hard_label_steps": 0}, ValueError),
    ],
)
def test_risk_versus_n_bad_input(gaussian_task, kwargs, error):
    arguments = {"ns": [2, 4], "trials": 3, "n_test": 10, "seed": 0} | kwargs
    ns = arguments.pop("ns")
    with pytest.raises(error):
        montecarlo.risk_versus_n(gaussian_task, ns, **arguments)


def test_risk_versus_n_rejects_non_task():
    with pytest.raises(TypeError, match="task"):
        montecarlo.risk_versus_n(np.ones(3), [1])


def test_projection_weights_bad_input():
    X = np.random.default_rng(0).standard_normal((2, 4, 6))
    with pytest.raises(ValueError, match="d = 5"):
        montecarlo.projection_weights(X, np.ones(5), [2])
    with pytest.raises(ValueError, match="not exceed"):
        montecarlo.projection_weights(X, np.ones(6), [5])
    with pytest.raises(ValueError, match="finite"):
        montecarlo.projection_weights(np.full((2, 4, 6), np.nan), np.ones(6), [2])
    with pytest.raises(ValueError, match="non-zero"):
        montecarlo.projection_weights(X, np.zeros(6), [2])
    with pytest.raises(ValueError, match="shape"):
        montecarlo.projection_weights(X[0], np.ones(6), [2])
    with pytest.raises(ValueError):
        montecarlo.default_chunk(0, 5)


def test_default_chunk_follows_the_budget(monkeypatch, gaussian_task):
    assert montecarlo.default_chunk(100, 1000) * 100 * 1000 * 8 <= montecarlo.CHUNK_BYTES
    default = montecarlo.risk_versus_n(gaussian_task, [2, 6, 30], learners=("distillation", "hard-label"), trials=12,
                                       n_test=400, seed=4, hard_label_steps=30)
    monkeypatch.setattr(montecarlo, "CHUNK_BYTES", 1000)  # one trial per chunk, students evaluated per chunk
    monkeypatch.setattr(montecarlo, "TEST_BYTES", 8 * 20 * 7)  # held-out inputs in blocks of 7, replayed
    assert montecarlo.default_chunk(6, 20) == 1
    tiny = montecarlo.risk_versus_n(gaussian_task, [2, 6, 30], learners=("distillation", "hard-label"), trials=12,
                                    n_test=400, seed=4, hard_label_steps=30)
    # The Gaussian sampler draws row by row, so its numbers do not depend on the chunks.
    pd.testing.assert_frame_equal(default, tiny, check_exact=True)


def test_n_at_least_d_draws_nothing_for_distillation(gaussian_task):
    def refuse(*args, **kwargs):
        raise AssertionError("sampled although eq. (6) settles every risk")

    refusing = dataclasses.replace(gaussian_task, _sampler=refuse)  # a task whose sampler must not be called
    table = montecarlo.risk_versus_n(refusing, [20, 25, 10**4], trials=1000, n_test=10**6, seed=0)
    assert (table["risk"] == 0).all() and (table["risk_se"] == 0).all() and (table["bound"] == 0).all()


def test_held_out_blocks_are_a_replayable_sequence_of_calls(monkeypatch):
    task = tasks.polynomial_angle_task(6, 1.0, seed=0)
    whole = montecarlo._HeldOut(task, 20, np.random.default_rng(3))
    assert len(whole.sizes) == 1 and np.array_equal(next(whole.blocks()), task.sample(20, 3))
    monkeypatch.setattr(montecarlo, "TEST_BYTES", 8 * 6 * 8)  # 8 rows per block: 8 + 8 + 4
    held_out = montecarlo._HeldOut(task, 20, np.random.default_rng(3))
    assert held_out.sizes == [8, 8, 4]
    rng = np.random.default_rng(3)
    expected = np.concatenate([task.sample(size, rng) for size in (8, 8, 4)])
    for _ in range(2):
        np.testing.assert_array_equal(np.concatenate(list(held_out.blocks())), expected)
