"""Benchmark: peak memory of the Section-5 experiments at the paper's largest d = 10^4 (issue 12).

Run from the repository root:

    .venv/bin/python benchmarks/bench_memory.py [--trials N]

Each experiment runs in a fresh subprocess, so the peaks do not mix, and
reports

* ``rss``: its peak resident set size (``resource.getrusage`` ``ru_maxrss``),
  everything the process held: interpreter, numpy/scipy/torch, data and
  temporaries;
* ``base``: the resident set size after the imports, before the experiment;
* ``traced``: the peak of the allocations ``tracemalloc`` saw during the
  experiment (numpy reports its array buffers to it), the experiment's own
  working memory.

The table compares ``rss`` with the 1.5 GB budget and the script exits 1 if
any experiment misses it. The sizes are the paper's ``d = 10^4`` with
``n = 1000`` transfer points for Figure 3 (before chunking, 100 such sets
asked for one 7.45 GiB array) and 10^4 held-out inputs; the trial counts are
moderate (``--trials`` scales them) so the whole run takes a few minutes on 2
cores: the memory of the chunked code does not grow with the trial count,
only its time does.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc

BUDGET_BYTES = 1.5e9
D = 10_000
N_TEST = 10_000


def _data_geometry(trials: int):
    from kdbook import experiments

    return experiments.data_geometry([1.0], d=D, n=1000, trials=max(2, trials), n_test=N_TEST, seed=0,
                                     progress=False)


def _optimization_bias(trials: int):
    from kdbook import experiments, tasks

    task = tasks.polynomial_angle_task(D, 1.0, seed=0)
    pool, test = task.sample(3000, rng=1), task.sample(3000, rng=2)  # 480 MB of the caller's data, counted
    return experiments.optimization_bias(pool, test, task.w_star, n=100, deltas=[0, 1, 4, 16, 64],
                                         trials=max(2, 3 * trials), seed=0, progress=False)


def _monotonicity(trials: int):
    from kdbook import experiments

    return experiments.monotonicity(kappa=1.0, d=D, n=5, trials=max(2, 25 * trials), n_test=N_TEST, seed=0,
                                    progress=False)


def _risk_versus_n(trials: int):
    from kdbook import montecarlo, tasks

    task = tasks.polynomial_angle_task(D, 1.0, seed=0)
    return montecarlo.risk_versus_n(task, [10, 100, 1000, 2 * D], trials=max(2, trials), n_test=N_TEST, seed=0)


EXPERIMENTS = {
    "data_geometry (Fig. 3, n=1000)": _data_geometry,
    "optimization_bias (Fig. 4, n=100)": _optimization_bias,
    "monotonicity (Fig. 5, n=5)": _monotonicity,
    "montecarlo.risk_versus_n (n<=1000)": _risk_versus_n,
}


def _rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def child(name: str, trials: int) -> None:
    """Run one experiment and print its measurements as JSON (the last line of stdout)."""
    import kdbook.experiments  # noqa: F401  (the imports belong to the base, not to the experiment)
    import kdbook.montecarlo  # noqa: F401
    from kdbook._threads import single_threaded

    with single_threaded():  # import torch and threadpoolctl now, as montecarlo would
        pass
    base = _rss_bytes()
    tracemalloc.start()
    start = time.perf_counter()
    EXPERIMENTS[name](trials)
    seconds = time.perf_counter() - start
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"base": base, "rss": _rss_bytes(), "traced": traced, "seconds": seconds}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20, help="base trial count (default 20)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.trials)
        return 0
    print(f"d = {D}, n_test = {N_TEST}, base trials = {args.trials}; budget {BUDGET_BYTES / 1e9:.1f} GB of peak RSS")
    print(f"{'experiment':38s} {'base':>8s} {'traced':>8s} {'rss':>8s} {'seconds':>8s}  verdict")
    missed = False
    for name in EXPERIMENTS:
        run = subprocess.run([sys.executable, __file__, "--child", name, "--trials", str(args.trials)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            print(f"{name:38s} failed:\n{run.stderr[-2000:]}")
            missed = True
            continue
        result = json.loads(run.stdout.strip().splitlines()[-1])
        ok = result["rss"] <= BUDGET_BYTES
        missed |= not ok
        gb = {key: result[key] / 1e9 for key in ("base", "traced", "rss")}
        print(f"{name:38s} {gb['base']:7.2f}G {gb['traced']:7.2f}G {gb['rss']:7.2f}G {result['seconds']:8.1f}  "
              f"{'ok' if ok else 'MISS'}", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
