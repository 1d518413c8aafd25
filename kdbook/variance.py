"""Distillation as partial variance reduction (Safaryan, Peste & Alistarh, 2023).

The student ``x`` and the teacher ``theta`` are linear models of the same
shape. With the hard-label loss ``f_xi`` of one sample (or minibatch) ``xi``,
the distillation loss at temperature 1 is

    (1 - lam) * CE(student, labels) + lam * CE(student, teacher probabilities),

so ``lam`` weights the distillation term (the convention of the paper's code,
KDVR). For a linear student the cross-entropy gradient with respect to the
weights is ``(p_student - target) z^T``, linear in the target, hence the
stochastic gradient of the distillation loss is

    g_xi(x) = grad f_xi(x) - lam * grad f_xi(theta),

SVRG's estimator ``grad f_xi(x) - grad f_xi(theta) + grad f(theta)`` (Johnson &
Zhang, 2013) with weight ``lam`` and without the full-gradient correction:
a *partial* variance reduction. The same identity holds for least squares with
the teacher's predictions as regression targets.

Conventions: samples are rows (``A`` or ``Z`` of shape ``(n, d)``); a softmax
student's weights ``W`` have shape ``(K, d)`` (one row per class); minibatches
are drawn uniformly *with replacement*, which is what the closed forms assume.

Contents:

* per-sample gradients of the hard-label and distillation losses
  (least squares, logistic, softmax);
* the second moment of the distillation gradient, the control-variate optimal
  weight ``lam* = E<grad f_xi(x*), grad f_xi(theta)> / E||grad f_xi(theta)||^2``;
* least-squares closed forms: the stationary point ``x_lam = (1 - lam) x* +
  lam theta``, the noise there ``(1 - lam)^2 sigma_*^2``, the exact stationary
  covariance of constant-step SGD and the resulting bias/variance split;
* teachers of different quality (exact optimum, early-stopped, other data);
* SGD runners batched over ``lam`` values and seeds, for least squares and
  softmax regression, with the biased (distillation) and unbiased estimators.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, log_softmax, softmax

from ._validation import as_data_matrix, as_float, as_float_array, as_generator, as_int, as_vector

__all__ = [
    "lam_values",
    "least_squares_gradients",
    "least_squares_loss",
    "least_squares_solution",
    "make_least_squares",
    "least_squares_teachers",
    "early_stopped_least_squares",
    "logistic_gradients",
    "kd_gradients_logistic",
    "softmax_probabilities",
    "softmax_loss",
    "softmax_gradients",
    "softmax_hessian",
    "kd_gradients_softmax",
    "fit_softmax_regression",
    "early_stopped_softmax",
    "linear_features",
    "kd_stationary_point",
    "kd_second_moment",
    "optimal_distillation_weight",
    "sgd_stationary_covariance",
    "small_step_noise_floor",
    "balanced_weight",
    "StationaryRisk",
    "least_squares_stationary_risk",
    "best_weight_for_sgd",
    "SGDRun",
    "run_kd_sgd_least_squares",
    "run_kd_sgd_softmax",
]


# ---------------------------------------------------------------------------
# input checks


def _as_lam(lam, name: str = "lam") -> float:
    return as_float(lam, name, minimum=0.0, maximum=1.0)


def lam_values(lams, name: str = "lams") -> np.ndarray:
    """A 1-D array of distillation weights, each in ``[0, 1]``.

    A scalar becomes an array of length one.
    """
    if lams is not None and not isinstance(lams, (str, bytes)) and np.ndim(lams) == 0:
        lams = [lams]
    array = as_float_array(lams, name, ndim=1)
    if np.any((array < 0) | (array > 1)):
        raise ValueError(f"{name} must lie in [0, 1] (lam weights the distillation term), got {array}")
    return array


def _check_targets(b, n: int, name: str = "b") -> np.ndarray:
    b = as_vector(b, name)
    if b.shape[0] != n:
        raise ValueError(f"{name} must have one entry per row (n = {n}), got {b.shape[0]}")
    return b


def _check_labels(y, n: int, n_classes: int | None = None, name: str = "y") -> np.ndarray:
    array = np.asarray(y)
    if array.ndim != 1:
        raise ValueError(f"{name} must have shape (n,), got shape {array.shape}")
    if array.shape[0] != n:
        raise ValueError(f"{name} must have one label per row (n = {n}), got {array.shape[0]}")
    if not np.issubdtype(array.dtype, np.integer):
        if np.issubdtype(array.dtype, np.floating) and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
            array = array.astype(np.int64)
        else:
            raise TypeError(f"{name} must contain integer class labels 0, ..., K - 1")
    if np.any(array < 0) or (n_classes is not None and np.any(array >= n_classes)):
        upper = "K - 1" if n_classes is None else str(n_classes - 1)
        raise ValueError(f"{name} must contain class labels in [0, {upper}], got min {array.min()}, max {array.max()}")
    return array.astype(np.int64)


def _check_binary(y, n: int, name: str = "y") -> np.ndarray:
    y = _check_targets(y, n, name)
    if np.any((y < 0) | (y > 1)):
        raise ValueError(f"{name} must contain labels or probabilities in [0, 1]")
    return y


def _check_weights(W, name: str, d: int | None = None, n_classes: int | None = None) -> np.ndarray:
    W = as_float_array(W, name, ndim=2)
    if d is not None and W.shape[1] != d:
        raise ValueError(f"{name} must have shape (K, d) with d = {d} columns, got {W.shape}")
    if n_classes is not None and W.shape[0] != n_classes:
        raise ValueError(f"{name} must have K = {n_classes} rows (one per class), got {W.shape}")
    if W.shape[0] < 2:
        raise ValueError(f"{name} must have at least K = 2 rows (classes), got {W.shape}")
    return W


def _check_per_sample(grads, name: str) -> np.ndarray:
    grads = as_float_array(grads, name)
    if grads.ndim < 2:
        raise ValueError(f"{name} must hold one gradient per sample: shape (n, ...), got {grads.shape}")
    return grads.reshape(grads.shape[0], -1)


# ---------------------------------------------------------------------------
# least squares: f_i(x) = (a_i^T x - b_i)^2 / 2


def least_squares_gradients(x, A, b) -> np.ndarray:
    """Per-sample gradients ``a_i (a_i^T x - b_i)`` of ``f_i(x) = (a_i^T x - b_i)^2 / 2``.

    Parameters
    ----------
    x : array of shape (d,)
    A : array of shape (n, d), samples as rows
    b : array of shape (n,)

    Returns
    -------
    ndarray of shape (n, d).
    """
    x = as_vector(x, "x")
    A = as_data_matrix(A, "A", d=x.shape[0])
    b = _check_targets(b, A.shape[0])
    return A * (A @ x - b)[:, None]


def least_squares_loss(x, A, b) -> float:
    """``f(x) = (1/2n) ||A x - b||^2``, the mean of the per-sample losses."""
    x = as_vector(x, "x")
    A = as_data_matrix(A, "A", d=x.shape[0])
    b = _check_targets(b, A.shape[0])
    return float(0.5 * np.mean((A @ x - b) ** 2))


def least_squares_solution(A, b) -> np.ndarray:
    """The minimizer ``x*`` of ``f`` (minimum-norm if ``A`` is rank deficient), via ``numpy.linalg.lstsq``."""
    A = as_data_matrix(A, "A")
    b = _check_targets(b, A.shape[0])
    return np.linalg.lstsq(A, b, rcond=None)[0]


def make_least_squares(
    n: int, d: int, *, noise: float = 1.0, seed, x_true=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A synthetic regression task ``b = A x_true + noise * eps`` with Gaussian rows.

    Column ``j`` of ``A`` has scale ``linspace(1, 0.4, d)[j]`` so that the
    Hessian ``A^T A / n`` has condition number about 6: SGD mixes in a few
    hundred steps. Pass the ``x_true`` of an earlier call to draw more data
    from the same task (default: a standard Gaussian draw).

    Returns
    -------
    A : ndarray of shape (n, d); b : ndarray of shape (n,); x_true : ndarray of shape (d,)
    """
    n = as_int(n, "n", minimum=2)
    d = as_int(d, "d", minimum=1)
    noise = as_float(noise, "noise", minimum=0.0)
    rng = as_generator(seed, "seed")
    if x_true is None:
        x_true = rng.standard_normal(d)
    else:
        x_true = as_vector(x_true, "x_true")
        if x_true.shape[0] != d:
            raise ValueError(f"x_true must have shape ({d},), got {x_true.shape}")
    A = rng.standard_normal((n, d)) * np.linspace(1.0, 0.4, d)
    b = A @ x_true + noise * rng.standard_normal(n)
    return A, b, x_true


