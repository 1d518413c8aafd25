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
        ({"seed": 0, "train_size": 0.0}, ValueError, r"train_size must be in \(0, 1\), got 0.0"),
        ({"seed": 0, "train_size": 1.5}, ValueError, r"train_size must be in \(0, 1\), got 1.5"),
        ({"seed": 0, "train_size": 1.0}, ValueError, r"train_size must be in \(0, 1\), got 1.0"),
        ({"seed": 0, "distill_size": float("nan")}, ValueError, "distill_size must be finite"),
        ({"seed": 0, "train_size": 0.6, "distill_size": 0.4}, ValueError, "train_size \\+ distill_size must be < 1"),
        ({"seed": 0, "classes": (1,)}, ValueError, "at least 2"),
        ({"seed": 0, "classes": (1, 1)}, ValueError, "must not repeat"),
        ({"seed": 0, "classes": (1, 10)}, ValueError, r"every entry of classes must be in \[0, 9\], got 10"),
        ({"seed": 0, "classes": (1, 2.5)}, ValueError, "classes must hold whole numbers"),
        ({"seed": 0, "classes": "01"}, TypeError, "classes must be an array of numbers, got str"),
        ({"seed": 0, "standardize": "yes"}, TypeError, "standardize must be True or False, got str"),
        ({"seed": 0, "drop_constant": 1}, TypeError, "drop_constant must be True or False, got int"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_digits_split(**kwargs)


def test_seed_is_keyword_only_and_defaults_to_zero():
    with pytest.raises(TypeError):
        load_digits_split(0)
    np.testing.assert_array_equal(load_digits_split().X_train, load_digits_split(seed=0).X_train)


# --- load_mnist on small IDX files written here --------------------------------

import gzip  # noqa: E402

from kdbook.data import load_mnist  # noqa: E402


def idx_bytes(magic, values):
    values = np.asarray(values, dtype=np.uint8)
    header = magic.to_bytes(4, "big") + b"".join(int(n).to_bytes(4, "big") for n in values.shape)
    return header + values.tobytes()


@pytest.fixture
def mnist_like(tmp_path):
    """Six 3x4 images with labels 1, 0, 7, 1, 0, 1; pixel (i, j) of image k is 10k + 4i + j."""
    labels = np.array([1, 0, 7, 1, 0, 1])
    images = (10 * np.arange(6)[:, None, None] + np.arange(12).reshape(3, 4)).astype(np.uint8)
    images[5, 2, 3] = 255
    paths = {}
    for kind, magic, values in (("images", 2051, images), ("labels", 2049, labels)):
        raw = idx_bytes(magic, values)
        (tmp_path / f"{kind}-idx").write_bytes(raw)
        # gzip under a name without .gz: detection must use the content
        (tmp_path / f"{kind}-packed").write_bytes(gzip.compress(raw))
        paths[kind] = tmp_path / f"{kind}-idx"
        paths[kind + "_gz"] = tmp_path / f"{kind}-packed"
    return paths, images, labels


def test_load_mnist_keeps_the_digits_scales_pixels_and_labels_positions(mnist_like):
    paths, images, labels = mnist_like
    X, y = load_mnist(paths["images"], paths["labels"])
    keep = np.flatnonzero(np.isin(labels, (0, 1)))
    assert X.shape == (5, 12) and X.dtype == np.float64
    np.testing.assert_array_equal(X, images[keep].reshape(5, 12) / 255.0)
    np.testing.assert_array_equal(y, [1, 0, 1, 0, 1])
    assert X.max() == 1.0 and X.min() == 0.0
    X_rev, y_rev = load_mnist(str(paths["images"]), str(paths["labels"]), digits=(1, 0))
    np.testing.assert_array_equal(y_rev, 1 - y)
    X7, y7 = load_mnist(paths["images"], paths["labels"], digits=(7, 0))
    np.testing.assert_array_equal(y7, [1, 0, 1])  # file order: the 0, the 7, the second 0
    np.testing.assert_array_equal(X7[1], images[2].ravel() / 255.0)


def test_load_mnist_reads_gzip_by_content_and_gives_the_same_arrays(mnist_like):
    paths, _, _ = mnist_like
    plain = load_mnist(paths["images"], paths["labels"])
    packed = load_mnist(paths["images_gz"], paths["labels_gz"])
    mixed = load_mnist(paths["images_gz"], paths["labels"])
    for X, y in (packed, mixed):
        np.testing.assert_array_equal(X, plain[0])
        np.testing.assert_array_equal(y, plain[1])


def test_load_mnist_output_feeds_optimization_bias(tmp_path):
    from kdbook import experiments

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(60, 4, 4)).astype(np.uint8)
    labels = np.tile([0, 1, 2], 20)
    (tmp_path / "im").write_bytes(idx_bytes(2051, images))
    (tmp_path / "lb").write_bytes(idx_bytes(2049, labels))
    X, y = load_mnist(tmp_path / "im", tmp_path / "lb")
    assert X.shape == (40, 16)
    table = experiments.optimization_bias(X[:30], X[30:], rng.normal(size=16), n=5, deltas=[0.0, 2.0],
                                          trials=4, seed=0, progress=False)
    assert list(table.delta) == [0.0, 2.0] and (table.d == 16).all()


