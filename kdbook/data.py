"""Real data: scikit-learn's bundled 8x8 digits, and MNIST files a reader has downloaded.

:func:`load_digits_split` returns standardized ``train`` / ``distill`` /
``test`` arrays from ``sklearn.datasets.load_digits``, which ships with
scikit-learn (nothing is downloaded). The three parts play the roles that
recur in the book's experiments on real data:

* ``train``: the teacher's training set;
* ``distill``: the transfer (distillation) set the student sees, labelled only
  by the teacher;
* ``test``: held-out inputs on which agreement and accuracy are measured.

:func:`load_mnist` reads MNIST (the data of the paper's Figure 4) from the
standard IDX files, which the book never downloads: a reader who has them can
rerun Figure 4 at the paper's own size, ``d = 784``.

Samples are rows: every ``X`` has shape ``(n, d)``.
"""

from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from ._params import Array, Boolean, Instance, Real, Seed, validate_params

__all__ = ["DigitsSplit", "load_digits_split", "load_mnist"]


@dataclass(frozen=True)
class DigitsSplit:
    """Standardized digits, split into teacher-training, distillation and test parts.

    Attributes
    ----------
    X_train, X_distill, X_test : ndarray of shape (n_part, d)
        Inputs, standardized with the mean and scale of ``X_train`` only.
    y_train, y_distill, y_test : ndarray of shape (n_part,), int
        Labels as indices ``0, ..., K - 1`` into :attr:`classes`.
    classes : tuple of int
        The digits kept, in label order: label ``k`` is digit ``classes[k]``.
    features : ndarray of shape (d,), int
        Which of the 64 pixels were kept (pixels constant on ``X_train`` are
        dropped when ``drop_constant=True``).
    mean, scale : ndarray of shape (d,)
        The standardization ``(x - mean) / scale`` applied to every part.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_distill: np.ndarray
    y_distill: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: tuple
    features: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    @property
    def n_features(self) -> int:
        """The input dimension ``d``."""
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        """The number of classes ``K``."""
        return len(self.classes)


#: A sequence of digits 0-9 (whole numbers; at least two, distinct: checked in the body).
DIGITS = Array(None, integer=True, low=0, high=9)
#: A fraction of the samples, strictly between 0 and 1.
FRACTION = Real(0.0, 1.0, low_open=True, high_open=True)
#: A path to an IDX file.
PATH = Instance(str, os.PathLike)


def _check_classes(classes: np.ndarray | None, name: str) -> tuple:
    """Validated digits (whole numbers in [0, 9]) as a tuple of ints, at least two and none repeated."""
    if classes is None:
        return tuple(range(10))
    values = tuple(int(v) for v in classes)
    if len(values) < 2:
        raise ValueError(f"{name} must name at least 2 distinct digits, got {values}")
    if len(set(values)) != len(values):
        raise ValueError(f"{name} must not repeat a digit, got {values}")
    return values


@validate_params(
    seed=Seed(),
    train_size=FRACTION,
    distill_size=FRACTION,
    classes=Array(None, integer=True, low=0, high=9, optional=True),
    standardize=Boolean(),
    drop_constant=Boolean(),
)
def load_digits_split(
    *,
    seed=0,
    train_size: float = 0.4,
    distill_size: float = 0.3,
    classes=None,
    standardize: bool = True,
    drop_constant: bool = True,
) -> DigitsSplit:
    """Load the bundled 8x8 digits and split them into train / distill / test.

    The splits are stratified by class and drawn with ``seed``; the test part
    is what remains after the other two. Standardization uses statistics of
    the training part only, so no information leaks from the held-out data.

    Parameters
    ----------
    seed : int >= 0 or numpy.random.Generator, default 0
        Randomness of the split (``None`` is refused: results are reproducible).
    train_size : float in (0, 1)
        Fraction of the (class-filtered) samples that train the teacher.
    distill_size : float in (0, 1)
        Fraction used as the distillation set; ``train_size + distill_size``
        must be below 1 so that a test part remains.
    classes : sequence of int, optional
        Digits to keep (default all ten). ``classes=(0, 1)`` gives a binary
        task with labels 0 (digit 0) and 1 (digit 1); labels are always the
        positions in ``classes``.
    standardize : bool, default True
        Subtract the training mean and divide by the training standard
        deviation, feature by feature.
    drop_constant : bool, default True
        Drop pixels that are constant on the training part (three pixels of
        the full data set are always blank). They carry no information and
        make the data matrix rank-deficient.

    Returns
    -------
    DigitsSplit
    """
    rng = seed
    if train_size + distill_size >= 1.0:
        raise ValueError(
            f"train_size + distill_size must be < 1 so that a test part remains, got {train_size + distill_size}"
        )
    classes = _check_classes(classes, "classes")

    X, digits = load_digits(return_X_y=True)
    keep = np.isin(digits, classes)
    X = X[keep].astype(np.float64)
    lookup = {digit: k for k, digit in enumerate(classes)}
    y = np.array([lookup[int(digit)] for digit in digits[keep]], dtype=np.int64)

    split_seeds = rng.integers(0, 2**31 - 1, size=2)
    X_train, X_rest, y_train, y_rest = train_test_split(
        X, y, train_size=train_size, stratify=y, random_state=int(split_seeds[0])
    )
    distill_share = distill_size / (1.0 - train_size)
    X_distill, X_test, y_distill, y_test = train_test_split(
        X_rest, y_rest, train_size=distill_share, stratify=y_rest, random_state=int(split_seeds[1])
    )

    std = X_train.std(axis=0)
    features = np.flatnonzero(std > 0) if drop_constant else np.arange(X.shape[1])
    std = std[features]
    if standardize:
        mean = X_train[:, features].mean(axis=0)
        scale = np.where(std > 0, std, 1.0)
    else:
        mean = np.zeros(features.shape[0])
        scale = np.ones(features.shape[0])

    def transform(part):
        return (part[:, features] - mean) / scale

    return DigitsSplit(
        X_train=transform(X_train), y_train=y_train,
        X_distill=transform(X_distill), y_distill=y_distill,
        X_test=transform(X_test), y_test=y_test,
        classes=classes, features=features, mean=mean, scale=scale,
    )


# IDX (LeCun & Cortes' MNIST format): two zero bytes, a type code (0x08 for
# unsigned bytes), the number of dimensions, then each dimension as a
# big-endian uint32, then the values in row-major order.
_IDX_IMAGES, _IDX_LABELS = 2051, 2049
_GZIP_MAGIC = b"\x1f\x8b"


def _read_idx(path, name: str, magic: int, ndim: int) -> np.ndarray:
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{name}: no such file {str(path)!r}")
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:  # by content, whatever the file's extension
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{name}: {str(path)!r} is a damaged gzip file ({exc})") from None
    if len(raw) < 4:
        raise ValueError(f"{name}: {str(path)!r} is too short to be an IDX file ({len(raw)} bytes)")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        kinds = {_IDX_IMAGES: "an IDX image file", _IDX_LABELS: "an IDX label file"}
        hint = f"; that is {kinds[found]}: are images and labels swapped?" if found in kinds else ""
        raise ValueError(f"{name}: {str(path)!r} has magic number {found}, expected {magic} "
                         f"({kinds[magic]}){hint}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{name}: {str(path)!r} ends inside its header")
    shape = tuple(int.from_bytes(raw[4 + 4 * k: 8 + 4 * k], "big") for k in range(ndim))
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(raw) != expected:
        raise ValueError(f"{name}: {str(path)!r} holds {len(raw) - header} values after its header, "
                         f"but its dimensions {shape} need {expected - header} (truncated or not MNIST?)")
    if 0 in shape:
        raise ValueError(f"{name}: {str(path)!r} is empty (dimensions {shape})")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


@validate_params(images=PATH, labels=PATH, digits=DIGITS)
def load_mnist(images, labels, digits=(0, 1)):
    """Read MNIST from the standard IDX files and keep some digits, as for Figure 4.

    The paper's Figure 4 (Section 5.2) distils a logistic-regression teacher
    on MNIST 0s and 1s (``d = 784``) into students on ``n = 100`` images. The
    book runs it on the bundled 8x8 digits (nothing is downloaded at build
    time); with the MNIST files from https://yann.lecun.com/exdb/mnist/ (or
    any mirror) this gives the paper's own data. Files may be gzipped or not:
    compression is detected from the content, not the name.

    Parameters
    ----------
    images : str or os.PathLike
        An IDX image file (magic number 2051), e.g.
        ``train-images-idx3-ubyte.gz``.
    labels : str or os.PathLike
        The matching IDX label file (magic number 2049), e.g.
        ``train-labels-idx1-ubyte.gz``, with as many labels as images.
    digits : sequence of int, default (0, 1)
        At least two distinct digits in 0-9 to keep; each must occur in the
        files. Label ``k`` in the result is digit ``digits[k]``.

    Returns
    -------
    X : ndarray of shape (n, rows * cols), float64
        The kept images as rows, pixels scaled to [0, 1] (``(n, 784)`` for
        MNIST); ready as ``X_pool`` / ``X_test`` of
        :func:`kdbook.experiments.optimization_bias`.
    y : ndarray of shape (n,), int64
        Positions in ``digits``: with the default, 0 for a zero and 1 for a one.

    Raises
    ------
    TypeError
        If a path is not a str/PathLike or ``digits`` is not a sequence of numbers.
    ValueError
        If a file is missing, damaged, truncated or of the wrong kind, the
        counts differ, a label is not a digit, or ``digits`` is invalid (not
        whole numbers in 0-9, fewer than two, repeated) or names a digit
        absent from the files.

    Examples
    --------
    Figure 4 on real MNIST (after downloading the four files)::

        from sklearn.linear_model import LogisticRegression
        from kdbook import experiments
        from kdbook.data import load_mnist

        X, y = load_mnist("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
        X_test, _ = load_mnist("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
        w_star = LogisticRegression(fit_intercept=False).fit(X, y).coef_[0]
        experiments.optimization_bias(X, X_test, w_star, n=100,
                                      deltas=[0, 1, 2, 4, 8], trials=100, seed=0)
    """
    digits = _check_classes(digits, "digits")
    pixels = _read_idx(images, "images", _IDX_IMAGES, 3)
    label_values = _read_idx(labels, "labels", _IDX_LABELS, 1)
    if pixels.shape[0] != label_values.shape[0]:
        raise ValueError(f"images and labels must hold the same number of examples, "
                         f"got {pixels.shape[0]} images and {label_values.shape[0]} labels")
    if label_values.max() > 9:
        raise ValueError(f"labels: every label must be a digit 0-9, found {int(label_values.max())}")
    counts = np.bincount(label_values, minlength=10)
    missing = [digit for digit in digits if counts[digit] == 0]
    if missing:
        raise ValueError(f"digits {missing} do not occur in the labels file (found digits "
                         f"{np.flatnonzero(counts).tolist()})")
    keep = np.isin(label_values, digits)
    lookup = np.full(10, -1, dtype=np.int64)
    lookup[list(digits)] = np.arange(len(digits))
    X = pixels[keep].reshape(int(keep.sum()), -1).astype(np.float64) / 255.0
    return X, lookup[label_values[keep]]
