import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from scipy.special import softmax  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from kdbook import fidelity as fd  # noqa: E402
from kdbook.data import load_digits_split  # noqa: E402
from kdbook.explore.fidelity import (  # noqa: E402
    draw_fidelity_history,
    draw_fidelity_setting,
    draw_fidelity_start,
    draw_fidelity_vs_size,
    draw_sweep,
    fidelity_explorer,
)

# ---------------------------------------------------------------------------
# fixtures: a small digits problem and a quickly trained teacher
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    split = load_digits_split(seed=0)
    return {
        "X_train": split.X_train[:300], "y_train": split.y_train[:300],
        "X_distill": split.X_distill[:120], "y_distill": split.y_distill[:120],
        "X_test": split.X_test[:100], "y_test": split.y_test[:100],
    }


@pytest.fixture(scope="module")
def teacher(digits):
    return fd.train_classifier(digits["X_train"], digits["y_train"], hidden=(16,), steps=80, lr=0.02, seed=1)


# ---------------------------------------------------------------------------
# fidelity metrics
# ---------------------------------------------------------------------------


def test_log_probabilities_normalize_and_stay_finite_for_huge_logits():
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [3.0, 1.0, 2.0]])
    log_p = fd.log_probabilities(logits)
    assert np.all(np.isfinite(log_p))
    np.testing.assert_allclose(np.exp(log_p).sum(axis=1), 1.0)
    assert log_p[0, 0] == 0.0
    np.testing.assert_allclose(np.exp(log_p[1]), 1 / 3)
    expected = np.log(softmax(logits[2:] / 2, axis=1))
    np.testing.assert_allclose(fd.log_probabilities(logits[2:], temperature=2.0), expected)


def test_ensemble_log_probabilities_average_member_probabilities():
    rng = np.random.default_rng(0)
    members = rng.standard_normal((3, 4, 5))
    expected = np.log(softmax(members, axis=2).mean(axis=0))
    np.testing.assert_allclose(fd.ensemble_log_probabilities(members), expected, rtol=1e-12)
    huge = 1e4 * rng.standard_normal((3, 4, 5))
    out = fd.ensemble_log_probabilities(huge)
    assert np.all(out <= 0) and np.isfinite(out[np.isfinite(out)]).all()
    assert np.all(np.isfinite(np.logaddexp.reduce(out, axis=1)))
    np.testing.assert_allclose(np.logaddexp.reduce(out, axis=1), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match=r"member_logits must have shape \(members, n, classes\), got shape \(4, 5\)"):
        fd.ensemble_log_probabilities(members[0])


def test_top1_agreement_counts_matching_decisions():
    teacher = np.array([[2.0, 1.0], [0.0, 1.0], [5.0, -5.0], [1.0, 3.0]])
    student = np.array([[3.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert fd.top1_agreement(teacher, student) == 0.75
    assert fd.top1_agreement(teacher, teacher) == 1.0
    probs = softmax(teacher, axis=1)
    assert fd.top1_agreement(probs, student) == 0.75, "argmax of probabilities and logits coincide"
    assert fd.top1_agreement(1e4 * teacher, -1e4 * teacher) == 0.0


def test_predictive_kl_matches_the_definition_and_is_shift_invariant():
    rng = np.random.default_rng(1)
    t, s = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    p, q = softmax(t, axis=1), softmax(s, axis=1)
    expected = np.mean(np.sum(p * np.log(p / q), axis=1))
    assert fd.predictive_kl(t, s) == pytest.approx(expected, rel=1e-12)
    assert fd.predictive_kl(p, q, kind="probs") == pytest.approx(expected, rel=1e-12)
    assert fd.predictive_kl(t + 7.0, s - 3.0) == pytest.approx(expected, rel=1e-10)
    assert fd.predictive_kl(t, t) == 0.0
    assert fd.predictive_kl(t, s) != pytest.approx(fd.predictive_kl(s, t)), "KL is not symmetric"


def test_predictive_kl_finite_for_logits_of_1e4():
    t = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]])
    s = np.array([[-1e4, 1e4, 0.0], [1e4, -1e4, -1e4]])
    kl = fd.predictive_kl(t, s)
    assert np.isfinite(kl) and kl > 1e4
    # row 1: the teacher's class gets student log-prob -2e4; row 2: teacher (0, 1/2, 1/2), student log-probs
    # (0, -2e4, -2e4), so KL = 2e4 - log 2
    assert kl == pytest.approx((2e4 + (2e4 - np.log(2))) / 2, rel=1e-12)
    assert fd.predictive_kl(t, t) == 0.0
    assert np.isfinite(fd.distillation_loss(s, t, temperature=1.0))


