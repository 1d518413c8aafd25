import pytest

from kdbook.readable import times_ten


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (0.00153, 1, "1.5 × 10⁻³"),
        (1e-6, 1, "10⁻⁶"),
        (2.5e7, 2, "2.50 × 10⁷"),
        (-0.042, 0, "−4 × 10⁻²"),
        (0.0, 1, "0"),
        (9.96e-4, 1, "10⁻³"),
        (3.0, 1, "3.0 × 10⁰"),
    ],
)
def test_times_ten_writes_for_people(value, digits, expected):
    assert times_ten(value, digits) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_times_ten_rejects_non_finite(bad):
    with pytest.raises(ValueError, match="value"):
        times_ten(bad)


def test_times_ten_rejects_bad_digits():
    with pytest.raises((ValueError, TypeError), match="digits"):
        times_ten(1.0, digits=-1)
    with pytest.raises((ValueError, TypeError), match="value"):
        times_ten("x")


def test_for_table_is_plain_in_range_and_powers_of_ten_outside():
    import numpy as np

    from kdbook.readable import for_table

    assert for_table(0.0453) == "0.0453"
    assert for_table(1.0) == "1"
    assert for_table(-0.5) == "−0.5"
    assert for_table(9.09e-9) == "9.1 × 10⁻⁹"
    assert for_table(2.5e7) == "2.5 × 10⁷"
    assert for_table(0.0) == "0"
    assert for_table(True) == "True" and for_table(3) == "3"
    assert for_table(np.int64(1_000_000)) == "1,000,000"
    import pytest

    with pytest.raises(ValueError, match="significant"):
        for_table(1.0, significant=0)
