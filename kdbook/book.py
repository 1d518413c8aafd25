"""What a chapter page needs from its environment, wherever it runs.

The chapters import :func:`glue` from here rather than from myst-nb, so they
run on Colab, Binder or a plain Jupyter where myst-nb is not installed: there
``glue`` shows the value (or nothing, with ``display=False``) instead of
storing it for the book's build.
"""

from __future__ import annotations

__all__ = ["glue"]

try:  # the book's build has myst-nb; a reader's kernel may not
    from myst_nb import glue as _myst_glue
except ImportError:  # pragma: no cover - exercised in the no-myst-nb environment test
    _myst_glue = None


def glue(name: str, variable, display: bool = True) -> None:
    """Store ``variable`` under ``name`` for the book's prose (myst-nb's glue).

    Without myst-nb, shows ``variable`` when ``display`` is true and does
    nothing otherwise.
    """
    if not isinstance(name, str) or not name:
        raise TypeError("name must be a non-empty string")
    if _myst_glue is not None:
        _myst_glue(name, variable, display=display)
    elif display:
        from IPython.display import display as show

        show(variable)
