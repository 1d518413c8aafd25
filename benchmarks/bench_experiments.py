"""Benchmark: the three figures of Section 5 at the sizes of the book's chapters.

Run from the repository root:

    .venv/bin/python benchmarks/bench_experiments.py

It times ``kdbook.experiments.data_geometry`` (Figure 3: d = 1000, n = 20,
9 values of kappa, 100 transfer sets, 10^4 test points each),
``optimization_bias`` (Figure 4: digits 0/1 with 2000 transfer sets, plus the
synthetic task at n = 100, d = 784 with 200 sets) and ``monotonicity``
(Figure 5: kappa = 1, d = 100, n = 5, 1000 sets), all batched over transfer
sets, against a straightforward loop that trains and evaluates one transfer
set at a time on the same work (same tasks, same transfer sets where the
draws allow it), and prints a table with the ratio. The budget is 60 s for
the three batched figures together on 2 cores.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.linear_model import LogisticRegression

from kdbook import experiments, losses, risk, students, tasks
from kdbook.data import load_digits_split

BUDGET_SECONDS = 60.0
KAPPAS = 2.0 ** (np.arange(-4, 5) / 2)
DELTAS_BIAS = np.arange(0, 100, 10)
DELTAS_MONO = np.array([1 / 16, 1 / 8, 1 / 4, 1 / 2, 1])


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


# ---------------------------------------------------------------------------
# Straightforward per-set loops doing the same work.


def loop_data_geometry(seed=0, d=1000, n=20, trials=100, n_test=10_000):
    means = []
    for kappa, rng in zip(KAPPAS, np.random.default_rng(seed).spawn(len(KAPPAS)), strict=True):
        task = tasks.polynomial_angle_task(d, float(kappa), seed=rng)  # the very same draws as the batched run
        X_batch = task.sample(n, rng, trials=trials)
        X_test = task.sample(n_test, rng)
        risks = [risk.transfer_risk(students.distillation_solution(X, task.w_star), task.w_star, X_test)
                 for X in X_batch]
        means.append(np.mean(risks))
    return np.array(means)


def loop_w_delta(X, w_star, deltas, rng):
    w_hat = students.distillation_solution(X, w_star)
    g = rng.standard_normal(X.shape[1])
    q = g - students.span_projector(X) @ g
    return [w_hat + delta * np.linalg.norm(w_hat) / np.linalg.norm(q) * q for delta in deltas]


def loop_optimization_bias(X_pool, X_test, w_star, n, trials, seed=0):
    rng = np.random.default_rng(seed)
    risks = np.empty((len(DELTAS_BIAS), trials))
    for t in range(trials):
        X = X_pool[rng.choice(len(X_pool), size=n, replace=False)]
        y = losses.soft_labels(X, w_star)
        for k, w in enumerate(loop_w_delta(X, w_star, DELTAS_BIAS, rng)):
            assert losses.normalized_cross_entropy(w, X, y) < 1e-12
            risks[k, t] = risk.transfer_risk(w, w_star, X_test)
    return risks.mean(axis=1)


def loop_hard_label(X, w_star, steps=2000):
    targets = (X @ w_star >= 0).astype(float)
    step = 4 * X.shape[0] / np.linalg.norm(X, 2) ** 2
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        w -= step * X.T @ (losses.sigmoid(X @ w) - targets) / X.shape[0]
    return w


def loop_monotonicity(seed=0, kappa=1.0, d=100, n=5, trials=1000, n_test=10_000):
    rng = np.random.default_rng(seed)
    task = tasks.polynomial_angle_task(d, kappa, seed=rng)  # the same task and sets as the batched run
    w_star = task.w_star
    X_plus = task.sample(n + 1, rng, trials=trials)
    X_test = task.sample(n_test, rng)
    learners = {
        "distillation": lambda X: [students.distillation_solution(X, w_star)],
        "hard-label": lambda X: [loop_hard_label(X, w_star)],
        "delta": lambda X: loop_w_delta(X, w_star, DELTAS_MONO, rng),
    }
    results = {}
    for name, learner in learners.items():
        improved, risks = [], []
        for X_all in X_plus:
            before, after = learner(X_all[:n]), learner(X_all)
            improved.append([risk.angle(a, w_star) < risk.angle(b, w_star) for a, b in zip(after, before, strict=True)])
            risks.append([risk.transfer_risk(w, w_star, X_test) for w in before])
        results[name] = (np.mean(improved, axis=0), np.mean(risks, axis=0))
    return results


# ---------------------------------------------------------------------------


def digits_setup():
    digits = load_digits_split(seed=0, classes=(0, 1))
    w_star = LogisticRegression(fit_intercept=False).fit(digits.X_train, digits.y_train).coef_[0]
    n = round(digits.n_features * 100 / 784)
    return digits.X_distill, digits.X_test, w_star, n


def synthetic_setup():
    task = tasks.polynomial_angle_task(784, 1.0, seed=3)
    return task.sample(20_000, rng=4), task.sample(10_000, rng=5), task.w_star


def main() -> None:
    rows = []
    digits_pool, digits_test, digits_w, digits_n = digits_setup()
    pool, held_out, w_syn = synthetic_setup()

    geometry, t_batch = timed(lambda: experiments.data_geometry(KAPPAS, seed=0, progress=False))
    loop_means, t_loop = timed(loop_data_geometry)
    np.testing.assert_allclose(geometry.risk, loop_means, atol=1e-12)  # identical transfer sets
    rows.append(("Figure 3: data geometry", t_batch, t_loop))

    def batched_bias():
        experiments.optimization_bias(digits_pool, digits_test, digits_w, n=digits_n, deltas=DELTAS_BIAS,
                                      trials=2000, seed=0, progress=False)
        return experiments.optimization_bias(pool, held_out, w_syn, n=100, deltas=DELTAS_BIAS, trials=200, seed=0,
                                             progress=False)

    def looped_bias():
        loop_optimization_bias(digits_pool, digits_test, digits_w, digits_n, 2000)
        return loop_optimization_bias(pool, held_out, w_syn, 100, 200)

    bias, t_batch = timed(batched_bias)
    bias_loop, t_loop = timed(looped_bias)
    assert np.all(np.diff(bias.risk) > 0) and np.all(np.diff(bias_loop) > 0)
    rows.append(("Figure 4: optimization bias", t_batch, t_loop))

    mono, t_batch = timed(lambda: experiments.monotonicity(seed=0, progress=False))
    mono_loop, t_loop = timed(loop_monotonicity)
    for name in ("distillation", "hard-label"):  # same sets: identical indices and risks
        row = mono[mono.learner == name].iloc[0]
        index, mean_risk = mono_loop[name]
        assert abs(row.monotonicity - index[0]) <= 0.002 and abs(row.risk - mean_risk[0]) < 1e-9, name
    rows.append(("Figure 5: monotonicity", t_batch, t_loop))

    total_batch = sum(r[1] for r in rows)
    total_loop = sum(r[2] for r in rows)
    print(f"{'figure':<30}{'batched (s)':>13}{'per-set loop (s)':>18}{'loop / batched':>16}")
    for name, batch, loop in rows + [("total", total_batch, total_loop)]:
        print(f"{name:<30}{batch:>13.2f}{loop:>18.2f}{loop / batch:>16.1f}")
    verdict = "within" if total_batch < BUDGET_SECONDS else "OVER"
    print(f"\nbatched total {total_batch:.1f} s: {verdict} the {BUDGET_SECONDS:.0f} s budget")


if __name__ == "__main__":
    main()
