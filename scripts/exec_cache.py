"""Empty the book's execution cache when what the chapters run on has changed.

    python scripts/exec_cache.py _build/.jupyter_cache

jupyter-cache (``execute_notebooks: cache`` in _config.yml) matches a chapter
by the source of its code cells only: a change to ``kdbook/`` (the code the
chapters call), requirements.txt, pyproject.toml or the Python version would
not re-execute anything. This script keeps a hash of those inputs in
``DIR/kdbook-inputs.txt`` and deletes the cache when the hash differs (or
is missing), so that the next build executes every chapter again. Run by
``make book``, ``make nbval`` and ``make chapter`` before they use the cache.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ["kdbook", "requirements.txt", "pyproject.toml"]
STAMP = "kdbook-inputs.txt"


def inputs_hash() -> str:
    digest = hashlib.sha256(sys.version.encode())
    for name in INPUTS:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or file.suffix == ".pyc":
                continue
            digest.update(file.relative_to(ROOT).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", type=Path, help="the jupyter-cache directory (e.g. _build/.jupyter_cache)")
    cache = parser.parse_args().cache
    stamp = cache / STAMP
    current = inputs_hash()
    if stamp.is_file() and stamp.read_text().strip() == current:
        return
    if cache.exists():
        print(f"{cache}: kdbook/, requirements.txt, pyproject.toml or Python changed: emptied")
        shutil.rmtree(cache)
    cache.mkdir(parents=True)
    stamp.write_text(current + "\n")


if __name__ == "__main__":
    main()
