"""One bad-input test over every public function, in scikit-learn's common-check style.

Every function in a public module's ``__all__`` declares its parameters with
:func:`kdbook._params.validate_params`. From those declarations this file
builds a valid call (arrays whose named axes agree, numbers inside their
intervals) and then spoils one argument at a time: wrong ndim, a mismatched
``d``, empty, NaN, inf, all zeros, out of range, wrong type, ``None``. Each
spoiled call must raise ``ValueError`` or ``TypeError`` *naming the spoiled
parameter*, which fails if the function checks the wrong thing, checks
nothing, or reports an inner helper's name. No function body runs: the
checks come first, so the whole battery takes seconds.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pytest

import kdbook
from kdbook._params import (
    Anything,
    Array,
    ArrayList,
    Boolean,
    Function,
    Instance,
    Integer,
    OptionList,
    Options,
    Real,
    Seed,
    declared_params,
)
from kdbook._params_torch import Model, Tensor

#: Axis lengths for the valid call; distinct, so a swapped axis is noticed.
AXIS_SIZES = {"d": 3, "n": 5, "trials": 2, "m": 6, "k": 4, "classes": 2}


def _public_modules():
    names = ["kdbook"] + [
        info.name
        for info in pkgutil.walk_packages(kdbook.__path__, "kdbook.")
        if not any(part.startswith("_") for part in info.name.split("."))
    ]
    return [importlib.import_module(name) for name in sorted(names)]


def _public_objects():
    seen, found = set(), []
    for module in _public_modules():
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if callable(obj) and id(obj) not in seen:
                seen.add(id(obj))
                found.append((f"{obj.__module__}.{name}", obj))
    return found


PUBLIC = _public_objects()
FUNCTIONS = [(label, obj) for label, obj in PUBLIC if not inspect.isclass(obj)]


def test_the_walk_finds_the_library():
    assert len(FUNCTIONS) > 150
    assert any(label.endswith(".train_student") for label, _ in FUNCTIONS)


@pytest.mark.parametrize("label, func", FUNCTIONS, ids=[label for label, _ in FUNCTIONS])
def test_every_public_function_declares_every_parameter(label, func):
    assert declared_params(func) is not None, f"{label} has no @validate_params declaration"


@pytest.mark.parametrize("label, func", FUNCTIONS, ids=[label for label, _ in FUNCTIONS])
def test_declared_defaults_are_valid(label, func):
    specs = declared_params(func) or {}
    for name, param in inspect.signature(func).parameters.items():
        if param.default is not inspect.Parameter.empty and name in specs:
            specs[name](param.default, name, {})


#: Parameters that are a teacher or a direction: all zeros has no angle and no decision boundary.
NONZERO_NAMES = {"w_star", "w_direction", "direction", "u", "v"}


def test_teachers_and_directions_refuse_all_zeros():
    """The battery spoils only what a declaration states; this keeps the central constraint stated."""
    loose = [
        f"{label}({name})"
        for label, func in FUNCTIONS
        for name, spec in (declared_params(func) or {}).items()
        if name in NONZERO_NAMES and isinstance(spec, Array) and not spec.nonzero
    ]
    assert not loose, f"declare these nonzero=True: {loose}"


def _instance_example(types):
    import matplotlib.pyplot as plt
    import torch

    from kdbook.fidelity import make_mlp
    from kdbook.tasks import isotropic_gaussian_task

    for kind in types:
        if kind is Mapping or kind is dict:
            return {}
        if kind is str:
            return "text"
        if kind is pd.DataFrame:
            return pd.DataFrame({"x": [1.0]})
        if issubclass(kind, torch.Tensor):
            return torch.zeros(AXIS_SIZES["n"], AXIS_SIZES["d"], dtype=torch.float64)
        if issubclass(kind, torch.nn.Module):
            return make_mlp(AXIS_SIZES["d"], AXIS_SIZES["classes"], seed=0)
        if kind.__name__ == "TransferTask":
            return isotropic_gaussian_task(AXIS_SIZES["d"], seed=0)
        if kind.__name__ in ("Axes", "Figure"):
            fig, ax = plt.subplots()
            plt.close(fig)
            return ax if kind.__name__ == "Axes" else fig
        if kind in (tuple, list):
            return kind()
        if kind.__module__.startswith("ipywidgets"):
            import ipywidgets

            return ipywidgets.IntProgress()
        # Helpers: add examples for further types here, one clause each.
        if kind.__name__ == "DistillationRun":
            return kind(student=make_mlp(AXIS_SIZES["d"], AXIS_SIZES["classes"], seed=0), history=pd.DataFrame())
        if kind.__module__ == "numbers":  # numbers.Real, numbers.Integral, ...
            return 1
        if kind is Iterable:  # the members of an Ensemble
            return [make_mlp(AXIS_SIZES["d"], AXIS_SIZES["classes"], seed=0)]
    raise AssertionError(f"add an example instance of {types} to tests/test_common_params.py")


def _midpoint(low, high):
    if low is not None and high is not None:
        return (low + high) / 2
    if low is not None:
        return low + 1
    if high is not None:
        return high - 1
    return 0.5


def _shape(axes):
    return tuple(AXIS_SIZES.get(a, 4) if isinstance(a, str) else (4 if a is None else a) for a in axes)


def _valid(spec, rng):
    if isinstance(spec, Tensor):
        import torch

        shape = (AXIS_SIZES["n"], AXIS_SIZES["d"]) if spec.axes is None else _shape(spec.axes)
        return torch.from_numpy(rng.standard_normal(shape))
    if isinstance(spec, Model):
        from kdbook.fidelity import make_mlp

        return make_mlp(AXIS_SIZES[spec.axis], AXIS_SIZES["classes"], hidden=(4,), seed=0)
    if isinstance(spec, Array):
        shape = _shape((AXIS_SIZES["n"],) if spec.axes is None else spec.axes)
        if spec.low is not None or spec.high is not None:
            low = spec.low if spec.low is not None else spec.high - 2
            high = spec.high if spec.high is not None else spec.low + 2
            values = rng.uniform(low + 0.25 * (high - low), high - 0.25 * (high - low), size=shape)
        else:
            values = rng.standard_normal(shape)
        if spec.integer:
            values = np.round(values) if spec.low is None else np.ceil(values)
        if spec.increasing:
            values = np.sort(values.ravel()).reshape(shape)
            if spec.integer:
                values = values + np.arange(values.size).reshape(shape)
        return values
    if isinstance(spec, ArrayList):
        # The shortest chain: one factor, the (1, d) row of a shallow student.
        return [rng.standard_normal((1, AXIS_SIZES["d"]) if spec.ndim == 2 else (AXIS_SIZES["d"],) * spec.ndim)]
    if isinstance(spec, Integer):
        value = 1 if spec.low is None else max(spec.low, 1)
        return value if spec.high is None else min(value, spec.high)
    if isinstance(spec, Real):
        return _midpoint(spec.low, spec.high)
    if isinstance(spec, Seed):
        return 0
    if isinstance(spec, Boolean):
        return False
    if isinstance(spec, Options):
        return spec.choices[0]
    if isinstance(spec, OptionList):
        return [spec.choices[0]]
    if isinstance(spec, Instance):
        return _instance_example(spec.types)
    if isinstance(spec, Function):
        return lambda *args, **kwargs: None
    if isinstance(spec, Anything):
        return 0
    raise AssertionError(f"no valid example for {spec!r}")


def _bad_arrays(spec, name, valid, specs):
    yield "a string", "not an array"
    yield "complex", valid.astype(complex) + 1j
    yield "booleans", np.ones(valid.shape, dtype=bool)
    yield "nan", np.where(np.arange(valid.size).reshape(valid.shape) == 0, np.nan, valid)
    yield "inf", np.where(np.arange(valid.size).reshape(valid.shape) == 0, np.inf, valid)
    if spec.axes is None:
        yield "empty", np.zeros((0,))
        return
    yield "one more axis", valid[..., None]
    yield "empty", np.zeros((0,) + valid.shape[1:])
    if valid.ndim > 1:
        yield "one axis fewer", valid[0]
    else:
        yield "a scalar", float(valid[0])
    for axis, label in enumerate(spec.axes):
        if isinstance(label, str) and _shares_axis(label, name, specs):
            grown = np.concatenate([valid, np.take(valid, [0], axis=axis)], axis=axis)
            yield f"mismatched {label}", grown
    if spec.nonzero:
        yield "all zeros", np.zeros(valid.shape)
    if spec.low is not None:
        yield "below its range", np.full(valid.shape, spec.low - 1.0)
    if spec.high is not None:
        yield "above its range", np.full(valid.shape, spec.high + 1.0)
    if spec.increasing and valid.size > 1:
        yield "not increasing", valid[::-1].copy()
    if spec.integer:
        yield "fractions", valid + 0.5


def _shares_axis(label, name, specs) -> bool:
    """Whether another parameter's declaration has the axis ``label`` (so a mismatch can be noticed)."""
    return any(
        (isinstance(other, (Array, Tensor)) and other.axes and label in other.axes)
        or (isinstance(other, Model) and other.axis == label)
        for other_name, other in specs.items()
        if other_name != name
    )