def test_predictive_kl_with_probabilities_handles_zeros():
    p = np.array([[1.0, 0.0], [0.5, 0.5]])
    assert fd.predictive_kl(p, p, kind="probs") == 0.0
    assert fd.predictive_kl(p, np.array([[0.0, 1.0], [0.5, 0.5]]), kind="probs") == np.inf


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: fd.top1_agreement(np.ones((3, 2)), np.ones((4, 2))), ValueError,
         "student has n = 4 along axis 0 \\(shape \\(4, 2\\)\\), but teacher has n = 3"),
        (lambda: fd.top1_agreement(np.ones(3), np.ones(3)), ValueError,
         "teacher must have shape \\(n, classes\\), got shape \\(3,\\)"),
        (lambda: fd.top1_agreement(np.ones((3, 1)), np.ones((3, 1))), ValueError, "teacher must have K >= 2"),
        (lambda: fd.top1_agreement(np.full((2, 2), np.nan), np.ones((2, 2))), ValueError, "finite"),
        (lambda: fd.predictive_kl(np.ones((2, 2)), np.array([[1.0, np.inf], [0, 0]])), ValueError, "student"),
        (lambda: fd.predictive_kl(np.ones((2, 2)), np.ones((2, 2)), kind="log"), ValueError, "kind must be"),
        (lambda: fd.predictive_kl(np.ones((2, 2)), np.full((2, 2), 0.5), kind="probs"), ValueError, "sum"),
        (lambda: fd.predictive_kl(-np.ones((2, 2)), np.full((2, 2), 0.5), kind="probs"), ValueError, "in \\[0, 1\\]"),
        (lambda: fd.log_probabilities(np.ones((2, 2)), temperature=0.0), ValueError, "temperature must be > 0"),
        (lambda: fd.distillation_loss(np.ones((2, 2)), np.ones((2, 2)), -1.0), ValueError, "temperature must be > 0"),
        # the loss names its own parameters, not the metrics' teacher/student
        (lambda: fd.distillation_loss(np.ones((2, 2)), np.ones((3, 2))), ValueError,
         "teacher_logits has n = 3 along axis 0 \\(shape \\(3, 2\\)\\), but student_logits has n = 2"),
        (lambda: fd.distillation_loss(np.ones(2), np.ones((2, 2))), ValueError, "student_logits must have shape"),
        (lambda: fd.distillation_loss(np.ones((2, 1)), np.ones((2, 1))), ValueError, "student_logits must have K >= 2"),
        (lambda: fd.top1_agreement("ab", np.ones((2, 2))), TypeError, "teacher must be an array"),
    ],
)
def test_metrics_reject_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------------
# the distillation loss convention
# ---------------------------------------------------------------------------


def test_distillation_loss_is_t_squared_times_kl_plus_teacher_entropy():
    rng = np.random.default_rng(2)
    t, s = 3 * rng.standard_normal((8, 5)), 3 * rng.standard_normal((8, 5))
    for T in (0.5, 1.0, 4.0):
        p = softmax(t / T, axis=1)
        entropy = -np.mean(np.sum(p * np.log(p), axis=1))
        expected = T**2 * (fd.predictive_kl(t / T, s / T) + entropy)
        assert fd.distillation_loss(s, t, T) == pytest.approx(expected, rel=1e-12)
        assert fd.distillation_loss(t, t, T) < fd.distillation_loss(s, t, T)


