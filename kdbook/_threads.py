"""One thread for small problems, restored afterwards.

The book's problems are small: splitting their matrix products across threads
costs more in synchronization than it saves, and on a shared machine (Binder,
Colab, a loaded laptop) more threads than the process may really use make a
computation 10-100 times slower. Library code that runs many small
factorizations or trains small models wraps them in :func:`single_threaded`.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

__all__ = ["single_threaded"]

_cache: dict = {}


def _pools() -> ThreadpoolController:
    # Finding the loaded BLAS/OpenMP libraries scans the process's shared objects (about
    # 1.5 ms, several times that on a loaded machine), so the scan is kept until a new
    # Python module is imported, which is how a new native library arrives.
    key = len(sys.modules)
    if _cache.get("key") != key:
        _cache["controller"], _cache["key"] = ThreadpoolController(), key
    return _cache["controller"]


@contextmanager
def single_threaded():
    """Limit torch and every BLAS/OpenMP pool to one thread; restore on exit."""
    import torch

    previous = torch.get_num_threads()
    if previous != 1:
        torch.set_num_threads(1)
    try:
        with _pools().limit(limits=1):
            yield
    finally:
        if previous != 1:
            torch.set_num_threads(previous)
