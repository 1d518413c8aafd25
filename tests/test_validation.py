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