def test_torch_loss_matches_numpy_and_has_gradient_t_times_q_minus_p():
    rng = np.random.default_rng(3)
    t, s = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    T = 4.0
    student = torch.tensor(s, requires_grad=True)
    loss = fd.distillation_loss_torch(student, torch.tensor(t), T)
    assert float(loss.detach()) == pytest.approx(fd.distillation_loss(s, t, T), rel=1e-12)
    loss.backward()
    expected = T * (softmax(s / T, axis=1) - softmax(t / T, axis=1)) / 4
    np.testing.assert_allclose(student.grad.numpy(), expected, atol=1e-14)
    with pytest.raises(ValueError, match=r"^teacher_logits has n = 3 along axis 0 .*, but student_logits has n = 2"):
        fd.distillation_loss_torch(torch.ones(2, 3), torch.ones(3, 3), 1.0)
    with pytest.raises(TypeError, match=r"^student_logits must be a floating-point torch.Tensor .*, got ndarray"):
        fd.distillation_loss_torch(np.ones((2, 3)), torch.ones(2, 3), 1.0)


# ---------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------


def test_make_mlp_is_deterministic_and_leaves_the_global_generator_alone():
    state = torch.random.get_rng_state()
    a = fd.make_mlp(5, 3, hidden=(4, 4), seed=0)
    b = fd.make_mlp(5, 3, hidden=(4, 4), seed=0)
    c = fd.make_mlp(5, 3, hidden=(4, 4), seed=1)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert a.architecture == (5, 4, 4, 3)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert not torch.equal(next(a.parameters()), next(c.parameters()))
    bound = 1 / np.sqrt(5)
    assert float(next(a.parameters()).detach().abs().max()) <= bound
    with pytest.raises(ValueError, match="n_classes must be >= 2"):
        fd.make_mlp(5, 1, seed=0)
    with pytest.raises(TypeError, match="hidden"):
        fd.make_mlp(5, 3, hidden=4, seed=0)
    with pytest.raises(TypeError, match="seed must be an int"):
        fd.make_mlp(5, 3, seed=None)


