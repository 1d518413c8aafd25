"""Repository tooling; a package so that `pytest -p scripts.nbval_cache` finds it first."""