def _bad_tensors(spec, name, valid, specs):
    """Torch inputs: not a tensor, a dtype that is not floating point, a bad shape, nan and inf."""
    import torch

    yield "a numpy array, not a tensor", valid.numpy()
    yield "integers", valid.round().to(torch.int64)
    yield "booleans", valid > 0
    yield "complex", valid.to(torch.complex128)
    first = torch.arange(valid.numel()).reshape(valid.shape) == 0
    yield "nan", torch.where(first, torch.tensor(float("nan"), dtype=valid.dtype), valid)
    yield "inf", torch.where(first, torch.tensor(float("inf"), dtype=valid.dtype), valid)
    yield "empty", valid[:0]
    if spec.axes is None:
        return
    yield "one more axis", valid[..., None]
    yield "one axis fewer", valid[0]
    for axis, label in enumerate(spec.axes):
        if isinstance(label, str) and _shares_axis(label, name, specs):
            yield f"mismatched {label}", torch.cat([valid, valid.narrow(axis, 0, 1)], dim=axis)


def _bad_values(spec, name, valid, specs):
    if not spec.optional and not isinstance(spec, Anything):
        yield "None", None
    if isinstance(spec, Tensor):
        yield from _bad_tensors(spec, name, valid, specs)
    elif isinstance(spec, Model):
        from kdbook.fidelity import make_mlp

        yield "a number", 3
        if _shares_axis(spec.axis, name, specs):
            yield f"a model of another {spec.axis}", make_mlp(AXIS_SIZES[spec.axis] + 1, AXIS_SIZES["classes"], seed=0)
    elif isinstance(spec, Array):
        yield from _bad_arrays(spec, name, valid, specs)
    elif isinstance(spec, (Integer, Real)):
        yield "a string", "1"
        yield "a bool", True
        if isinstance(spec, Integer):
            yield "a fraction", 1.5
        else:
            yield "nan", float("nan")
            yield "inf", float("inf")
        if spec.low is not None:
            yield "below its range", spec.low - 1
            if getattr(spec, "low_open", False):
                yield "at its open end", spec.low
        if spec.high is not None:
            yield "above its range", spec.high + 1
            if getattr(spec, "high_open", False):
                yield "at its open end", spec.high
    elif isinstance(spec, Seed):
        yield "negative", -1
        yield "a fraction", 1.5
        yield "a string", "0"
    elif isinstance(spec, Boolean):
        yield "an int", 1
        yield "a string", "yes"
    elif isinstance(spec, Options):
        yield "not an option", "no-such-option"
    elif isinstance(spec, ArrayList):
        yield "an array, not a list", np.asarray(valid)
        yield "a string", "not a list"
        yield "empty", []
        yield "an element with nan", [np.full_like(valid[0], np.nan)]
        yield "an element with the wrong ndim", [valid[0][..., None]]
        yield "an element of strings", [np.array([["a"]])]
    elif isinstance(spec, OptionList):
        yield "a bare string", "no-such-option"
        yield "empty", []
        yield "with a bad option", [spec.choices[0], "no-such-option"]
    elif isinstance(spec, Instance):
        yield "a plain object", object()
    elif isinstance(spec, Function):
        yield "a number", 3


