"""Logistic and linear softmax students: per-sample gradients, Hessian, exact and early-stopped fits."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import expit, log_softmax, softmax

from .._validation import as_data_matrix, as_float, as_float_array, as_int, as_vector
from ._checks import _as_lam, _check_binary, _check_labels, _check_weights


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
    w = as_vector(w, "w")
    Z = as_data_matrix(Z, "Z", d=w.shape[0])
    targets = _check_binary(targets, Z.shape[0], "targets")
    return Z * (expit(Z @ w) - targets)[:, None]


def kd_gradients_logistic(w, theta, Z, y, lam: float) -> np.ndarray:
    """Per-sample gradients of ``(1 - lam) CE(y) + lam CE(sigma(theta^T z))`` for a logistic student.

    Computed directly from the mixed target ``(1 - lam) y + lam sigma(theta^T z)``;
    the chapter checks that it equals ``grad f_i(w) - lam grad f_i(theta)``.
    Shapes as in :func:`logistic_gradients`; ``theta`` has shape ``(d,)``.
    """
    w = as_vector(w, "w")
    theta = as_vector(theta, "theta")
    if theta.shape != w.shape:
        raise ValueError(f"theta must have the student's shape {w.shape}, got {theta.shape}")
    Z = as_data_matrix(Z, "Z", d=w.shape[0])
    y = _check_binary(y, Z.shape[0])
    lam = _as_lam(lam)
    mixed = (1.0 - lam) * y + lam * expit(Z @ theta)
    return Z * (expit(Z @ w) - mixed)[:, None]


def softmax_probabilities(W, Z) -> np.ndarray:
    """Class probabilities ``softmax(W z_i)``, shape ``(n, K)``; finite for any logits."""
    W = _check_weights(W, "W")
    Z = as_data_matrix(Z, "Z", d=W.shape[1])
    return softmax(Z @ W.T, axis=1)


def _targets_matrix(targets, n: int, K: int) -> np.ndarray:
    array = np.asarray(targets)
    if array.ndim == 1:
        labels = _check_labels(array, n, K, "targets")
        return np.eye(K)[labels]
    array = as_float_array(array, "targets", ndim=2)
    if array.shape != (n, K):
        raise ValueError(
            f"targets must be labels of shape (n,) or probabilities of shape ({n}, {K}), got {array.shape}"
        )
    if np.any(array < 0) or not np.allclose(array.sum(axis=1), 1.0, atol=1e-8):
        raise ValueError("targets must be probability rows: non-negative, each summing to 1")
    return array


def softmax_loss(W, Z, y) -> float:
    """Mean cross-entropy ``-(1/n) sum_i log softmax(W z_i)_{y_i}`` (targets may also be probability rows)."""
    W = _check_weights(W, "W")
    Z = as_data_matrix(Z, "Z", d=W.shape[1])
    T = _targets_matrix(y, Z.shape[0], W.shape[0])
    return float(-np.mean(np.sum(T * log_softmax(Z @ W.T, axis=1), axis=1)))


def softmax_gradients(W, Z, targets) -> np.ndarray:
    """Per-sample gradients ``(softmax(W z_i) - t_i) z_i^T`` of the cross-entropy, shape ``(n, K, d)``.

    Parameters
    ----------
    W : array of shape (K, d)
    Z : array of shape (n, d)
    targets : int labels of shape (n,) or probability rows of shape (n, K)
    """
    W = _check_weights(W, "W")
    Z = as_data_matrix(Z, "Z", d=W.shape[1])
    T = _targets_matrix(targets, Z.shape[0], W.shape[0])
    residual = softmax(Z @ W.T, axis=1) - T
    return residual[:, :, None] * Z[:, None, :]


def kd_gradients_softmax(W, Theta, Z, y, lam: float) -> np.ndarray:
    """Per-sample gradients of ``(1 - lam) CE(y) + lam CE(softmax(Theta z))``, shape ``(n, K, d)``.

    The distillation target is the mixture ``(1 - lam) e_y + lam softmax(Theta z)``
    (temperature 1). ``Theta`` has the student's shape ``(K, d)``.
    """
    W = _check_weights(W, "W")
    Theta = _check_weights(Theta, "Theta", d=W.shape[1], n_classes=W.shape[0])
    Z = as_data_matrix(Z, "Z", d=W.shape[1])
    y = _check_labels(y, Z.shape[0], W.shape[0])
    lam = _as_lam(lam)
    mixed = (1.0 - lam) * np.eye(W.shape[0])[y] + lam * softmax(Z @ Theta.T, axis=1)
    return softmax_gradients(W, Z, mixed)


def softmax_hessian(W, Z) -> np.ndarray:
    """Hessian of the mean cross-entropy of a linear softmax student, shape ``(K d, K d)``.

    ``(1/n) sum_i (diag(p_i) - p_i p_i^T) kron (z_i z_i^T)`` with ``p_i = softmax(W z_i)``,
    for ``W`` flattened row by row. It does not depend on the labels and is
    singular along the directions that add one vector to every row of ``W``.
    """
    W = _check_weights(W, "W")
    Z = as_data_matrix(Z, "Z", d=W.shape[1])
    return _softmax_hessian(W, Z)


def _softmax_hessian(W: np.ndarray, Z: np.ndarray) -> np.ndarray:
    P = softmax(Z @ W.T, axis=1)
    n, K = P.shape
    d = Z.shape[1]
    # sum_i (diag(p_i) - p_i p_i^T) kron (z_i z_i^T) / n, as a (K d, K d) matrix
    cov = P[:, :, None] * np.eye(K)[None] - P[:, :, None] * P[:, None, :]
    H = np.einsum("ikl,ia,ib->kalb", cov, Z, Z) / n
    return H.reshape(K * d, K * d)


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

    Z = as_data_matrix(Z, "Z")
    y = _check_labels(y, Z.shape[0])
    K = int(y.max()) + 1 if n_classes is None else as_int(n_classes, "n_classes", minimum=2)
    if K < 2 or np.any(y >= K):
        raise ValueError(f"y must contain labels in [0, n_classes - 1] with at least two classes, got K = {K}")
    if np.unique(y).size < K:
        raise ValueError("every class 0, ..., K - 1 must occur in y for a finite minimizer")
    gtol = as_float(gtol, "gtol", minimum=0.0, strict_minimum=True)
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


def early_stopped_softmax(Z, y, *, steps: int, lr: float, n_classes: int | None = None) -> np.ndarray:
    """A teacher stopped early: ``steps`` of full-batch gradient descent from zero, shape ``(K, d)``."""
    Z = as_data_matrix(Z, "Z")
    y = _check_labels(y, Z.shape[0])
    K = int(y.max()) + 1 if n_classes is None else as_int(n_classes, "n_classes", minimum=2)
    y = _check_labels(y, Z.shape[0], K)
    steps = as_int(steps, "steps", minimum=0)
    lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
    onehot = np.eye(K)[y]
    W = np.zeros((K, Z.shape[1]))
    for _ in range(steps):
        W = W - lr * (softmax(Z @ W.T, axis=1) - onehot).T @ Z / Z.shape[0]
    return W


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

    X = as_data_matrix(X, "X")
    n_components = as_int(n_components, "n_components", minimum=1, maximum=min(X.shape))
    rows = slice(None) if fit_rows is None else fit_rows
    pipeline = make_pipeline(PCA(n_components, random_state=0), StandardScaler())
    pipeline.fit(X[rows])
    features = pipeline.transform(X)
    return np.column_stack([features, np.ones(X.shape[0])])
