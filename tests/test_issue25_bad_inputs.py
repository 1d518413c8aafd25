"""Regression tests for issue 25, "The library's last bad inputs": one test per fuzzer row.

Each row was a crash, a misleading message or a wrong number; each test here
pins what the function now does instead (a named error, the right value, or a
warning with the gap reached).
"""

from __future__ import annotations

import math
import warnings

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from kdbook._params import validate_forwarded
from kdbook.deep_linear import (
    InitialConditionWarning,
    balanced_initialization,
    check_initial_conditions,
    end_to_end,
    end_to_end_flow,
    flip_sign,
    flip_sign_if_needed,
)
from kdbook.explore.core import explorer
from kdbook.fidelity import (
    Ensemble,
    distill,
    distillation_loss,
    distillation_loss_torch,
    linear_distillation_solution,
    linear_fidelity_by_size,
    make_mlp,
    mlp_fidelity_by_size,
    predict_logits,
    top1_agreement,
    train_linear_student,
)
from kdbook.learners import hard_label_weights
from kdbook.losses import loss_gradient, normalized_cross_entropy, soft_labels
from kdbook.risk import theorem3_bound
from kdbook.students import (
    ConvergenceWarning,
    default_learning_rate,
    gradient_flow,
    restricted_hessian_eigenvalue,
    strong_convexity_bound,
    sublevel_points,
    train_student,
)
from kdbook.variance import (
    best_weight_for_sgd,
    least_squares_stationary_risk,
    linear_features,
    sgd_contraction_factor,
    sgd_stationary_covariance,
)


