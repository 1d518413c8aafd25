"""SGD runners batched over ``lam`` values and seeds, for least squares and softmax regression."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import softmax

from .._params import Array, Boolean, Instance, Integer, Seed, validate_params
from .._validation import as_float
from ._checks import _check_classes, _check_label_range
from ._softmax import LABELS, softmax_loss
from ._stationary import LAM_GRID, STEP


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


def _check_record_every(record_every: int, steps: int) -> None:
    if record_every > steps:
        raise ValueError(f"record_every must be <= steps = {steps}, got {record_every}")


#: The settings both runners share.
_SETTINGS = dict(
    lams=LAM_GRID, lr=STEP, batch_size=Integer(1), steps=Integer(1), n_seeds=Integer(1), seed=Seed(),
    unbiased=Boolean(), record_every=Integer(1),
)


def _run(lams, start, gradient, excess, *, rng, n, m, lr, steps, record_every) -> SGDRun:
    """The loop both runners share: one minibatch of indices per seed and step, common to every ``lam``."""
    X = start
    n_seeds = start.shape[1]
    records, values = [], []
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported by _check_bounded
        for t in range(1, steps + 1):
            idx = rng.integers(0, n, size=(n_seeds, m))
            X = X - lr * gradient(X, idx)
            if t % record_every == 0:
                _check_bounded(X, lr)
                records.append(t)
                values.append(excess(X))
        _check_bounded(X, lr)
    return SGDRun(lams=lams, steps=np.array(records), excess=np.stack(values, axis=-1), final=X)


@validate_params(A=Array("n", "d"), b=Array("n"), theta=Array("d"), x0=Array("d", optional=True), **_SETTINGS)
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
    seed=0,
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
    seed : int >= 0 or numpy Generator, default 0
    x0 : array of shape (d,), optional start (default 0)
    unbiased : bool, add ``lam grad f(theta)`` (stationary point ``x*``)
    record_every : int in [1, steps], record ``f(x) - f(x*)`` every this many steps

    Returns
    -------
    SGDRun with ``final`` of shape ``(L, S, d)``.
    """
    n, d = A.shape
    _check_record_every(record_every, steps)
    m, rng = batch_size, seed
    x = np.zeros(d) if x0 is None else x0
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    H = A.T @ A / n
    teacher_pred = A @ theta
    full_teacher_grad = H @ theta - A.T @ b / n
    lam_col = lams[:, None, None]

    def gradient(X, idx):
        Ab = A[idx]  # (S, m, d)
        target = (1 - lam_col) * b[idx][None] + lam_col * teacher_pred[idx][None]  # (L, S, m)
        residual = np.einsum("smd,lsd->lsm", Ab, X) - target
        grad = np.einsum("lsm,smd->lsd", residual, Ab) / m
        return grad + lam_col * full_teacher_grad if unbiased else grad

    def excess(X):
        E = X - x_star
        return 0.5 * np.einsum("lsd,de,lse->ls", E, H, E)

    start = np.broadcast_to(x, (lams.size, n_seeds, d)).copy()
    return _run(lams, start, gradient, excess, rng=rng, n=n, m=m, lr=lr, steps=steps, record_every=record_every)