def _cases():
    cases = []
    for label, func in FUNCTIONS:
        specs = declared_params(func) or {}
        rng = np.random.default_rng(0)
        valid = {name: _valid(spec, rng) for name, spec in specs.items()}
        for name, spec in specs.items():
            for what, bad in _bad_values(spec, name, valid[name], specs):
                cases.append(pytest.param(func, valid, name, bad, id=f"{label}-{name}-{what}"))
    return cases


@pytest.mark.parametrize("func, valid, name, bad", _cases())
def test_bad_input_raises_an_error_naming_the_parameter(func, valid, name, bad):
    failure = _spoil_failure(func, valid, name, bad)
    assert failure is None, failure


def _call(func, arguments):
    arguments = dict(arguments)
    positional = [
        p.name
        for p in inspect.signature(func).parameters.values()
        if p.kind is inspect.Parameter.POSITIONAL_ONLY
    ]
    args = [arguments.pop(p) for p in positional]
    return func(*args, **arguments)


def _spoil_failure(func, valid, name, bad) -> str | None:
    """Why ``func`` with ``name`` spoiled is not refused by a ValueError/TypeError naming ``name`` (None if it is)."""
    try:
        _call(func, dict(valid, **{name: bad}))
    except (ValueError, TypeError) as error:
        if re.search(rf"\b{re.escape(name)}\b", str(error)):
            return None
        return f"the error does not name {name!r}: {error}"
    except Exception as error:  # noqa: BLE001 - a crash instead of a named refusal is the finding
        return f"{type(error).__name__} instead of a named refusal: {error}"
    return f"{name} spoiled was accepted"


