"""Empty the book's execution cache when what the chapters run on has changed.

    python scripts/exec_cache.py _build/.jupyter_cache

jupyter-cache (``execute_notebooks: cache`` in _config.yml) matches a chapter
by the source of its code cells only: a change to ``kdbook/`` (the code the
chapters call), requirements.txt, pyproject.toml or the Python version would
not re-execute anything. This script keeps a hash of those inputs in
``DIR/kdbook-inputs.txt`` and deletes the cache when the hash differs (or
is missing), so that the next build executes every chapter again. Run by
``make book``, ``make nbval`` and ``make chapter`` before they use the cache.

    python scripts/exec_cache.py _build/.jupyter_cache --stale chapters/*.ipynb

also prints the chapters the cache holds no executed copy of: ``make book``
runs those (and only those) through nbval on both cores, filling the cache,
before the build, which then executes nothing.
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


def stale(cache: Path, notebooks: list[Path]) -> list[Path]:
    """The notebooks the cache holds no executed copy of (matched as the build matches them)."""
    import nbformat
    from jupyter_cache import get_cache

    jc = get_cache(str(cache))
    out = []
    for path in notebooks:
        try:
            jc.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            out.append(path)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", type=Path, help="the jupyter-cache directory (e.g. _build/.jupyter_cache)")
    parser.add_argument("--stale", nargs="+", type=Path, metavar="NOTEBOOK",
                        help="then print those of these notebooks that the cache does not hold, one a line")
    args = parser.parse_args()
    cache = args.cache
    stamp = cache / STAMP
    current = inputs_hash()
    if not (stamp.is_file() and stamp.read_text().strip() == current):
        if cache.exists():
            print(f"{cache}: kdbook/, requirements.txt, pyproject.toml or Python changed: emptied", file=sys.stderr)
            shutil.rmtree(cache)
        cache.mkdir(parents=True)
        stamp.write_text(current + "\n")
    if args.stale:
        for path in stale(cache, args.stale):
            print(path)


if __name__ == "__main__":
    main()