def least_squares_teachers(A, b, A_other, b_other, *, early_steps: int = 3) -> dict:
    """Three teachers of decreasing quality for the least-squares student on ``(A, b)``.

    * ``"exact optimum"``: ``x*`` itself;
    * ``"early-stopped"``: ``early_steps`` of gradient descent on ``(A, b)`` from zero;
    * ``"other data"``: the least-squares solution on a different sample ``(A_other, b_other)``.

    Returns
    -------
    dict mapping name to an array of shape (d,).
    """
    A = as_data_matrix(A, "A")
    A_other = as_data_matrix(A_other, "A_other", d=A.shape[1])
    b_other = _check_targets(b_other, A_other.shape[0], "b_other")
    return {
        "exact optimum": least_squares_solution(A, b),
        "early-stopped": early_stopped_least_squares(A, b, steps=early_steps),
        "other data": least_squares_solution(A_other, b_other),
    }


def early_stopped_least_squares(A, b, *, steps: int, lr: float | None = None, x0=None) -> np.ndarray:
    """A teacher stopped early: ``steps`` of full-batch gradient descent on ``f`` from ``x0`` (default 0).

    ``lr`` defaults to ``1 / L`` with ``L`` the largest eigenvalue of ``A^T A / n``.
    """
    A = as_data_matrix(A, "A")
    b = _check_targets(b, A.shape[0])
    steps = as_int(steps, "steps", minimum=0)
    n, d = A.shape
    H = A.T @ A / n
    if lr is None:
        lr = 1.0 / np.linalg.eigvalsh(H)[-1]
    lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
    x = np.zeros(d) if x0 is None else as_vector(x0, "x0").copy()
    if x.shape[0] != d:
        raise ValueError(f"x0 must have shape ({d},), got {x.shape}")
    Ab = A.T @ b / n
    for _ in range(steps):
        x = x - lr * (H @ x - Ab)
    return x


