import numpy as np
import pytest

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
    from kdbook._validation import as_data_matrix

    with pytest.raises(TypeError, match=message):
        as_data_matrix(bad, "X")


def test_lists_views_and_tensors_are_legitimate_arrays():
    import torch

    from kdbook._validation import as_data_matrix
    from kdbook.students import train_student

    X = np.random.default_rng(0).standard_normal((6, 4))
    w_star = np.array([1.0, -0.5, 0.25, 2.0])
    reversed_view = X[::-1]
    checked = as_data_matrix(reversed_view, "X")
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
