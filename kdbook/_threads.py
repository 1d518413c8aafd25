"""One thread for small problems, restored afterwards.

The book's problems are small: splitting their matrix products across threads
costs more in synchronization than it saves, and on a shared machine (Binder,
Colab, a loaded laptop) more threads than the process may really use make a
computation 10-100 times slower. Library code that runs many small
factorizations or trains small models wraps them in :func:`single_threaded`.
"""

from __future__ import annotations

from contextlib import contextmanager

from threadpoolctl import threadpool_limits

__all__ = ["single_threaded"]


@contextmanager
def single_threaded():
    """Limit torch and every BLAS/OpenMP pool to one thread; restore on exit."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(previous)
