import re

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kdbook.explore.core import draw_teacher_scale, explorer, teacher_scale_explorer  # noqa: E402


def test_explorer_redraws_with_the_new_value():
    calls = []

    def draw(a):
        calls.append(a)
        fig, ax = plt.subplots()
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        return fig

    slider = ipywidgets.IntSlider(value=1, min=0, max=5)
    app = explorer(draw, {"a": slider})
    assert calls == [1]
    slider.value = 4
    assert calls == [1, 4]
    app.redraw()
    assert calls == [1, 4, 4]


def test_explorer_rejects_bad_arguments():
    with pytest.raises(TypeError, match="draw must be a callable"):
        explorer(None, {"a": ipywidgets.IntSlider()})
    with pytest.raises(ValueError, match="controls"):
        explorer(lambda: None, {})


def test_teacher_scale_figure_reports_share_of_hard_labels():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 3))
    fig = draw_teacher_scale(X, np.array([1.0, 0, 0]), 100.0)
    title = fig.axes[0].get_title()
    assert "100" in title and "%" in title
    share = float(title.split(":")[1].strip().split("%")[0])
    assert share > 90
    plt.close(fig)
    fig = draw_teacher_scale(X, np.array([1.0, 0, 0]), 0.01)
    assert fig.axes[0].get_title().split(":")[1].strip().startswith("0.0%")
    plt.close(fig)


def test_teacher_scale_explorer_slider_changes_the_plot():
    rng = np.random.default_rng(0)
    app = teacher_scale_explorer(rng.standard_normal((50, 3)), np.array([0.0, 1, 0]), scale=1.0)
    slider = app.children[1].children[0]
    slider.value = 100.0
    assert slider.value == pytest.approx(100.0)
    with pytest.raises(ValueError, match=re.escape("scale must be in [0.01, 1000]")):
        teacher_scale_explorer(np.ones((2, 3)), np.ones(3), scale=1e4)
    with pytest.raises(ValueError, match="w_direction must be non-zero"):
        draw_teacher_scale(np.ones((2, 3)), np.zeros(3), 1.0)


def test_draw_callbacks_validate_the_values_they_are_given():
    """Grid and slider values come from the reader, not from validated code: the draw function checks them."""
    from kdbook.explore import static_explorable

    X = np.random.default_rng(0).standard_normal((50, 3))
    with pytest.raises(ValueError, match="scale must be > 0, got -1"):
        static_explorable(draw_teacher_scale, {"scale": [-1, 1]}, name="x", labels={"scale": "s"},
                          formats={"scale": "{:g}"}, alt="{scale}", fixed={"X": X, "w_direction": np.ones(3)})
    with pytest.raises(ValueError, match=r"w_direction has d = 2 along axis 0 \(shape \(2,\)\), but X has d = 3"):
        explorer(lambda scale: draw_teacher_scale(X, np.ones(2), scale), {"scale": ipywidgets.FloatSlider(value=1.0)})
    plt.close("all")


def test_keep_int_seeds_stay_ints_and_generators_give_one_drawn_int():
    """Explorables key cached runs by their seed and derive sub-seeds (seed + 1): they need the int."""
    from kdbook._params import Seed

    spec = Seed(keep_int=True)
    assert spec(5, "seed") == 5 and type(spec(np.int64(5), "seed")) is int
    drawn = spec(np.random.default_rng(5), "seed")
    assert isinstance(drawn, int) and drawn == np.random.default_rng(5).integers(2**63)
    with pytest.raises(TypeError, match="seed must be an int seed"):
        spec(None, "seed")


def test_teacher_scale_lower_panel_marks_this_teacher_on_the_share_curve():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2000, 4))
    for scale in (0.5, 5.0):
        fig = draw_teacher_scale(X, np.array([0.0, 2.0, 0, 0]), scale)
        curve, marker = fig.axes[1].get_lines()[:2]
        scales, shares = curve.get_data()
        assert np.all(np.diff(shares) >= 0), "a larger teacher never softens its labels"
        # For Gaussian logits the share is P[|Z| > log(19) / s]; the dot sits on the curve at this scale.
        (at,), (share,) = marker.get_data()
        assert at == scale
        assert share == pytest.approx(np.interp(np.log(scale), np.log(scales), shares), abs=0.02)
        assert share == pytest.approx(np.mean(np.abs(X[:, 1]) * scale > np.log(19)))
        plt.close(fig)
