"""Distillation in the kernel regime: wide networks as linear models on fixed features.

A wide two-layer ReLU network whose first layer stays at its random
initialization is a linear model on the random features
``phi(x) = relu(W x) / sqrt(width)`` (:func:`random_features`); these are the
tangent features of its output layer, and as the width grows their Gram
matrix tends to the arc-cosine kernel (:func:`arccos_kernel`; Cho & Saul,
2009). Ji & Zhu (NeurIPS 2020) analyse distillation into such a linearized
student: Phuong & Lampert's Theorem 1 then holds in feature space, and
:func:`feature_student` is where gradient descent from zero on the soft
labels goes (the book's derivation of that statement). The transfer risk by
transfer-set size (:func:`transfer_risk_by_size`) and the mix of soft and
hard labels ``rho L(soft) + (1 - rho) L(hard)`` with an imperfect teacher
(:func:`mixed_label_error`) are the book's computations of the effects Ji &
Zhu describe. :func:`supervision_complexity` is ``y^T K^{-1} y``, the
quantity of Harutyunyan et al. (ICML 2023).

The small ReLU MLP of :func:`train_mlp_student` (numpy, full-batch Adam) and
:func:`frozen_direction_students` serve the book's own study of whether
Phuong & Lampert's three factors govern nonlinear students.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from ._params import Anything, Array, Integer, Real, Seed, validate_params
from ._threads import single_threaded

__all__ = [
    "random_features",
    "arccos_kernel",
    "feature_student",
    "supervision_complexity",
    "transfer_risk_by_size",
    "mixed_label_error",
    "MLPStudent",
    "train_mlp_student",
    "mlp_logits",
    "frozen_direction_students",
    "parabola_task",
    "parabola_logits",
]

#: Soft targets strictly between 0 and 1 (a hard 0 or 1 has no finite minimizer).
_SOFT = dict(low=0.0, high=1.0, low_open=True, high_open=True)


@validate_params(X=Array("n", "d"), width=Integer(1), seed=Seed())
def random_features(X, *, width, seed=0) -> np.ndarray:
    """Random ReLU features ``phi(x) = relu(W x) / sqrt(width)``, ``W`` with standard normal entries.

    The output layer's tangent features of a two-layer ReLU network whose
    first layer ``W`` (shape ``(width, d)``) is frozen at its initialization
    (Ji & Zhu, 2020, linearize the whole network; this is its top layer).
    The same ``seed`` gives the same ``W``, so call it with one seed for the
    transfer and the test inputs.

    Parameters
    ----------
    X : array of shape (n, d)
        Inputs, one per row (append a constant column for a bias).
    width : int >= 1
        Number of hidden units ``p``.
    seed : int >= 0 or numpy.random.Generator, default 0

    Returns
    -------
    ndarray of shape (n, width)
    """
    W = seed.standard_normal((width, X.shape[1]))
    return np.maximum(X @ W.T, 0.0) / np.sqrt(width)


@validate_params(A=Array("n", "d"), B=Array("k", "d"))
def arccos_kernel(A, B) -> np.ndarray:
    """The infinite-width limit of ``random_features(A) @ random_features(B).T``.

    ``E_w[relu(w.a) relu(w.b)] = |a| |b| (sin t + (pi - t) cos t) / (2 pi)``
    with ``t`` the angle between ``a`` and ``b`` and ``w ~ N(0, I)``: the
    arc-cosine kernel of degree 1 (Cho & Saul, 2009). Zero rows give zero.

    Parameters
    ----------
    A : array of shape (n, d)
    B : array of shape (k, d)

    Returns
    -------
    ndarray of shape (n, k)
    """
    norms_a, norms_b = np.linalg.norm(A, axis=1), np.linalg.norm(B, axis=1)
    scale = np.outer(norms_a, norms_b)
    cosine = np.divide(A @ B.T, scale, out=np.zeros_like(scale), where=scale > 0)
    angle = np.arccos(np.clip(cosine, -1.0, 1.0))
    return scale * (np.sin(angle) + (np.pi - angle) * np.cos(angle)) / (2 * np.pi)


def _row_space(Phi):
    """Orthonormal basis (rows) of the span of the rows of Phi."""
    _, singular, right = np.linalg.svd(Phi, full_matrices=False)
    if singular.size == 0 or singular[0] == 0:
        return right[:0]
    rank = int(np.sum(singular > singular[0] * max(Phi.shape) * np.finfo(float).eps))
    return right[:rank]


@validate_params(Phi=Array("n", "p"), targets=Array("n", **_SOFT), iterations=Integer(1))
def feature_student(Phi, targets, *, iterations=100) -> np.ndarray:
    """Where gradient descent from zero on the soft-label cross-entropy goes, in feature space.

    The student ``sigmoid(w . phi(x))`` minimizes the mean cross-entropy to
    ``targets`` (soft labels in (0, 1)). Every gradient is a combination of
    the rows of ``Phi``, so the iterates stay in their span; the loss is
    strictly convex there, and the limit is its minimizer in the span. When
    the rows are independent (``rank Phi = n``, e.g. ``width >= n``) the
    student matches every target exactly and the limit is the minimum-norm
    interpolant ``Phi^+ logit(targets)``; for a teacher in feature space,
    ``targets = sigmoid(Phi w_*)``, it is the projection ``P_Phi w_*``:
    Phuong & Lampert's Theorem 1 with ``X`` replaced by ``Phi`` (the form
    Ji & Zhu, 2020, build on). Otherwise Newton's method in the span finds it.

    Parameters
    ----------
    Phi : array of shape (n, p)
        Features of the transfer inputs, one row each.
    targets : array of shape (n,), entries in (0, 1)
        Soft labels (or any mix of soft and hard labels strictly inside (0, 1)).
    iterations : int >= 1, default 100
        Newton steps when ``rank Phi < n``.

    Returns
    -------
    ndarray of shape (p,)
    """
    z = logit(targets)
    if len(Phi) <= Phi.shape[1]:
        gram = Phi @ Phi.T
        values = np.linalg.eigvalsh(gram)
        if values[-1] > 0 and values[0] > values[-1] * len(Phi) * 1e-13:
            return Phi.T @ np.linalg.solve(gram, z)  # rank n: the minimum-norm interpolant
    basis = _row_space(Phi)
    if len(basis) == 0:
        return np.zeros(Phi.shape[1])
    A = Phi @ basis.T  # (n, r): the coordinates of the features in the span
    if len(basis) == len(Phi):
        return basis.T @ np.linalg.solve(A, z)
    a = np.zeros(len(basis))
    for _ in range(iterations):
        p = expit(A @ a)
        gradient = A.T @ (p - targets) / len(A)
        hessian = (A * (p * (1 - p))[:, None]).T @ A / len(A)
        step = np.linalg.solve(hessian + 1e-14 * np.eye(len(a)) * np.trace(hessian), gradient)
        t = 1.0
        loss = _cross_entropy(A @ a, targets)
        while _cross_entropy(A @ (a - t * step), targets) > loss - 0.25 * t * gradient @ step and t > 1e-8:
            t /= 2
        a = a - t * step
        if np.linalg.norm(gradient) < 1e-13:
            break
    return basis.T @ a


def _cross_entropy(logits, targets):
    return float(np.mean(np.logaddexp(0.0, logits) - targets * logits))


@validate_params(K=Array("n", "n"), y=Array("n"))
def supervision_complexity(K, y) -> float:
    """``y^T K^{-1} y``, the supervision complexity of targets ``y`` for the kernel Gram matrix ``K``.

    Harutyunyan et al. (ICML 2023) bound a kernel student's generalization
    by a quantity of this form (their bound uses its square root, scaled by
    the sample size). It is also the squared norm of the minimum-norm
    weights that fit ``y`` exactly: with ``K = Phi Phi^T``,
    ``||Phi^+ y||^2 = y^T K^{-1} y``.

    Parameters
    ----------
    K : array of shape (n, n)
        Symmetric positive definite Gram matrix.
    y : array of shape (n,)
        Targets.

    Returns
    -------
    float
    """
    scale = max(float(np.abs(K).max()), np.finfo(float).tiny)
    if np.abs(K - K.T).max() > 1e-10 * scale:
        raise ValueError("K must be symmetric")
    values, vectors = np.linalg.eigh((K + K.T) / 2)
    if values[0] <= values[-1] * len(K) * np.finfo(float).eps * 10 or values[-1] <= 0:
        raise ValueError(f"K must be positive definite, got smallest eigenvalue {values[0]:.3g}")
    coefficients = vectors.T @ y
    return float(np.sum(coefficients**2 / values))


def _draw(rng, pool, n):
    return rng.choice(pool, size=n, replace=False)


@validate_params(Phi_pool=Array("n", "p"), pool_logits=Array("n"), Phi_test=Array("k", "p"),
                 test_logits=Array("k", nonzero=True), sizes=Array(None, integer=True, low=1),
                 trials=Integer(2), seed=Seed())
def transfer_risk_by_size(Phi_pool, pool_logits, Phi_test, test_logits, *, sizes, trials=200, seed=0) -> pd.DataFrame:
    """Expected transfer risk of the feature-space student by transfer-set size, by Monte Carlo.

    For each ``n`` in ``sizes``, ``trials`` transfer sets of ``n`` rows are
    drawn without replacement from the pool; the student is
    :func:`feature_student` on the teacher's soft labels
    ``sigmoid(pool_logits)``, and its transfer risk is the fraction of test
    inputs whose predicted class differs from the teacher's (eq. (4) of
    Phuong & Lampert, estimated on the test rows).

    Parameters
    ----------
    Phi_pool : array of shape (n, p)
        Features of the pool of transfer inputs.
    pool_logits : array of shape (n,)
        The teacher's logits on the pool.
    Phi_test : array of shape (k, p)
        Features of the test inputs.
    test_logits : array of shape (k,)
        The teacher's logits on the test inputs (non-zero).
    sizes : int array
        Transfer-set sizes, each at most the pool's size.
    trials : int >= 2, default 200
    seed : int >= 0 or numpy.random.Generator, default 0

    Returns
    -------
    pandas.DataFrame with columns ``n``, ``risk``, ``risk_se``.
    """
    if sizes.max() > len(Phi_pool):
        raise ValueError(f"sizes must be at most the pool's size {len(Phi_pool)}, got {sizes.max()}")
    soft = np.clip(expit(pool_logits), 1e-12, 1 - 1e-12)
    rows = []
    for n in sizes:
        risks = np.empty(trials)
        with single_threaded():
            for trial in range(trials):
                picks = _draw(seed, len(Phi_pool), int(n))
                w = feature_student(Phi_pool[picks], soft[picks])
                risks[trial] = np.mean((Phi_test @ w > 0) != (test_logits > 0))
        rows.append({"n": int(n), "risk": risks.mean(), "risk_se": risks.std(ddof=1) / np.sqrt(trials)})
    return pd.DataFrame(rows)


@validate_params(Phi_pool=Array("n", "p"), pool_logits=Array("n"), pool_labels=Array("n", integer=True, low=0, high=1),
                 Phi_test=Array("k", "p"), test_labels=Array("k", integer=True, low=0, high=1),
                 size=Integer(1), rhos=Array(None, low=0.0, high=1.0, low_open=True), trials=Integer(2), seed=Seed())
def mixed_label_error(Phi_pool, pool_logits, pool_labels, Phi_test, test_labels, *, size, rhos, trials=200,
                      seed=0) -> pd.DataFrame:
    """Test error of the feature-space student trained on ``rho L(soft) + (1 - rho) L(hard)``.

    The cross-entropy is linear in its target, so the mixed loss is the
    cross-entropy to the mixed target ``rho sigmoid(teacher logit) + (1 - rho)
    y`` (Ji & Zhu, 2020, study this mix); :func:`feature_student` gives the
    limit of gradient descent from zero. The error is measured against the
    true test labels, on the same transfer sets for every ``rho``, so the
    differences to ``rho = 1`` (pure soft labels) are paired.

    Parameters
    ----------
    Phi_pool : array of shape (n, p)
    pool_logits : array of shape (n,)
        The teacher's logits on the pool.
    pool_labels : int array of shape (n,)
        True labels (0 or 1) of the pool.
    Phi_test : array of shape (k, p)
    test_labels : int array of shape (k,)
        True labels of the test inputs.
    size : int >= 1
        Transfer-set size.
    rhos : array, entries in (0, 1]
        Weights of the soft labels (0 would be hard labels alone: no finite limit).
    trials : int >= 2, default 200
    seed : int >= 0 or numpy.random.Generator, default 0

    Returns
    -------
    pandas.DataFrame with columns ``rho``, ``error``, ``error_se``, ``diff``
    (error minus the error at ``rho = 1``) and ``diff_se``.
    """
    if size > len(Phi_pool):
        raise ValueError(f"size must be at most the pool's size {len(Phi_pool)}, got {size}")
    soft = np.clip(expit(pool_logits), 1e-12, 1 - 1e-12)
    weights = np.append(rhos, 1.0)
    errors = np.empty((trials, len(weights)))
    with single_threaded():
        for trial in range(trials):
            picks = _draw(seed, len(Phi_pool), size)
            for j, rho in enumerate(weights):
                targets = np.clip(rho * soft[picks] + (1 - rho) * pool_labels[picks], 1e-12, 1 - 1e-12)
                w = feature_student(Phi_pool[picks], targets)
                errors[trial, j] = np.mean((Phi_test @ w > 0) != (test_labels == 1))
    diff = errors[:, :-1] - errors[:, -1:]
    root = np.sqrt(trials)
    return pd.DataFrame({"rho": rhos, "error": errors[:, :-1].mean(0), "error_se": errors[:, :-1].std(0, ddof=1) / root,
                         "diff": diff.mean(0), "diff_se": diff.std(0, ddof=1) / root})


@dataclass(frozen=True)
class MLPStudent:
    """A two-layer ReLU network ``x -> w2 . relu(W1 x + b1) + b2`` (a logit), as numpy arrays."""

    W1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float
    losses: np.ndarray


@validate_params(X=Array("n", "d", nonzero=True), targets=Array("n", low=0.0, high=1.0), hidden=Integer(1),
                 steps=Integer(1), lr=Real(0.0, low_open=True), seed=Seed())
def train_mlp_student(X, targets, *, hidden=16, steps=400, lr=0.02, seed=0) -> MLPStudent:
    """Train a small ReLU MLP on (soft) targets: full-batch Adam on the mean binary cross-entropy.

    The book's own nonlinear student for the open question of Phuong &
    Lampert's conclusion. Weights start as ``torch.nn.Linear`` would draw
    them (uniform in ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``), from ``seed``.

    Parameters
    ----------
    X : array of shape (n, d)
        Transfer inputs (not all zero).
    targets : array of shape (n,), entries in [0, 1]
        Soft labels (or hard labels 0/1).
    hidden : int >= 1, default 16
    steps : int >= 1, default 400
    lr : float > 0, default 0.02
    seed : int >= 0 or numpy.random.Generator, default 0

    Returns
    -------
    MLPStudent, with ``losses`` the training loss before each step.
    """
    n, d = X.shape
    bound_in, bound_out = 1 / np.sqrt(d), 1 / np.sqrt(hidden)
    params = [seed.uniform(-bound_in, bound_in, (hidden, d)), seed.uniform(-bound_in, bound_in, hidden),
              seed.uniform(-bound_out, bound_out, hidden), seed.uniform(-bound_out, bound_out, 1)]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    losses = np.empty(steps)
    for step in range(1, steps + 1):
        W1, b1, w2, b2 = params
        pre = X @ W1.T + b1
        act = np.maximum(pre, 0.0)
        out = act @ w2 + b2[0]
        losses[step - 1] = _cross_entropy(out, targets)
        error = (expit(out) - targets) / n
        back = np.outer(error, w2) * (pre > 0)
        grads = [back.T @ X, back.sum(0), act.T @ error, np.array([error.sum()])]
        for i, g in enumerate(grads):
            moments[i] = 0.9 * moments[i] + 0.1 * g
            squares[i] = 0.999 * squares[i] + 0.001 * g**2
            params[i] = params[i] - lr * (moments[i] / (1 - 0.9**step)) / (
                np.sqrt(squares[i] / (1 - 0.999**step)) + 1e-8)
    return MLPStudent(params[0], params[1], params[2], float(params[3][0]), losses)


def _check_student(student, X):
    if not isinstance(student, MLPStudent):
        raise TypeError(f"student must be an MLPStudent (from train_mlp_student), got {type(student).__name__}")
    if X.shape[1] != student.W1.shape[1]:
        raise ValueError(f"X must have {student.W1.shape[1]} features, got {X.shape[1]}")


@validate_params(student=Anything(), X=Array("n", "d"))
def mlp_logits(student, X) -> np.ndarray:
    """The logits ``w2 . relu(W1 x + b1) + b2`` of an :class:`MLPStudent` on the rows of ``X``, shape ``(n,)``."""
    _check_student(student, X)
    return np.maximum(X @ student.W1.T + student.b1, 0.0) @ student.w2 + student.b2


@validate_params(student=Anything(), X=Array("n", "d", nonzero=True), deltas=Array(None, low=0.0),
                 seed=Seed())
def frozen_direction_students(student, X, *, deltas, seed=0) -> list:
    """Students that differ from ``student`` only off the span of the transfer inputs ``X``.

    The gradient of the first layer is ``sum_i g_i x_i^T``: its rows lie in
    the span of the transfer inputs, so a first-layer component orthogonal to
    that span never changes and never touches a transfer input's hidden
    units. Adding ``delta * |W1| * Q`` (``Q`` random with rows orthogonal to
    the span, ``|Q| = 1`` in Frobenius norm) therefore gives a network with
    exactly the same outputs, and training run, on the transfer set: the
    book's nonlinear analogue of Phuong & Lampert's ``w_delta`` (Section 5.2).

    Parameters
    ----------
    student : MLPStudent
        A trained student.
    X : array of shape (n, d)
        Its transfer inputs (``n < d`` leaves room off the span).
    deltas : array, entries >= 0
        Sizes of the added component, relative to ``|W1|``.
    seed : int >= 0 or numpy.random.Generator, default 0

    Returns
    -------
    list of MLPStudent, one per delta.
    """
    _check_student(student, X)
    basis = _row_space(X)
    if len(basis) >= X.shape[1]:
        raise ValueError("X spans every direction (n >= d): no component can stay off its span")
    Q = seed.standard_normal(student.W1.shape)
    Q -= (Q @ basis.T) @ basis
    Q /= np.linalg.norm(Q)
    size = np.linalg.norm(student.W1)
    return [MLPStudent(student.W1 + delta * size * Q, student.b1, student.w2, student.b2, student.losses)
            for delta in deltas]


@validate_params(n=Integer(1), seed=Seed())
def parabola_task(n, *, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """The chapter's planar toy: inputs ``(x1, x2, 1)`` with ``(x1, x2) ~ N(0, I)`` and a teacher's logit.

    The teacher's logit is ``3 (x2 + 1/2 - x1^2)``: positive above a
    parabola. The constant third coordinate gives the random features a bias.

    Parameters
    ----------
    n : int >= 1
    seed : int >= 0 or numpy.random.Generator, default 0

    Returns
    -------
    X : ndarray of shape (n, 3)
    logits : ndarray of shape (n,)
    """
    X = np.hstack([seed.standard_normal((n, 2)), np.ones((n, 1))])
    return X, parabola_logits(X)


@validate_params(X=Array("n", 3))
def parabola_logits(X) -> np.ndarray:
    """The planar teacher's logit ``3 (x2 + 1/2 - x1^2)`` on rows ``(x1, x2, 1)``, shape ``(n,)``."""
    return 3.0 * (X[:, 1] + 0.5 - X[:, 0] ** 2)