def write(tmp_path, name, raw):
    path = tmp_path / name
    path.write_bytes(raw)
    return path


def test_load_mnist_swapped_files_are_named(mnist_like):
    paths, _, _ = mnist_like
    with pytest.raises(ValueError, match=r"images: .*magic number 2049, expected 2051.*swapped"):
        load_mnist(paths["labels"], paths["images"])


@pytest.mark.parametrize(
    "raw, match",
    [
        (b"\x00\x00", r"images: .*too short"),
        (b"\x00\x00\x08\x02" + bytes(12), r"images: .*magic number 2050, expected 2051"),
        (idx_bytes(2051, np.zeros((2, 3, 4)))[:-1], r"images: .*need 24.*truncated"),
        (idx_bytes(2051, np.zeros((2, 3, 4))) + b"\x00", r"images: .*holds 25 values.*need 24"),
        (idx_bytes(2051, np.zeros((2, 3, 4)))[:10], r"images: .*ends inside its header"),
        (gzip.compress(idx_bytes(2051, np.zeros((2, 3, 4))), mtime=0)[:-6], r"images: .*damaged gzip"),
        (idx_bytes(2051, np.zeros((0, 3, 4))), r"images: .*empty"),
    ],
)
def test_load_mnist_corrupt_image_file_is_a_clear_error(mnist_like, tmp_path, raw, match):
    paths, _, _ = mnist_like
    with pytest.raises(ValueError, match=match):
        load_mnist(write(tmp_path, "bad", raw), paths["labels"])


def test_load_mnist_checks_labels_against_images(mnist_like, tmp_path):
    paths, _, _ = mnist_like
    with pytest.raises(ValueError, match="same number of examples, got 6 images and 5 labels"):
        load_mnist(paths["images"], write(tmp_path, "lb5", idx_bytes(2049, [0, 1, 0, 1, 0])))
    with pytest.raises(ValueError, match="labels: every label must be a digit 0-9, found 12"):
        load_mnist(paths["images"], write(tmp_path, "lb12", idx_bytes(2049, [0, 1, 12, 1, 0, 1])))
    with pytest.raises(ValueError, match=r"digits \[3\] do not occur"):
        load_mnist(paths["images"], paths["labels"], digits=(0, 3))


@pytest.mark.parametrize(
    "digits, error, match",
    [((0,), ValueError, "digits must name at least 2"), ((1, 1), ValueError, "digits must not repeat"),
     ((0, 10), ValueError, r"every entry of digits must be in \[0, 9\], got 10"),
     ("01", TypeError, "digits must be an array of numbers"),
     ((0, 1.5), ValueError, "digits must hold whole numbers")],
)
def test_load_mnist_rejects_bad_digits(mnist_like, digits, error, match):
    paths, _, _ = mnist_like
    with pytest.raises(error, match=match):
        load_mnist(paths["images"], paths["labels"], digits=digits)


def test_load_mnist_rejects_bad_paths(mnist_like, tmp_path):
    paths, _, _ = mnist_like
    with pytest.raises(TypeError, match="images must be an instance of str or PathLike, got bytes"):
        load_mnist(open(paths["images"], "rb").read(), paths["labels"])
    with pytest.raises(TypeError, match="labels must be an instance of str or PathLike, got None"):
        load_mnist(paths["images"], None)
    with pytest.raises(ValueError, match="labels: no such file"):
        load_mnist(paths["images"], tmp_path / "absent")