# ---------------------------------------------------------------------------
# logistic and softmax students


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


# ---------------------------------------------------------------------------
# closed forms


def kd_stationary_point(x_star, theta, lam: float) -> np.ndarray:
    """The least-squares distillation stationary point ``x_lam = (1 - lam) x* + lam theta``.

    The expected distillation gradient is ``H (x - x*) - lam H (theta - x*)`` with
    ``H = A^T A / n``; it vanishes at ``x_lam`` (unique if ``H`` is invertible).
    The student is pulled a fraction ``lam`` of the way toward the teacher.
    """
    x_star = as_vector(x_star, "x_star")
    theta = as_vector(theta, "theta")
    if theta.shape != x_star.shape:
        raise ValueError(f"theta must have the shape of x_star {x_star.shape}, got {theta.shape}")
    lam = _as_lam(lam)
    return (1.0 - lam) * x_star + lam * theta


def _moments(grads_x: np.ndarray, grads_theta: np.ndarray):
    n = grads_x.shape[0]
    mean_x, mean_t = grads_x.mean(axis=0), grads_theta.mean(axis=0)
    return (
        np.sum(grads_x * grads_x) / n,
        np.sum(grads_x * grads_theta) / n,
        np.sum(grads_theta * grads_theta) / n,
        mean_x @ mean_x,
        mean_x @ mean_t,
        mean_t @ mean_t,
    )


