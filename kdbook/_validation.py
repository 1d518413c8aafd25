"""Input checks shared by every public function.

Each check raises ``ValueError`` or ``TypeError`` whose message names the
offending parameter and the allowed range, so a reader who passes the paper's
``(d, n)`` layout by mistake learns what went wrong at once.
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


def as_nonzero_vector(value, name: str) -> np.ndarray:
    """A finite, non-zero 1-D float array (a teacher or a direction)."""
    vector = as_vector(value, name)
    if not np.any(vector):
        raise ValueError(f"{name} must be a non-zero vector")
    return vector


def as_data_matrix(value, name: str = "X", d: int | None = None) -> np.ndarray:
    """A finite 2-D float array with samples as rows, shape ``(n, d)``.

    When ``d`` is given the number of columns must match it; the message then
    hints at the transposed ``(d, n)`` layout the paper uses.
    """
    matrix = as_float_array(value, name, ndim=2)
    if d is not None and matrix.shape[1] != d:
        hint = " (samples are rows: pass X.T if X is the paper's d x n matrix)"
        raise ValueError(
            f"{name} must have d = {d} columns to match the weight vector, "
            f"got shape {matrix.shape}{hint if matrix.shape[0] == d else ''}"
        )
    return matrix


def as_data_stack(value, name: str = "X_batch", d: int | None = None) -> np.ndarray:
    """A finite 3-D float array of transfer sets, shape ``(trials, n, d)``.

    When ``d`` is given the last axis must match it (the weight vector's
    dimension).
    """
    stack = as_float_array(value, name, ndim=3)
    if d is not None and stack.shape[2] != d:
        raise ValueError(f"{name} must have d = {d} features in its last axis, got shape {stack.shape}")
    return stack


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


def check_same_dimension(vector: np.ndarray, other: np.ndarray, name: str, other_name: str) -> None:
    """Raise if two weight vectors live in different dimensions."""
    if vector.shape != other.shape:
        raise ValueError(
            f"{name} and {other_name} must have the same shape (d,), "
            f"got {vector.shape} and {other.shape}"
        )
