"""Logistic and linear softmax students: per-sample gradients, Hessian, exact and early-stopped fits."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import expit, log_softmax, softmax

from .._params import Array, Instance, Integer, Real, validate_params
from ._checks import _check_classes, _check_label_range

#: Class labels ``0, ..., K - 1``: whole numbers >= 0 (the upper end is checked against ``K`` in the body).
LABELS = Array("n", integer=True, low=0)
#: Targets of a softmax student: labels of shape (n,) or probability rows of shape (n, K), checked in the body.
SOFT_TARGETS = Array(..., low=0.0)


@validate_params(w=Array("d"), Z=Array("n", "d"), targets=Array("n", low=0.0, high=1.0))
def logistic_gradients(w, Z, targets) -> np.ndarray:
    """Per-sample gradients ``(sigma(w^T z_i) - t_i) z_i`` of the binary cross-entropy.

    Parameters
    ----------
    w : array of shape (d,)
    Z : array of shape (n, d)
    targets : array of shape (n,) in ``[0, 1]`` (0/1 labels or teacher probabilities)

    Returns
    -------
    ndarray of shape (n, d).
    """
    return Z * (expit(Z @ w) - targets)[:, None]


@validate_params(w=Array("d"), theta=Array("d"), Z=Array("n", "d"), y=Array("n", low=0.0, high=1.0),
                 lam=Real(0.0, 1.0))
def kd_gradients_logistic(w, theta, Z, y, lam: float) -> np.ndarray:
    """Per-sample gradients of ``(1 - lam) CE(y) + lam CE(sigma(theta^T z))`` for a logistic student.

    Computed directly from the mixed target ``(1 - lam) y + lam sigma(theta^T z)``;
    the chapter checks that it equals ``grad f_i(w) - lam grad f_i(theta)``.
    Shapes as in :func:`logistic_gradients`; ``theta`` has shape ``(d,)``.
    """
    mixed = (1.0 - lam) * y + lam * expit(Z @ theta)
    return Z * (expit(Z @ w) - mixed)[:, None]


@validate_params(W=Array("K", "d"), Z=Array("n", "d"))
def softmax_probabilities(W, Z) -> np.ndarray:
    """Class probabilities ``softmax(W z_i)``, shape ``(n, K)``; finite for any logits."""
    _check_classes(W, "W")
    return softmax(Z @ W.T, axis=1)


def _targets_matrix(targets: np.ndarray, n: int, K: int, name: str) -> np.ndarray:
    """One-hot rows for labels of shape (n,), or the probability rows themselves (entries >= 0 already checked)."""
    if targets.ndim == 1 and targets.shape[0] == n:
        if np.any(targets != np.round(targets)):
            raise ValueError(f"{name} must hold whole numbers (class labels 0, ..., K - 1) or be probability rows "
                             f"of shape (n, K), got shape {targets.shape} with fractions")
        labels = targets.astype(np.int64)
        _check_label_range(labels, K, name, "K = W.shape[0]")
        return np.eye(K)[labels]
    if targets.shape != (n, K):
        raise ValueError(
            f"{name} must be labels of shape (n,) = ({n},) or probabilities of shape (n, K) = ({n}, {K}), "
            f"got shape {targets.shape}"
        )
    if not np.allclose(targets.sum(axis=1), 1.0, atol=1e-8):
        raise ValueError(f"{name} must be probability rows: non-negative, each summing to 1")
    return targets


@validate_params(W=Array("K", "d"), Z=Array("n", "d"), y=SOFT_TARGETS)
def softmax_loss(W, Z, y) -> float:
    """Mean cross-entropy ``-(1/n) sum_i log softmax(W z_i)_{y_i}`` (targets may also be probability rows).

    ``y`` : int labels of shape (n,) or probability rows of shape (n, K).
    """
    _check_classes(W, "W")
    T = _targets_matrix(y, Z.shape[0], W.shape[0], "y")
    return float(-np.mean(np.sum(T * log_softmax(Z @ W.T, axis=1), axis=1)))


@validate_params(W=Array("K", "d"), Z=Array("n", "d"), targets=SOFT_TARGETS)
def softmax_gradients(W, Z, targets) -> np.ndarray:
    """Per-sample gradients ``(softmax(W z_i) - t_i) z_i^T`` of the cross-entropy, shape ``(n, K, d)``.

    Parameters
    ----------
    W : array of shape (K, d)
    Z : array of shape (n, d)
    targets : int labels of shape (n,) or probability rows of shape (n, K)
    """
    _check_classes(W, "W")
    T = _targets_matrix(targets, Z.shape[0], W.shape[0], "targets")
    residual = softmax(Z @ W.T, axis=1) - T
    return residual[:, :, None] * Z[:, None, :]


@validate_params(W=Array("K", "d"), Theta=Array("K", "d"), Z=Array("n", "d"), y=LABELS, lam=Real(0.0, 1.0))
def kd_gradients_softmax(W, Theta, Z, y, lam: float) -> np.ndarray:
    """Per-sample gradients of ``(1 - lam) CE(y) + lam CE(softmax(Theta z))``, shape ``(n, K, d)``.

    The distillation target is the mixture ``(1 - lam) e_y + lam softmax(Theta z)``
    (temperature 1). ``Theta`` has the student's shape ``(K, d)``.
    """
    _check_classes(W, "W")
    _check_label_range(y, W.shape[0], "y", "K = W.shape[0]")
    mixed = (1.0 - lam) * np.eye(W.shape[0])[y] + lam * softmax(Z @ Theta.T, axis=1)
    return softmax_gradients(W, Z, mixed)


@validate_params(W=Array("K", "d"), Z=Array("n", "d"))
def softmax_hessian(W, Z) -> np.ndarray:
    """Hessian of the mean cross-entropy of a linear softmax student, shape ``(K d, K d)``.

    ``(1/n) sum_i (diag(p_i) - p_i p_i^T) kron (z_i z_i^T)`` with ``p_i = softmax(W z_i)``,
    for ``W`` flattened row by row. It does not depend on the labels and is
    singular along the directions that add one vector to every row of ``W``.
    """
    _check_classes(W, "W")
    return _softmax_hessian(W, Z)


def _softmax_hessian(W: np.ndarray, Z: np.ndarray) -> np.ndarray:
    P = softmax(Z @ W.T, axis=1)
    n, K = P.shape
    d = Z.shape[1]
    # sum_i (diag(p_i) - p_i p_i^T) kron (z_i z_i^T) / n, as a (K d, K d) matrix
    cov = P[:, :, None] * np.eye(K)[None] - P[:, :, None] * P[:, None, :]
    H = np.einsum("ikl,ia,ib->kalb", cov, Z, Z) / n
    return H.reshape(K * d, K * d)


@validate_params(Z=Array("n", "d"), y=LABELS, n_classes=Integer(2, optional=True), gtol=Real(0.0, low_open=True))
def fit_softmax_regression(Z, y, *, n_classes: int | None = None, gtol: float = 1e-10) -> np.ndarray:
    """The exact minimizer of the mean cross-entropy of a linear softmax student (no penalty).

    scikit-learn's ``LogisticRegression`` (lbfgs, ``C = inf``) gets close; a few
    Newton steps polish the result until ``||grad f|| <= gtol``. The softmax
    parametrization is invariant to adding one vector to every row; the
    returned weights are centred (rows sum to zero), the representative that
    SGD from zero stays on. The minimizer exists only when the classes are not
    linearly separable; otherwise a ``ValueError`` is raised.

    Parameters
    ----------
    Z : array of shape (n, d), features (add a column of ones for a bias)
    y : int array of shape (n,), labels in ``0, ..., K - 1``
    n_classes : int, optional, ``K`` (default ``max(y) + 1``)

    Returns
    -------
    ndarray of shape (K, d).
    """
    from sklearn.linear_model import LogisticRegression

    K = int(y.max()) + 1 if n_classes is None else n_classes
    if K < 2 or np.any(y >= K):
        raise ValueError(f"y must contain labels in [0, n_classes - 1] with at least two classes, got K = {K}")
    if np.unique(y).size < K:
        raise ValueError("every class 0, ..., K - 1 must occur in y for a finite minimizer")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-12, max_iter=5000)
        model.fit(Z, y)
    W = model.coef_ if K > 2 else np.vstack([-model.coef_[0] / 2, model.coef_[0] / 2])
    W = W - W.mean(axis=0, keepdims=True)
    n, d = Z.shape
    onehot = np.eye(K)[y]
    for _ in range(50):
        grad = ((softmax(Z @ W.T, axis=1) - onehot).T @ Z / n)
        if np.linalg.norm(grad) <= gtol:
            break
        step = np.linalg.lstsq(_softmax_hessian(W, Z), grad.ravel(), rcond=1e-12)[0].reshape(K, d)
        W = W - step
        W = W - W.mean(axis=0, keepdims=True)
    grad = (softmax(Z @ W.T, axis=1) - onehot).T @ Z / n
    # at a finite minimizer the loss rises along the ray t W for t > 1; on separable data it keeps falling
    falling = softmax_loss(2 * W, Z, y) < softmax_loss(W, Z, y)
    if not np.all(np.isfinite(W)) or np.linalg.norm(grad) > gtol or falling:
        raise ValueError(
            "no finite minimizer found: the classes look linearly separable for these features "
            "(use fewer features or more samples)"
        )
    return W


@validate_params(Z=Array("n", "d"), y=LABELS, steps=Integer(0), lr=Real(0.0, low_open=True),
                 n_classes=Integer(2, optional=True))
def early_stopped_softmax(Z, y, *, steps: int, lr: float, n_classes: int | None = None) -> np.ndarray:
    """A teacher stopped early: ``steps`` of full-batch gradient descent from zero, shape ``(K, d)``."""
    K = int(y.max()) + 1 if n_classes is None else n_classes
    _check_label_range(y, K, "y", "n_classes")
    onehot = np.eye(K)[y]
    W = np.zeros((K, Z.shape[1]))
    for _ in range(steps):
        W = W - lr * (softmax(Z @ W.T, axis=1) - onehot).T @ Z / Z.shape[0]
    return W


@validate_params(X=Array("n", "p"), n_components=Integer(1),
                 fit_rows=Instance(slice, np.ndarray, list, range, optional=True))
def linear_features(X, *, n_components: int, fit_rows=None) -> np.ndarray:
    """Features for a small linear student: PCA to ``n_components``, standardized, plus a column of ones.

    Parameters
    ----------
    X : array of shape (n, p), e.g. the 64 pixels of scikit-learn's digits
    n_components : int, ``1 <= n_components <= p``
    fit_rows : index array or slice, optional
        Rows on which PCA and the scaling are fitted (default: all rows).

    Returns
    -------
    ndarray of shape (n, n_components + 1).
    """
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if n_components > min(X.shape):
        raise ValueError(f"n_components must be <= min(n, p) = {min(X.shape)} for X of shape {X.shape}, "
                         f"got {n_components}")
    rows = slice(None) if fit_rows is None else fit_rows
    try:
        fitted = X[rows]
    except IndexError as err:
        raise ValueError(f"fit_rows must select rows of X (shape {X.shape}): {err}") from None
    if fitted.shape[0] < max(n_components, 2):
        raise ValueError(f"fit_rows must select at least max(n_components, 2) = {max(n_components, 2)} rows of X, "
                         f"got {fitted.shape[0]}")
    if not np.any(fitted != fitted[0]):
        raise ValueError("X must vary across the rows PCA is fitted on (fit_rows): they are all equal (all zeros?)")
    pipeline = make_pipeline(PCA(n_components, random_state=0), StandardScaler())
    pipeline.fit(fitted)
    features = pipeline.transform(X)
    return np.column_stack([features, np.ones(X.shape[0])])