def _pair(grads_x, grads_theta):
    gx = _check_per_sample(grads_x, "grads_x")
    gt = _check_per_sample(grads_theta, "grads_theta")
    if gx.shape != gt.shape:
        raise ValueError(f"grads_x and grads_theta must have the same shape, got {gx.shape} and {gt.shape}")
    return gx, gt


def kd_second_moment(grads_x, grads_theta, lam, *, batch_size: int = 1, unbiased: bool = False):
    """``E || mean_{i in B} (grad f_i(x) - lam grad f_i(theta)) ||^2`` over minibatches ``B``.

    Exact (no sampling) for minibatches of ``batch_size`` indices drawn uniformly
    with replacement from the ``n`` samples: with ``g_i`` the per-sample
    distillation gradient, the value is ``(1/m) mean_i ||g_i||^2 + (1 - 1/m) ||mean_i g_i||^2``.
    At ``x = x*`` this is the *noise at the optimum* that sets SGD's floor.
    With ``unbiased=True`` the estimator is ``g_i + lam grad f(theta)`` (mean-corrected).

    Parameters
    ----------
    grads_x, grads_theta : arrays of shape (n, ...)
        Per-sample hard-label gradients at the student ``x`` and the teacher ``theta``.
    lam : float or array of floats in [0, 1]
    batch_size : int >= 1

    Returns
    -------
    float, or ndarray of the shape of ``lam``.
    """
    gx, gt = _pair(grads_x, grads_theta)
    scalar = np.ndim(lam) == 0
    lams = lam_values(lam, "lam")
    m = as_int(batch_size, "batch_size", minimum=1)
    xx, xt, tt, mx2, mxt, mt2 = _moments(gx, gt)
    per_sample = xx - 2 * lams * xt + lams**2 * tt
    if unbiased:
        # g_i + lam mean(gt): shifts each g_i by a constant, so only the mean term changes
        per_sample = per_sample + 2 * lams * (mxt - lams * mt2) + lams**2 * mt2
        mean_sq = mx2 * np.ones_like(lams)
    else:
        mean_sq = mx2 - 2 * lams * mxt + lams**2 * mt2
    value = per_sample / m + (1 - 1 / m) * mean_sq
    return float(value[0]) if scalar else value


def optimal_distillation_weight(grads_x, grads_theta, *, batch_size: int = 1, unbiased: bool = False) -> float:
    """The weight ``lam*`` minimizing :func:`kd_second_moment` (unconstrained).

    Setting the derivative of the quadratic ``E||G_x - lam G_theta||^2`` to zero
    (``G`` the minibatch gradients) gives the control-variate coefficient

        lam* = E<G_x, G_theta> / E||G_theta||^2,

    which for ``batch_size = 1`` and ``x = x*`` is
    ``E<grad f_xi(x*), grad f_xi(theta)> / E||grad f_xi(theta)||^2``. A perfect
    teacher (``theta = x*``) gives ``lam* = 1`` and zero noise. For the
    unbiased estimator the means are removed first (classic control variate).
    The value can leave ``[0, 1]``; since the objective is a convex quadratic,
    the best admissible weight is ``clip(lam*, 0, 1)``.
    """
    gx, gt = _pair(grads_x, grads_theta)
    m = as_int(batch_size, "batch_size", minimum=1)
    xx, xt, tt, mx2, mxt, mt2 = _moments(gx, gt)
    if unbiased:
        numerator, denominator = (xt - mxt) / m, (tt - mt2) / m
    else:
        numerator = xt / m + (1 - 1 / m) * mxt
        denominator = tt / m + (1 - 1 / m) * mt2
    if denominator <= 0:
        raise ValueError("grads_theta must not vanish (or, if unbiased, must vary across samples)")
    return float(numerator / denominator)