def _softmax_rows(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _softmax_excess(Z, y, f_star):
    """``f(W) - f_star`` for a batch of softmax students ``W`` (..., K, d): mean cross-entropy over all of Z."""
    n = Z.shape[0]

    def excess(W):
        logits = Z @ np.swapaxes(W, -1, -2)  # (..., n, K)
        top = logits.max(axis=-1)
        log_norm = top + np.log(np.exp(logits - top[..., None]).sum(axis=-1))
        return np.mean(log_norm - logits[..., np.arange(n), y], axis=-1) - f_star

    return excess


@validate_params(Z=Array("n", "d"), y=LABELS, Theta=Array("K", "d"), W_star=Array("K", "d", optional=True),
                 **_SETTINGS)
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
    seed=0,
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
    n, d = Z.shape
    _check_classes(Theta, "Theta")
    K = Theta.shape[0]
    _check_label_range(y, K, "y", "K = Theta.shape[0]")
    _check_record_every(record_every, steps)
    m, rng = batch_size, seed
    onehot = np.eye(K)[y]
    f_star = 0.0
    if W_star is not None:
        f_star = softmax_loss(W_star, Z, y)
    teacher_probs = softmax(Z @ Theta.T, axis=1)
    full_teacher_grad = (teacher_probs - onehot).T @ Z / n
    lam_col = lams[:, None, None, None]

    def gradient(W, idx):
        Zb = Z[idx]  # (S, m, d)
        logits = Zb[None] @ np.swapaxes(W, -1, -2)  # (L, S, m, K)
        target = (1 - lam_col) * onehot[idx][None] + lam_col * teacher_probs[idx][None]
        residual = _softmax_rows(logits) - target
        grad = np.swapaxes(residual, -1, -2) @ Zb[None] / m  # (L, S, K, d)
        return grad + lam_col * full_teacher_grad if unbiased else grad

    excess = _softmax_excess(Z, y, f_star)

    start = np.zeros((lams.size, n_seeds, K, d))
    return _run(lams, start, gradient, excess, rng=rng, n=n, m=m, lr=lr, steps=steps, record_every=record_every)


@validate_params(Z=Array("n", "d"), y=LABELS, Thetas=Array("C", "K", "d"), W_star=Array("K", "d", optional=True),
                 unbiased_for=Instance(tuple, list, range, optional=True),
                 **{k: v for k, v in _SETTINGS.items() if k != "unbiased"})
def run_kd_sgd_softmax_teachers(
    Z,
    y,
    Thetas,
    lams,
    *,
    lr: float,
    batch_size: int,
    steps: int,
    n_seeds: int,
    seed=0,
    W_star=None,
    record_every: int = 50,
    unbiased_for=None,
) -> dict:
    """:func:`run_kd_sgd_softmax` for several teachers and both estimators in one batched loop.

    Every (teacher, estimator, ``lam``, seed) runs on the same minibatch
    sequence (common random numbers), so the result for one teacher and one
    estimator is the run :func:`run_kd_sgd_softmax` makes with the same
    ``seed`` (up to rounding); batching only saves the per-step overhead.

    Parameters
    ----------
    Thetas : array of shape (C, K, d), the teachers
    unbiased_for : sequence of teacher indices, optional
        The teachers also run with the unbiased estimator (default: all).
    the others : as in :func:`run_kd_sgd_softmax`

    Returns
    -------
    dict mapping ``(c, unbiased)`` (teacher index, bool) to an SGDRun.
    """
    n, d = Z.shape
    C, K = Thetas.shape[0], Thetas.shape[1]
    if K < 2:
        raise ValueError(f"Thetas must have K >= 2 classes (axis 1), got {K}")
    _check_label_range(y, K, "y", "K = Thetas.shape[1]")
    _check_record_every(record_every, steps)
    onehot = np.eye(K)[y]
    f_star = 0.0 if W_star is None else softmax_loss(W_star, Z, y)
    also = range(C) if unbiased_for is None else [int(c) for c in unbiased_for]
    if any(not 0 <= c < C for c in also):
        raise ValueError(f"unbiased_for must hold teacher indices in [0, {C}), got {list(also)}")
    combos = [(c, False) for c in range(C)] + [(c, True) for c in sorted(set(also))]
    L = lams.size
    probs = softmax(np.einsum("nd,ckd->cnk", Z, Thetas), axis=2)  # (C, n, K)
    full = np.einsum("cnk,nd->ckd", probs - onehot[None], Z) / n  # (C, K, d)
    rows = np.repeat([c for c, _ in combos], L)  # teacher of each batched run
    flag = np.repeat([float(u) for _, u in combos], L)
    lam_all = np.tile(lams, len(combos))
    # the mixed targets (1 - lam) e_y + lam p_teacher of every sample, once: shape (CL, n, K)
    targets = (1 - lam_all)[:, None, None] * onehot[None] + lam_all[:, None, None] * probs[rows]
    correction = (flag * lam_all)[:, None, None, None] * full[rows][:, None]  # (CL, 1, K, d)
    m = batch_size

    def gradient(W, idx):
        Zb = Z[idx]  # (S, m, d)
        logits = Zb[None] @ np.swapaxes(W, -1, -2)  # (CL, S, m, K)
        residual = _softmax_rows(logits) - targets[:, idx]
        return np.swapaxes(residual, -1, -2) @ Zb[None] / m + correction

    excess = _softmax_excess(Z, y, f_star)

    start = np.zeros((lam_all.size, n_seeds, K, d))
    run = _run(lam_all, start, gradient, excess, rng=seed, n=n, m=m, lr=lr, steps=steps, record_every=record_every)
    out = {}
    for i, combo in enumerate(combos):
        part = slice(i * L, (i + 1) * L)
        out[combo] = SGDRun(lams=lams, steps=run.steps, excess=run.excess[part], final=run.final[part])
    return out
