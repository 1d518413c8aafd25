import numpy as np
import pytest

from kdbook._params import Integer
from kdbook._validation import as_float, as_generator, as_int


def test_generator_from_seed_is_reproducible():
    assert as_generator(3).standard_normal() == as_generator(3).standard_normal()
    rng = np.random.default_rng(0)
    assert as_generator(rng) is rng


@pytest.mark.parametrize("bad", [None, 1.5, "1", True])
def test_generator_refuses_non_seeds(bad):
    with pytest.raises(TypeError, match="rng must be an int seed"):
        as_generator(bad)


def test_generator_refuses_negative_seed():
    with pytest.raises(ValueError, match="non-negative"):
        as_generator(-1)


def test_int_and_float_ranges_name_the_parameter():
    assert as_int(np.int64(4), "n", minimum=1) == 4
    with pytest.raises(ValueError, match="n must be >= 1, got 0"):
        as_int(0, "n", minimum=1)
    with pytest.raises(TypeError, match="n must be an integer"):
        as_int(2.0, "n")
    with pytest.raises(ValueError, match="lr must be > 0"):
        as_float(0.0, "lr", minimum=0.0, strict_minimum=True)
    with pytest.raises(ValueError, match="gamma must be <= 1"):
        as_float(1.5, "gamma", maximum=1.0)
    with pytest.raises(ValueError, match="finite"):
        as_float(float("nan"), "x")


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.array([[1.0 + 1j, 2.0]]), "X must be real"),
        (np.array([[True, False]]), "X must be an array of numbers, got booleans"),
        ([["a", "b"]], "X must be an array of numbers"),
    ],
)
def test_arrays_refuse_complex_booleans_and_text_by_name(bad, message):
    from kdbook._validation import as_float_array

    with pytest.raises(TypeError, match=message):
        as_float_array(bad, "X")


def test_lists_views_and_tensors_are_legitimate_arrays():
    import torch

    from kdbook._validation import as_float_array
    from kdbook.students import train_student

    X = np.random.default_rng(0).standard_normal((6, 4))
    w_star = np.array([1.0, -0.5, 0.25, 2.0])
    reversed_view = X[::-1]
    checked = as_float_array(reversed_view, "X")
    assert checked.flags.c_contiguous and np.array_equal(checked, reversed_view)
    from_list = train_student(X.tolist(), w_star.tolist(), steps=3)
    from_view = train_student(reversed_view[::-1], w_star, steps=3)  # a negative-stride view of a view
    from_tensor = train_student(torch.from_numpy(X), torch.from_numpy(w_star), steps=3)
    np.testing.assert_array_equal(from_list.w, from_view.w)
    np.testing.assert_array_equal(from_list.w, from_tensor.w)
    train_student(reversed_view, w_star, steps=3)  # torch.from_numpy refuses negative strides: not here
    with pytest.raises(ValueError, match="X must contain only finite values"):
        train_student(torch.tensor([[float("nan"), 1.0, 0.0, 0.0]]), w_star, steps=3)
    with pytest.raises(TypeError, match="X must be an array of numbers"):
        train_student(torch.zeros((2, 4), requires_grad=True), w_star, steps=3)


def test_a_public_call_validates_its_arrays_once(monkeypatch):
    """Nested public calls trust their caller: one train_student call checks X once, not eight times."""
    import kdbook._params as params
    from kdbook.students import train_student

    seen = []
    original = params.as_float_array

    def counting(value, name, *args, **kwargs):
        seen.append(name)
        return original(value, name, *args, **kwargs)

    monkeypatch.setattr(params, "as_float_array", counting)
    X = np.random.default_rng(1).standard_normal((5, 8))
    w_star = np.ones(8)
    train_student(X, w_star)
    train_student(X, w_star, depth=2, steps=20)
    assert seen == ["X", "w_star", "X", "w_star"]


def test_nested_calls_still_turn_int_seeds_into_generators():
    from kdbook._params import Seed, validate_params

    @validate_params(seed=Seed())
    def inner(*, seed=0):
        return seed

    @validate_params(k=Integer(0))
    def outer(k):
        return inner(seed=k)

    assert isinstance(outer(3), np.random.Generator)
    assert outer(3).integers(1000) == np.random.default_rng(3).integers(1000)


def test_a_missing_declaration_is_an_import_time_error():
    from kdbook._params import Array, validate_params

    with pytest.raises(TypeError, match=r"declare every parameter; missing \['w'\]"):

        @validate_params(X=Array("n", "d"))
        def f(X, w):
            return X


def test_shared_axis_names_tie_shapes_and_hint_at_the_transpose():
    from kdbook._params import Array, validate_params

    @validate_params(X=Array("n", "d"), w=Array("d"))
    def f(X, w):
        return X @ w

    assert f([[1.0, 2.0]], [1.0, 1.0]) == [3.0]
    with pytest.raises(ValueError, match=r"w has d = 3 along axis 0 \(shape \(3,\)\), but X has d = 2 "
                       r"\(samples are rows: pass X.T"):
        f(np.ones((3, 2)), np.ones(3))


def test_nested_calls_still_convert_lists_and_numpy_scalars():
    """Inner code may pass what a reader may: a list reaches the inner body as a float64 array."""
    from kdbook._params import Array, Real, validate_params

    @validate_params(v=Array("k"), scale=Real(0.0))
    def inner(v, *, scale=1.0):
        return v.dtype, v.flags.c_contiguous, type(scale)

    @validate_params(k=Integer(1))
    def outer(k):
        return inner(list(range(k)), scale=np.int64(2)), inner(np.arange(2 * k)[::2])

    assert outer(3) == ((np.float64, True, float), (np.float64, True, float))


def test_the_api_reference_quotes_the_real_error():
    """reference/api.md shows the error for the paper's (d, n) layout; it must be the library's own words."""
    import pathlib
    import re

    from kdbook.students import train_student

    page = (pathlib.Path(__file__).parents[1] / "reference" / "api.md").read_text()
    block = re.search(r"```text\n>>> students\.train_student\(X\.T, w_star\).*?\n(ValueError: .*?)```", page, re.S)
    assert block, "the example block of reference/api.md moved"
    quoted = " ".join(block.group(1).split())
    X = np.random.default_rng(0).standard_normal((20, 200))
    with pytest.raises(ValueError) as caught:
        train_student(X.T, np.ones(200))
    assert quoted == f"ValueError: {caught.value}"
