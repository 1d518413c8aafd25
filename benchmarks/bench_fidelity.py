"""Time the fidelity-gap chapter and its main training functions.

Run from the repository root:

    .venv/bin/python benchmarks/bench_fidelity.py            # functions + chapter
    .venv/bin/python benchmarks/bench_fidelity.py --no-chapter

The chapter's budget is 90 s on 2 cores (aim: 60 s). The chapter is executed
the way the book build and nbval execute it: a fresh ``python3`` kernel via
nbclient, working directory ``chapters/``. Each function is timed as the
chapter calls it (best of ``--repeat`` runs).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "chapters" / "11_fidelity_gap.ipynb"
BUDGET_SECONDS = 90.0


def best_of(repeat: int, function) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def time_functions(repeat: int) -> list[tuple[str, float]]:
    import numpy as np

    from kdbook import fidelity as fd
    from kdbook.data import load_digits_split

    split = load_digits_split(seed=0)
    Xtr, ytr, Xd, Xte, yte = split.X_train, split.y_train, split.X_distill, split.X_test, split.y_test
    teacher = fd.train_classifier(Xtr, ytr, hidden=(64,), steps=300, seed=1)
    ensemble = fd.train_ensemble(Xtr, ytr, members=3, hidden=(64,), steps=300, seed=2)
    common = dict(X_test=Xte, y_test=yte, seed=3)

    def with_bias(X):
        return np.hstack([X, np.ones((X.shape[0], 1))])

    W_star = fd.fit_linear_teacher(with_bias(Xtr), ytr, C=0.1)
    cases = [
        ("load_digits_split", lambda: load_digits_split(seed=0)),
        ("train_classifier (300 Adam steps)", lambda: fd.train_classifier(Xtr, ytr, hidden=(64,), steps=300, seed=1)),
        ("train_ensemble (3 x 300 steps)", lambda: fd.train_ensemble(Xtr, ytr, members=3, steps=300, seed=2)),
        ("distill, Adam, 1000 steps", lambda: fd.distill(teacher, Xd, steps=1000, **common)),
        ("distill, SGD, 1000 steps", lambda: fd.distill(teacher, Xd, steps=1000, optimizer="sgd", **common)),
        ("distill, ensemble teacher, 1000 steps", lambda: fd.distill(ensemble, Xd, steps=1000, **common)),
        ("distill, noise augmentation, 1000 steps",
         lambda: fd.distill(teacher, Xd, steps=1000, augmentation="noise", **common)),
        ("distill, mixup augmentation, 1000 steps",
         lambda: fd.distill(teacher, Xd, steps=1000, augmentation="mixup", **common)),
        ("fit_linear_teacher", lambda: fd.fit_linear_teacher(with_bias(Xtr), ytr, C=0.1)),
        ("train_linear_student (n = 539)",
         lambda: fd.train_linear_student(with_bias(Xd), with_bias(Xd) @ W_star.T, temperature=4.0)),
        ("linear_fidelity_by_size (7 sizes)",
         lambda: fd.linear_fidelity_by_size(with_bias(Xd), W_star, with_bias(Xte),
                                            [15, 30, 61, 120, 250, 400, 539], seed=4)),
    ]
    return [(name, best_of(repeat, function)) for name, function in cases]


def time_chapter() -> float:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(CHAPTER, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(CHAPTER.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs per function")
    parser.add_argument("--no-chapter", action="store_true", help="skip executing the chapter")
    args = parser.parse_args(argv)
    print(f"cores available: {os.cpu_count()}; load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = time_functions(args.repeat)
    width = max(len(name) for name, _ in rows)
    print(f"\n{'function':<{width}}  seconds (best of {args.repeat})")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:8.3f}")
    status = 0
    if not args.no_chapter:
        seconds = time_chapter()
        verdict = "within" if seconds < BUDGET_SECONDS else "OVER"
        print(f"\n{'chapter 11_fidelity_gap (fresh kernel)':<{width}}  {seconds:8.3f}  "
              f"({verdict} the {BUDGET_SECONDS:.0f} s budget)")
        status = 0 if seconds < BUDGET_SECONDS else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