def sgd_stationary_covariance(A, b, *, lr: float, batch_size: int = 1) -> np.ndarray:
    """Stationary covariance ``Sigma_0`` of plain constant-step SGD on least squares around ``x*``.

    With minibatch Hessian ``H_B`` and gradient noise ``n_B = grad f_B(x*)``, the
    error ``e_t = x_t - x*`` follows ``e_{t+1} = (I - lr H_B) e_t - lr n_B``; its
    covariance solves the linear equation

        Sigma = E[(I - lr H_B) Sigma (I - lr H_B)] + lr^2 E[n_B n_B^T],

    solved exactly here (a ``d^2 x d^2`` system). For the distillation estimator
    the noise is ``(1 - lam) n_B`` around ``x_lam`` and the covariance is
    ``(1 - lam)^2 Sigma_0``.

    Raises ``ValueError`` if ``lr`` is too large for the second moment to stay bounded.

    Returns
    -------
    ndarray of shape (d, d).
    """
    A = as_data_matrix(A, "A")
    b = _check_targets(b, A.shape[0])
    lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
    m = as_int(batch_size, "batch_size", minimum=1)
    n, d = A.shape
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    residual = A @ x_star - b
    H = A.T @ A / n
    outer = np.einsum("ia,ib->iab", A, A).reshape(n, d * d)  # vec(a a^T)
    fourth = outer.T @ outer / n  # E[vec(aa^T) vec(aa^T)^T]: the map Sigma -> E[a a^T Sigma a a^T]
    I = np.eye(d)
    # vec(H Sigma) = (I kron H) vec(Sigma) (row-major vec), vec(Sigma H) = (H kron I) vec(Sigma)
    linear = np.kron(I, H) + np.kron(H, I)
    second = fourth / m + (1 - 1 / m) * np.kron(H, H)
    operator = np.eye(d * d) - (np.eye(d * d) - lr * linear + lr**2 * second)
    noise = (A * residual[:, None]).T @ (A * residual[:, None]) / n / m
    spectral = np.max(np.abs(np.linalg.eigvals(np.eye(d * d) - operator)))
    if spectral >= 1:
        raise ValueError(
            f"lr = {lr} is too large: SGD's second moment diverges (contraction factor {spectral:.3g} >= 1)"
        )
    sigma = np.linalg.solve(operator, lr**2 * noise.ravel()).reshape(d, d)
    return (sigma + sigma.T) / 2


def small_step_noise_floor(grads_opt, *, lr: float, batch_size: int = 1) -> float:
    """The noise floor of plain SGD for a small step: ``lr * sigma_*^2 / (4 m)``.

    ``sigma_*^2 = mean_i ||grad f_i(x*)||^2`` is the gradient noise at the
    optimum. For least squares this is the first-order term of
    ``tr(H Sigma_0) / 2`` (:func:`sgd_stationary_covariance`): the Lyapunov
    equation ``H Sigma + Sigma H = lr E[n n^T] / m`` gives ``tr(H Sigma) = lr sigma_*^2 / (2 m)``.
    Near a non-degenerate optimum the same holds for any smooth loss.

    Parameters
    ----------
    grads_opt : array of shape (n, ...), per-sample gradients at the optimum
    lr : float > 0; batch_size : int >= 1
    """
    grads = _check_per_sample(grads_opt, "grads_opt")
    lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
    m = as_int(batch_size, "batch_size", minimum=1)
    return float(lr * np.sum(grads**2) / grads.shape[0] / (4 * m))


