"""One figure style for the whole book.

Colours come from the Okabe-Ito palette, which stays distinguishable under the
common forms of colour blindness. Every helper labels its axes; chapters call
:func:`use_book_style` once.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ._params import Array, Instance, Integer, validate_params

__all__ = [
    "PALETTE",
    "ROLE_COLORS",
    "use_book_style",
    "legibility_problems",
    "COLUMN_WIDTH_IN",
    "MIN_FONT_PT",
    "new_axes",
    "label_axes",
    "soft_label_histogram",
]

#: Okabe & Ito (2008) colour-blind-safe palette, by name.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: The colour of each recurring role, so a reader can follow it across chapters.
ROLE_COLORS = {
    "teacher": PALETTE["black"],
    "distillation": PALETTE["blue"],
    "hard-label": PALETTE["orange"],
    "delta": PALETTE["green"],
    "bound": PALETTE["vermillion"],
    "flow": PALETTE["sky"],
    "other": PALETTE["purple"],
}


#: The book's text column is about 730 px wide; at 100 dpi a figure this wide (inches) is shown at full size.
COLUMN_WIDTH_IN = 7.5
#: The smallest text in a figure, in points: 9 pt at 100 dpi is 12.5 px at column width.
MIN_FONT_PT = 9.0


@validate_params()
def use_book_style() -> None:
    """Set matplotlib defaults: palette cycle, sizes legible at the column width, light grid.

    Figures default to 7.2 x 4.2 in at 100 dpi, so they are shown at (nearly)
    their natural size in the book's column, where 9-12 pt text stays legible.
    Constrained layout is not the default (chapters call ``fig.tight_layout()``,
    and switching engines warns); multi-panel ``draw_*`` functions ask for it.
    """
    mpl.rcParams.update(
        {
            "axes.prop_cycle": mpl.cycler(color=[PALETTE[k] for k in
                                                 ("blue", "orange", "green", "vermillion", "sky", "purple", "black")]),
            "figure.figsize": (7.2, 4.2),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 11,
            "axes.titlesize": 11,
            "axes.labelsize": 11,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.fontsize": 10,
            "figure.titlesize": 12,
            "legend.frameon": False,
        }
    )


@validate_params(fig=Instance(Figure))
def legibility_problems(fig) -> list[str]:
    """What keeps ``fig`` from being legible at the book's column width (empty if nothing).

    Checks the width (at most :data:`COLUMN_WIDTH_IN`, so it is not shrunk) and
    that every visible text is at least :data:`MIN_FONT_PT`.
    """
    problems = []
    width = float(fig.get_size_inches()[0])
    if width > COLUMN_WIDTH_IN + 1e-9:
        problems.append(f"figure is {width:.1f} in wide (> {COLUMN_WIDTH_IN} in): shrunk below legibility")
    for text in fig.findobj(mpl.text.Text):
        if text.get_visible() and text.get_text().strip() and text.get_fontsize() < MIN_FONT_PT - 1e-9:
            problems.append(f"text {text.get_text()[:30]!r} is {text.get_fontsize():g} pt (< {MIN_FONT_PT:g} pt)")
    return problems


@validate_params(ax=Instance(Axes), xlabel=Instance(str), ylabel=Instance(str), title=Instance(str, optional=True))
def label_axes(ax, xlabel: str, ylabel: str, title: str | None = None):
    """Label both axes (and optionally the title) of ``ax``; returns ``ax``."""
    if not xlabel or not ylabel:
        raise ValueError("xlabel and ylabel must be non-empty: every figure in the book labels its axes")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


@validate_params(
    xlabel=Instance(str), ylabel=Instance(str), title=Instance(str, optional=True),
    figsize=Array(2, low=0.0, low_open=True, optional=True),
)
def new_axes(xlabel: str, ylabel: str, title: str | None = None, *, figsize=None):
    """A new figure with one labelled axes; returns ``(fig, ax)``.

    ``figsize`` is ``(width, height)`` in inches, both > 0 (default: the style's).
    """
    fig, ax = plt.subplots(figsize=None if figsize is None else tuple(float(size) for size in figsize))
    label_axes(ax, xlabel, ylabel, title)
    return fig, ax


@validate_params(
    labels=Array("n", low=0.0, high=1.0), ax=Instance(Axes, optional=True), title=Instance(str, optional=True),
    bins=Integer(1),
)
def soft_label_histogram(labels, *, ax=None, title: str | None = None, bins: int = 40):
    """Histogram of soft labels in ``[0, 1]``; returns the axes.

    ``labels`` has shape ``(n,)``, every entry in ``[0, 1]``; ``bins >= 1``.
    Mass piling up at 0 and 1 means the teacher's labels are effectively hard.
    """
    if ax is None:
        _, ax = plt.subplots()
    ax.hist(labels, bins=np.linspace(0, 1, bins + 1), color=ROLE_COLORS["distillation"], edgecolor="white")
    label_axes(ax, r"soft label $\sigma(w_*^\top x)$", "number of inputs", title)
    ax.set_xlim(0, 1)
    return ax
