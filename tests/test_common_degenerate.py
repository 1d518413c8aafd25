"""The common bad-input test, part 2: degenerate data run through the bodies, and planted faults.

Part 1 (``test_common_params.py``) spoils what the declarations state and
runs no body. Here every function that takes a data matrix or a teacher runs
on all-zero data and on a saturating teacher, and each check of both parts is
shown to catch the fault it exists for, by loosening a declaration or
planting a fragile body.
"""

from __future__ import annotations

import inspect
import numbers
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from test_common_params import (
    AXIS_SIZES,
    FUNCTIONS,
    METHODS,
    _bad_tensors,
    _bad_values,
    _call,
    _spoil_failure,
    _valid,
)

from kdbook._params import Array, Function, Instance, declared_params

# --- Degenerate data that passes every declaration: all-zero data matrices and saturating teachers. ---
#
# A declaration can refuse an all-zero X (``Array(..., nonzero=True)``), and the battery of part 1 then
# checks the refusal. Where a function does not refuse it, or where the trouble only shows in the
# body (a teacher so large that the soft labels saturate), the function *runs* on the degenerate
# input with the battery's small valid arguments, and must give a named refusal, or finite numbers
# (a warning of kdbook's own, with the gap reached, is allowed): no crash, no NaN, no RuntimeWarning.

#: Data matrices (samples as rows): an all-zero one carries no information.
DATA_NAMES = {"X", "X_batch", "X_distill", "X_pool", "A", "Z"}
#: Teachers and their logits: multiplied by SATURATION, the soft labels become exactly 0 or 1.
TEACHER_NAMES = {"w_star", "W_star", "teacher_logits", "theta", "Theta"}
SATURATION = 1e4


