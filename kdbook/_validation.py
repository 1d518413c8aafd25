"""The primitive input checks behind :mod:`kdbook._params`.

Public functions declare their parameters with ``validate_params``, whose
specs call these; methods and constructors (which the decorator does not
cover) call them directly. Each raises ``ValueError`` or ``TypeError`` whose
message names the parameter and its allowed range.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_generator(rng, name: str = "rng") -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a seed or a generator.

    ``rng`` may be a non-negative int (a seed) or a ``Generator``. ``None`` is
    refused on purpose: every experiment in the book is reproducible.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, numbers.Integral):
        raise TypeError(
            f"{name} must be an int seed or a numpy.random.Generator, got {type(rng).__name__}"
        )
    if rng < 0:
        raise ValueError(f"{name} must be a non-negative seed, got {rng}")
    return np.random.default_rng(int(rng))


def as_float_array(value, name: str, ndim: int | None = None) -> np.ndarray:
    """Convert ``value`` to a finite float64 array, checking its dimensionality."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError, RuntimeError) as err:  # e.g. a torch tensor that requires grad
        raise TypeError(f"{name} must be an array of numbers: {err}") from None
    # Casting would silently drop an imaginary part or turn True into 1.0.
    if raw.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got complex values (dtype {raw.dtype})")
    if raw.dtype.kind == "b":
        raise TypeError(f"{name} must be an array of numbers, got booleans")
    try:
        # Contiguous float64: negative-stride views (X[::-1]) then pass torch.from_numpy too.
        array = np.asarray(raw, dtype=np.float64, order="C")  # ascontiguousarray would make scalars 1-D
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of numbers: {err}") from None
    if ndim is not None and array.ndim != ndim:
        shape = {1: "(d,)", 2: "(n, d)", 3: "(trials, n, d)"}.get(ndim, f"{ndim} dimensions")
        raise ValueError(f"{name} must have shape {shape}, got an array of shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite values (no nan or inf)")
    return array


def as_vector(value, name: str) -> np.ndarray:
    """A finite 1-D float array of shape ``(d,)``."""
    return as_float_array(value, name, ndim=1)


def as_int(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer in ``[minimum, maximum]`` (either bound optional)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def as_float(
    value,
    name: str,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    strict_minimum: bool = False,
) -> float:
    """A finite real number in ``[minimum, maximum]`` (``(minimum, ...`` if strict)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None:
        if strict_minimum and value <= minimum:
            raise ValueError(f"{name} must be > {minimum}, got {value}")
        if not strict_minimum and value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value