def balanced_weight(noise_floor: float, teacher_excess: float) -> float:
    """The ``lam`` minimizing ``lam^2 B + (1 - lam)^2 V``: ``V / (V + B)``.

    ``V`` is the noise floor of plain SGD (excess risk at ``lam = 0``) and ``B``
    the teacher's excess risk ``f(theta) - f(x*)`` (the bias at ``lam = 1``).
    Exact for least squares, where the mean iterate is ``x_lam`` and the
    fluctuations shrink by ``(1 - lam)^2``; a local approximation otherwise.
    """
    V = as_float(noise_floor, "noise_floor", minimum=0.0)
    B = as_float(teacher_excess, "teacher_excess", minimum=0.0)
    if V + B == 0:
        raise ValueError("noise_floor and teacher_excess must not both be zero")
    return V / (V + B)


@dataclass(frozen=True)
class StationaryRisk:
    """Stationary excess risk ``E f(x_t) - f(x*)`` of distillation SGD on least squares.

    Attributes
    ----------
    lam : ndarray of shape (L,)
    bias : ndarray of shape (L,)
        ``lam^2 (theta - x*)^T H (theta - x*) / 2``: the mean iterate sits at ``x_lam``.
    variance : ndarray of shape (L,)
        ``(1 - lam)^2 tr(H Sigma_0) / 2``: the noise floor.
    """

    lam: np.ndarray
    bias: np.ndarray
    variance: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """``bias + variance``, shape ``(L,)``."""
        return self.bias + self.variance


def _teacher_gap(A, b, theta):
    A = as_data_matrix(A, "A")
    b = _check_targets(b, A.shape[0])
    theta = as_vector(theta, "theta")
    if theta.shape[0] != A.shape[1]:
        raise ValueError(f"theta must have shape ({A.shape[1]},) to match A, got {theta.shape}")
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    delta = theta - x_star
    H = A.T @ A / A.shape[0]
    return A, b, float(delta @ H @ delta) / 2


def least_squares_stationary_risk(A, b, theta, lams, *, lr: float, batch_size: int = 1) -> StationaryRisk:
    """Bias and noise floor of constant-step distillation SGD on least squares, for each ``lam``.

    ``E f(x_t) - f(x*) -> lam^2 B + (1 - lam)^2 V`` with ``B = (theta - x*)^T H (theta - x*) / 2``
    and ``V = tr(H Sigma_0) / 2`` (:func:`sgd_stationary_covariance`). Exact for
    minibatches drawn with replacement.
    """
    A, b, gap = _teacher_gap(A, b, theta)
    lams = lam_values(lams)
    sigma = sgd_stationary_covariance(A, b, lr=lr, batch_size=batch_size)
    H = A.T @ A / A.shape[0]
    floor = float(np.sum(H * sigma)) / 2
    return StationaryRisk(lam=lams, bias=lams**2 * gap, variance=(1 - lams) ** 2 * floor)


def best_weight_for_sgd(A, b, theta, *, lr: float, batch_size: int = 1) -> float:
    """The ``lam`` minimizing the stationary excess risk ``lam^2 B + (1 - lam)^2 V``: ``V / (B + V)``."""
    A, b, gap = _teacher_gap(A, b, theta)
    sigma = sgd_stationary_covariance(A, b, lr=lr, batch_size=batch_size)
    floor = float(np.sum((A.T @ A / A.shape[0]) * sigma)) / 2
    return balanced_weight(floor, gap)


# ---------------------------------------------------------------------------
# SGD runners, batched over lam values and seeds


@dataclass(frozen=True)
class SGDRun:
    """Trajectories of distillation SGD for several ``lam`` values and seeds.

    Attributes
    ----------
    lams : ndarray of shape (L,)
    steps : ndarray of shape (R,), the iteration of each record
    excess : ndarray of shape (L, S, R)
        ``f(x_t) - f(x*)`` of the hard-label objective at each record, per ``lam`` and seed.
    final : ndarray of shape (L, S, ...)
        The last iterates.
    """

    lams: np.ndarray
    steps: np.ndarray
    excess: np.ndarray
    final: np.ndarray

    def tail_mean(self, fraction: float = 0.5) -> np.ndarray:
        """Mean excess over seeds and over the last ``fraction`` of records, shape ``(L,)``.

        Averaging the *error* over time (not the iterates) estimates the stationary excess risk.
        """
        fraction = as_float(fraction, "fraction", minimum=0.0, maximum=1.0, strict_minimum=True)
        start = min(int(np.floor((1 - fraction) * len(self.steps))), len(self.steps) - 1)
        return self.excess[:, :, start:].mean(axis=(1, 2))