def test_interpolate_weights_endpoints_and_midpoint():
    start, target = fd.make_mlp(4, 3, hidden=(5,), seed=0), fd.make_mlp(4, 3, hidden=(5,), seed=1)
    x = torch.randn(7, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert torch.equal(fd.interpolate_weights(start, target, 0.0)(x), start(x))
    assert torch.equal(fd.interpolate_weights(start, target, 1.0)(x), target(x))
    mid = fd.interpolate_weights(start, target, 0.5)
    for pm, ps, pt in zip(mid.parameters(), start.parameters(), target.parameters(), strict=True):
        torch.testing.assert_close(pm, (ps + pt) / 2)
    with pytest.raises(ValueError, match="alpha must be in \\[0, 1\\], got 1.5"):
        fd.interpolate_weights(start, target, 1.5)
    with pytest.raises(ValueError, match="same architecture"):
        fd.interpolate_weights(start, fd.make_mlp(4, 3, hidden=(6,), seed=0), 0.5)
    with pytest.raises(TypeError, match="target must be an instance of MLP, got Linear"):
        fd.interpolate_weights(start, torch.nn.Linear(4, 3), 0.5)


def test_train_classifier_fits_and_is_deterministic(digits, teacher):
    accuracy = np.mean(fd.predict_logits(teacher, digits["X_train"]).argmax(1) == digits["y_train"])
    assert accuracy > 0.95
    again = fd.train_classifier(digits["X_train"], digits["y_train"], hidden=(16,), steps=80, lr=0.02, seed=1)
    np.testing.assert_array_equal(
        fd.predict_logits(teacher, digits["X_test"]), fd.predict_logits(again, digits["X_test"])
    )
    with pytest.raises(ValueError, match="y has n = 10 along axis 0 \\(shape \\(10,\\)\\), but X has n = 300"):
        fd.train_classifier(digits["X_train"], digits["y_train"][:10], seed=0)
    with pytest.raises(ValueError, match="y must hold whole numbers"):
        fd.train_classifier(digits["X_train"], digits["y_train"] + 0.5, seed=0)
    with pytest.raises(ValueError, match="every entry of y must be >= 0"):
        fd.train_classifier(digits["X_train"], digits["y_train"] - 1, seed=0)
    with pytest.raises(ValueError, match="lr must be > 0"):
        fd.train_classifier(digits["X_train"], digits["y_train"], lr=0.0, seed=0)
    with pytest.raises(ValueError, match="X must contain only finite"):
        fd.train_classifier(np.full((3, 2), np.inf), np.array([0, 1, 0]), seed=0)


def test_ensemble_averages_member_probabilities(digits):
    ensemble = fd.train_ensemble(digits["X_train"], digits["y_train"], members=3, hidden=(8,), steps=20, seed=5)
    assert len(ensemble.members) == 3
    member_logits = np.stack([fd.predict_logits(m, digits["X_test"]) for m in ensemble.members])
    np.testing.assert_allclose(
        fd.predict_logits(ensemble, digits["X_test"]), fd.ensemble_log_probabilities(member_logits), atol=1e-12
    )
    with pytest.raises(ValueError, match="members must be >= 1"):
        fd.train_ensemble(digits["X_train"], digits["y_train"], members=0, seed=0)
    with pytest.raises(TypeError, match="members must be torch modules"):
        fd.Ensemble([lambda x: x])


def test_predict_logits_validates_the_model_and_its_output():
    with pytest.raises(TypeError, match="model must be a callable, got int"):
        fd.predict_logits(3, np.ones((2, 2)))
    with pytest.raises(ValueError, match="shape \\(n, K\\)"):
        fd.predict_logits(lambda x: x.sum(dim=1), np.ones((2, 2)))


# ---------------------------------------------------------------------------
# distillation
# ---------------------------------------------------------------------------


def test_augment_noise_mixup_and_none():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 4))
    noisy = fd.augment(X, kind="noise", noise_std=0.1, seed=0)
    assert noisy.shape == X.shape and 0.05 < np.std(noisy - X) < 0.15
    mixed = fd.augment(X, kind="mixup", seed=0)
    assert np.all(mixed >= X.min(axis=0) - 1e-12) and np.all(mixed <= X.max(axis=0) + 1e-12)
    assert not np.allclose(mixed, X)
    np.testing.assert_array_equal(fd.augment(X, kind="none", seed=0), X)
    np.testing.assert_array_equal(fd.augment(X, kind="mixup", seed=3), fd.augment(X, kind="mixup", seed=3))
    with pytest.raises(ValueError, match="kind must be one of"):
        fd.augment(X, kind="cutout", seed=0)
    with pytest.raises(ValueError, match="noise_std must be >= 0"):
        fd.augment(X, kind="noise", noise_std=-1.0, seed=0)
    with pytest.raises(ValueError, match="mixup_alpha must be > 0"):
        fd.augment(X, kind="mixup", mixup_alpha=0.0, seed=0)


def test_distill_records_fidelity_and_improves_it(digits, teacher):
    run = fd.distill(teacher, digits["X_distill"], X_test=digits["X_test"], y_distill=digits["y_distill"],
                     y_test=digits["y_test"], steps=150, record_every=50, seed=0)
    h = run.history
    assert list(h["step"]) == [0, 50, 100, 150]
    assert {"distill_agreement", "distill_kl", "test_agreement", "test_kl", "distill_accuracy",
            "test_accuracy"} <= set(h.columns)
    assert h["distill_kl"].iloc[-1] < h["distill_kl"].iloc[0] / 10
    assert h["distill_agreement"].iloc[-1] > 0.9 and h["test_agreement"].iloc[-1] > 0.8
    assert run.student.architecture == teacher.architecture
    assert run.settings["temperature"] == 4.0 and run.final["step"] == 150
    again = fd.distill(teacher, digits["X_distill"], X_test=digits["X_test"], y_distill=digits["y_distill"],
                       y_test=digits["y_test"], steps=150, record_every=50, seed=0)
    pd.testing.assert_frame_equal(h, again.history)


