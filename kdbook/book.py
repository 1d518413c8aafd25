"""What a chapter page needs from its environment, wherever it runs.

The chapters import :func:`glue` from here rather than from myst-nb, so they
run on Colab, Binder or a plain Jupyter where myst-nb is not installed: there
``glue`` shows the value (or nothing, with ``display=False``) instead of
storing it for the book's build.

Importing this module inside a Jupyter kernel also makes sure figures are
shown. A kernel normally draws with matplotlib's inline backend, but where
``MPLBACKEND=Agg`` is exported (common on headless servers and CI) the kernel
keeps Agg, every figure is drawn into memory and never displayed, and the
book's build then fails on the labels of figures that never appeared. A
non-interactive backend in a kernel is therefore switched to ``inline``; an
interactive one the reader chose (``widget``, ``qt``, ...) is left alone.

For the book's build, the module also provides the bibliography style
``authoryear`` (registered with pybtex as an entry point in pyproject.toml):
the reference list labels and sorts its entries by author and year, as the
citations in the text read, instead of numbering them.
"""

from __future__ import annotations

import functools
import sys

from ._params import Anything, Boolean, Instance, validate_params

__all__ = ["glue", "ensure_inline_figures"]

try:  # the book's build has myst-nb; a reader's kernel may not
    from myst_nb import glue as _myst_glue
except ImportError:  # exercised by tests/test_book_module.py and tests/test_binder.py
    _myst_glue = None

# matplotlib's non-interactive built-in backends: in a kernel they draw
# figures nobody sees (the list of matplotlib.backends.BackendFilter.NON_INTERACTIVE).
_SILENT_BACKENDS = frozenset({"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"})


# variable is Anything(): glue stores whatever the prose shows (a number, a string, a figure, a table, ...).
@validate_params(name=Instance(str), variable=Anything(), display=Boolean())
def glue(name: str, variable, display: bool = True) -> None:
    """Store ``variable`` under ``name`` for the book's prose (myst-nb's glue).

    In the book's build, ``{glue:text}`name``` in a page then shows the value
    computed by the code, so prose and computation cannot drift apart.
    Without myst-nb (Colab, Binder, a plain Jupyter), shows ``variable`` when
    ``display`` is true and does nothing otherwise.

    Parameters
    ----------
    name : str
        Non-empty key the prose refers to.
    variable : object
        The value (a number, a string, a matplotlib figure, ...).
    display : bool, default True
        Also show the value where the cell runs.
    """
    if not name:
        raise TypeError("name must be a non-empty string, got ''")
    if _myst_glue is not None:
        _myst_glue(name, variable, display=display)
    elif display:
        from IPython.display import display as show

        show(variable)


def _kernel_shell():
    """The running Jupyter kernel's shell, or None outside a kernel."""
    zmqshell = sys.modules.get("ipykernel.zmqshell")
    if zmqshell is None:  # no kernel has been started in this process
        return None
    from IPython import get_ipython

    shell = get_ipython()
    # Colab's shell subclasses ZMQInteractiveShell, so it is covered too.
    return shell if isinstance(shell, zmqshell.ZMQInteractiveShell) else None


@validate_params()
def ensure_inline_figures() -> bool:
    """Switch matplotlib to the inline backend in a kernel that would hide figures.

    Called once when :mod:`kdbook.book` is imported. Does nothing outside a
    Jupyter kernel (scripts and tests keep their backend) and when the
    backend is interactive or already inline.

    Returns
    -------
    bool
        True if the backend was switched.
    """
    shell = _kernel_shell()
    if shell is None:
        return False
    import matplotlib

    try:  # None while matplotlib has not resolved its default yet
        backend = matplotlib.rcParams._get_backend_or_none()
    except AttributeError:  # matplotlib < 3.9
        backend = matplotlib.rcParams["backend"]
    if backend is None or backend.lower() not in _SILENT_BACKENDS:
        return False
    shell.run_line_magic("matplotlib", "inline")
    return True


@functools.lru_cache(maxsize=4096)
def _plain_name(latex: str) -> str:
    # Parsing LaTeX is the slow part, and the build asks for every entry's names again for each sort
    # and each label: cached, the full build took 27 -> 24 s.
    from pybtex.richtext import Text

    return Text.from_latex(latex).render_as("text")


def _cited_names(entry) -> str:
    """The author part of an author-year citation: "A", "A and B", "A et al."."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_plain_name(" ".join(p.prelast_names + p.last_names)) for p in persons]
    if not names:
        return str(entry.fields.get("title", entry.key))
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


@functools.cache
def _author_year_style():
    # pybtex is part of the book's build (sphinxcontrib-bibtex), not of the
    # package: import it only when the build asks for the style.
    from pybtex.style.formatting.unsrt import Style
    from pybtex.style.labels import BaseLabelStyle
    from pybtex.style.sorting import BaseSortingStyle

    class AuthorYearOrder(BaseSortingStyle):
        """In the order a reader looks a label up: cited names, then year, then title."""

        def sorting_key(self, entry):
            return (_cited_names(entry).lower(), entry.fields.get("year", ""), entry.fields.get("title", "").lower())

    class AuthorYearLabels(BaseLabelStyle):
        """Labels such as "Phuong and Lampert, 2019"; "2019a", "2019b" if they clash."""

        def format_labels(self, sorted_entries):
            labels = [f"{_cited_names(e)}, {e.fields.get('year', 'n.d.')}" for e in sorted_entries]
            clashes = {label for label in labels if labels.count(label) > 1}
            seen = {}
            for label in labels:
                if label in clashes:
                    seen[label] = seen.get(label, 0) + 1
                    label = f"{label}{chr(ord('a') + seen[label] - 1)}"
                yield label

    class AuthorYearStyle(Style):
        """pybtex's unsrt entries, labelled and sorted by author and year."""

        default_label_style = AuthorYearLabels
        default_sorting_style = AuthorYearOrder

    return AuthorYearStyle


def __getattr__(name):
    if name == "AuthorYearStyle":  # the pybtex entry point kdbook.book:AuthorYearStyle
        return _author_year_style()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


ensure_inline_figures()
