"""Learners that map a stack of transfer sets to weight vectors, all at once.

The Monte Carlo experiments of the book draw hundreds of transfer sets; each
learner here takes them as one array ``X_batch`` of shape ``(trials, n, d)``
and returns weights of shape ``(trials, d)`` with batched linear algebra, so
no Python loop trains one set at a time.

* :func:`distillation_weights`: the gradient-descent distillation student,
  i.e. ``w_hat`` of Theorem 1 (eq. 6), through one batched QR.
* :func:`hard_label_weights`: logistic regression on the teacher's 0/1 labels
  trained by gradient descent from zero; on separable data its norm grows
  without bound and its direction approaches the max-margin separator
  (Soudry et al., 2018).
* :func:`max_margin_weights`: the hard-margin separator through the origin,
  the limit direction of :func:`hard_label_weights`;
* :func:`delta_weights`: the learners ``w_delta`` of Section 5.2, which
  minimize the distillation loss just as well but are pushed off the
  gradient-descent solution by ``delta`` in the orthogonal complement of the
  data span.
* :func:`transfer_risks`: eq. (4) on held-out inputs for many students.
"""

from __future__ import annotations

import numpy as np

from ._params import Array, Integer, Real, Seed, validate_params
from .losses import sigmoid
from .students import distillation_solutions, project_onto_spans

__all__ = [
    "distillation_weights",
    "hard_label_weights",
    "max_margin_weights",
    "orthogonal_directions",
    "delta_weights",
    "transfer_risks",
]


@validate_params(w_star=Array("d", nonzero=True), X_batch=Array("trials", "n", "d"))
def distillation_weights(X_batch, w_star) -> np.ndarray:
    """Distillation students ``w_hat`` (Theorem 1, eq. 6) for a stack of transfer sets.

    ``w_hat = w_*`` when ``n >= d`` and the projection of ``w_*`` onto the
    span of the set's inputs otherwise (computed through the ``(n, n)`` Gram
    matrices, with a QR fallback for ill-conditioned sets). Agrees with
    :func:`kdbook.students.distillation_solutions` up to rounding.

    Parameters
    ----------
    X_batch : array of shape (trials, n, d)
    w_star : array of shape (d,)

    Returns
    -------
    ndarray of shape (trials, d)
    """
    return distillation_solutions(X_batch, w_star)


@validate_params(
    w_star=Array("d", nonzero=True),
    X_batch=Array("trials", "n", "d", nonzero=True),
    steps=Integer(1),
    lr_scale=Real(0.0, 2.0, low_open=True, high_open=True),
)
def hard_label_weights(X_batch, w_star, *, steps: int = 300, lr_scale: float = 1.0) -> np.ndarray:
    """Logistic regression on the teacher's hard labels, by gradient descent from 0.

    Minimizes ``-(1/n) sum_i [t_i log sigma(w^T x_i) + (1 - t_i) log(1 - sigma(w^T x_i))]``
    with ``t_i = 1{w_*^T x_i >= 0}`` for ``steps`` steps of size
    ``lr_scale / L`` where ``L = lambda_max(X^T X) / (4 n)`` is the loss's
    smoothness constant (per transfer set).

    Gradient descent from zero stays in the span of the data, ``w = X^T c``,
    so when ``n < d`` the iteration runs on the ``n`` coefficients ``c`` with
    the Gram matrix ``X X^T`` (cost ``n^2`` per step instead of ``n d``); the
    iterates are identical.

    Parameters
    ----------
    X_batch : array of shape (trials, n, d), not all zeros; a set whose
        inputs are all zero has gradient 0 and its student stays at 0
    w_star : array of shape (d,)
    steps : int >= 1, default 300
        The book-wide hard-label budget (chapter 9 shows longer is worse at
        n = 4d).
    lr_scale : float in (0, 2)
        Step size in units of ``1 / L``; any value below 2 keeps every step a
        descent step.

    Returns
    -------
    ndarray of shape (trials, d). Rescale freely: only the direction
    matters for the classifier.
    """
    return _hard_label_path(X_batch, w_star, (steps,), lr_scale)[0]


