"""Chapter 12's explorable: legible frames that change with every control, and the live wiring."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from kdbook.explore.frames import render_pixels  # noqa: E402
from kdbook.explore.self_distillation import draw_self_distillation, self_distillation_explorer  # noqa: E402
from kdbook.plots import legibility_problems  # noqa: E402


@pytest.mark.parametrize(("rounds", "alpha"), [(0, 0.0), (5, 0.0), (40, 0.3)])
def test_frames_are_legible(rounds, alpha):
    figure = draw_self_distillation(rounds, alpha)
    assert legibility_problems(figure) == []
    matplotlib.pyplot.close(figure)


def test_every_control_changes_the_frame():
    base = render_pixels(draw_self_distillation(3, 0.0), dpi=40)
    for other in (draw_self_distillation(5, 0.0), draw_self_distillation(3, 0.3)):
        assert not np.array_equal(base, render_pixels(other, dpi=40))


def test_the_title_reports_the_rounds_error():
    figure = draw_self_distillation(40, 0.0)
    title = figure.axes[0].get_title()
    assert title.startswith("round 40, χ = 0: test error")
    errors = [float(t.split()[0].strip("()")) for t in title.split("test error ")[1].split("teacher ")]
    assert errors[0] > errors[1], "40 pure rounds underfit: worse than the teacher"


def test_the_live_explorer_redraws_on_a_change():
    app = self_distillation_explorer(rounds=2)
    before = app.redraws
    app.redraw()
    assert app.redraws == before + 1 and app.last_values == {"rounds": 2, "alpha": 0.0}
