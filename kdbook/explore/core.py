"""Explorables: small ipywidgets apps that each teach one idea.

On the static HTML page Python callbacks cannot run, so every chapter shows
the figure at the default setting as a plain output and offers the widget to
readers who launch the page (Binder, Colab or locally). The widgets redraw
only when a slider is released and show a status line while computing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt
import numpy as np

from .._validation import as_data_matrix, as_float, as_nonzero_vector
from ..losses import soft_labels
from ..plots import soft_label_histogram

__all__ = ["explorer", "draw_teacher_scale", "teacher_scale_explorer"]


def explorer(draw: Callable[..., plt.Figure], controls: Mapping[str, object], *, title: str | None = None):
    """Wire ipywidgets controls to a drawing function.

    Parameters
    ----------
    draw : callable
        ``draw(**values)`` returns a matplotlib Figure, where ``values`` maps
        each control's name to its current value.
    controls : mapping of str to ipywidgets.ValueWidget
        The sliders and dropdowns, by the keyword ``draw`` expects.
    title : str, optional
        Shown above the controls.

    Returns
    -------
    ipywidgets.VBox
        The app. Its ``redraw()`` method re-runs ``draw`` (used by tests).
    """
    import ipywidgets as widgets
    from IPython.display import display

    if not callable(draw):
        raise TypeError("draw must be callable")
    if not controls:
        raise ValueError("controls must name at least one widget")
    output = widgets.Output()
    status = widgets.HTML(value="")

    def redraw(_change=None):
        values = {name: control.value for name, control in controls.items()}
        status.value = "<i>computing...</i>"
        with output:
            output.clear_output(wait=True)
            figure = draw(**values)
            display(figure)
            plt.close(figure)
        status.value = ""

    for control in controls.values():
        control.observe(redraw, names="value")
    header = [widgets.HTML(f"<b>{title}</b>")] if title else []
    app = widgets.VBox(header + [widgets.HBox(list(controls.values())), status, output])
    app.redraw = redraw
    redraw()
    return app


def draw_teacher_scale(X, w_direction, scale: float):
    """Histogram of the soft labels ``sigma(scale * u^T x)`` for a unit teacher direction ``u``.

    Parameters
    ----------
    X : array of shape (n, d)
    w_direction : array of shape (d,), non-zero (normalized here)
    scale : float > 0, the teacher's norm ``||w_*||``

    Returns
    -------
    matplotlib Figure.
    """
    w_direction = as_nonzero_vector(w_direction, "w_direction")
    X = as_data_matrix(X, "X", d=w_direction.shape[0])
    scale = as_float(scale, "scale", minimum=0.0, strict_minimum=True)
    w_star = scale * w_direction / np.linalg.norm(w_direction)
    labels = soft_labels(X, w_star)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    hard_share = np.mean((labels < 0.05) | (labels > 0.95))
    title = rf"$\|w_*\| = {scale:.3g}$: {hard_share:.1%} of labels within 0.05 of 0 or 1"
    soft_label_histogram(labels, ax=ax, title=title)
    fig.tight_layout()
    return fig


def teacher_scale_explorer(X, w_direction, *, scale: float = 1.0):
    """Slider over the teacher's norm; redraws the histogram of soft labels.

    A larger ``||w_*||`` pushes ``sigma(w_*^T x)`` toward 0 and 1: the soft
    labels harden into the teacher's 0/1 decisions.
    """
    import ipywidgets as widgets

    w_direction = as_nonzero_vector(w_direction, "w_direction")
    X = as_data_matrix(X, "X", d=w_direction.shape[0])
    scale = as_float(scale, "scale", minimum=0.01, maximum=1000.0)
    slider = widgets.FloatLogSlider(
        value=scale, base=10, min=-2, max=3, step=0.05, description="||w*||", continuous_update=False
    )
    return explorer(
        lambda scale: draw_teacher_scale(X, w_direction, scale),
        {"scale": slider},
        title="How the teacher's scale hardens its labels",
    )