def _hard_label_path(X_batch, w_star, checkpoints, lr_scale: float = 1.0) -> list:
    """The iterates of :func:`hard_label_weights` after each step count in ``checkpoints``, from one run.

    ``checkpoints`` is an increasing sequence of step counts; entry ``k`` of
    the returned list, shape ``(trials, d)``, equals
    ``hard_label_weights(X_batch, w_star, steps=checkpoints[k])`` (the same
    arithmetic, so the same bits), at the cost of the longest run alone.
    Callers validate the inputs.
    """
    trials, n, d = X_batch.shape
    targets = (X_batch @ w_star >= 0).astype(np.float64)  # (trials, n)
    largest = np.linalg.norm(X_batch, ord=2, axis=(1, 2)) ** 2  # lambda_max(X^T X)
    # An all-zero set has gradient 0 everywhere: its student stays at 0 (step 0, not 0 * inf).
    with np.errstate(divide="ignore"):
        step = np.where(largest > 0, lr_scale * 4.0 * n / largest, 0.0)[:, None]
    path, done = [], 0
    if n < d:
        gram = X_batch @ np.swapaxes(X_batch, 1, 2)  # (trials, n, n)
        coefficients = np.zeros((trials, n))
        for stop in checkpoints:
            for _ in range(stop - done):
                logits = np.einsum("tij,tj->ti", gram, coefficients)
                coefficients -= step * (sigmoid(logits) - targets) / n
            done = stop
            path.append(np.einsum("tnd,tn->td", X_batch, coefficients))
        return path
    # n >= d: iterate on the weights; batched matrix products (BLAS) rather than einsum's loops.
    X_t = np.swapaxes(X_batch, 1, 2)
    weights = np.zeros((trials, d, 1))
    scale = (step / n)[:, :, None]
    for stop in checkpoints:
        for _ in range(stop - done):
            weights -= scale * (X_t @ (sigmoid(X_batch @ weights) - targets[:, :, None]))
        done = stop
        path.append(weights[:, :, 0].copy())
    return path


#: Largest transfer set for :func:`max_margin_weights` (it enumerates support sets).
MAX_MARGIN_LIMIT = 12


@validate_params(w_star=Array("d", nonzero=True), X_batch=Array("trials", "n", "d"))
def max_margin_weights(X_batch, w_star) -> np.ndarray:
    """The max-margin separator through the origin of each transfer set's hard labels.

    Solves ``min ||w||^2 / 2`` subject to ``s_i w^T x_i >= 1`` with
    ``s_i = +1`` where the teacher says 1 and ``-1`` otherwise: the hard-margin
    SVM without intercept. Gradient descent on the logistic loss of the hard
    labels converges to this direction (Soudry et al., 2018), which makes it a
    reference for :func:`hard_label_weights`.

    The solution is ``w = sum_i alpha_i s_i x_i`` with ``alpha >= 0`` and
    ``s_i w^T x_i = 1`` on the support vectors (the KKT conditions). For small
    ``n`` the support set is found exactly by trying all subsets from the
    smallest up, which stays reliable when the Gram matrix is badly
    conditioned (short inputs), where general-purpose QP solvers struggle.

    Parameters
    ----------
    X_batch : array of shape (trials, n, d) with ``n <= 12``; each set must
        be linearly separable through the origin (true whenever ``n <= d``
        for inputs in general position)
    w_star : array of shape (d,)

    Returns
    -------
    ndarray of shape (trials, d)
    """
    from itertools import combinations

    trials, n, d = X_batch.shape
    if n > MAX_MARGIN_LIMIT:
        raise ValueError(
            f"X_batch must have n <= {MAX_MARGIN_LIMIT} rows per set (support sets are enumerated), got {n}"
        )
    signs = np.where(X_batch @ w_star >= 0, 1.0, -1.0)
    Z = signs[..., None] * X_batch  # rows s_i x_i
    kernel = Z @ np.swapaxes(Z, 1, 2)  # (trials, n, n)
    subsets = [list(c) for size in range(1, n + 1) for c in combinations(range(n), size)]
    weights = np.empty((trials, d))
    for t in range(trials):
        scale = np.max(np.abs(kernel[t]))
        for support in subsets:
            block = kernel[t][np.ix_(support, support)]
            alpha = np.linalg.lstsq(block, np.ones(len(support)), rcond=None)[0]
            if np.any(alpha < 0):
                continue
            margins = kernel[t][:, support] @ alpha
            if np.all(margins >= 1.0 - 1e-9) and np.allclose(margins[support], 1.0, atol=1e-9 * max(scale, 1.0)):
                weights[t] = Z[t][support].T @ alpha
                break
        else:
            raise ValueError(f"X_batch[{t}] is not linearly separable through the origin")
    return weights