def test_the_valid_call_passes_validation():
    """The battery would prove nothing if the valid call itself were refused."""
    for _label, func in FUNCTIONS:
        specs = declared_params(func) or {}
        rng = np.random.default_rng(0)
        dims: dict = {}
        for name, spec in specs.items():
            spec(_valid(spec, rng), name, dims)



# --- Public classes: their declared methods (__init__, forward) face the same battery. ---

def _example_ensemble():
    from kdbook.fidelity import Ensemble

    return Ensemble(_instance_example((Iterable,)))


#: An example instance of each public class with declared methods (besides __init__).
CLASS_EXAMPLES = {"MLP": lambda: _instance_example((Iterable,))[0], "Ensemble": _example_ensemble}


def _declared_methods():
    found = []
    for label, cls in PUBLIC:
        if not inspect.isclass(cls):
            continue
        for attribute, member in vars(cls).items():
            if declared_params(member) is not None:
                found.append((f"{label}.{attribute}", cls, attribute))
    return found


METHODS = _declared_methods()


def test_the_method_walk_finds_the_torch_models():
    assert {"kdbook.fidelity._models.MLP.forward", "kdbook.fidelity._models.Ensemble.forward",
            "kdbook.fidelity._models.Ensemble.__init__"} <= {label for label, _, _ in METHODS}


def _method_cases():
    import torch

    cases = []
    for label, cls, attribute in METHODS:
        specs = {k: v for k, v in declared_params(getattr(cls, attribute)).items() if k != "self"}
        if attribute == "__init__":
            target = cls
        else:
            assert cls.__name__ in CLASS_EXAMPLES, f"add an example {cls.__name__} to CLASS_EXAMPLES"
            target = getattr(CLASS_EXAMPLES[cls.__name__](), attribute)
        rng = np.random.default_rng(0)
        valid = {name: _valid(spec, rng) for name, spec in specs.items()}
        for name, spec in specs.items():
            bad_values = list(_bad_values(spec, name, valid[name], specs))
            if attribute == "forward":  # inputs of the model's d: one feature too many, or a 0-d tensor
                bad_values += [("one feature too many", torch.zeros(AXIS_SIZES["n"], AXIS_SIZES["d"] + 1)),
                               ("a 0-d tensor", torch.tensor(1.0))]
            for what, bad in bad_values:
                cases.append(pytest.param(target, valid, name, bad, id=f"{label}-{name}-{what}"))
    return cases


@pytest.mark.parametrize("func, valid, name, bad", _method_cases())
def test_bad_input_to_a_method_raises_an_error_naming_the_parameter(func, valid, name, bad):
    test_bad_input_raises_an_error_naming_the_parameter(func, valid, name, bad)


def test_float32_tensors_are_cast_to_float64_not_refused():
    """The dtype half of the torch battery: float32 is accepted (cast), the other dtypes refused above."""
    import torch

    checked = 0
    for _label, func in FUNCTIONS + [(label, getattr(cls, a)) for label, cls, a in METHODS]:
        for name, spec in (declared_params(func) or {}).items():
            if isinstance(spec, Tensor):
                valid = _valid(spec, np.random.default_rng(0))
                assert spec(valid.float(), name, {}).dtype == torch.float64
                checked += 1
    assert checked >= 4
