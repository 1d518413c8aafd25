"""Chapter 13's explorable: legible frames that change with every control, and the live wiring."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from kdbook.bayes_teacher import population_student  # noqa: E402
from kdbook.explore.bayes_teacher import DIM, RADIUS, bayes_teacher_explorer, draw_bayes_teacher  # noqa: E402
from kdbook.explore.frames import render_pixels  # noqa: E402
from kdbook.plots import legibility_problems  # noqa: E402


@pytest.mark.parametrize(("temperature", "weight"), [(0.5, 0.5), (1.0, 1.0), (2.0, 0.8)])
def test_frames_are_legible(temperature, weight):
    figure = draw_bayes_teacher(temperature, weight)
    assert legibility_problems(figure) == []
    matplotlib.pyplot.close(figure)


def test_every_control_changes_the_frame():
    base = render_pixels(draw_bayes_teacher(0.7, 1.0), dpi=40)
    for other in (draw_bayes_teacher(1.4, 1.0), draw_bayes_teacher(0.7, 0.5)):
        assert not np.array_equal(base, render_pixels(other, dpi=40))


def test_the_title_reports_the_exact_bias():
    figure = draw_bayes_teacher(0.5, 0.5)
    title = figure.axes[1].get_title()
    limit = population_student(temperature=0.5, teacher_weight=0.5, d=DIM, radius=RADIUS)[1]
    assert title == f"T = 0.5, ψ = 0.5: bias {limit:.3f}"
    assert "exact" in draw_bayes_teacher(1.0, 1.0).axes[1].get_title()


def test_the_live_explorer_redraws_on_a_change():
    app = bayes_teacher_explorer(temperature=0.7)
    before = app.redraws
    app.redraw()
    assert app.redraws == before + 1 and app.last_values == {"temperature": 0.7, "teacher_weight": 1.0}
