"""Speed budgets of issue 3 (Theorems 1 and 2), measured on one CPU core.

    .venv/bin/python benchmarks/bench_students.py            # everything
    .venv/bin/python benchmarks/bench_students.py --no-chapters

Budgets:

* a depth-1 student at the paper's scale (d = 1000, n = 20) trained by
  ``train_student`` to the chapters' relative tolerance (1e-4): < 10 s;
* one redraw of a closed-form widget figure (``draw_solution_gap``, the
  largest slider setting, including rendering with Agg): < 100 ms;
* executing chapters 02_theorem1 and 03_theorem2 (nbclient, fresh kernel
  each): < 60 s together.

BLAS and torch are limited to one thread before numpy is imported, so the
numbers are per core. Prints a table; exits 1 if a budget is missed.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from kdbook.explore.training import draw_solution_gap  # noqa: E402
from kdbook.students import train_student  # noqa: E402
from kdbook.tasks import isotropic_gaussian_task  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = 1e-4
CHAPTERS = ["02_theorem1.ipynb", "03_theorem2.ipynb"]


def bench_paper_scale_training() -> tuple[float, str]:
    """Seconds to train a depth-1 student (d = 1000, n = 20) to relative error 1e-4."""
    task = isotropic_gaussian_task(1000, seed=2019)
    X = task.sample(20, 1)
    train_student(X[:, :10], task.w_star[:10], steps=5)  # warm up torch
    start = time.perf_counter()
    student = train_student(X, task.w_star, steps=1500)
    seconds = time.perf_counter() - start
    if student.relative_error > TOLERANCE:
        raise AssertionError(f"training did not reach the tolerance: {student.relative_error:.2e}")
    relative = student.history["distance"].to_numpy() / np.linalg.norm(student.w_hat)
    first = int(np.argmax(relative <= TOLERANCE))
    return seconds, f"1500 steps, tolerance reached at step {first}, final error {student.relative_error:.1e}"


def bench_default_training() -> tuple[float, str]:
    """Seconds for train_student with all defaults (train to tol = 1e-8) at d = 200, n = 400."""
    task = isotropic_gaussian_task(200, seed=3)
    X = task.sample(400, 4)
    start = time.perf_counter()
    student = train_student(X, task.w_star)
    seconds = time.perf_counter() - start
    return seconds, f"defaults, final relative error {student.relative_error:.1e}"


def bench_closed_form_redraw(repeats: int = 7) -> tuple[float, str]:
    """Median seconds of one draw_solution_gap figure (n = 400, d = 200) drawn with Agg."""
    times = []
    for k in range(repeats + 1):
        start = time.perf_counter()
        fig = draw_solution_gap(400, 200, seed=k)
        fig.canvas.draw()
        plt.close(fig)
        if k:  # the first call imports and caches fonts
            times.append(time.perf_counter() - start)
    return statistics.median(times), f"median of {repeats}, slowest setting (d = 200), max {max(times) * 1e3:.0f} ms"


def bench_chapter(name: str) -> tuple[float, str]:
    """Seconds to execute one chapter in a fresh kernel with nbclient."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(ROOT / "chapters" / name, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "chapters")}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start, "nbclient, fresh kernel, includes kernel start-up"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-chapters", action="store_true", help="skip executing the chapters")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    rows = [
        ("depth-1 student, d=1000, n=20, to 1e-4", 10.0, *bench_paper_scale_training()),
        ("train_student defaults, d=200, n=400", None, *bench_default_training()),
        ("closed-form widget redraw", 0.1, *bench_closed_form_redraw()),
    ]
    if not args.no_chapters:
        chapter_rows = [(f"execute chapters/{name}", None, *bench_chapter(name)) for name in CHAPTERS]
        rows += chapter_rows
        rows.append(("both chapters together", 60.0, sum(r[2] for r in chapter_rows), "sum of the two above"))

    print(f"{'measurement':44s} {'seconds':>9s} {'budget':>8s}  status  notes")
    failed = False
    for name, budget, seconds, note in rows:
        status = "-" if budget is None else ("ok" if seconds < budget else "OVER")
        failed |= status == "OVER"
        budget_text = "-" if budget is None else f"{budget:g}"
        print(f"{name:44s} {seconds:9.3f} {budget_text:>8s}  {status:6s}  {note}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