def _check_bounded(iterates: np.ndarray, lr: float) -> None:
    # checked at every record, before the iterates can overflow
    if not np.all(np.abs(iterates) < 1e100):
        raise ValueError(f"SGD diverged: lr = {lr} is too large for this data")


def _sgd_settings(lr, batch_size, steps, n_seeds, record_every):
    lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
    m = as_int(batch_size, "batch_size", minimum=1)
    steps = as_int(steps, "steps", minimum=1)
    n_seeds = as_int(n_seeds, "n_seeds", minimum=1)
    record_every = as_int(record_every, "record_every", minimum=1, maximum=steps)
    return lr, m, steps, n_seeds, record_every


def run_kd_sgd_least_squares(
    A,
    b,
    theta,
    lams,
    *,
    lr: float,
    batch_size: int,
    steps: int,
    n_seeds: int,
    seed,
    x0=None,
    unbiased: bool = False,
    record_every: int = 10,
) -> SGDRun:
    """Distillation SGD on least squares: ``x <- x - lr * (grad f_B(x) - lam grad f_B(theta) [+ lam grad f(theta)])``.

    The teacher's predictions ``a^T theta`` replace the labels with weight ``lam``
    (the least-squares analogue of the distillation loss); the bracketed term is
    added when ``unbiased=True``. All ``lam`` values and seeds run together;
    every ``(lam, seed)`` pair uses the same minibatch sequence for a given seed
    (common random numbers), which makes differences between ``lam`` values
    less noisy.

    Parameters
    ----------
    A : array of shape (n, d); b : array of shape (n,)
    theta : array of shape (d,), the teacher
    lams : array of L weights in [0, 1]
    lr : float > 0; batch_size : int >= 1; steps : int >= 1; n_seeds : int >= 1
    seed : int or numpy Generator
    x0 : array of shape (d,), optional start (default 0)
    unbiased : bool, add ``lam grad f(theta)`` (stationary point ``x*``)
    record_every : int, record ``f(x) - f(x*)`` every this many steps

    Returns
    -------
    SGDRun with ``final`` of shape ``(L, S, d)``.
    """
    A = as_data_matrix(A, "A")
    n, d = A.shape
    b = _check_targets(b, n)
    theta = as_vector(theta, "theta")
    if theta.shape[0] != d:
        raise ValueError(f"theta must have shape ({d},) to match A, got {theta.shape}")
    lams = lam_values(lams)
    lr, m, steps, n_seeds, record_every = _sgd_settings(lr, batch_size, steps, n_seeds, record_every)
    rng = as_generator(seed, "seed")
    x = np.zeros(d) if x0 is None else as_vector(x0, "x0")
    if x.shape[0] != d:
        raise ValueError(f"x0 must have shape ({d},), got {x.shape}")
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    H = A.T @ A / n
    teacher_pred = A @ theta
    full_teacher_grad = H @ theta - A.T @ b / n
    L = lams.size
    X = np.broadcast_to(x, (L, n_seeds, d)).copy()
    lam_col = lams[:, None, None]
    records, excess = [], []
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported by _check_bounded
        for t in range(1, steps + 1):
            idx = rng.integers(0, n, size=(n_seeds, m))
            Ab = A[idx]  # (S, m, d)
            target = (1 - lam_col) * b[idx][None] + lam_col * teacher_pred[idx][None]  # (L, S, m)
            residual = np.einsum("smd,lsd->lsm", Ab, X) - target
            grad = np.einsum("lsm,smd->lsd", residual, Ab) / m
            if unbiased:
                grad = grad + lam_col * full_teacher_grad
            X = X - lr * grad
            if t % record_every == 0:
                _check_bounded(X, lr)
                E = X - x_star
                records.append(t)
                excess.append(0.5 * np.einsum("lsd,de,lse->ls", E, H, E))
        _check_bounded(X, lr)
    return SGDRun(lams=lams, steps=np.array(records), excess=np.stack(excess, axis=-1), final=X)