def _data(n=5, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal(d)


def test_flows_at_time_zero_return_the_start():
    X, w_star = _data()
    y = soft_labels(X, w_star)
    w0 = np.array([0.1, -0.2, 0.3])
    for trajectory in (gradient_flow(X, y, [0.0], w0=w0), end_to_end_flow(X, y, w0, 2, [0.0])):
        np.testing.assert_array_equal(trajectory.times, [0.0])
        np.testing.assert_array_equal(trajectory.weights, w0[None, :])
        np.testing.assert_array_equal(trajectory.w, w0)
        assert trajectory.losses.shape == (1,)
        assert trajectory.losses[0] == pytest.approx(float(gradient_flow(X, y, [0.0, 1e-12], w0=w0).losses[0]))
    assert np.all(gradient_flow(X, y, [0.0]).w == 0.0)


ZERO_DATA_CALLS = {
    "default_learning_rate": lambda X, w: default_learning_rate(X, w),
    "train_student": lambda X, w: train_student(X, w),
    "restricted_hessian_eigenvalue": lambda X, w: restricted_hessian_eigenvalue(w, X),
    "strong_convexity_bound": lambda X, w: strong_convexity_bound(X, w),
    "check_initial_conditions": lambda X, w: check_initial_conditions(
        balanced_initialization(3, 2, norm=0.1, hidden_width=2), X, w, 0.1
    ),
    "sublevel_points": lambda X, w: sublevel_points(X, w, 2),
}


@pytest.mark.parametrize("call", ZERO_DATA_CALLS.values(), ids=ZERO_DATA_CALLS.keys())
def test_an_all_zero_transfer_set_is_refused_by_name(call):
    _, w_star = _data()
    with pytest.raises(ValueError, match=r"^X must be non-zero, got all zeros$"):
        call(np.zeros((5, 3)), w_star)


def test_hard_label_weights_refuses_an_all_zero_stack_and_leaves_an_all_zero_set_at_zero():
    rng = np.random.default_rng(1)
    w_star = rng.standard_normal(3)
    with pytest.raises(ValueError, match=r"^X_batch must be non-zero"):
        hard_label_weights(np.zeros((2, 5, 3)), w_star)
    X_batch = rng.standard_normal((3, 5, 3))
    X_batch[1] = 0.0  # one empty set among real ones: gradient 0, so its student stays at 0
    weights = hard_label_weights(X_batch, w_star, steps=20)
    np.testing.assert_array_equal(weights[1], 0.0)
    np.testing.assert_allclose(weights[[0, 2]], hard_label_weights(X_batch[[0, 2]], w_star, steps=20))


def test_linear_fidelity_by_size_refuses_zeros_and_reports_a_finite_error_on_zero_prefixes():
    rng = np.random.default_rng(2)
    W_star, X_test = rng.standard_normal((3, 4)), rng.standard_normal((6, 4))
    with pytest.raises(ValueError, match=r"^X_distill must be non-zero"):
        linear_fidelity_by_size(np.zeros((8, 4)), W_star, X_test, [2, 8])
    X_distill = rng.standard_normal((8, 4))
    X_distill[:7] = 0.0  # most rows are zero, so some random prefixes span nothing
    table = linear_fidelity_by_size(X_distill, W_star, X_test, [1, 2, 8], seed=3)
    assert np.all(np.isfinite(table["relative_error"]))
    assert table.loc[table["rank"] == 0, "relative_error"].eq(0.0).all()
    assert (table["rank"] == 0).any(), "the seed must give an empty prefix for this test to mean anything"


STATIONARY_CALLS = {
    "sgd_stationary_covariance": lambda A, b, lr: sgd_stationary_covariance(A, b, lr=lr),
    "least_squares_stationary_risk": lambda A, b, lr: least_squares_stationary_risk(A, b, np.ones(3), [0.5], lr=lr),
    "best_weight_for_sgd": lambda A, b, lr: best_weight_for_sgd(A, b, np.ones(3), lr=lr),
}


@pytest.mark.parametrize("call", STATIONARY_CALLS.values(), ids=STATIONARY_CALLS.keys())
def test_stationary_sgd_names_an_all_zero_or_rank_deficient_A_not_lr(call):
    rng = np.random.default_rng(4)
    b = rng.standard_normal(6)
    with pytest.raises(ValueError, match=r"^A must be non-zero"):
        call(np.zeros((6, 3)), b, 0.05)
    A = rng.standard_normal((6, 3))
    A[:, 2] = A[:, 0]  # rank 2: no step size contracts along the null space
    with pytest.raises(ValueError, match=r"^A must have full column rank: it has rank 2 < d = 3"):
        call(A, b, 0.05)
    with pytest.raises(ValueError, match=r"^lr = 50.0 is too large"):  # a full-rank A still blames lr
        call(rng.standard_normal((6, 3)), b, 50.0)
    result = call(rng.standard_normal((6, 3)), b, 0.05)
    values = result.total if hasattr(result, "total") else result
    assert np.all(np.isfinite(np.asarray(values, dtype=float)))


def test_sgd_contraction_factor_is_inf_when_lr_squared_overflows():
    A = np.random.default_rng(5).standard_normal((6, 3))
    for lr in (1.35e154, 1e160, 1e300):
        assert sgd_contraction_factor(A, lr=lr) == float("inf")
    large = sgd_contraction_factor(A, lr=1e100)
    assert np.isfinite(large) and large > 1e190  # it grows like lr^2 until it is not representable
    with pytest.raises(ValueError, match=r"^lr = 1e\+160 is too large"):
        sgd_stationary_covariance(A, np.ones(6), lr=1e160)


@pytest.mark.parametrize("answer", ["abc", None, [0.1, 0.2], 0.5 + 1j, np.array(["0.5"])], ids=repr)
def test_theorem3_bound_names_p_when_it_returns_no_real_number(answer):
    with pytest.raises(TypeError, match=r"^p must return a real number \(a probability\) for each theta, got "):
        theorem3_bound(lambda theta: answer, 3)


def test_theorem3_bound_still_takes_scalar_and_vectorized_p():
    def scalar_p(theta):
        return math.cos(theta) ** 2  # math.cos refuses arrays: evaluated point by point

    assert float(theorem3_bound(scalar_p, 4)) == pytest.approx(float(theorem3_bound(lambda t: np.cos(t) ** 2, 4)))


@pytest.mark.parametrize("scale", [3.0, 10.0, 1e4, 1e300])
def test_strong_convexity_bound_refuses_a_saturating_teacher_by_name(scale):
    X, w_star = _data()
    w_star = scale * w_star / np.linalg.norm(w_star)
    with pytest.raises(ValueError, match=r"^w_star saturates the soft labels.*no float64 certificate"):
        strong_convexity_bound(X, w_star)


def test_strong_convexity_bound_still_certifies_a_moderate_teacher():
    X, w_star = _data()
    mu = strong_convexity_bound(X, w_star / np.linalg.norm(w_star))
    assert mu > 0
    points = sublevel_points(X, w_star / np.linalg.norm(w_star), 20)
    assert restricted_hessian_eigenvalue(points, X).min() >= mu


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("which", ["student_logits", "teacher_logits"])
def test_distillation_loss_torch_refuses_nonfinite_logits_by_name(bad, which):
    logits = {"student_logits": torch.zeros(4, 3, requires_grad=True), "teacher_logits": torch.zeros(4, 3)}
    spoiled = logits[which].detach().clone()
    spoiled[1, 2] = bad
    logits[which] = spoiled
    with pytest.raises(ValueError, match=rf"^{which} must contain only finite values"):
        distillation_loss_torch(temperature=2.0, **logits)


def test_distillation_loss_torch_casts_float32_and_stays_differentiable():
    rng = np.random.default_rng(6)
    student = torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32, requires_grad=True)
    teacher = torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32)
    loss = distillation_loss_torch(student, teacher, 2.0)
    assert loss.dtype == torch.float64
    assert loss.detach().item() == pytest.approx(
        distillation_loss(student.detach().double().numpy(), teacher.double().numpy(), temperature=2.0), rel=1e-12
    )
    loss.backward()
    assert student.grad is not None and torch.all(torch.isfinite(student.grad))


