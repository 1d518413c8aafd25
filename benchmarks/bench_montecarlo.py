"""Time the Monte Carlo risk-versus-n curves of the Theorem 3 chapter.

Budget (issue 4): at d = 1000, at least 12 values of n, at least 200 transfer
sets per n and 10^4 test points, under 30 s on 2 cores.

    .venv/bin/python benchmarks/bench_montecarlo.py

prints one row per configuration: wall-clock seconds (best of ``--repeat``),
the CPU seconds of this process (close to the wall-clock time on an idle
machine, since the simulation runs single-threaded BLAS), the budget, and the
machine's load average when it ran (wall-clock timings on a busy machine are
pessimistic).
"""

from __future__ import annotations

import argparse
import os
import time

from kdbook import montecarlo, tasks

#: The n grid used in the chapter at d = 1000: 10 sizes below d, 3 at or past d.
NS_D1000 = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 1500, 2000)
#: The soft-versus-hard comparison runs at d = 100 (see chapter 05).
NS_D100 = (2, 5, 10, 20, 50, 100, 200, 500, 1000)


def configurations():
    d = 1000
    yield (
        "polynomial kappa=1, d=1000, distillation",
        lambda: montecarlo.risk_versus_n(tasks.polynomial_angle_task(d, 1.0, seed=0), NS_D1000, trials=200,
                                         n_test=10_000, seed=0),
        30.0,
    )
    yield (
        "Gaussian, d=1000, distillation",
        lambda: montecarlo.risk_versus_n(tasks.isotropic_gaussian_task(d, seed=0), NS_D1000, trials=200,
                                         n_test=10_000, seed=0),
        30.0,
    )
    yield (
        "soft vs hard, polynomial kappa=1, d=100",
        lambda: montecarlo.risk_versus_n(tasks.polynomial_angle_task(100, 1.0, seed=0), NS_D100,
                                         learners=("distillation", "hard-label"), trials=100, n_test=10_000,
                                         seed=0, hard_label_steps=300),
        None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration (best is reported)")
    args = parser.parse_args()
    print(f"{'configuration':<44} {'rows':>5} {'seconds':>8} {'cpu s':>7} {'budget':>7} {'load':>5}")
    for name, run, budget in configurations():
        best, best_cpu = float("inf"), float("inf")
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            table = run()
            best = min(best, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - start_cpu)
        load = os.getloadavg()[0]
        budget_text = f"{budget:.0f}" if budget else "-"
        print(f"{name:<44} {len(table):>5} {best:>8.2f} {best_cpu:>7.2f} {budget_text:>7} {load:>5.1f}")


if __name__ == "__main__":
    main()