def test_training_runs_on_one_thread_and_restores_the_setting(digits, teacher):
    from threadpoolctl import threadpool_info

    seen = []

    class Probe(torch.nn.Module):
        """A teacher that records the thread settings it is called under (during augmentation)."""

        def forward(self, x):
            seen.append((torch.get_num_threads(), [pool["num_threads"] for pool in threadpool_info()]))
            return teacher(x)

    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        fd.distill(Probe(), digits["X_distill"], X_test=digits["X_test"], hidden=(4,), steps=2,
                   augmentation="noise", seed=0)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(previous)
    in_loop = seen[2:]  # the first two calls are predict_logits, before training
    assert len(in_loop) == 2 and all(n == 1 and all(p == 1 for p in pools) for n, pools in in_loop)


@pytest.mark.parametrize("augmentation", ["noise", "mixup"])
def test_distill_with_augmentation_runs_and_is_deterministic(digits, teacher, augmentation):
    kwargs = dict(X_test=digits["X_test"], steps=30, record_every=30, augmentation=augmentation, seed=2)
    a = fd.distill(teacher, digits["X_distill"], **kwargs)
    b = fd.distill(teacher, digits["X_distill"], **kwargs)
    pd.testing.assert_frame_equal(a.history, b.history)
    plain = fd.distill(teacher, digits["X_distill"], **{**kwargs, "augmentation": "none"})
    assert not a.history.equals(plain.history)


def test_student_started_at_the_teacher_stays_there_with_sgd(digits, teacher):
    run = fd.distill(teacher, digits["X_distill"], X_test=digits["X_test"], init_alpha=1.0, optimizer="sgd",
                     steps=20, record_every=10, seed=0)
    assert (run.history["test_agreement"] == 1.0).all()
    assert run.history["test_kl"].max() < 1e-15


def test_distill_with_ensemble_teacher_uses_member_architecture(digits):
    ensemble = fd.train_ensemble(digits["X_train"], digits["y_train"], members=2, hidden=(8,), steps=20, seed=0)
    run = fd.distill(ensemble, digits["X_distill"], X_test=digits["X_test"], steps=5, record_every=5, seed=0)
    assert run.student.hidden == (8,)
    with pytest.raises(ValueError, match="init_alpha > 0 needs a teacher MLP"):
        fd.distill(ensemble, digits["X_distill"], X_test=digits["X_test"], init_alpha=0.5, steps=5, seed=0)
    with pytest.raises(ValueError, match="hidden must be given"):
        fd.distill(lambda x: torch.zeros(x.shape[0], 3, dtype=torch.float64), digits["X_distill"],
                   X_test=digits["X_test"], steps=5, seed=0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"temperature": 0.0}, ValueError, "temperature must be > 0"),
        ({"temperature": float("inf")}, ValueError, "temperature must be finite"),
        ({"optimizer": "rmsprop"}, ValueError, "optimizer must be one of"),
        ({"augmentation": "cutout"}, ValueError, "augmentation must be one of"),
        ({"init_alpha": 1.5}, ValueError, "init_alpha must be in \\[0, 1\\], got 1.5"),
        ({"init_alpha": -0.1}, ValueError, "init_alpha must be in \\[0, 1\\], got -0.1"),
        ({"steps": 0}, ValueError, "steps must be >= 1"),
        ({"lr": -1.0}, ValueError, "lr must be > 0"),
        ({"record_every": 0}, ValueError, "record_every must be >= 1"),
        ({"seed": None}, TypeError, "seed must be an int"),
        ({"X_test": np.ones((5, 3))}, ValueError,
         r"X_test has d = 3 along axis 1 \(shape \(5, 3\)\), but teacher has d = 60"),
        ({"y_test": np.zeros(3, dtype=int)}, ValueError,
         r"y_test has m = 3 along axis 0 \(shape \(3,\)\), but X_test has m = 100"),
    ],
)
def test_distill_rejects_bad_input(digits, teacher, kwargs, error, match):
    arguments = dict(X_test=digits["X_test"], steps=2, seed=0)
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        fd.distill(teacher, digits["X_distill"], **arguments)


