"""Declarative parameter validation for every public function.

Each public function declares, once, what every parameter may be::

    @validate_params(X=Array("n", "d"), w_star=Array("d", nonzero=True),
                     steps=Integer(1), seed=Seed())
    def train(X, w_star, *, steps=100, seed=0): ...

The decorator checks and converts the arguments at the public boundary (lists
and views become contiguous float64 arrays, seeds become generators), checks
that axes sharing a name (``"d"`` above) agree, and raises ``ValueError`` or
``TypeError`` naming the caller's parameter and its allowed range. The body
then trusts its inputs. A public function called from inside another one is
not checked again, its inputs come from already validated code, so a single
``train_student`` call validates ``X`` once, not eight times; it still gets
the cheap conversions (lists to float64 arrays, int seeds to generators), so
inner code may pass what a reader may.

Modelled on scikit-learn's ``validate_params``/``Interval``; the spec classes
are small because the book's parameters are few kinds: arrays with named axes,
numbers in intervals, seeds, flags, choices and instances.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import numbers
import threading
from collections.abc import Callable

import numpy as np

from ._validation import as_float_array, as_generator

__all__ = [
    "Array",
    "ArrayList",
    "Integer",
    "Real",
    "Seed",
    "Boolean",
    "Options",
    "OptionList",
    "Instance",
    "Function",
    "Anything",
    "validate_params",
    "callback_boundary",
    "validate_forwarded",
    "declared_params",
]

_state = threading.local()


class Spec:
    """What one parameter may be. ``optional`` specs also accept ``None``."""

    optional = False

    def check(self, value, name: str, dims: dict):
        """Return the converted value, or raise naming ``name``."""
        raise NotImplementedError

    def __call__(self, value, name: str, dims: dict | None = None):
        if value is None and self.optional:
            return None
        if value is None:
            raise TypeError(f"{name} must be {self.describe()}, got None")
        return self.check(value, name, {} if dims is None else dims)

    def describe(self) -> str:
        raise NotImplementedError

    def trusted(self, value):
        """The cheap conversion a call from inside the package still gets (no checks)."""
        return value


def _number(value) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _interval(low, high, low_open: bool, high_open: bool) -> str:
    left = "(" if low is None or low_open else "["
    right = ")" if high is None or high_open else "]"
    return f"{left}{'-inf' if low is None else _number(low)}, {'inf' if high is None else _number(high)}{right}"


def _check_range(value, name: str, low, high, low_open: bool, high_open: bool) -> None:
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if not (below or above):
        return
    if high is None:
        allowed = f"> {_number(low)}" if low_open else f">= {_number(low)}"
    elif low is None:
        allowed = f"< {_number(high)}" if high_open else f"<= {_number(high)}"
    else:
        allowed = f"in {_interval(low, high, low_open, high_open)}"
    raise ValueError(f"{name} must be {allowed}, got {value}")


class Integer(Spec):
    """An integer (not a bool) in ``[low, high]``; either bound optional."""

    def __init__(self, low: int | None = None, high: int | None = None, *, optional: bool = False):
        self.low, self.high, self.optional = low, high, optional

    def describe(self) -> str:
        return f"an integer in {_interval(self.low, self.high, False, False)}"

    def trusted(self, value):
        return int(value) if isinstance(value, np.integer) else value

    def check(self, value, name, dims):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
        value = int(value)
        _check_range(value, name, self.low, self.high, False, False)
        return value


class Real(Spec):
    """A finite real number (not a bool) in an interval, returned as ``float``."""

    def __init__(
        self,
        low: float | None = None,
        high: float | None = None,
        *,
        low_open: bool = False,
        high_open: bool = False,
        optional: bool = False,
    ):
        self.low, self.high, self.optional = low, high, optional
        self.low_open, self.high_open = low_open, high_open

    def describe(self) -> str:
        return f"a real number in {_interval(self.low, self.high, self.low_open, self.high_open)}"

    def trusted(self, value):
        return float(value) if isinstance(value, numbers.Real) and type(value) is not float else value

    def check(self, value, name, dims):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}")
        _check_range(value, name, self.low, self.high, self.low_open, self.high_open)
        return value


class Array(Spec):
    """A finite float64 array whose axes are named, e.g. ``Array("n", "d")``.

    Axis entries are names (axes with the same name must agree across the
    parameters of one call), ints (a fixed length) or ``None`` (free).
    ``Array(...)`` accepts any shape, scalars included. ``low``/``high`` bound
    every entry; ``nonzero`` refuses an all-zero array (a teacher or a
    direction); ``increasing`` asks for strictly increasing 1-D values;
    ``integer`` asks for whole numbers (sizes, labels) and returns ``int64``.
    """

    def __init__(
        self,
        *axes,
        nonzero: bool = False,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
        high_open: bool = False,
        increasing: bool = False,
        integer: bool = False,
        optional: bool = False,
    ):
        self.axes = None if axes == (Ellipsis,) else axes
        self.nonzero, self.increasing, self.optional = nonzero, increasing, optional
        self.integer = integer
        self.low, self.high, self.low_open, self.high_open = low, high, low_open, high_open

    def shape_text(self) -> str:
        if self.axes is None:
            return "any shape"
        inner = ", ".join("?" if a is None else str(a) for a in self.axes)
        return f"({inner},)" if len(self.axes) == 1 else f"({inner})"

    def describe(self) -> str:
        return f"an array of shape {self.shape_text()}"

    def trusted(self, value):
        if value is None:
            return None
        dtype = np.int64 if self.integer else np.float64
        if isinstance(value, np.ndarray) and value.dtype == dtype and value.flags.c_contiguous:
            return value
        return np.asarray(value, dtype=dtype, order="C")

    def check(self, value, name, dims):
        array = as_float_array(value, name)
        if self.axes is not None:
            if array.ndim != len(self.axes):
                raise ValueError(f"{name} must have shape {self.shape_text()}, got shape {array.shape}")
            for axis, (label, size) in enumerate(zip(self.axes, array.shape, strict=True)):
                _check_axis(name, axis, label, size, array.shape, dims)
        if self.nonzero and not np.any(array):
            raise ValueError(f"{name} must be non-zero, got all zeros")
        if self.low is not None or self.high is not None:
            for extreme in (array.min(), array.max()):
                bounds = (self.low, self.high, self.low_open, self.high_open)
                _check_range(float(extreme), f"every entry of {name}", *bounds)
        if self.increasing and np.any(np.diff(array.ravel()) <= 0):
            raise ValueError(f"{name} must be strictly increasing")
        if self.integer:
            if np.any(array != np.round(array)) or np.any(np.abs(array) > 2**53):
                raise ValueError(f"{name} must hold whole numbers, got {array.ravel()[:5]}")
            return array.astype(np.int64)
        return array


def _check_axis(name: str, axis: int, label, size: int, shape: tuple, dims: dict) -> None:
    if label is None:
        return
    if isinstance(label, int):
        if size != label:
            raise ValueError(f"{name} must have {label} entries along axis {axis}, got shape {shape}")
        return
    if label not in dims:
        dims[label] = (size, name, shape)
        return
    expected, owner, owner_shape = dims[label]
    if size != expected:
        hint = ""
        # The paper's (d, n) layout is the likely mistake for a data matrix (2-D, not a stack).
        if label == "d" and len(owner_shape) == 2 and owner_shape[-2] == size:
            hint = f" (samples are rows: pass {owner}.T if it is in the paper's d x n layout)"
        elif label == "d" and len(shape) == 2 and shape[-2] == expected:
            hint = f" (samples are rows: pass {name}.T if it is in the paper's d x n layout)"
        raise ValueError(
            f"{name} has {label} = {size} along axis {axis} (shape {shape}), "
            f"but {owner} has {label} = {expected}{hint}"
        )


class ArrayList(Spec):
    """A non-empty list or tuple of finite float arrays with ``ndim`` axes each (factors of a chain).

    How the elements fit together (a chain of matrix products, say) involves
    several of them, so the function body checks it.
    """

    def __init__(self, ndim: int, *, optional: bool = False):
        self.ndim, self.optional = ndim, optional

    def describe(self) -> str:
        return f"a non-empty list of {self.ndim}-D arrays"

    def trusted(self, value):
        return None if value is None else [np.asarray(item, dtype=np.float64, order="C") for item in value]

    def check(self, value, name, dims):
        if isinstance(value, np.ndarray) or not isinstance(value, (list, tuple)):
            raise TypeError(f"{name} must be {self.describe()}, got {type(value).__name__}")
        if not value:
            raise ValueError(f"{name} must be {self.describe()}, got an empty {type(value).__name__}")
        items = [as_float_array(item, f"{name}[{j}]") for j, item in enumerate(value)]
        for j, item in enumerate(items):
            if item.ndim != self.ndim:
                raise ValueError(f"{name}[{j}] must have {self.ndim} axes, got shape {item.shape}")
        return items


class Seed(Spec):
    """A non-negative int seed or a ``numpy.random.Generator``; ``None`` refused.

    The body gets a Generator. With ``keep_int=True`` it gets an int instead
    (a Generator gives one int drawn from it), for code that uses the seed as
    a number: a cache key, or sub-seeds such as ``seed + 1``.
    """

    def __init__(self, *, keep_int: bool = False):
        self.keep_int = keep_int

    def describe(self) -> str:
        return "an int seed >= 0 or a numpy.random.Generator"

    def trusted(self, value):
        return self(value, "seed")

    def check(self, value, name, dims):
        generator = as_generator(value, name)
        if not self.keep_int:
            return generator
        return int(value) if generator is not value else int(generator.integers(2**63))


class Boolean(Spec):
    """``True`` or ``False`` (numpy bools too); not 0/1 and not strings."""

    def __init__(self, *, optional: bool = False):
        self.optional = optional

    def describe(self) -> str:
        return "True or False"

    def check(self, value, name, dims):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
        return bool(value)


def _is_choice(value, choices: tuple) -> bool:
    """Equal to one of ``choices`` and of its type (so ``1`` is not ``True`` and ``1.0`` is not ``"1"``)."""
    return any(value == c and type(value) is type(c) for c in choices)


class Options(Spec):
    """One of a fixed set of values (usually strings)."""

    def __init__(self, *choices, optional: bool = False):
        self.choices, self.optional = choices, optional

    def describe(self) -> str:
        return "one of " + ", ".join(repr(c) for c in self.choices)

    def check(self, value, name, dims):
        if not _is_choice(value, self.choices):
            raise ValueError(f"{name} must be {self.describe()}, got {value!r}")
        return value


class OptionList(Spec):
    """A non-empty list or tuple of values, each one of ``choices``; returned as a tuple."""

    def __init__(self, *choices, optional: bool = False):
        self.choices, self.optional = choices, optional

    def describe(self) -> str:
        return "a non-empty list of " + ", ".join(repr(c) for c in self.choices)

    def check(self, value, name, dims):
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise TypeError(f"{name} must be {self.describe()}, got {type(value).__name__}")
        if not value:
            raise ValueError(f"{name} must be {self.describe()}, got an empty {type(value).__name__}")
        for item in value:
            if not _is_choice(item, self.choices):
                raise ValueError(f"{name} must be {self.describe()}, got {item!r} in it")
        return tuple(value)


class Instance(Spec):
    """An instance of one of ``types`` (returned unchanged)."""

    def __init__(self, *types, optional: bool = False):
        self.types, self.optional = types, optional

    def describe(self) -> str:
        return "an instance of " + " or ".join(t.__name__ for t in self.types)

    def check(self, value, name, dims):
        if isinstance(value, bool) and bool not in self.types:
            raise TypeError(f"{name} must be {self.describe()}, got bool")
        if not isinstance(value, self.types):
            raise TypeError(f"{name} must be {self.describe()}, got {type(value).__name__}")
        return value


class Function(Spec):
    """Any callable (returned unchanged)."""

    def __init__(self, *, optional: bool = False):
        self.optional = optional

    def describe(self) -> str:
        return "a callable"

    def check(self, value, name, dims):
        if not callable(value):
            raise TypeError(f"{name} must be a callable, got {type(value).__name__}")
        return value


class Anything(Spec):
    """No constraint, said out loud (e.g. the value :func:`kdbook.book.glue` stores)."""

    optional = True

    def describe(self) -> str:
        return "any value"

    def check(self, value, name, dims):
        return value


def validate_params(**specs: Spec) -> Callable:
    """Declare every parameter's constraint; validate at the public boundary only.

    Raises ``TypeError`` at import time if a parameter of the decorated
    function has no declaration, so a new parameter cannot slip in unchecked.
    """

    def decorate(func):
        signature = inspect.signature(func)
        free = {
            name
            for name, p in signature.parameters.items()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        }
        if free != set(specs):
            raise TypeError(
                f"{func.__qualname__}: declare every parameter; missing {sorted(free - set(specs))}, "
                f"unknown {sorted(set(specs) - free)}"
            )

        seeds = [name for name, spec in specs.items() if isinstance(spec, Seed)]
        converts = any(type(spec).trusted is not Spec.trusted for spec in specs.values())
        positional = [
            specs[name].trusted
            for name, p in signature.parameters.items()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]

        def trusted_call(args, kwargs):
            """A call from validated code: no checks, only the cheap conversions bodies rely on
            (lists and other dtypes to contiguous float64 arrays, numpy scalars to Python numbers,
            int seeds to generators), so inner code may pass what a reader may pass."""
            if seeds:  # a seed left at its default must still become a generator: bind
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                for name, value in bound.arguments.items():
                    if name in specs:
                        bound.arguments[name] = specs[name].trusted(value)
                return func(*bound.args, **bound.kwargs)
            if not converts:
                return func(*args, **kwargs)
            args = [positional[i](a) if i < len(positional) else a for i, a in enumerate(args)]
            kwargs = {k: specs[k].trusted(v) if k in specs else v for k, v in kwargs.items()}
            return func(*args, **kwargs)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if getattr(_state, "depth", 0):
                return trusted_call(args, kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            dims: dict = {}
            for name, spec in specs.items():
                bound.arguments[name] = spec(bound.arguments[name], name, dims)
            _state.depth = 1
            try:
                return func(*bound.args, **bound.kwargs)
            finally:
                _state.depth = 0

        wrapper.__kdbook_params__ = dict(specs)
        return wrapper

    return decorate


@contextlib.contextmanager
def callback_boundary():
    """Validate public calls made inside this block as calls from outside the package.

    For callbacks whose arguments come from a reader, not from validated code:
    the ``draw`` functions that an explorable calls with the values of its
    grid or sliders.
    """
    depth = getattr(_state, "depth", 0)
    _state.depth = 0
    try:
        yield
    finally:
        _state.depth = depth


def validate_forwarded(func, arguments: dict, dims: dict | None = None) -> dict:
    """Keyword arguments a function passes on to the public ``func``, checked against its declarations.

    A public function called from inside another is not validated again, so
    a function that passes ``**kwargs`` on checks them here, at its own
    boundary, with ``func``'s specs (``dims`` ties their axes to arrays already
    checked). Seeds are checked but forwarded unchanged: a seed that several
    runs share must start every run afresh, not continue one generator.
    """
    specs = declared_params(func)
    dims = {} if dims is None else dims
    checked = {}
    for name, value in arguments.items():
        if name not in specs:
            raise TypeError(f"{func.__name__}() got an unexpected keyword argument {name!r}")
        spec = specs[name]
        converted = spec(value, name, dims)
        checked[name] = value if isinstance(spec, Seed) else converted
    return checked


def declared_params(func) -> dict[str, Spec] | None:
    """The constraints a public function declared, or ``None`` if it has none."""
    return getattr(func, "__kdbook_params__", None)
