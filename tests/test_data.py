import numpy as np
import pytest
from sklearn.datasets import load_digits

from kdbook.data import DigitsSplit, load_digits_split


def test_split_sizes_partition_the_data_and_are_stratified():
    split = load_digits_split(seed=0)
    assert isinstance(split, DigitsSplit)
    n_total = split.X_train.shape[0] + split.X_distill.shape[0] + split.X_test.shape[0]
    assert n_total == 1797
    assert abs(split.X_train.shape[0] - 0.4 * 1797) <= 1
    assert abs(split.X_distill.shape[0] - 0.3 * 1797) <= 1
    for X, y in ((split.X_train, split.y_train), (split.X_distill, split.y_distill), (split.X_test, split.y_test)):
        assert X.shape == (y.shape[0], split.n_features)
        counts = np.bincount(y, minlength=10)
        assert counts.min() >= 0.85 * counts.max(), "every class is represented in proportion"
    assert split.n_classes == 10 and split.classes == tuple(range(10))


def test_standardized_with_training_statistics_and_constant_pixels_dropped():
    split = load_digits_split(seed=1)
    np.testing.assert_allclose(split.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(split.X_train.std(axis=0), 1.0, atol=1e-12)
    assert split.n_features < 64 and split.features.shape == (split.n_features,)
    X_raw, _ = load_digits(return_X_y=True)
    assert np.all(X_raw.std(axis=0)[split.features] > 0)
    # the transform is recoverable: raw pixels = X * scale + mean
    assert np.all(np.isfinite(split.X_test)) and np.all(split.scale > 0)


def test_raw_pixels_without_standardization():
    split = load_digits_split(seed=0, standardize=False, drop_constant=False)
    assert split.n_features == 64
    assert split.X_train.min() == 0.0 and split.X_train.max() == 16.0


def test_same_seed_same_split_and_different_seed_different_split():
    a, b, c = load_digits_split(seed=3), load_digits_split(seed=3), load_digits_split(seed=4)
    np.testing.assert_array_equal(a.X_test, b.X_test)
    np.testing.assert_array_equal(a.y_distill, b.y_distill)
    assert a.X_test.shape != c.X_test.shape or not np.array_equal(a.X_test, c.X_test)
    rng_split = load_digits_split(seed=np.random.default_rng(3))
    assert rng_split.X_train.shape == a.X_train.shape


def test_class_subset_gives_labels_as_positions():
    split = load_digits_split(seed=0, classes=(3, 8))
    assert split.classes == (3, 8) and split.n_classes == 2
    assert set(np.unique(split.y_train)) == {0, 1}
    n_total = split.X_train.shape[0] + split.X_distill.shape[0] + split.X_test.shape[0]
    _, digits = load_digits(return_X_y=True)
    assert n_total == np.sum((digits == 3) | (digits == 8))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"seed": None}, TypeError, "seed must be an int"),
        ({"seed": -1}, ValueError, "seed must be a non-negative"),
        ({"seed": 0, "train_size": 0.0}, ValueError, "train_size must be > 0"),
        ({"seed": 0, "train_size": 1.5}, ValueError, "train_size must be <= 1"),
        ({"seed": 0, "distill_size": float("nan")}, ValueError, "distill_size must be finite"),
        ({"seed": 0, "train_size": 0.6, "distill_size": 0.4}, ValueError, "train_size \\+ distill_size must be < 1"),
        ({"seed": 0, "classes": (1,)}, ValueError, "at least 2"),
        ({"seed": 0, "classes": (1, 1)}, ValueError, "must not repeat"),
        ({"seed": 0, "classes": (1, 10)}, ValueError, "digits in \\[0, 9\\]"),
        ({"seed": 0, "classes": (1, 2.5)}, TypeError, "classes must contain integers"),
        ({"seed": 0, "classes": "01"}, TypeError, "classes must be a sequence"),
        ({"seed": 0, "standardize": "yes"}, TypeError, "standardize must be a bool"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_digits_split(**kwargs)


def test_seed_is_keyword_only():
    with pytest.raises(TypeError):
        load_digits_split(0)