def test_distill_rejects_a_non_callable_teacher_and_non_finite_inputs(digits, teacher):
    with pytest.raises(TypeError, match="teacher must be a callable, got str"):
        fd.distill("teacher", digits["X_distill"], X_test=digits["X_test"], seed=0)
    bad = digits["X_distill"].copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="X_distill must contain only finite"):
        fd.distill(teacher, bad, X_test=digits["X_test"], seed=0)


def test_distillation_sweep_changes_one_parameter(digits, teacher):
    frame = fd.distillation_sweep("init_alpha", [0.0, 1.0], teacher=teacher, X_distill=digits["X_distill"],
                                  X_test=digits["X_test"], optimizer="sgd", steps=10, record_every=10, seed=0)
    assert list(frame["init_alpha"]) == [0.0, 1.0]
    assert frame.loc[1, "test_agreement"] == 1.0 and frame.loc[0, "test_kl"] > frame.loc[1, "test_kl"]
    with pytest.raises(ValueError, match="parameter must be one of"):
        fd.distillation_sweep("colour", [1], teacher=teacher, X_distill=digits["X_distill"], seed=0)
    with pytest.raises(ValueError, match="swept parameter"):
        fd.distillation_sweep("steps", [1], steps=2, teacher=teacher, X_distill=digits["X_distill"], seed=0)
    with pytest.raises(ValueError, match="at least one value"):
        fd.distillation_sweep("steps", [], teacher=teacher, X_distill=digits["X_distill"], seed=0)
    with pytest.raises(ValueError, match="teacher and X_distill"):
        fd.distillation_sweep("steps", [1], X_distill=digits["X_distill"], seed=0)