def _finite(value) -> bool:
    import dataclasses

    import torch

    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value.detach()).all())
    if isinstance(value, (numbers.Real, np.ndarray)) and not isinstance(value, (bool, np.bool_)):
        array = np.asarray(value)
        return array.dtype.kind not in "fc" or bool(np.all(np.isfinite(array)))
    if isinstance(value, pd.DataFrame):
        return bool(np.all(np.isfinite(value.select_dtypes("number").to_numpy(dtype=float))))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(_finite(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, (list, tuple)):
        return all(_finite(item) for item in value)
    return True


def _degenerate_failure(func, arguments: dict) -> str | None:
    """What goes wrong when ``func`` runs on ``arguments`` (None: a named refusal or a finite answer)."""
    import matplotlib.pyplot as plt

    # A parameter's name, or the name a caller passed for its value (check_angles(theta, name="...")).
    names = [n for n in inspect.signature(func).parameters if n != "self"]
    names += [value for value in arguments.values() if isinstance(value, str) and value.isidentifier()]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = _call(func, arguments)
        except (ValueError, TypeError) as error:
            if any(re.search(rf"\b{re.escape(n)}\b", str(error)) for n in names):
                return None
            return f"an error naming no parameter: {type(error).__name__}: {error}"
        except Exception as error:  # noqa: BLE001 - any other exception is the finding
            return f"{type(error).__name__}: {error}"
        finally:
            plt.close("all")
    foreign = [w for w in caught if not (issubclass(w.category, UserWarning) and w.category.__module__[:6] == "kdbook")]
    if foreign:
        return f"{foreign[0].category.__name__}: {foreign[0].message}"
    if not _finite(result):
        return f"non-finite numbers in the result: {result!r:.200}"
    return None


def _degenerate_cases():
    cases = []
    for label, func in FUNCTIONS:
        specs = declared_params(func) or {}
        rng = np.random.default_rng(0)
        valid = {name: _valid(spec, rng) for name, spec in specs.items()}
        for name, spec in specs.items():
            if not isinstance(spec, Array):
                continue
            if name in DATA_NAMES and spec.axes and len(spec.axes) >= 2 and not spec.nonzero:
                cases.append(pytest.param(func, dict(valid, **{name: np.zeros_like(valid[name])}),
                                          id=f"{label}-{name}-all zeros"))
            if name in TEACHER_NAMES:
                cases.append(pytest.param(func, dict(valid, **{name: SATURATION * valid[name]}),
                                          id=f"{label}-{name}-saturating"))
    return cases


@pytest.mark.parametrize("func, arguments", _degenerate_cases())
def test_degenerate_data_gets_a_named_refusal_or_a_finite_answer(func, arguments):
    failure = _degenerate_failure(func, arguments)
    assert failure is None, failure


def test_the_degenerate_battery_covers_the_data_and_teachers_of_the_library():
    ids = {case.id for case in _degenerate_cases()}
    assert "kdbook.students._convexity.strong_convexity_bound-w_star-saturating" in ids
    assert "kdbook.fidelity._linear.train_linear_student-teacher_logits-saturating" in ids
    assert sum(i.endswith("all zeros") for i in ids) > 30
    assert not any(i.startswith("kdbook.students._training.default_learning_rate-X") for i in ids), (
        "an X declared nonzero is checked by the declared battery, not run"
    )


# --- Planted faults: each new check above catches the fault it is there for. ---


def _loosened(func, **specs):
    """``func``'s body under its declarations with ``specs`` replaced (a loosened declaration)."""
    from kdbook._params import validate_params

    return validate_params(**{**declared_params(func), **specs})(inspect.unwrap(func))


def test_a_loosened_zero_declaration_is_caught_by_the_degenerate_battery():
    from kdbook.deep_linear import check_initial_conditions
    from kdbook.students import default_learning_rate, strong_convexity_bound

    rng = np.random.default_rng(0)
    X, w_star = rng.standard_normal((5, 3)), rng.standard_normal(3)
    zeros = np.zeros((5, 3))
    for func, extra in ((default_learning_rate, {}), (strong_convexity_bound, {}),
                        (check_initial_conditions, {"factors": [np.ones((1, 3))], "epsilon": 0.1})):
        declared = declared_params(func)["X"]
        assert declared.nonzero and _spoil_failure(func, {"X": X, "w_star": w_star, **extra}, "X", zeros) is None
        loose = _loosened(func, X=Array("n", "d"))
        failure = _degenerate_failure(loose, {"X": zeros, "w_star": w_star, **extra})
        assert failure is not None, f"{func.__name__} with X loosened ran on all zeros without a finding"


def test_a_body_that_breaks_on_a_saturating_teacher_is_caught():
    from kdbook._params import validate_params
    from kdbook.losses import soft_labels

    @validate_params(X=Array("n", "d"), w_star=Array("d", nonzero=True))
    def certificate(X, w_star):  # the old strong_convexity_bound's fault: 1 / (1 - y) with y == 1
        y = soft_labels(X, w_star)
        return float(np.min(1.0 / (1.0 - y)))

    rng = np.random.default_rng(0)
    X, w_star = rng.standard_normal((5, 3)), rng.standard_normal(3)
    assert _degenerate_failure(certificate, {"X": X, "w_star": w_star}) is None
    assert _degenerate_failure(certificate, {"X": X, "w_star": SATURATION * w_star}) is not None


def test_a_loosened_tensor_or_model_declaration_is_caught_by_the_battery():
    import torch

    from kdbook.fidelity import distillation_loss_torch, predict_logits

    specs = declared_params(distillation_loss_torch)
    valid = {name: _valid(spec, np.random.default_rng(0)) for name, spec in specs.items()}
    loose = _loosened(distillation_loss_torch, student_logits=Instance(torch.Tensor))
    spoils = dict(_bad_tensors(specs["student_logits"], "student_logits", valid["student_logits"], specs))
    for what in ("nan", "inf", "integers", "one more axis", "mismatched n"):
        assert _spoil_failure(distillation_loss_torch, valid, "student_logits", spoils[what]) is None, what
        assert _spoil_failure(loose, valid, "student_logits", spoils[what]) is not None, what

    specs = declared_params(predict_logits)
    valid = {name: _valid(spec, np.random.default_rng(0)) for name, spec in specs.items()}
    other_d = dict(_bad_values(specs["model"], "model", valid["model"], specs))["a model of another d"]
    assert _spoil_failure(predict_logits, valid, "model", other_d) is None
    assert _spoil_failure(_loosened(predict_logits, model=Function()), valid, "model", other_d) is not None


def test_a_loosened_method_declaration_is_caught():
    import torch

    from kdbook.fidelity import make_mlp

    model = make_mlp(AXIS_SIZES["d"], 2, hidden=(4,), seed=0)
    wide = torch.zeros(AXIS_SIZES["n"], AXIS_SIZES["d"] + 1)
    assert _spoil_failure(model.forward, {}, "x", wide) is None
    assert _spoil_failure(lambda x: model.net(x), {}, "x", wide) is not None  # the undeclared forward of before


def test_torch_tensors_and_models_are_declared_as_such():
    """The torch battery spoils only Tensor and Model declarations: keep torch inputs declared with them."""
    import torch

    loose = [
        f"{label}({name})"
        for label, func in FUNCTIONS + [(label, getattr(cls, a)) for label, cls, a in METHODS]
        for name, spec in (declared_params(func) or {}).items()
        if (isinstance(spec, Instance) and any(issubclass(t, torch.Tensor) for t in spec.types))
        or (name in {"teacher", "model"} and type(spec) is Function)
    ]
    assert not loose, f"declare these with kdbook._params_torch.Tensor or Model: {loose}"
