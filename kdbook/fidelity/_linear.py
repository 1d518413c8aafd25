"""The linear contrast: Theorem 1 for a softmax student (Phuong & Lampert, 2019, eq. 6)."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax
from sklearn.linear_model import LogisticRegression

from .._params import Array, Integer, Real, validate_params
from ..students import ConvergenceWarning, distillation_solution
from ._checks import _check_classes

#: :func:`train_linear_student` warns when it stops farther than this (relative) from its limit.
LINEAR_GAP_TOLERANCE = 1e-3
#: Teacher logits whose centered values are this close (relative) to ``X W^T`` for some ``W`` are realizable.
_REALIZABLE = 1e-8


@validate_params(X=Array("n", "d"), y=Array("n", integer=True, low=0), C=Real(0.0, low_open=True))
def fit_linear_teacher(X, y, *, C: float = 0.1) -> np.ndarray:
    """A linear softmax teacher ``W_*`` (shape ``(K, d)``, no intercept) by scikit-learn.

    Multinomial logistic regression with L2 penalty ``1/C`` (lbfgs, the same
    result every time). Append a column of ones to ``X`` to give the teacher a
    bias. For ``K = 2`` the binary model ``w`` is returned as the rows
    ``(-w/2, w/2)``, whose softmax is ``(1 - sigma(w^T x), sigma(w^T x))``.
    """
    if np.unique(y).shape[0] < 2:
        raise ValueError("y must contain at least 2 classes")
    model = LogisticRegression(C=C, fit_intercept=False, max_iter=5000, tol=1e-10)
    model.fit(X, y)
    W = model.coef_
    if W.shape[0] == 1:
        W = np.vstack([-W[0] / 2, W[0] / 2])
    return W.astype(np.float64)


@validate_params(W_star=Array("classes", "d"), X=Array("n", "d"))
def linear_distillation_solution(X, W_star) -> np.ndarray:
    """What a linear softmax student distilled from ``W_*`` converges to (from ``W = 0``).

    Theorem 1 of Phuong & Lampert (2019), eq. (6), extended row by row to
    ``K`` classes: with ``C = I - (1/K) 1 1^T`` (which removes a shift common
    to all classes and so changes no prediction), the limit is

    ``W_hat = C W_* P_X``,

    each row the :func:`kdbook.students.distillation_solution` of the
    corresponding row of ``C W_*``. When the rows of ``X`` span ``R^d``
    (``n >= d`` in general position) ``P_X = I`` and the student reproduces the
    teacher's probabilities on *every* input: agreement 1, KL 0.

    Parameters
    ----------
    X : array of shape (n, d)
        Distillation inputs, samples as rows.
    W_star : array of shape (K, d)
        The teacher's weights (logits ``W_* x``).

    Returns
    -------
    ndarray of shape (K, d)
    """
    if W_star.shape[0] < 2:
        raise ValueError(f"W_star must have shape (K, d) with K >= 2 classes (rows), got shape {W_star.shape}")
    centered = W_star - W_star.mean(axis=0, keepdims=True)
    return np.vstack([distillation_solution(X, row) if np.any(row) else row for row in centered])


@validate_params(
    X=Array("n", "d"), teacher_logits=Array("n", "classes"), temperature=Real(0.0, low_open=True),
    max_iter=Integer(1), tol=Real(0.0, low_open=True),
)
def train_linear_student(
    X, teacher_logits, *, temperature: float = 1.0, max_iter: int = 200, tol: float = 1e-10
) -> np.ndarray:
    """Distill a linear softmax student ``x -> W x`` from the teacher's logits, starting at ``W = 0``.

    Minimizes :func:`distillation_loss` at temperature ``T`` with scipy's
    Newton-CG (exact Hessian-vector products). A second-order method is used
    because a confident teacher saturates the soft labels and first-order
    methods then crawl. Newton-CG builds every step from gradients and
    Hessian-vector products, and each of these has rows in the span of the
    data and columns summing to 0; the iterates therefore stay where gradient
    descent would stay and converge to :func:`linear_distillation_solution`.

    Parameters
    ----------
    X : array of shape (n, d)
    teacher_logits : array of shape (n, K)
        The teacher's logits (or log-probabilities) on the rows of ``X``.
    temperature : float > 0
    max_iter : int >= 1
        Newton iterations.
    tol : float > 0
        scipy's ``xtol``: stop when the Newton step's mean absolute entry is below ``tol``.

    Returns
    -------
    ndarray of shape (K, d)

    Warns
    -----
    kdbook.students.ConvergenceWarning
        When the student stops more than ``LINEAR_GAP_TOLERANCE`` from its
        limit, with the gap reached: ``||W - W_hat|| / ||W_hat||`` when the
        teacher's logits are ``X W_*^T`` up to a shift per row (``W_hat`` as
        in :func:`linear_distillation_solution`), else the gradient norm
        relative to its value at ``W = 0``. A very confident teacher (logits
        in the hundreds) saturates the soft labels, and the student then
        agrees with it on every prediction long before it reaches ``W_hat``.
    """
    _check_classes(teacher_logits, "teacher_logits")
    n, d = X.shape
    K = teacher_logits.shape[1]
    targets = np.exp(log_softmax(teacher_logits / temperature, axis=1))

    def student_probs(flat):
        return log_softmax(X @ flat.reshape(K, d).T / temperature, axis=1)

    def loss(flat):
        return temperature**2 * float(np.mean(-np.sum(targets * student_probs(flat), axis=1)))

    def gradient(flat):
        q = np.exp(student_probs(flat))
        return (temperature * (q - targets).T @ X / n).ravel()

    def hessian_vector(flat, direction):
        q = np.exp(student_probs(flat))
        u = X @ direction.reshape(K, d).T
        j = q * u - q * np.sum(q * u, axis=1, keepdims=True)
        return (j.T @ X / n).ravel()

    result = minimize(
        loss, np.zeros(K * d), jac=gradient, hessp=hessian_vector, method="Newton-CG",
        options={"xtol": tol, "maxiter": max_iter},
    )
    W = result.x.reshape(K, d).copy()
    gap, measure = _linear_gap(X, teacher_logits, W, gradient)
    if gap > LINEAR_GAP_TOLERANCE:
        largest = float(np.abs(teacher_logits - teacher_logits.mean(axis=1, keepdims=True)).max() / temperature)
        warnings.warn(
            f"train_linear_student stopped at a gap of {gap:.3g} ({measure}) after {result.nit} Newton iterations, "
            f"above {LINEAR_GAP_TOLERANCE:g}; the teacher's centered logits / temperature reach {largest:.3g} "
            "(a confident teacher saturates the soft labels and flattens the loss): raise temperature or "
            "max_iter, or use linear_distillation_solution",
            ConvergenceWarning,
            stacklevel=2,
        )
    return W


def _linear_gap(X: np.ndarray, teacher_logits: np.ndarray, W: np.ndarray, gradient) -> tuple[float, str]:
    """How far ``W`` is from the limit of :func:`train_linear_student`, and what that number measures."""
    centered = teacher_logits - teacher_logits.mean(axis=1, keepdims=True)
    limit = np.linalg.lstsq(X, centered, rcond=None)[0].T  # min-norm W with X W^T = centered: C W_* P_X
    residual = np.linalg.norm(X @ limit.T - centered)
    scale = np.linalg.norm(limit)
    if scale > 0 and residual <= _REALIZABLE * max(np.linalg.norm(centered), 1.0):
        return float(np.linalg.norm(W - limit) / scale), "relative distance to linear_distillation_solution"
    start = np.linalg.norm(gradient(np.zeros(W.size)))
    if start == 0:  # the teacher is uniform on X: W = 0 is the limit
        return (float("inf") if np.any(W) else 0.0), "W should have stayed at its limit 0"
    return float(np.linalg.norm(gradient(W.ravel())) / start), "gradient norm relative to W = 0"