def test_forwarded_keywords_are_checked_as_the_receiving_function_checks_them(digits, teacher):
    X, y = digits["X_train"], digits["y_train"]
    with pytest.raises(ValueError, match="steps must be >= 1, got 0"):
        fd.train_ensemble(X, y, members=2, steps=0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        fd.train_ensemble(X, y, members=2, colour="red")
    with pytest.raises(ValueError, match="temperature must be > 0, got 0.0"):
        fd.distillation_sweep("temperature", [1.0, 0.0], teacher=teacher, X_distill=digits["X_distill"],
                              X_test=digits["X_test"], steps=1)
    with pytest.raises(ValueError, match="X_test has d = 3 along axis 1"):
        fd.distillation_sweep("steps", [1], teacher=teacher, X_distill=digits["X_distill"], X_test=np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"y_test has m = 3 along axis 0 \(shape \(3,\)\), but X_test has m = 100"):
        fd.mlp_fidelity_by_size(teacher, digits["X_distill"], digits["X_test"], [10], y_test=np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="lr must be > 0"):
        fidelity_explorer(teacher, digits["X_distill"], digits["X_test"], lr=0.0)


def test_mlp_fidelity_by_size_uses_nested_subsets(digits, teacher):
    frame = fd.mlp_fidelity_by_size(teacher, digits["X_distill"], digits["X_test"], [10, 40], seed=0,
                                    y_distill=digits["y_distill"], steps=20, record_every=20)
    assert list(frame["n"]) == [10, 40] and "distill_accuracy" in frame
    with pytest.raises(ValueError, match="strictly increasing"):
        fd.mlp_fidelity_by_size(teacher, digits["X_distill"], digits["X_test"], [40, 10], seed=0)
    with pytest.raises(ValueError, match="sizes must be <= 120 \\(the rows of X_distill\\), got 500"):
        fd.mlp_fidelity_by_size(teacher, digits["X_distill"], digits["X_test"], [500], seed=0)


# ---------------------------------------------------------------------------
# the linear contrast (Theorem 1 for a softmax student)
# ---------------------------------------------------------------------------


def _linear_problem(n, d=6, K=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal((K, d))


def test_linear_solution_recovers_the_centred_teacher_when_data_span():
    X, W_star = _linear_problem(n=20)
    W_hat = fd.linear_distillation_solution(X, W_star)
    np.testing.assert_allclose(W_hat, W_star - W_star.mean(axis=0), atol=1e-12)
    X_new = np.random.default_rng(9).standard_normal((100, 6))
    assert fd.top1_agreement(X_new @ W_star.T, X_new @ W_hat.T) == 1.0
    assert fd.predictive_kl(X_new @ W_star.T, X_new @ W_hat.T) < 1e-15


def test_linear_solution_with_fewer_points_than_dimensions_is_a_projection():
    X, W_star = _linear_problem(n=3)
    W_hat = fd.linear_distillation_solution(X, W_star)
    P = np.linalg.pinv(X) @ X
    np.testing.assert_allclose(W_hat @ P, W_hat, atol=1e-12)              # rows in the span
    np.testing.assert_allclose(W_hat.sum(axis=0), 0.0, atol=1e-12)       # columns sum to zero
    np.testing.assert_allclose(fd.log_probabilities(X @ W_hat.T), fd.log_probabilities(X @ W_star.T), atol=1e-12)


@pytest.mark.parametrize("n", [3, 20])
def test_training_the_linear_student_reaches_the_closed_form(n):
    X, W_star = _linear_problem(n=n)
    W = fd.train_linear_student(X, X @ W_star.T, temperature=2.0)
    np.testing.assert_allclose(W, fd.linear_distillation_solution(X, W_star), atol=1e-5)


def test_fit_linear_teacher_binary_rows_give_the_sigmoid(digits):
    split = load_digits_split(seed=0, classes=(3, 8))
    W = fd.fit_linear_teacher(split.X_train, split.y_train, C=0.1)
    assert W.shape == (2, split.n_features)
    np.testing.assert_allclose(W[0], -W[1])
    reference = LogisticRegression(C=0.1, fit_intercept=False, max_iter=5000, tol=1e-10)
    reference.fit(split.X_train, split.y_train)
    np.testing.assert_allclose(softmax(split.X_test @ W.T, axis=1), reference.predict_proba(split.X_test),
                               atol=1e-10)
    W10 = fd.fit_linear_teacher(digits["X_train"], digits["y_train"])
    assert W10.shape == (10, digits["X_train"].shape[1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        fd.fit_linear_teacher(np.ones((3, 2)), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="C must be > 0"):
        fd.fit_linear_teacher(digits["X_train"], digits["y_train"], C=0.0)


def test_linear_functions_reject_bad_input():
    X, W_star = _linear_problem(n=5)
    with pytest.raises(ValueError, match="X has d = 4 along axis 1 \\(shape \\(5, 4\\)\\), but W_star has d = 6"):
        fd.linear_distillation_solution(X[:, :4], W_star)
    with pytest.raises(ValueError, match="K >= 2"):
        fd.linear_distillation_solution(X, W_star[:1])
    with pytest.raises(ValueError, match=r"teacher_logits has n = 4 along axis 0 \(shape \(4, 3\)\), but X has n = 5"):
        fd.train_linear_student(X, np.ones((4, 3)))
    with pytest.raises(ValueError, match="temperature must be > 0"):
        fd.train_linear_student(X, X @ W_star.T, temperature=0.0)
    with pytest.raises(ValueError, match="teacher_logits must contain only finite"):
        fd.train_linear_student(X, np.full((5, 3), np.nan))


def test_linear_fidelity_by_size_reaches_agreement_one_once_data_span():
    rng = np.random.default_rng(4)
    X, W_star = rng.standard_normal((30, 6)), rng.standard_normal((3, 6))
    X_test = rng.standard_normal((200, 6))
    frame = fd.linear_fidelity_by_size(X, W_star, X_test, [2, 4, 6, 12, 30], seed=0)
    assert list(frame["rank"]) == [2, 4, 6, 6, 6]
    assert (frame.loc[frame["n"] >= 6, "agreement_closed_form"] == 1.0).all()
    assert frame.loc[0, "agreement_closed_form"] < 1.0
    assert frame["relative_error"].max() < 1e-4
    with pytest.raises(ValueError, match="W_star must have shape \\(classes, d\\), got shape \\(6,\\)"):
        fd.linear_fidelity_by_size(X, W_star[0], X_test, [2], seed=0)


# ---------------------------------------------------------------------------
# figures and the explorer
# ---------------------------------------------------------------------------


def test_figures_label_every_axis(digits, teacher):
    run = fd.distill(teacher, digits["X_distill"], X_test=digits["X_test"], steps=20, record_every=10, seed=0)
    figures = [
        draw_fidelity_history({"a": run, "b": run.history}),
        draw_fidelity_setting(run, 4.0, "none"),
        draw_sweep({"x": pd.DataFrame([{"augmentation": "none", **run.final}])}, "augmentation"),
    ]
    X, W_star = _linear_problem(n=10)
    linear = fd.linear_fidelity_by_size(X, W_star, X, [3, 10], seed=0)
    mlp = pd.DataFrame({"n": [3, 10], "test_agreement": [0.5, 0.9]})
    figures.append(draw_fidelity_vs_size(linear, mlp, d=6))
    figures.append(draw_fidelity_start(0.5, {0.0: run, 0.5: run}))
    assert "final held-out agreement" in figures[1]._suptitle.get_text()
    assert "start α = 0.5" in figures[-1]._suptitle.get_text()
    for fig in figures:
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel()
        plt.close(fig)
    with pytest.raises(ValueError, match="non-empty mapping"):
        draw_fidelity_history({})
    with pytest.raises(ValueError, match="missing the columns"):
        draw_fidelity_history({"a": pd.DataFrame({"step": [0, 1]})})
    with pytest.raises(TypeError, match="DistillationRun or a pandas DataFrame"):
        draw_fidelity_history({"a": [1, 2]})
    with pytest.raises(ValueError, match="augmentation must be one of"):
        draw_fidelity_setting(run, 4.0, "rotate")
    with pytest.raises(ValueError, match="init_alpha must be one of"):
        draw_fidelity_start(0.25, {0.5: run})
    with pytest.raises(ValueError, match="missing the columns"):
        draw_fidelity_vs_size(linear, mlp.drop(columns="test_agreement"), d=6)


def test_explorer_uses_precomputed_runs_and_trains_new_settings(digits, teacher):
    kwargs = dict(X_test=digits["X_test"], steps=10, record_every=5, seed=0)
    run = fd.distill(teacher, digits["X_distill"], temperature=4.0, **kwargs)
    app = fidelity_explorer(teacher, digits["X_distill"], digits["X_test"], steps=10, record_every=5, seed=0,
                            precomputed={(4, "none"): run})
    assert app.cache[(4.0, "none")] is run and len(app.cache) == 1
    temperature_slider, augmentation_menu = app.children[1].children
    augmentation_menu.value = "noise"
    assert (4.0, "noise") in app.cache and len(app.cache) == 2
    temperature_slider.value = 1.0
    assert (1.0, "noise") in app.cache
    # every setting starts from the same seed, whatever was trained before it
    for T in (4.0, 1.0):
        fresh = fd.distill(teacher, digits["X_distill"], temperature=T, augmentation="noise", **kwargs)
        pd.testing.assert_frame_equal(app.cache[(T, "noise")].history, fresh.history)
    plt.close("all")
    with pytest.raises(ValueError, match="temperature must be one of"):
        fidelity_explorer(teacher, digits["X_distill"], digits["X_test"], temperature=3.0, seed=0)
    with pytest.raises(ValueError, match="augmentations must be a non-empty list of 'none', .*, got 'blur'"):
        fidelity_explorer(teacher, digits["X_distill"], digits["X_test"], augmentations=("blur",), seed=0)
    with pytest.raises(TypeError, match="precomputed values must be DistillationRun"):
        fidelity_explorer(teacher, digits["X_distill"], digits["X_test"], precomputed={(4.0, "none"): 1}, seed=0)
