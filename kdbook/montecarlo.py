"""Monte Carlo estimates of the expected transfer risk, for many transfer-set sizes at once.

Theorem 3 of Phuong & Lampert (2019) bounds ``E_X[R(h_hat_X)]``, the transfer
risk (eq. 4) averaged over random transfer sets ``X ~ P_x^n``. This module
estimates that expectation by simulation, for a whole grid of ``n``:

* :func:`risk_versus_n`: one table row per ``(n, learner)`` with the mean
  risk, its standard error, a 95% confidence interval and the Theorem 3 bound.
* :func:`projection_weights`: the distillation solution ``w_hat`` of eq. (6)
  for every prefix size of a stack of transfer sets, from one Gram matrix.
* :func:`nested_angles`: the angle ``alpha_bar(w_*, w_hat(X[:k]))`` for every
  prefix ``k``, the quantity of Lemma 1 (strong monotonicity).

How the simulation is organised (and why it is fast):

* **Nested transfer sets.** For each trial one set of ``n_max`` points is
  drawn and the transfer set of size ``n`` is its first ``n`` rows. Each
  prefix is an i.i.d. sample of size ``n``, so every per-``n`` mean is
  unbiased and its confidence interval valid; the estimates for different
  ``n`` share random numbers (which makes the curves smooth, and makes the
  per-trial angle non-increasing in ``n`` by Lemma 1).
* **One Gram matrix per trial.** ``w_hat = X^T (X X^T)^{-1} X w_*`` (eq. 6 with
  samples as rows); the Gram matrix of a prefix is the leading block of the
  Gram matrix of the full set, so each trial costs one ``n_max^2 d`` product
  plus small ``n x n`` solves. This equals the batched QR of
  :func:`kdbook.students.distillation_solutions` (tested to ``1e-10``) and is
  many times faster when ``n`` is in the hundreds.
* **n >= d.** The distillation student is ``w_*`` exactly (eqs. 6 and 18), so
  no sample is drawn for it and its risk is exactly 0; when that settles
  every requested risk, not even the held-out sample is drawn.
* **Chunks.** Trials are processed in chunks so that a ``(chunk, n_max, d)``
  stack stays below ``CHUNK_BYTES`` (64 MB), and the held-out sample is
  kept whole only up to ``TEST_BYTES`` (256 MB; ``n_test d`` floats, so
  ``n_test = 10^4`` at ``d <= 3355``) and otherwise drawn in blocks and
  replayed (:class:`_HeldOut`), which keeps the paper's ``d = 10^4`` within
  about 1.5 GB. The task's sampler is opaque, so each chunk (and block) is
  one call of ``task.sample``, and the numbers depend on the chunk and block
  sizes for samplers whose random stream is not row by row (the angle
  tasks); for the Gaussian task they do not. The budgets are those under
  which the book's numbers were computed, so those stay what they were.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from . import _spans
from ._params import Array, Instance, Integer, OptionList, Seed, validate_params
from ._threads import single_threaded
from .learners import hard_label_weights
from .risk import risk_summary, theorem3_bound
from .tasks import TransferTask

__all__ = [
    "LEARNERS",
    "projection_weights",
    "nested_angles",
    "risk_versus_n",
    "default_chunk",
    "CHUNK_BYTES",
]

#: The learners :func:`risk_versus_n` knows.
LEARNERS = ("distillation", "hard-label")

#: Memory budget (bytes) of one chunk of transfer sets. Changing it changes
#: the chunks and so (for the angle tasks) the random numbers; see above.
CHUNK_BYTES = 64 * 2**20

#: Largest held-out sample kept whole (bytes); larger ones are drawn in blocks of this size (see :class:`_HeldOut`).
TEST_BYTES = 256 * 2**20


@validate_params(
    w_star=Array("d", nonzero=True),
    X_batch=Array("trials", "n_max", "d"),
    ns=Array("k", integer=True, low=1, increasing=True),
)
def projection_weights(X_batch, w_star, ns) -> np.ndarray:
    """The distillation solution ``w_hat`` (eq. 6) for every prefix size in ``ns``.

    For each transfer set ``X = X_batch[t]`` and each ``n`` in ``ns`` this is
    the orthogonal projection of ``w_*`` onto the span of the first ``n`` rows,
    ``pinv(X_n) X_n w_*`` (``X_n^T (X_n X_n^T)^{-1} X_n w_*`` for rows in
    general position), and ``w_*`` itself when ``n >= d`` rows span ``R^d`` (and for ``n > n_max``,
    where no rows were drawn, as for points in general position).
    All prefixes share one Gram matrix ``X X^T`` per trial. By eigenvalue
    interlacing a prefix's Gram matrix is never worse conditioned than the
    whole one, and the Cholesky factor of a prefix is the leading block of
    the whole one, so one factorization per trial decides: well-conditioned
    trials are solved through the Cholesky blocks, the others (repeated or
    nearly repeated points, zero rows) through an SVD per prefix
    (``kdbook._spans``), which gives the minimum-norm solution.

    Parameters
    ----------
    X_batch : array of shape (trials, n_max, d)
        Transfer sets, samples as rows.
    w_star : array of shape (d,)
    ns : increasing sequence of ints in ``[1, n_max]`` (values ``>= d`` allowed)

    Returns
    -------
    ndarray of shape (len(ns), trials, d)
    """
    trials, n_max, d = X_batch.shape
    if ns[-1] > max(n_max, d):
        raise ValueError(
            f"ns must not exceed {max(n_max, d)} (the larger of X_batch's n_max = {n_max} and d = {d}), got {ns[-1]}"
        )
    below = [int(n) for n in ns if n < d]
    if below and below[-1] > n_max:
        raise ValueError(f"ns must not exceed n_max = {n_max} below d = {d}, got {below[-1]}")
    out = np.empty((ns.size, trials, d))
    vectors = np.broadcast_to(w_star, (trials, d))
    # Many small factorizations: one thread each is faster than two threads
    # fighting over them (and far faster on a busy machine).
    with single_threaded():
        if below:
            top = below[-1]
            X_top = X_batch[:, :top, :]
            gram = X_top @ np.swapaxes(X_top, 1, 2)  # (trials, top, top)
            targets = X_top @ w_star  # (trials, top)
            factor, well = _spans.gram_cholesky(gram)
        for index, n in enumerate(ns.tolist()):
            if n > n_max:  # no rows drawn past n_max: w_* by eq. (6), as for points in general position
                out[index] = w_star
                continue
            if n >= d:
                out[index] = _spans.project(X_batch[:, :n, :], vectors)
                continue
            if np.any(well):
                coefficients = _spans.cholesky_solve(factor[well, :n, :n], targets[well, :n])
                out[index, well] = np.einsum("tnd,tn->td", X_batch[well, :n, :], coefficients)
            if not np.all(well):
                out[index, ~well] = _spans.svd_projections(X_batch[~well, :n, :], vectors[~well])
    return out


@validate_params(w_star=Array("d", nonzero=True), X_batch=Array("trials", "n", "d"))
def nested_angles(X_batch, w_star) -> np.ndarray:
    """Angles ``alpha_bar(w_*, w_hat(X[:k]))`` (eq. 16) for every prefix ``k = 1..n``.

    Lemma 1 (strong monotonicity) says each row is non-increasing. The angles
    are computed from the projections of eq. (6) through Gram-matrix solves,
    independently of the QR argument of the proof (eqs. 25-26), so the two can
    be compared.

    Parameters
    ----------
    X_batch : array of shape (trials, n, d) with ``n < d``
    w_star : array of shape (d,)

    Returns
    -------
    ndarray of shape (trials, n), radians in ``[0, pi/2]``.
    """
    trials, n, d = X_batch.shape
    if n >= d:
        raise ValueError(f"X_batch must have n < d rows per set, got n={n}, d={d}")
    weights = projection_weights(X_batch, w_star, np.arange(1, n + 1))  # (n, trials, d)
    norms = np.linalg.norm(weights, axis=2)
    cosines = np.abs(weights @ w_star) / (np.maximum(norms, np.finfo(float).tiny) * np.linalg.norm(w_star))
    return np.arccos(np.clip(cosines, 0.0, 1.0)).T


@validate_params(n_max=Integer(1), d=Integer(1))
def default_chunk(n_max: int, d: int) -> int:
    """Trials per chunk so that a ``(chunk, n_max, d)`` float64 stack stays below ``CHUNK_BYTES``."""
    return max(1, CHUNK_BYTES // (8 * n_max * d))


class _HeldOut:
    """The held-out inputs of :func:`risk_versus_n`, at most ``TEST_BYTES`` of them in memory.

    A sample that fits is one call ``task.sample(n_test, rng)``, kept whole
    (the numbers of earlier versions). A larger one is defined as consecutive
    calls of at most ``TEST_BYTES`` each from ``rng`` and replayed from a
    copy of it whenever students are evaluated: the task's sampler is opaque,
    so a call cannot be split, but a sequence of calls can be repeated.
    """

    def __init__(self, task, n_test: int, rng: np.random.Generator):
        self.task, self.n_test = task, n_test
        rows = max(1, TEST_BYTES // (8 * task.d))
        self.sizes = [min(rows, n_test - start) for start in range(0, n_test, rows)]
        self._whole = task.sample(n_test, rng) if len(self.sizes) == 1 else None
        self._rng = copy.deepcopy(rng)

    def blocks(self):
        if self._whole is not None:
            yield self._whole
            return
        rng = copy.deepcopy(self._rng)
        for size in self.sizes:
            yield np.asarray(self.task.sample(size, rng), dtype=np.float64)


def _evaluate(pending, held_out: _HeldOut, w_star, risks, index_of) -> None:
    """Transfer risks (eq. 4) of the pending students ``(learner, sizes, start, stop, weights)``, into ``risks``."""
    flat = np.concatenate([weights.reshape(-1, w_star.shape[0]) for *_, weights in pending])
    disagreements = np.zeros(flat.shape[0], dtype=np.int64)
    rows = max(1, CHUNK_BYTES // (8 * flat.shape[0]))  # keeps the (rows, students) scores within a chunk
    for X_block in held_out.blocks():
        for first in range(0, X_block.shape[0], rows):
            X_test = X_block[first:first + rows]
            teacher = X_test @ w_star >= 0
            disagreements += np.count_nonzero((X_test @ flat.T >= 0) != teacher[:, None], axis=0)
    offset = 0
    for learner, sizes, start, stop, weights in pending:
        count = weights.shape[0] * weights.shape[1]
        block = (disagreements[offset:offset + count] / held_out.n_test).reshape(weights.shape[:2])
        for row, n in zip(block, sizes, strict=True):
            risks[learner][index_of[n], start:stop] = row
        offset += count
    pending.clear()


def _simulate(task, ns, learners, sampled, risks, n_max, trials, chunk, train_rng, held_out, hard_label_steps):
    """Fill ``risks[learner][i, t]`` for every sampled size, one chunk of trials at a time.

    Students are collected until they fill a chunk's budget and then
    evaluated together, so a held-out sample drawn in blocks is replayed
    once per budget's worth of students, not once per chunk.
    """
    if not n_max:
        return
    w_star = np.asarray(task.w_star, dtype=np.float64)
    index_of = {int(n): i for i, n in enumerate(ns.tolist())}
    pending = []
    for start in range(0, trials, chunk):
        stop = min(start + chunk, trials)
        X_chunk = task.sample(n_max, train_rng, trials=stop - start)
        for learner in learners:
            sizes = sampled[learner]
            if not sizes:
                continue
            # Called from a validated function, the learners are not validated again and so do not
            # convert: hand them what their own checks used to make (int sizes, contiguous prefixes).
            if learner == "distillation":
                weights = projection_weights(X_chunk, w_star, np.asarray(sizes, dtype=np.int64))
            else:
                weights = np.stack([
                    hard_label_weights(np.ascontiguousarray(X_chunk[:, :n, :]), w_star, steps=hard_label_steps)
                    for n in sizes
                ])
            pending.append((learner, sizes, start, stop, weights))  # weights: (len(sizes), chunk, d)
        del X_chunk
        if sum(entry[-1].nbytes for entry in pending) >= CHUNK_BYTES:
            _evaluate(pending, held_out, w_star, risks, index_of)
    if pending:
        _evaluate(pending, held_out, w_star, risks, index_of)


@validate_params(
    task=Instance(TransferTask),
    ns=Array("k", integer=True, low=1, increasing=True),
    learners=OptionList(*LEARNERS),
    trials=Integer(2),
    n_test=Integer(1),
    seed=Seed(),
    chunk=Integer(1, optional=True),
    hard_label_steps=Integer(1),
)
def risk_versus_n(
    task,
    ns,
    *,
    learners=("distillation",),
    trials: int = 200,
    n_test: int = 10_000,
    seed=0,
    chunk: int | None = None,
    hard_label_steps: int = 300,
) -> pd.DataFrame:
    """Monte Carlo estimate of the expected transfer risk ``E_X[R(h_X)]`` for each ``n``.

    For each trial a transfer set is drawn from ``task`` and each learner is
    trained on its first ``n`` rows, for every ``n`` in ``ns`` (nested sets,
    see the module docstring). Risks are measured on one held-out sample of
    ``n_test`` inputs shared by all students (eq. 4).

    Parameters
    ----------
    task : kdbook.tasks.TransferTask
        Supplies ``w_star``, ``sample(n, rng, trials=)``, ``p`` and ``d``.
    ns : increasing sequence of ints >= 1
        Transfer-set sizes; values ``>= task.d`` are allowed (for them the
        distillation student is ``w_*`` and its risk is exactly 0, eq. 18).
    learners : sequence of str, default ("distillation",)
        Any of ``"distillation"`` (the gradient-descent student ``w_hat`` of
        eq. 6, computed in closed form) and ``"hard-label"`` (logistic
        regression on the teacher's 0/1 labels by ``hard_label_steps`` steps
        of gradient descent from zero, :func:`kdbook.learners.hard_label_weights`).
    trials : int >= 2, default 200
        Transfer sets per ``n``.
    n_test : int >= 1, default 10_000
        Held-out inputs for measuring the risk.
    seed : int or numpy.random.Generator, default 0
    chunk : int >= 1, optional
        Trials processed together; default :func:`default_chunk` (at most
        ``CHUNK_BYTES``, 64 MB, per stack). The numbers depend on ``seed``
        and, for tasks whose sampler does not draw row by row (the angle
        tasks), on ``chunk``.
    hard_label_steps : int >= 1, default 300
        Gradient-descent steps of the hard-label learner (step ``1/L``).

    Returns
    -------
    pandas.DataFrame
        One row per ``(n, learner)``, with columns ``n``, ``learner``,
        ``risk`` (mean over trials), ``risk_se`` (standard error),
        ``ci_low``/``ci_high`` (95% normal interval, clipped to ``[0, 1]``),
        ``trials``, and ``bound``: the Theorem 3 bound
        ``theorem3_bound(task.p, n, d=task.d)`` of eq. (19) (0 for ``n >= d``),
        which applies to the distillation learner and is repeated on the
        hard-label rows for comparison.
    """
    if len(set(learners)) != len(learners):
        raise ValueError(f"learners must not repeat, got {learners}")
    d = task.d

    # Which sizes need sampled data: distillation only below d, hard labels always.
    sampled = {learner: [int(n) for n in ns if learner == "hard-label" or n < d] for learner in learners}
    n_max = max((max(sizes) for sizes in sampled.values() if sizes), default=0)
    if chunk is None:
        chunk = default_chunk(n_max, d) if n_max else trials

    test_rng, train_rng = seed.spawn(2)
    risks = {learner: np.zeros((ns.size, trials)) for learner in learners}
    # Nothing to measure when every size is settled by eq. (6) (w_hat = w_*): skip the held-out sample too.
    held_out = _HeldOut(task, n_test, test_rng) if n_max else None
    # Many small factorizations: one thread each is faster than two threads
    # fighting over them (and far faster on a busy machine).
    with single_threaded():
        _simulate(task, ns, learners, sampled, risks, n_max, trials, chunk, train_rng, held_out, hard_label_steps)

    records = []
    for i, n in enumerate(ns.tolist()):
        bound = float(theorem3_bound(task.p, n, d=d))
        for learner in learners:
            records.append({"n": n, "learner": learner, **risk_summary(risks[learner][i]), "bound": bound})
    return pd.DataFrame.from_records(records)
