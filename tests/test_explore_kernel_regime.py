"""Chapter 14's explorable: legible frames that change with every control, and the live wiring."""

import matplotlib
import numpy as np

matplotlib.use("Agg")

from kdbook.explore.frames import render_pixels  # noqa: E402
from kdbook.explore.kernel_regime import draw_kernel_regime, kernel_regime_explorer  # noqa: E402
from kdbook.plots import legibility_problems  # noqa: E402


def test_frames_are_legible():
    for width, n in [(10, 40), (1000, 5)]:
        figure = draw_kernel_regime(width, n)
        assert legibility_problems(figure) == []
        matplotlib.pyplot.close(figure)


def test_every_control_changes_the_frame():
    base = render_pixels(draw_kernel_regime(1000, 10), dpi=40)
    for other in (draw_kernel_regime(40, 10), draw_kernel_regime(1000, 20)):
        assert not np.array_equal(base, render_pixels(other, dpi=40))


def test_the_title_reports_a_risk_that_falls_with_n_for_a_wide_student():
    risks = []
    for n in (5, 40):
        title = draw_kernel_regime(1000, n).axes[0].get_title()
        assert title.startswith(f"width D = 1000, n = {n}: transfer risk")
        risks.append(float(title.rsplit(" ", 1)[1]))
    assert risks[1] < risks[0]


def test_the_live_explorer_redraws_on_a_change():
    app = kernel_regime_explorer(width=100, n=8)
    before = app.redraws
    app.redraw()
    assert app.redraws == before + 1 and app.last_values == {"width": 100, "n": 8}
