"""The experiments of Section 5: why distillation works.

Each function reproduces one figure of Phuong & Lampert (2019) at the paper's
scale and returns a tidy :class:`pandas.DataFrame` (one row per setting and
learner) that the chapters plot and assert on.

* :func:`data_geometry`: Figure 3 (Section 5.1), the transfer risk of the
  distillation student on the kappa-polynomial tasks, with the bounds of
  Theorem 3 (eq. 19) and Corollary 2 (eq. 21);
* :func:`optimization_bias`: Figure 4 (Section 5.2), the learners
  ``w_delta = w_hat + delta (||w_hat|| / ||q||) q`` on any data given as plain
  arrays (digits, MNIST, your own);
* :func:`monotonicity`: Figure 5 (Section 5.3), the monotonicity index of
  eq. (34) against the expected risk for distillation, the hard-label learner
  and ``w_delta``.

Every column the chapters need is computed here: ``risk`` (mean over transfer
sets), ``risk_se`` (its standard error), ``ci_low``/``ci_high`` (a normal 95%
interval, clipped to ``[0, 1]``) and ``trials``. All learners are batched over
transfer sets (:mod:`kdbook.learners`); no Python loop trains one set at a
time. Calls that take more than a couple of seconds show a ``tqdm`` progress
bar, silenced with ``progress=False``.

Memory is bounded: transfer sets, held-out inputs and stacks of students are
processed in chunks of at most about ``CHUNK_BYTES`` each, so the paper's
``d = 10^4`` fits in about 1.5 GB (``benchmarks/bench_memory.py`` measures
it). The chunks do not change the numbers: the inputs of the
kappa-polynomial task are built from exactly the random numbers one call of
:meth:`kdbook.tasks.TransferTask.sample` would use (and the generator is left
in the same state), one block of rows at a time (:class:`_PolynomialDraw`), so
the tables are the same as before chunking and for every chunk size: the
transfer sets, directions ``q`` and disagreement counts exactly, quantities
computed from the weights (``mean_angle``, ``max_training_loss``) up to
rounding in the last bit, as BLAS may round a smaller batch differently.
Sets with ``n >= d`` are not sampled at all: their distillation student is
``w_*`` (Theorem 1, eq. 6) and its risk exactly 0.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ._params import Array, Boolean, Integer, Real, Seed, validate_params
from .learners import delta_weights, distillation_weights, hard_label_weights, transfer_risks
from .losses import normalized_cross_entropy, soft_labels
from .risk import Z95, corollary2_bound, risk_summary, theorem3_bound
from .tasks import HALF_PI, _scaled_vectors_at_angle, polynomial_angle_task

__all__ = ["data_geometry", "optimization_bias", "monotonicity", "unsigned_angles", "Z95"]


#: Angles closer than this (radians) count as a tie in the monotonicity index.
TIE_TOLERANCE = 1e-10

#: Memory budget of one chunk (bytes): transfer sets, held-out inputs or
#: students processed together. Peak use is about four chunks (the learners
#: copy their input and LAPACK adds workspace) plus the caller's arrays:
#: 256 MB came within 0.1 GB of the 1.5 GB target at d = 10^4, 128 MB leaves
#: room (benchmarks/bench_memory.py). Tests shrink it to check that the
#: results do not depend on it.
CHUNK_BYTES = 128 * 2**20


def _rows_per_chunk(entries_per_row: int) -> int:
    """Rows of ``entries_per_row`` float64 numbers that fit in ``CHUNK_BYTES`` (at least 1)."""
    return max(1, CHUNK_BYTES // (8 * max(1, entries_per_row)))


class _PolynomialDraw:
    """``task.sample(count, rng)`` for a kappa-polynomial task, replayable one block of rows at a time.

    The task's sampler (:func:`kdbook.tasks.polynomial_angle_task`) draws, in
    this order, ``count`` uniforms (the angles, by inverse transform), a
    ``(count, d)`` Gaussian ``noise`` and ``count`` Gaussian lengths. Row
    blocks of ``noise`` are consecutive pieces of one stream, so a copy of the
    generator taken before the noise replays them block by block. The lengths
    come after all the noise, so when more than one block is needed the noise
    is drawn and discarded once, block by block, to reach them (one extra
    pass, only for samples larger than a chunk). Either way the random
    numbers and the state ``rng`` is left in are exactly those of
    ``task.sample`` (tested), whatever ``block_rows`` is; the rows agree up
    to BLAS rounding of a short block in the last bit.
    """

    def __init__(self, task, kappa: float, count: int, rng: np.random.Generator, block_rows: int):
        d = task.d
        self.count, self.block_rows = count, max(1, min(block_rows, count))
        self.axis = task.w_star / np.linalg.norm(task.w_star)
        # The task's p^{-1}(u) for kappa > 0, the same expression bit for bit.
        self.angles = HALF_PI * (1.0 - rng.uniform(size=count) ** (1.0 / kappa))
        if self.block_rows == count:  # one block: draw it like the task does and keep it
            noise = rng.standard_normal((count, d))
            self.lengths = rng.standard_normal(count)
            self._rows = _scaled_vectors_at_angle(self.angles, self.lengths, self.axis, noise)
            return
        self._rows = None
        self._replay = copy.deepcopy(rng)
        for start, stop in _chunks(count, self.block_rows):
            rng.standard_normal((stop - start, d))  # skipped here, replayed in blocks()
        self.lengths = rng.standard_normal(count)

    def blocks(self):
        """Yield ``(start, stop, rows)`` with ``rows`` equal to ``task.sample(count, rng)[start:stop]``."""
        if self._rows is not None:
            yield 0, self.count, self._rows
            return
        replay = copy.deepcopy(self._replay)
        for start, stop in _chunks(self.count, self.block_rows):
            noise = replay.standard_normal((stop - start, self.axis.shape[0]))
            yield start, stop, _scaled_vectors_at_angle(self.angles[start:stop], self.lengths[start:stop],
                                                        self.axis, noise)


def _test_draw(task, kappa: float, n_test: int, rng, students: int) -> _PolynomialDraw:
    """The held-out sample, in blocks small enough for the ``(rows, students)`` scores too."""
    return _PolynomialDraw(task, kappa, n_test, rng, _rows_per_chunk(task.d + students))


def _streamed_risks(weights: np.ndarray, w_star: np.ndarray, test: _PolynomialDraw) -> np.ndarray:
    """:func:`kdbook.learners.transfer_risks` (eq. 4) with the held-out inputs drawn block by block."""
    flat = weights.reshape(-1, w_star.shape[0])
    disagreements = np.zeros(flat.shape[0], dtype=np.int64)
    for _, _, X_test in test.blocks():
        teacher = X_test @ w_star >= 0
        disagreements += np.count_nonzero((X_test @ flat.T >= 0) != teacher[:, None], axis=0)
    return (disagreements / test.count).reshape(weights.shape[:-1])


# weights is any stack (..., d): its last axis is checked against w_star in the body.
@validate_params(weights=Array(...), w_star=Array("d", nonzero=True))
def unsigned_angles(weights, w_star) -> np.ndarray:
    """The unsigned angle ``alpha_bar(w_*, w)`` of eq. (16) for a stack of students.

    Parameters
    ----------
    weights : array of shape (..., d)
    w_star : array of shape (d,)

    Returns
    -------
    ndarray of shape ``weights.shape[:-1]``, in ``[0, pi/2]``. A zero student
    has angle ``pi/2`` (it carries no information about ``w_*``).
    """
    if weights.ndim == 0 or weights.shape[-1] != w_star.shape[0]:
        raise ValueError(
            f"weights must have d = {w_star.shape[0]} (as in w_star) along its last axis, got shape {weights.shape}"
        )
    norms = np.linalg.norm(weights, axis=-1)
    safe = np.where(norms > 0, norms, 1.0)
    cosines = np.abs(weights @ (w_star / np.linalg.norm(w_star))) / safe
    return np.where(norms > 0, np.arccos(np.clip(cosines, 0.0, 1.0)), np.pi / 2)


@validate_params(
    kappas=Array("k", low=0.0, low_open=True),
    d=Integer(2),
    n=Integer(1),
    trials=Integer(2),
    n_test=Integer(1),
    seed=Seed(),
    progress=Boolean(),
)
def data_geometry(kappas, *, d: int = 1000, n: int = 20, trials: int = 100, n_test: int = 10_000,
                  seed=0, progress: bool = True) -> pd.DataFrame:
    """Figure 3 (Section 5.1): transfer risk of distillation on the kappa-polynomial tasks.

    For each ``kappa`` a task ``(P_x^kappa, w_*^kappa)`` is drawn
    (:func:`kdbook.tasks.polynomial_angle_task`, whose angle ``a`` satisfies
    ``P[a >= theta] = (1 - 2 theta / pi)^kappa``), then ``trials`` transfer sets
    of ``n`` inputs each. The distillation student ``w_hat`` of Theorem 1
    (eq. 6) is computed for every set in one batch, and its transfer risk
    (eq. 4) is measured on one held-out sample of ``n_test`` inputs of the
    same task.

    Parameters
    ----------
    kappas : array of shape (k,), each > 0
        The polynomial degrees (``kappa = 0`` puts every input on the
        decision boundary and is refused).
    d : int >= 2, default 1000
    n : int >= 1, default 20
    trials : int >= 2, default 100
        Transfer sets per ``kappa``.
    n_test : int >= 1, default 10_000
        Held-out inputs per ``kappa``.
    seed : int or numpy.random.Generator, default 0
    progress : bool, default True
        Show a progress bar over ``kappas``.

    Returns
    -------
    pandas.DataFrame, one row per ``kappa``, with columns ``learner``
    (``"distillation"``), ``kappa``, ``n``, ``d``, ``trials``, ``n_test``,
    ``risk``, ``risk_se``, ``ci_low``, ``ci_high``, ``disagreements`` (the
    total number of held-out points, summed over transfer sets, on which
    student and teacher disagree), ``corollary2_bound`` (eq. 21 with
    ``c = 1``, which holds with equality for ``p``) and ``theorem3_bound``
    (eq. 19 minimized over ``beta``). Both bounds are 0 when ``n >= d``
    (eq. 18), and so is the risk: Theorem 1 gives ``w_hat = w_*``, so such
    sets are neither drawn nor solved.
    """
    streams = seed.spawn(kappas.shape[0])
    rows = []
    for kappa, rng in tqdm(list(zip(kappas, streams, strict=True)), desc="data geometry (kappa)", disable=not progress,
                           leave=False):
        task = polynomial_angle_task(d, float(kappa), seed=rng)
        risks = np.zeros(trials) if n >= d else _geometry_risks(task, float(kappa), n, trials, n_test, rng)
        rows.append({
            "learner": "distillation",
            "kappa": float(kappa),
            "n": n,
            "d": d,
            "n_test": n_test,
            **risk_summary(risks),
            "disagreements": int(np.rint(risks * n_test).sum()),
            "corollary2_bound": 0.0 if n >= d else min(corollary2_bound(float(kappa), n), 1.0),
            "theorem3_bound": float(theorem3_bound(task.p, n, d)),
        })
    return pd.DataFrame(rows)


def _geometry_risks(task, kappa: float, n: int, trials: int, n_test: int, rng) -> np.ndarray:
    """Transfer risks (eq. 4) of the students ``w_hat`` (eq. 6) of ``trials`` sets of ``n < d`` inputs.

    The same numbers as ``transfer_risks(distillation_weights(task.sample(n, rng, trials=trials)), ...)``
    on ``task.sample(n_test, rng)``, but no more than a chunk of sets or of
    held-out inputs is in memory at a time; the students, ``(trials, d)``,
    are kept.
    """
    sets_per_chunk = _rows_per_chunk(n * task.d)
    train = _PolynomialDraw(task, kappa, trials * n, rng, sets_per_chunk * n)
    test = _test_draw(task, kappa, n_test, rng, trials)
    weights = np.empty((trials, task.d))
    for start, stop, rows in train.blocks():
        weights[start // n:stop // n] = distillation_weights(rows.reshape(-1, n, task.d), task.w_star)
    del train, rows  # the transfer sets are done with; free them before the held-out blocks arrive
    return _streamed_risks(weights, task.w_star, test)


def _chunks(total: int, size: int):
    return [(start, min(start + size, total)) for start in range(0, total, size)]


@validate_params(
    w_star=Array("d", nonzero=True),
    X_pool=Array("m", "d"),
    X_test=Array("m_test", "d"),
    n=Integer(1),
    deltas=Array("k", low=0.0),
    trials=Integer(2),
    seed=Seed(),
    progress=Boolean(),
)
def optimization_bias(X_pool, X_test, w_star, *, n: int, deltas, trials: int, seed=0,
                      progress: bool = True) -> pd.DataFrame:
    """Figure 4 (Section 5.2): risk of ``w_delta = w_hat + delta (||w_hat|| / ||q||) q``.

    Every ``w_delta`` fits the teacher's soft labels on its transfer set
    exactly (``q`` is orthogonal to the data span, ``X q = 0``), so all of them
    minimize the distillation loss ``L^1`` (eq. 1); ``delta = 0`` is the
    gradient-descent student ``w_hat`` of Theorem 1 (eq. 6) and large
    ``delta`` ignores the gradient-descent bias. Transfer sets of ``n`` rows
    are drawn from ``X_pool`` without replacement (independently per set),
    one Gaussian ``q`` per set is shared by all ``deltas`` (a paired
    comparison), and the transfer risk (eq. 4) is measured on the rows of
    ``X_test``. Works for any data and dimension: pass MNIST, the bundled
    digits or a synthetic task as plain arrays.

    Parameters
    ----------
    X_pool : array of shape (m, d)
        Inputs the transfer sets are drawn from (no labels needed: the
        teacher labels them).
    X_test : array of shape (m_test, d)
        Held-out inputs on which the risk is measured.
    w_star : array of shape (d,)
        The teacher's weights (a linear classifier through the origin).
    n : int, 1 <= n <= m and n < d
        Transfer-set size; ``n < d`` leaves an orthogonal complement for ``q``.
    deltas : array of shape (k,), each >= 0
    trials : int >= 2
        Number of transfer sets (each with its own ``q``).
    seed : int or numpy.random.Generator, default 0
    progress : bool, default True
        Show a progress bar over chunks of transfer sets.

    Returns
    -------
    pandas.DataFrame, one row per ``delta``, with columns ``learner``
    (``"distillation"`` for ``delta = 0``, else ``"delta"``), ``delta``,
    ``n``, ``d``, ``risk``, ``risk_se``, ``ci_low``, ``ci_high``, ``trials``,
    ``risk_diff`` and ``risk_diff_se`` (the paired difference to
    ``deltas[0]`` and its standard error) and ``max_training_loss`` (the
    largest ``L^1(w_delta)`` over the transfer sets, by
    :func:`kdbook.losses.normalized_cross_entropy`; 0 up to rounding).
    """
    d = w_star.shape[0]
    if n > X_pool.shape[0]:
        raise ValueError(f"n must be <= {X_pool.shape[0]} (the rows of X_pool), got {n}")
    if n >= d:
        raise ValueError(f"n must be < d = {d} so that q has an orthogonal complement to live in, got n={n}")
    rng = seed

    picks = _random_subsets(rng, trials, X_pool.shape[0], n)
    risks = np.empty((deltas.shape[0], trials))
    max_loss = np.zeros(deltas.shape[0])
    # A chunk holds its transfer inputs (n d per set), the k students (k d) and their test scores (k m_test).
    k = deltas.shape[0]
    chunk = min(trials, _rows_per_chunk(max(n, k) * d + k * X_test.shape[0]))
    for start, stop in tqdm(_chunks(trials, chunk), desc="optimization bias (transfer sets)",
                            disable=not progress, leave=False):
        X_batch = X_pool[picks[start:stop]]
        weights = delta_weights(X_batch, w_star, deltas, seed=rng)  # (k, chunk, d)
        risks[:, start:stop] = transfer_risks(weights, w_star, X_test)
        for t in range(stop - start):
            labels = soft_labels(X_batch[t], w_star)
            for k in range(deltas.shape[0]):
                max_loss[k] = max(max_loss[k], normalized_cross_entropy(weights[k, t], X_batch[t], labels))

    rows = []
    for k, delta in enumerate(deltas):
        difference = risks[k] - risks[0]
        rows.append({
            "learner": "distillation" if delta == 0 else "delta",
            "delta": float(delta),
            "n": n,
            "d": d,
            **risk_summary(risks[k]),
            "risk_diff": float(difference.mean()),
            "risk_diff_se": float(difference.std(ddof=1) / np.sqrt(trials)),
            "max_training_loss": float(max_loss[k]),
        })
    return pd.DataFrame(rows)


def _random_subsets(rng, trials: int, pool: int, n: int) -> np.ndarray:
    """``trials`` uniformly random ``n``-subsets of ``range(pool)``, shape ``(trials, n)``.

    Each row is the ``n`` smallest of ``pool`` uniforms. They are drawn a
    chunk of rows at a time (``trials x pool`` uniforms would be 480 MB for
    MNIST at 1000 sets); consecutive row blocks of ``rng.random`` are one
    stream, so the subsets do not depend on the chunk size.
    """
    picks = np.empty((trials, n), dtype=np.intp)
    for start, stop in _chunks(trials, _rows_per_chunk(pool)):
        picks[start:stop] = np.argpartition(rng.random((stop - start, pool)), n - 1, axis=1)[:, :n]
    return picks


def _index_row(learner: str, delta: float, before: np.ndarray, after: np.ndarray, risks: np.ndarray) -> dict:
    """Monotonicity index (eq. 34) and risk summary for one learner."""
    trials = before.shape[0]
    ties = np.abs(after - before) <= TIE_TOLERANCE
    improved = (after < before) & ~ties  # a strict decrease (eq. 34) we can resolve: a tie is not one
    index = float(np.mean(improved))
    return {
        "learner": learner,
        "delta": delta,
        **risk_summary(risks),
        "monotonicity": index,
        "monotonicity_se": float(np.sqrt(index * (1.0 - index) / trials)),
        "ties": int(np.sum(ties)),
        "worsened": int(np.sum((after > before) & ~ties)),
        "mean_angle": float(np.mean(before)),
    }


@validate_params(
    kappa=Real(0.0, low_open=True),
    d=Integer(3),
    n=Integer(1),
    trials=Integer(2),
    deltas=Array("k", low=0.0),
    seed=Seed(),
    n_test=Integer(1),
    hard_label_steps=Integer(1),
    progress=Boolean(),
)
def monotonicity(*, kappa: float = 1.0, d: int = 100, n: int = 5, trials: int = 1000,
                 deltas=(1 / 16, 1 / 8, 1 / 4, 1 / 2, 1), seed=0, n_test: int = 10_000,
                 hard_label_steps: int = 300, progress: bool = True) -> pd.DataFrame:
    """Figure 5 (Section 5.3): monotonicity index (eq. 34) against expected risk.

    On the kappa-polynomial task, ``trials`` transfer sets ``X`` of ``n``
    inputs and one extra input ``x`` each are drawn. Each learner is trained
    on ``X`` and on ``[X, x]``; its monotonicity index is the fraction of sets
    on which the extra point strictly reduces the unsigned angle to ``w_*``
    (eq. 16) by more than the tie tolerance ``TIE_TOLERANCE`` (angles closer
    than that cannot be told apart in floating point, and count as ties),

    ``M(w) = P[alpha_bar(w_*, w([X, x])) < alpha_bar(w_*, w(X))]``  (eq. 34),

    and its expected risk is the mean transfer risk (eq. 4) of ``w(X)`` on
    ``n_test`` held-out inputs. The learners are

    * ``"distillation"``: the gradient-descent student ``w_hat`` (eq. 6);
    * ``"hard-label"``: logistic regression on the teacher's 0/1 labels by
      ``hard_label_steps`` steps of gradient descent from zero (its direction
      tends to the max-margin separator);
    * ``"delta"``: ``w_delta`` of Section 5.2 for each of ``deltas``. It is a
      randomized learner: ``w_delta(X)`` and ``w_delta([X, x])`` use
      independent Gaussian directions ``q``, each orthogonal to its own data
      span.

    Parameters
    ----------
    kappa : float > 0, default 1.0
    d : int >= 3, default 100
    n : int >= 1 with ``n + 1 < d``, default 5
    trials : int >= 2, default 1000
    deltas : array of shape (k,), each >= 0
    seed : int or numpy.random.Generator, default 0
    n_test : int >= 1, default 10_000
    hard_label_steps : int >= 1, default 300
        The hard-label budget used book-wide; at n = 4d longer training
        makes that learner worse (chapter 9).
    progress : bool, default True
        Show a progress bar over the learners.

    Returns
    -------
    pandas.DataFrame, one row per learner (and ``delta``), with columns
    ``learner``, ``delta`` (``nan`` except for ``"delta"``), ``risk``,
    ``risk_se``, ``ci_low``, ``ci_high``, ``trials``, ``monotonicity``,
    ``monotonicity_se``, ``ties`` (sets whose two angles agree within
    ``1e-10`` rad), ``worsened`` (sets on which the extra point increased the
    angle beyond a tie) and ``mean_angle`` (mean ``alpha_bar(w_*, w(X))``).
    """
    if n + 1 >= d:
        raise ValueError(f"n must satisfy n + 1 < d = {d} (w_delta needs a non-trivial complement), got n={n}")
    rng = seed

    task = polynomial_angle_task(d, kappa, seed=rng)
    w_star = task.w_star
    # Chunks of sets small enough for their (n + 1) inputs and for the k students w_delta.
    sets_per_chunk = _rows_per_chunk(max(n + 1, deltas.shape[0]) * d)
    train = _PolynomialDraw(task, kappa, trials * (n + 1), rng, sets_per_chunk * (n + 1))
    test = _test_draw(task, kappa, n_test, rng, min(sets_per_chunk, trials) * max(1, deltas.shape[0]))

    learners = [
        ("distillation", lambda X: distillation_weights(X, w_star)[None]),
        ("hard-label", lambda X: hard_label_weights(X, w_star, steps=hard_label_steps)[None]),
        ("delta", lambda X: delta_weights(X, w_star, deltas, seed=rng)),
    ]
    rows = []
    for name, learner in tqdm(learners, desc="monotonicity (learners)", disable=not progress, leave=False):
        before, after, risks = _monotonicity_pass(learner, train, test, n, trials, w_star)
        labels = deltas if name == "delta" else [np.nan]
        for k, delta in enumerate(labels):
            rows.append(_index_row(name, float(delta), before[k], after[k], risks[k]))
    return pd.DataFrame(rows)


def _monotonicity_pass(learner, train: _PolynomialDraw, test: _PolynomialDraw, n: int, trials: int, w_star):
    """Angles (eq. 16) of ``learner`` on ``X`` and on ``[X, x]``, and the risks (eq. 4) of ``w(X)``, by chunks.

    The last row of each set of ``n + 1`` is the extra point ``x``. All the
    sets are trained on ``X`` first and on ``[X, x]`` after (two passes over
    the chunks), in the order of one unchunked call, so the randomized
    learner ``w_delta`` draws its directions ``q`` from ``rng`` exactly as it
    would for the whole batch: first all sets' ``q`` for ``X``, then all for
    ``[X, x]``. Each chunk's students are scored on the whole held-out
    sample (replayed block by block when it is larger than a chunk).
    """
    before = after = risks = None
    for start, stop, rows in train.blocks():
        # Contiguous, as the learners' own checks made it before they were called without them.
        X_batch = np.ascontiguousarray(rows.reshape(-1, n + 1, w_star.shape[0])[:, :n])
        weights = learner(X_batch)  # (k, chunk, d)
        if before is None:
            before, after, risks = (np.empty((weights.shape[0], trials)) for _ in range(3))
        sets = slice(start // (n + 1), stop // (n + 1))
        before[:, sets] = unsigned_angles(weights, w_star)
        risks[:, sets] = _streamed_risks(weights, w_star, test)
    for start, stop, rows in train.blocks():
        sets = slice(start // (n + 1), stop // (n + 1))
        after[:, sets] = unsigned_angles(learner(rows.reshape(-1, n + 1, w_star.shape[0])), w_star)
    return before, after, risks
