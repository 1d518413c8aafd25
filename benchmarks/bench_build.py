"""Time each phase of a clean build: install, nbval per chapter, book build.

    python benchmarks/bench_build.py             # nbval + build (uses the current environment)
    python benchmarks/bench_build.py --install   # also time a fresh install into a temporary venv

Run it with the project's interpreter (``.venv/bin/python``). Results are
printed as a table; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(command: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--install", action="store_true", help="also time pip install into a fresh venv")
    parser.add_argument("--chapters", nargs="*", help="chapter notebooks to time (default: all)")
    args = parser.parse_args()
    rows: list[tuple[str, float]] = []
    if args.install:
        with tempfile.TemporaryDirectory() as env:
            subprocess.run([sys.executable, "-m", "venv", env], check=True)
            pip = [str(Path(env) / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"]
            rows.append(("install (fresh venv, pip -r requirements.txt)", timed(pip)))
    chapters = args.chapters or sorted(str(p.relative_to(ROOT)) for p in (ROOT / "chapters").glob("*.ipynb"))
    total_nbval = 0.0
    for chapter in chapters:
        seconds = timed([str(BIN / "python"), "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q", chapter])
        rows.append((f"nbval {chapter}", seconds))
        total_nbval += seconds
    rows.append(("nbval, all chapters", total_nbval))
    with tempfile.TemporaryDirectory() as out:
        build = [str(BIN / "jupyter-book"), "build", ".", "--path-output", out, "-n", "-W", "--keep-going"]
        rows.append(("book build (clean, -n -W)", timed(build, env={**os.environ})))
    width = max(len(name) for name, _ in rows)
    print(f"{'phase'.ljust(width)}  seconds")
    for name, seconds in rows:
        print(f"{name.ljust(width)}  {seconds:7.1f}")
    print(f"(cores: {os.cpu_count()})")


if __name__ == "__main__":
    main()
