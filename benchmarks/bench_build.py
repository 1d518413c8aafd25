"""Seconds each chapter takes to execute, on one core, as a table (``make bench-build``).

    python benchmarks/bench_build.py                 # every chapter, executed as the build executes it
    python benchmarks/bench_build.py --chapters chapters/05_theorem3.ipynb
    python benchmarks/bench_build.py --nbval --build # also nbval per chapter and a clean full build
    python benchmarks/bench_build.py --install       # also a fresh install into a temporary venv

Each chapter runs in its own kernel under nbclient (as myst-nb runs it), the
executor and the kernel pinned to one core (``taskset -c CORE``, default 0)
so that a chapter cannot spread over several cores and look faster. For each
chapter the table gives the wall-clock seconds, the CPU seconds of the kernel
(user + system, its child processes included, read with psutil before the
kernel stops; this one does not depend on what else runs on the machine) and
its slowest cell, so that a slow new cell shows up. The
table is printed and written to ``benchmarks/results/bench_build.md``
(``--output``). Run it with the project's interpreter (``.venv/bin/python``).
Nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# Runs in a subprocess (pinned with taskset): executes one chapter, prints JSON.
EXECUTE = r"""
import json, sys, time
import nbformat, psutil
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
km = KernelManager(kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"))
client = NotebookClient(nb, km=km, timeout=600, resources={"metadata": {"path": sys.argv[2]}})
cells = []

def started(cell, cell_index):
    cells.append([cell_index, time.perf_counter()])

def finished(cell, cell_index, execute_reply=None):
    cells[-1][1] = time.perf_counter() - cells[-1][1]

client.on_cell_execute = started
client.on_cell_executed = finished
start = time.perf_counter()
try:
    client.execute()
    kernel = psutil.Process(km.provisioner.process.pid)
    t = kernel.cpu_times()
    cpu = t.user + t.system + t.children_user + t.children_system
    for child in kernel.children(recursive=True):
        c = child.cpu_times()
        cpu += c.user + c.system
finally:
    km.shutdown_kernel(now=True)
slowest = max(cells, key=lambda c: c[1]) if cells else [None, 0.0]
print(json.dumps({"wall": time.perf_counter() - start, "kernel_cpu": cpu,
                  "slowest_cell": slowest[0], "slowest_seconds": slowest[1]}))
"""


def timed(command: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def pinned(core: int | None) -> list[str]:
    if core is None:
        return []
    if shutil.which("taskset") is None:
        print("taskset not found (util-linux): chapters run unpinned", file=sys.stderr)
        return []
    return ["taskset", "-c", str(core)]


def execute_chapter(chapter: Path, core: int | None) -> dict:
    # the environment the build has (the library sets its own thread counts); only the core is fixed
    result = subprocess.run([*pinned(core), sys.executable, "-c", EXECUTE, str(chapter), str(chapter.parent)],
                            cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        print(f"{chapter.name} failed:\n{result.stderr[-3000:]}", file=sys.stderr)
        last = result.stderr.strip().splitlines()[-1:] or ["?"]
        return {"failed": re.sub(r"\x1b\[[0-9;]*m", "", last[0])[:120]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", nargs="*", type=Path, help="chapter notebooks to time (default: all)")
    parser.add_argument("--core", type=int, default=0, help="the core to pin to (default 0)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to one core")
    parser.add_argument("--nbval", action="store_true", help="also time nbval per chapter (wall clock)")
    parser.add_argument("--build", action="store_true", help="also time a clean full book build (wall clock)")
    parser.add_argument("--install", action="store_true", help="also time pip install into a fresh venv")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "bench_build.md")
    args = parser.parse_args()
    core = None if args.no_pin else args.core
    chapters = [p.resolve() for p in args.chapters] if args.chapters else sorted((ROOT / "chapters").glob("*.ipynb"))

    lines = [f"Chapter execution under nbclient, {'pinned to core ' + str(core) if core is not None else 'unpinned'} "
             f"({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores). Kernel CPU seconds are the number to "
             "compare: wall seconds grow with whatever else runs on that core.", "",
             "| chapter | wall s | kernel CPU s | slowest cell (index in the notebook) | its wall s |",
             "|---|---:|---:|---:|---:|"]
    total_wall = total_cpu = 0.0
    failed = []
    for chapter in chapters:
        row = execute_chapter(chapter, core)
        if "failed" in row:
            failed.append(chapter.name)
            lines.append(f"| {chapter.stem} | failed: {row['failed']} | | | |")
            print(lines[-1], flush=True)
            continue
        total_wall += row["wall"]
        total_cpu += row["kernel_cpu"]
        lines.append(f"| {chapter.stem} | {row['wall']:.1f} | {row['kernel_cpu']:.1f} | "
                     f"{row['slowest_cell']} | {row['slowest_seconds']:.1f} |")
        print(lines[-1], flush=True)
    lines.append(f"| **all {len(chapters)}** | {total_wall:.1f} | {total_cpu:.1f} | | |")

    extra: list[tuple[str, float]] = []
    if args.nbval:
        for chapter in chapters:
            extra.append((f"nbval {chapter.name}", timed([str(BIN / "python"), "-m", "pytest", "--nbval-lax", "-p",
                                                         "no:cacheprovider", "-q", str(chapter)])))
    if args.build:
        with tempfile.TemporaryDirectory() as out:
            build = [str(BIN / "jupyter-book"), "build", ".", "--path-output", out, "-n", "-W", "--keep-going"]
            extra.append(("book build (clean, empty cache, -n -W)", timed(build)))
    if args.install:
        with tempfile.TemporaryDirectory() as env:
            subprocess.run([sys.executable, "-m", "venv", env], check=True)
            pip = [str(Path(env) / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"]
            extra.append(("install (fresh venv, pip -r requirements.txt)", timed(pip)))
    if extra:
        lines += ["", "| phase | wall s |", "|---|---:|", *(f"| {name} | {s:.1f} |" for name, s in extra)]

    table = "\n".join(lines) + "\n"
    print("\n" + table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table)
    print(f"written to {args.output}")
    if failed:
        raise SystemExit(f"failed to execute: {', '.join(failed)}")


if __name__ == "__main__":
    main()
