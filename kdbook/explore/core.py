"""Explorables: small ipywidgets apps that each teach one idea.

On the static HTML page Python callbacks cannot run, so every chapter shows
the figure at the default setting as a plain output and offers the widget to
readers who launch the page (Binder, Colab or locally); the same pure
``draw_*`` function also makes the page's static explorable
(:mod:`kdbook.explore.frames`). The widgets redraw only when a slider is
released, on one thread, drawing only the latest values, and show a status
line while computing.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt
import numpy as np
from ipywidgets import Widget

from .._params import Array, Function, Instance, Real, callback_boundary, validate_params
from ..losses import soft_labels
from ..plots import ROLE_COLORS, label_axes, soft_label_histogram

__all__ = ["explorer", "draw_teacher_scale", "teacher_scale_explorer"]


#: Seconds a slider change waits for the next one before the redraw starts (drag or key repeat).
DEBOUNCE_SECONDS = 0.15
#: The smallest and preferred width of one control: five sliders wrap onto rows, each track stays usable.
CONTROL_MIN_WIDTH = "17rem"


def _figure_output(figure, dpi: float = 100) -> dict:
    """The figure as a ``display_data`` output (PNG), for ``Output.outputs``."""
    import base64
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return {
        "output_type": "display_data",
        "data": {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"), "text/plain": repr(figure)},
        "metadata": {},
    }


def _style_controls(controls) -> object:
    """Let labels such as "temperature" show in full and wrap the controls onto rows of usable sliders."""
    import ipywidgets as widgets

    for control in controls.values():
        style = getattr(control, "style", None)
        if style is not None and hasattr(style, "description_width"):
            style.description_width = "initial"
        control.layout.min_width = CONTROL_MIN_WIDTH
        control.layout.flex = f"1 1 {CONTROL_MIN_WIDTH}"
        control.layout.max_width = "32rem"
        control.layout.margin = "2px 1.5rem 2px 0"
    return widgets.Box(list(controls.values()),
                       layout=widgets.Layout(display="flex", flex_flow="row wrap", align_items="center", width="100%"))


def _scheduler():
    """``call_later`` of the running event loop (in a Jupyter kernel), or None (plain Python: redraw at once)."""
    import asyncio

    try:
        return asyncio.get_running_loop().call_later
    except RuntimeError:
        return None


@validate_params(draw=Function(), controls=Instance(Mapping), title=Instance(str, optional=True),
                 progress=Instance(Widget, optional=True))
def explorer(draw: Callable[..., plt.Figure], controls: Mapping[str, object], *, title: str | None = None,
             progress: Widget | None = None):
    """Wire ipywidgets controls to a drawing function.

    Each redraw runs with torch and BLAS at one thread
    (:func:`kdbook._threads.single_threaded`): a Binder or Colab pod sees all
    the node's cores but may use a fraction of one, and more threads than the
    process can use made a redraw 10-100 times slower. In a kernel a change
    waits :data:`DEBOUNCE_SECONDS` and only the latest values are drawn: changes
    that arrive while a redraw runs supersede each other instead of queueing
    one retrain each. Outside a kernel (tests, scripts) every change redraws
    at once.

    Parameters
    ----------
    draw : callable
        ``draw(**values)`` returns a matplotlib Figure, where ``values`` maps
        each control's name to its current value.
    controls : mapping of str to ipywidgets.ValueWidget
        The sliders and dropdowns, by the keyword ``draw`` expects. They wrap
        onto several rows, at least :data:`CONTROL_MIN_WIDTH` each, with their
        full labels.
    title : str, optional
        Shown above the controls.
    progress : ipywidgets.Widget, optional
        A progress bar that ``draw`` updates, shown between controls and figure.

    Returns
    -------
    ipywidgets.VBox
        Children: [title,] controls box, [progress,] status line, output. Its
        ``redraw()`` re-runs ``draw`` now (used by tests); ``redraws`` counts
        the redraws, ``last_values`` and ``last_seconds`` record the latest one.
    """
    import ipywidgets as widgets

    from .._threads import single_threaded

    if not controls:
        raise ValueError("controls must name at least one widget")
    for name, control in controls.items():
        if not (isinstance(control, Widget) and hasattr(control, "value")):
            kind = type(control).__name__
            raise TypeError(f"controls[{name!r}] must be an ipywidgets control with a value, got {kind}")
    output = widgets.Output()
    status = widgets.HTML(value="")
    state = {"scheduled": False}

    def redraw(_change=None):
        import time

        state["scheduled"] = False
        values = {name: control.value for name, control in controls.items()}
        status.value = "<i>computing...</i>"
        started = time.perf_counter()
        try:
            with single_threaded(), callback_boundary():
                figure = draw(**values)
                try:
                    output.outputs = (_figure_output(figure),)
                finally:
                    plt.close(figure)
        except Exception as error:
            status.value = f"<span style='color:#b00020'>could not draw: {html.escape(str(error))}</span>"
            raise
        app.last_seconds = time.perf_counter() - started
        app.last_values = values
        app.redraws += 1
        status.value = ""

    def request(_change=None):
        later = _scheduler()
        if later is None:
            redraw()
            return
        status.value = "<i>computing...</i>"
        if not state["scheduled"]:
            state["scheduled"] = True
            later(DEBOUNCE_SECONDS, redraw)

    for control in controls.values():
        control.observe(request, names="value")
    header = [widgets.HTML(f"<b>{html.escape(title)}</b>")] if title else []
    middle = [progress] if progress is not None else []
    app = widgets.VBox(header + [_style_controls(controls)] + middle + [status, output])
    app.redraw = redraw
    app.draw = draw
    app.redraws = 0
    app.last_seconds = float("nan")
    app.output = output
    app.controls = dict(controls)
    redraw()
    return app


#: Teacher norms of the lower panel of :func:`draw_teacher_scale` (log-spaced, 0.01 to 1000).
TEACHER_SCALES = np.logspace(-2, 3, 51)


def _near_hard_share(logits, scales):
    """Share of ``sigma(s * logits)`` within 0.05 of 0 or 1, for every scale ``s``."""
    z = np.abs(np.outer(np.atleast_1d(scales), logits))
    return np.mean(z > np.log(0.95 / 0.05), axis=1)  # |sigma(z) - 1/2| > 0.45  <=>  |z| > log 19


@validate_params(X=Array("n", "d"), w_direction=Array("d", nonzero=True), scale=Real(0.0, low_open=True))
def draw_teacher_scale(X, w_direction, scale: float):
    """The soft labels of a teacher of norm ``scale``: their histogram and how many are nearly hard.

    The teacher is ``w_* = scale * u`` with ``u`` the unit vector along
    ``w_direction``. Top: the histogram of the soft labels ``sigma(w_*^T x)``
    of the rows of ``X``. Bottom: the share of labels within 0.05 of 0 or 1
    against the teacher's norm (0.01 to 1000, log scale), with the current
    norm marked.

    Parameters
    ----------
    X : array of shape (n, d)
    w_direction : array of shape (d,), non-zero (normalized here)
    scale : float > 0, the teacher's norm ``||w_*||``

    Returns
    -------
    matplotlib Figure, 5.0 x 6.0 in, two panels stacked (drawn for the book's column and a phone).
    """
    u = w_direction / np.linalg.norm(w_direction)
    logits = X @ u
    labels = soft_labels(X, scale * u)
    hard_share = float(_near_hard_share(logits, scale)[0])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(5.0, 6.0), layout="constrained")
    title = rf"$\|w_*\| = {scale:.3g}$: {hard_share:.1%} of labels within 0.05 of 0 or 1"
    soft_label_histogram(labels, ax=top, title=title)
    bottom.semilogx(TEACHER_SCALES, _near_hard_share(logits, TEACHER_SCALES), color=ROLE_COLORS["distillation"])
    bottom.plot([scale], [hard_share], "o", ms=9, color=ROLE_COLORS["teacher"], label="this teacher")
    bottom.set_ylim(-0.02, 1.02)
    label_axes(bottom, r"teacher's norm $\|w_*\|$ (log scale)", "share nearly hard")
    bottom.legend(loc="upper left")
    return fig


@validate_params(X=Array("n", "d"), w_direction=Array("d", nonzero=True), scale=Real(0.01, 1000.0))
def teacher_scale_explorer(X, w_direction, *, scale: float = 1.0):
    """Slider over the teacher's norm; redraws the histogram of soft labels.

    A larger ``||w_*||`` pushes ``sigma(w_*^T x)`` toward 0 and 1: the soft
    labels harden into the teacher's 0/1 decisions.
    """
    import ipywidgets as widgets

    slider = widgets.FloatLogSlider(
        value=scale, base=10, min=-2, max=3, step=0.05, description="||w*||", continuous_update=False
    )
    return explorer(
        lambda scale: draw_teacher_scale(X, w_direction, scale),
        {"scale": slider},
        title="How the teacher's scale hardens its labels",
    )