def test_mlp_and_ensemble_cast_float32_inputs_and_name_x_on_the_wrong_features():
    model = make_mlp(3, 2, hidden=(5,), seed=0)
    ensemble = Ensemble([model, make_mlp(3, 2, hidden=(5,), seed=1)])
    x = torch.from_numpy(np.random.default_rng(7).standard_normal((4, 3)))
    for net in (model, ensemble):
        out = net(x.float())
        assert out.dtype == torch.float64
        torch.testing.assert_close(out, net(x), rtol=1e-6, atol=1e-6)  # float32 rounding of the inputs only
        with pytest.raises(ValueError, match=r"^x must have 3 features along its last axis"):
            net(torch.zeros(4, 5))
    assert model(x[0]).shape == (2,)  # one sample without a batch axis still works


def test_predict_logits_and_distill_name_the_arrays_or_teacher_of_another_d():
    rng = np.random.default_rng(8)
    teacher = make_mlp(4, 3, hidden=(5,), seed=0)
    X, X_test = rng.standard_normal((6, 3)), rng.standard_normal((5, 3))
    with pytest.raises(ValueError, match=r"\bX has d = 3\b.*\bmodel has d = 4"):
        predict_logits(teacher, X)
    with pytest.raises(ValueError, match=r"\bX_distill has d = 3\b.*\bteacher has d = 4"):
        distill(teacher, X, X_test=X_test, steps=1)
    with pytest.raises(ValueError, match=r"\bX_distill has d = 3\b.*\bteacher has d = 4"):
        mlp_fidelity_by_size(teacher, X, X_test, [2], steps=1)
    with pytest.raises(ValueError, match=r"^teacher takes d = 4 input features, but X_distill has d = 3"):
        validate_forwarded(distill, {"X_distill": X, "teacher": teacher})  # the order of the check decides
    # A torch module that does not state its input size: torch's error, re-raised naming the parameters.
    plain = torch.nn.Linear(4, 3, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"^model cannot be applied to X of shape \(6, 3\)"):
        predict_logits(plain, X)
    with pytest.raises(ValueError, match=r"^teacher cannot be applied to X_distill of shape \(6, 3\)"):
        distill(plain, X, X_test=X_test, steps=1, hidden=(4,))


@pytest.mark.parametrize("members", [None, 5, object()], ids=["None", "5", "object"])
def test_ensemble_names_members_that_are_not_a_collection(members):
    with pytest.raises(TypeError, match=r"^members must be an instance of Iterable"):
        Ensemble(members)


def test_ensemble_names_members_of_different_d():
    with pytest.raises(ValueError, match=r"^members must all take the same number of input features, got \[3, 4\]"):
        Ensemble([make_mlp(3, 2, seed=0), make_mlp(4, 2, seed=0)])
    assert Ensemble(iter([make_mlp(3, 2, seed=0)])).n_features == 3  # any iterable of modules


def test_train_linear_student_warns_with_the_gap_when_a_saturating_teacher_stops_it_short():
    rng = np.random.default_rng(9)
    X, W_star = rng.standard_normal((20, 5)), rng.standard_normal((3, 5))
    hot = 1e4 * W_star
    with pytest.warns(ConvergenceWarning, match=r"^train_linear_student stopped at a gap of 0\.9\d+ \(relative"):
        W = train_linear_student(X, X @ hot.T)
    W_hat = linear_distillation_solution(X, hot)
    assert np.linalg.norm(W - W_hat) / np.linalg.norm(W_hat) > 0.9  # the gap the warning reports is real
    assert top1_agreement(X @ hot.T, X @ W.T) == 1.0  # ... although every prediction agrees


