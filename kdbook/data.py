"""Real data at CPU scale: scikit-learn's bundled 8x8 digits, split three ways.

:func:`load_digits_split` returns standardized ``train`` / ``distill`` /
``test`` arrays from ``sklearn.datasets.load_digits``, which ships with
scikit-learn (nothing is downloaded). The three parts play the roles that
recur in the book's experiments on real data:

* ``train``: the teacher's training set;
* ``distill``: the transfer (distillation) set the student sees, labelled only
  by the teacher;
* ``test``: held-out inputs on which agreement and accuracy are measured.

Samples are rows: every ``X_*`` has shape ``(n, d)``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from ._validation import as_float, as_generator

__all__ = ["DigitsSplit", "load_digits_split"]


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


def _check_classes(classes) -> tuple:
    if classes is None:
        return tuple(range(10))
    if isinstance(classes, (str, bytes)):
        raise TypeError(f"classes must be a sequence of digits 0-9, got {type(classes).__name__}")
    try:
        values = tuple(classes)
    except TypeError:
        raise TypeError(f"classes must be a sequence of digits 0-9, got {type(classes).__name__}") from None
    for value in values:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(f"classes must contain integers (digits 0-9), got {value!r}")
        if not 0 <= value <= 9:
            raise ValueError(f"classes must contain digits in [0, 9], got {value}")
    if len(values) < 2:
        raise ValueError(f"classes must name at least 2 distinct digits, got {values}")
    if len(set(values)) != len(values):
        raise ValueError(f"classes must not repeat a digit, got {values}")
    return tuple(int(v) for v in values)


def load_digits_split(
    *,
    seed,
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
    seed : int or numpy.random.Generator
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
    rng = as_generator(seed, "seed")
    train_size = as_float(train_size, "train_size", minimum=0.0, maximum=1.0, strict_minimum=True)
    distill_size = as_float(distill_size, "distill_size", minimum=0.0, maximum=1.0, strict_minimum=True)
    if train_size + distill_size >= 1.0:
        raise ValueError(
            f"train_size + distill_size must be < 1 so that a test part remains, got {train_size + distill_size}"
        )
    classes = _check_classes(classes)
    for flag, name in ((standardize, "standardize"), (drop_constant, "drop_constant")):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool, got {type(flag).__name__}")

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