@validate_params(X_batch=Array("trials", "n", "d"), seed=Seed())
def orthogonal_directions(X_batch, *, seed=0) -> np.ndarray:
    """Gaussian vectors ``q`` in the orthogonal complement of each data span (``X q = 0``).

    Parameters
    ----------
    X_batch : array of shape (trials, n, d) with ``n < d``
    seed : int or numpy.random.Generator, default 0

    Returns
    -------
    ndarray of shape (trials, d)
    """
    trials, n, d = X_batch.shape
    if n >= d:
        raise ValueError(f"X_batch must have n < d for a non-trivial orthogonal complement, got n={n}, d={d}")
    gaussian = seed.standard_normal((trials, d))
    return gaussian - project_onto_spans(X_batch, gaussian)


@validate_params(
    w_star=Array("d", nonzero=True), X_batch=Array("trials", "n", "d"), deltas=Array("k", low=0.0), seed=Seed()
)
def delta_weights(X_batch, w_star, deltas, *, seed=0) -> np.ndarray:
    """The learners ``w_delta = w_hat + delta (||w_hat|| / ||q||) q`` of Section 5.2.

    All of them fit the soft labels exactly (``X w_delta = X w_hat``), so they
    minimize the distillation loss equally well; ``delta = 0`` is the
    gradient-descent student. One ``q`` is drawn per transfer set and shared
    across the deltas, so the comparison between deltas is paired.

    Parameters
    ----------
    X_batch : array of shape (trials, n, d) with ``n < d``
    w_star : array of shape (d,)
    deltas : array of shape (k,), each >= 0
    seed : int or numpy.random.Generator, default 0

    Returns
    -------
    ndarray of shape (k, trials, d)
    """
    w_hat = distillation_weights(X_batch, w_star)
    q = orthogonal_directions(X_batch, seed=seed)
    unit_push = (np.linalg.norm(w_hat, axis=1) / np.linalg.norm(q, axis=1))[:, None] * q
    return w_hat[None, :, :] + deltas[:, None, None] * unit_push[None, :, :]


# weights is any stack (..., d): its last axis is checked against w_star in the body.
@validate_params(weights=Array(...), w_star=Array("d", nonzero=True), X_test=Array("m", "d"))
def transfer_risks(weights, w_star, X_test) -> np.ndarray:
    """Transfer risk (eq. 4) of many students on the same held-out inputs.

    Parameters
    ----------
    weights : array of shape (..., d)
        Any stack of student weight vectors.
    w_star : array of shape (d,)
    X_test : array of shape (m, d)

    Returns
    -------
    ndarray of shape ``weights.shape[:-1]``: the fraction of rows of
    ``X_test`` on which each student and the teacher disagree.
    """
    if weights.ndim == 0 or weights.shape[-1] != w_star.shape[0]:
        raise ValueError(
            f"weights must have d = {w_star.shape[0]} (as in w_star) along its last axis, got shape {weights.shape}"
        )
    teacher = X_test @ w_star >= 0
    flat = weights.reshape(-1, w_star.shape[0])
    student = (X_test @ flat.T) >= 0  # (m, k)
    risks = np.mean(student != teacher[:, None], axis=0)
    return risks.reshape(weights.shape[:-1])
