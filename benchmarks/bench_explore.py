"""Redraw cost of every live explorer at its chapter's default setting, and what capping threads buys.

Issue 13's budgets: one redraw at the default setting on one thread takes
under 0.3 s for a closed-form explorer and under 1.5 s for one that trains.
A Binder or Colab pod sees all the node's cores but may use a fraction of one,
so the benchmark also runs with more threads than cores (OpenBLAS, OpenMP, MKL
and torch at 8 threads, set before numpy and torch are imported) and compares

* ``capped``: ``app.redraw()``, which runs the draw inside
  :func:`kdbook._threads.single_threaded`, against
* ``uncapped``: the same draw and PNG rendering with the 8 threads left alone.

Each configuration runs in its own process (thread counts are fixed at import).
Run: ``.venv/bin/python benchmarks/bench_explore.py [--repeats 3] [--only name ...]``.
Times are medians of ``repeats`` redraws after one warm-up redraw (the
explorers cache their Monte Carlo runs and trained models, so the warm-up
is the first visit and the repeats are revisits; ``first`` reports the
first redraw, which is what a reader pays for a new setting).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

OVERSUBSCRIBED = 8
ENV_KEYS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

# name -> (kind, builder source). Settings follow the chapters' live cells.
EXPLORERS = {
    "teacher_scale (ch1)": ("closed-form", "core.teacher_scale_explorer(X_gauss, w_gauss, scale=1.0)"),
    "theorem1 (ch2)": ("training", "training.theorem1_explorer()"),
    "solution_gap (ch2)": ("closed-form", "training.solution_gap_explorer()"),
    "theorem2 (ch3)": ("training", "training.theorem2_explorer()"),
    "angle_survival (ch4)": ("closed-form", "geometry.angle_survival_explorer(kappa=1.0, margin_deg=0.0)"),
    "beta (ch5)": ("closed-form", "bounds.beta_explorer(n=20, kappa=1.0, beta=np.pi / 4)"),
    "rate (ch6)": ("closed-form", "bounds.rate_explorer(kappa=1.0, n=20)"),
    "data_geometry (ch7)": ("closed-form", "factors.data_geometry_explorer(kappa=1.0, n=20, d=200, seed=0)"),
    "optimization_bias (ch8)": ("closed-form", "bias.optimization_bias_explorer()"),
    "monotonicity (ch9)": ("training", "bias.monotonicity_explorer(n=5, kappa=1.0, d=100, seed=0)"),
    "kd_sgd (ch10)": ("training", "vw.kd_sgd_explorer(X_ls, y_ls, ls_teachers, lam=0.5, lr=0.05, batch_size=1)"),
    "fidelity (ch11)": ("training", "fw.fidelity_explorer(digit_teacher, split.X_distill, split.X_test, seed=3)"),
}
BUDGET = {"closed-form": 0.3, "training": 1.5}

CHILD = r"""
import json, statistics, sys, time
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
torch.set_num_threads({threads})
from kdbook import fidelity as fd, tasks, variance
from kdbook.data import load_digits_split
from kdbook.explore import bias, bounds, core, factors, fidelity as fw, geometry, training, variance as vw
from kdbook.explore.core import _figure_output

task = tasks.isotropic_gaussian_task(20, seed=0)
X_gauss, w_gauss = task.sample(2000, rng=1), task.w_star
X_ls, y_ls, w_true = variance.make_least_squares(200, 10, seed=0)
X_other, y_other, _ = variance.make_least_squares(200, 10, seed=1, x_true=w_true)
ls_teachers = variance.least_squares_teachers(X_ls, y_ls, X_other, y_other, early_steps=3)
split = load_digits_split(seed=0)
digit_teacher = None
results = {{}}
for name, source in {explorers}.items():
    if "digit_teacher" in source and digit_teacher is None:
        digit_teacher = fd.train_classifier(split.X_train, split.y_train, hidden=(64,), steps=300, seed=1)
    started = time.perf_counter()
    app = eval(source)  # the first redraw happens here
    first = time.perf_counter() - started
    capped, uncapped = [], []
    for _ in range({repeats}):
        app.redraw()
        capped.append(app.last_seconds)
        started = time.perf_counter()
        figure = app.draw(**app.last_values)
        _figure_output(figure)
        plt.close(figure)
        uncapped.append(time.perf_counter() - started)
    results[name] = {{"first": first, "capped": statistics.median(capped), "uncapped": statistics.median(uncapped)}}
    plt.close("all")
print("RESULTS " + json.dumps(results))
"""


def run(threads: int, explorers: dict, repeats: int) -> dict:
    env = dict(os.environ, **{key: str(threads) for key in ENV_KEYS})
    code = CHILD.format(threads=threads, repeats=repeats, explorers=repr({k: v[1] for k, v in explorers.items()}))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULTS "))
    return json.loads(line[len("RESULTS "):])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="explorer names (prefixes) to run")
    args = parser.parse_args(argv)
    explorers = {k: v for k, v in EXPLORERS.items() if not args.only or any(k.startswith(o) for o in args.only)}
    started = time.perf_counter()
    one = run(1, explorers, args.repeats)
    many = run(OVERSUBSCRIBED, explorers, args.repeats)
    print(f"cores: {os.cpu_count()}; oversubscribed = {OVERSUBSCRIBED} threads (BLAS, OpenMP, MKL, torch)")
    print(f"{'explorer':26s} {'kind':11s} {'1 thread':>9s} {'budget':>7s} {'first':>7s} "
          f"{'8thr cap':>9s} {'8thr raw':>9s} {'raw/cap':>8s} {'cap/1thr':>9s}")
    failures = 0
    for name, (kind, _) in explorers.items():
        base, over = one[name], many[name]
        within = base["capped"] <= BUDGET[kind]
        failures += not within
        print(f"{name:26s} {kind:11s} {base['capped']:9.3f} {BUDGET[kind]:7.1f} {base['first']:7.2f} "
              f"{over['capped']:9.3f} {over['uncapped']:9.3f} {over['uncapped'] / over['capped']:8.2f} "
              f"{over['capped'] / base['capped']:9.2f}{'' if within else '  over budget'}")
    print(f"({failures} over budget; total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