def _softmax_rows(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def run_kd_sgd_softmax(
    Z,
    y,
    Theta,
    lams,
    *,
    lr: float,
    batch_size: int,
    steps: int,
    n_seeds: int,
    seed,
    W_star=None,
    unbiased: bool = False,
    record_every: int = 50,
) -> SGDRun:
    """Distillation SGD for a linear softmax student at temperature 1, from zero weights.

    The minibatch gradient is ``mean_B (softmax(W z) - (1 - lam) e_y - lam softmax(Theta z)) z^T``
    ``= grad f_B(W) - lam grad f_B(Theta)``; with ``unbiased=True``,
    ``lam grad f(Theta)`` is added. Batched over ``lam`` values and seeds with
    common random numbers (see :func:`run_kd_sgd_least_squares`).

    Parameters
    ----------
    Z : array of shape (n, d); y : int array of shape (n,) with labels in ``0..K-1``
    Theta : array of shape (K, d), the teacher
    lams : array of L weights in [0, 1]
    lr, batch_size, steps, n_seeds, seed, record_every : as in :func:`run_kd_sgd_least_squares`
    W_star : array of shape (K, d), optional
        The hard-label optimum; ``excess`` is ``f(W) - f(W_star)`` (default: ``f(W)`` itself).

    Returns
    -------
    SGDRun with ``final`` of shape ``(L, S, K, d)``.
    """
    Z = as_data_matrix(Z, "Z")
    n, d = Z.shape
    Theta = _check_weights(Theta, "Theta", d=d)
    K = Theta.shape[0]
    y = _check_labels(y, n, K)
    lams = lam_values(lams)
    lr, m, steps, n_seeds, record_every = _sgd_settings(lr, batch_size, steps, n_seeds, record_every)
    rng = as_generator(seed, "seed")
    onehot = np.eye(K)[y]
    f_star = 0.0
    if W_star is not None:
        W_star = _check_weights(W_star, "W_star", d=d, n_classes=K)
        f_star = softmax_loss(W_star, Z, y)
    teacher_probs = softmax(Z @ Theta.T, axis=1)
    full_teacher_grad = (teacher_probs - onehot).T @ Z / n
    L = lams.size
    W = np.zeros((L, n_seeds, K, d))
    lam_col = lams[:, None, None, None]
    records, excess = [], []
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported by _check_bounded
        for t in range(1, steps + 1):
            idx = rng.integers(0, n, size=(n_seeds, m))
            Zb = Z[idx]  # (S, m, d)
            logits = Zb[None] @ np.swapaxes(W, -1, -2)  # (L, S, m, K)
            target = (1 - lam_col) * onehot[idx][None] + lam_col * teacher_probs[idx][None]
            residual = _softmax_rows(logits) - target
            grad = np.swapaxes(residual, -1, -2) @ Zb[None] / m  # (L, S, K, d)
            if unbiased:
                grad = grad + lam_col * full_teacher_grad
            W = W - lr * grad
            if t % record_every == 0:
                _check_bounded(W, lr)
                logits = Z @ np.swapaxes(W, -1, -2)  # (L, S, n, K)
                top = logits.max(axis=-1)
                log_norm = top + np.log(np.exp(logits - top[..., None]).sum(axis=-1))
                loss = np.mean(log_norm - logits[..., np.arange(n), y], axis=-1)
                records.append(t)
                excess.append(loss - f_star)
        _check_bounded(W, lr)
    return SGDRun(lams=lams, steps=np.array(records), excess=np.stack(excess, axis=-1), final=W)