def test_train_linear_student_is_silent_when_it_reaches_the_closed_form():
    rng = np.random.default_rng(10)
    X, W_star = rng.standard_normal((20, 5)), rng.standard_normal((3, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        W = train_linear_student(X, X @ W_star.T)
        train_linear_student(X, rng.standard_normal((20, 3)))  # logits no linear teacher produces
    np.testing.assert_allclose(W, linear_distillation_solution(X, W_star), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("control", [5, "slider", None, ipywidgets.VBox()], ids=["5", "str", "None", "VBox"])
def test_explorer_names_controls_that_are_not_widgets_with_a_value(control):
    with pytest.raises(TypeError, match=r"^controls\['a'\] must be an ipywidgets control with a value, got "):
        explorer(lambda a: None, {"a": control})


def test_explorer_still_wires_a_slider():
    def draw(a):
        figure = plt.figure()
        plt.close(figure)
        return figure

    box = explorer(draw, {"a": ipywidgets.IntSlider(value=2)})
    assert box.last_values == {"a": 2}


# --- Issue 22: flip_sign_if_needed warns when neither sign satisfies (12). ---


def _start(direction_orthogonal_to_gradient: bool, norm: float):
    rng = np.random.default_rng(11)
    X, w_star = rng.standard_normal((8, 12)), rng.standard_normal(12)
    g = loss_gradient(np.zeros(12), X, soft_labels(X, w_star))
    u = rng.standard_normal(12)
    if direction_orthogonal_to_gradient:  # by convexity both signs then have L^1 >= L^1(0)
        u -= (u @ g) / (g @ g) * g
    else:
        u = -g
    return balanced_initialization(12, 2, norm=norm, hidden_width=3, seed=0, direction=u), X, w_star


def test_flip_sign_if_needed_warns_with_both_losses_and_the_origin_when_neither_sign_works():
    factors, X, w_star = _start(True, 0.5)
    y = soft_labels(X, w_star)
    w0 = end_to_end(factors)
    expected = [normalized_cross_entropy(s * w0, X, y) for s in (1.0, -1.0, 0.0)]
    with pytest.warns(InitialConditionWarning) as caught:
        chosen = flip_sign_if_needed(factors, X, w_star)
    assert len(caught) == 1 and issubclass(InitialConditionWarning, UserWarning)
    assert not issubclass(InitialConditionWarning, RuntimeWarning)  # pytest turns RuntimeWarning into errors
    message = str(caught[0].message)
    for label, value in zip(("L^1(w(0))", "L^1(-w(0))", "L^1(0)"), expected, strict=True):
        assert f"{label} = {value:.6g}" in message
    assert expected[0] >= expected[2] and expected[1] >= expected[2]
    assert normalized_cross_entropy(end_to_end(chosen), X, y) == min(expected[:2])
    with pytest.raises(ValueError, match=r"L\^1\(-w\(0\)\) = "):
        flip_sign_if_needed(factors, X, w_star, strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert flip_sign_if_needed(factors, X, w_star, return_flag=True)[1] is False  # the caller checks the flag


@pytest.mark.parametrize("flip", [False, True])
def test_flip_sign_if_needed_is_silent_when_a_sign_works(flip):
    factors, X, w_star = _start(False, 1e-3)
    if flip:
        factors = flip_sign(factors)  # the bad sign: the function flips it back, silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chosen, satisfied = flip_sign_if_needed(factors, X, w_star, return_flag=True)
        assert flip_sign_if_needed(factors, X, w_star) is not None
    assert satisfied
    y = soft_labels(X, w_star)
    assert normalized_cross_entropy(end_to_end(chosen), X, y) < normalized_cross_entropy(np.zeros(12), X, y)


def test_train_student_does_not_warn_for_a_start_no_sign_repairs():
    """Sweeps over init_scale go past (12) on purpose; train_student keeps the lower-loss sign silently."""
    rng = np.random.default_rng(12)
    X, w_star = rng.standard_normal((6, 10)), rng.standard_normal(10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        student = train_student(X, w_star, 2, steps=2, init_scale=30.0, seed=1, hidden_width=3)
    conditions = check_initial_conditions(student.initial_factors, X, w_star, 0.1)
    assert not conditions.better_than_origin and not conditions.flip_repairs  # the case in question


def test_linear_features_names_x_or_fit_rows_when_pca_has_nothing_to_fit():
    X = np.random.default_rng(13).standard_normal((6, 4))
    with pytest.raises(ValueError, match=r"^X must vary across the rows PCA is fitted on"):
        linear_features(np.zeros((6, 4)), n_components=2)
    with pytest.raises(ValueError, match=r"^fit_rows must select at least max\(n_components, 2\) = 2 rows of X, got 0"):
        linear_features(X, n_components=2, fit_rows=[])
    assert linear_features(X, n_components=2, fit_rows=[0, 1, 2]).shape == (6, 3)
