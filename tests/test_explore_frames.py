"""Tests for kdbook.explore.frames: the static-page explorable."""

import base64
import io
import json
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from kdbook.explore import static_explorable  # noqa: E402
from kdbook.explore.frames import MAX_FRAMES  # noqa: E402


def draw_line(slope, offset=0.0, color="C0"):
    """A figure that changes with every argument, cheap enough for many frames."""
    fig, ax = plt.subplots(figsize=(3, 2))
    x = np.linspace(0, 1, 20)
    ax.plot(x, slope * x + offset, color=color)
    ax.set_ylim(-3, 3)
    ax.set_title(f"slope {slope:g}")
    return fig


def make(**overrides):
    kwargs = dict(
        grid={"slope": [-1, 0.5, 2], "offset": [0.0, 1.0]},
        name="line-demo",
        labels={"slope": "slope", "offset": "offset"},
        formats={"slope": "{:g}", "offset": "{:.1f}"},
        alt="A line of slope {slope} and offset {offset}",
    )
    kwargs.update(overrides)
    return static_explorable(draw_line, **kwargs)


def decode(frame):
    return np.asarray(Image.open(io.BytesIO(frame.data)).convert("RGB"))


def test_frames_equal_the_draw_function_at_their_settings():
    ex = make(fixed={"color": "C1"})
    assert len(ex.frames) == 6
    for key, frame in ex.frames.items():
        fig = draw_line(color="C1", **frame.values)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        plt.close(fig)
        expected = np.asarray(Image.open(buffer).convert("RGB"))
        np.testing.assert_array_equal(decode(frame), expected, err_msg=key)


def test_keys_alt_and_html_contract():
    ex = make(initial={"slope": 2})
    assert set(ex.frames) == {f"slope={s}|offset={o}" for s in ("-1", "0.5", "2") for o in ("0.0", "1.0")}
    assert ex.frames["slope=0.5|offset=1.0"].alt == "A line of slope 0.5 and offset 1.0. Title: slope 0.5"
    page = ex._repr_html_()
    assert page == ex._repr_mimebundle_()["text/html"]
    assert (f'<div class="kd-explorable" data-kd-name="line-demo" data-kd-seconds="{ex.render_seconds:.2f}" '
            'role="group" aria-label="Explorable figure, controls: slope and offset">') in page
    # Without JavaScript no control shows (the script unhides them); one polite live region.
    assert '<div class="kd-controls" hidden>' in page
    assert page.count('aria-live="polite"') == 1
    assert ex.render_seconds > 0
    inputs = re.findall(r"<input [^>]*>", page)
    assert len(inputs) == 2
    slope, offset = inputs
    assert 'data-kd-param="slope"' in slope and 'min="0"' in slope and 'max="2"' in slope and 'step="1"' in slope
    assert 'value="2"' in slope and 'aria-valuetext="slope = 2"' in slope
    assert 'value="0"' in offset and 'max="1"' in offset and 'aria-valuetext="offset = 0.0"' in offset
    assert page.count('<output class="kd-value"') == 2
    img = re.search(r"<img [^>]*>", page).group(0)
    assert 'class="kd-frame"' in img and 'data-kd-key="slope=2|offset=0.0"' in img
    assert 'alt="A line of slope 2 and offset 0.0. Title: slope 2"' in img
    # The launch note is the chapter's admonition, not part of the explorable; print names the web page.
    assert '<p class="kd-note"' not in page and "Binder" not in page and "rocket" not in page
    assert '<p class="kd-web-note">' in page
    assert "http" not in page, "no CDN or remote resource"
    data = json.loads(re.search(r'<script type="application/json" class="kd-frames">(.*?)</script>', page).group(1))
    assert set(data["frames"]) == set(ex.frames)
    # The initial frame is inlined once (in the img); the others are in the JSON.
    assert "src" not in data["frames"]["slope=2|offset=0.0"]
    src = data["frames"]["slope=-1|offset=1.0"]["src"]
    mime, encoded = re.fullmatch(r"data:(image/\w+);base64,(.*)", src).groups()
    assert mime in ("image/png", "image/webp")
    assert base64.b64decode(encoded) == ex.frames["slope=-1|offset=1.0"].data


def test_default_initial_is_the_middle_and_note_is_shown():
    ex = make(grid={"slope": [-2, -1, 1, 2]}, labels={"slope": "slope"}, formats={"slope": "{:g}"},
              alt="slope {slope}", note="Try a negative slope.")
    assert ex.initial_key == "slope=-1"
    assert "Try a negative slope." in ex.html()


def test_two_explorables_on_one_page_do_not_clash():
    a, b = make(name="first"), make(name="second")
    script_a = re.findall(r"<script>(.*?)</script>", a.html(), re.S)[0]
    assert 'data-kd-name="first"' in script_a and "second" not in script_a
    assert script_a.lstrip().startswith("(function")  # no global names
    assert 'data-kd-name="second"' in b.html()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (dict(grid={}), "1 or 2 controls"),
        (dict(grid={"slope": [1, 2], "offset": [0, 1], "color": ["C0", "C1"]}), "1 or 2 controls"),
        (dict(grid={"slope": [[1, 2], [3, 4]], "offset": [0.0, 1.0]}), "1-D"),
        (dict(grid={"slope": np.ones((2, 2)), "offset": [0.0, 1.0]}), "1-D"),
        (dict(grid={"slope": 3, "offset": [0.0, 1.0]}), "1-D"),
        (dict(grid={"slope": [1, 2, 1], "offset": [0.0, 1.0]}), "duplicate"),
        (dict(grid={"slope": [1.0, 1.0001], "offset": [0.0, 1.0]}, formats={"slope": "{:.1f}", "offset": "{:.1f}"}),
         "look the same"),
        (dict(grid={"slope": [1], "offset": [0.0, 1.0]}), "at least 2"),
        (dict(labels={"slope": "s", "offset": "o", "scale": "x"}), "labels names unknown"),
        (dict(labels={"slope": "s"}), "labels must give every control"),
        (dict(formats={"slope": "{:g}", "offset": "{:g}", "x": "{}"}), "formats names unknown"),
        (dict(formats={"slope": "{:d}", "offset": "{:g}"}), "cannot format"),
        (dict(initial={"intercept": 1}), "initial names unknown"),
        (dict(initial={"slope": 3}), "not in grid"),
        (dict(alt="slope {slope}, offset {offset}, scale {scale}"), "scale"),
        (dict(alt="slope {slope}"), "missing ['offset']"),
        (dict(name="Line Demo"), "a-z0-9-"),
        (dict(name=""), "a-z0-9-"),
        (dict(grid={"slope": list(range(1, 12)), "offset": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]}), f"at most {MAX_FRAMES}"),
        (dict(fixed={"slope": 1}), "either a control or fixed"),
    ],
)
def test_bad_grids_are_rejected_with_clear_errors(overrides, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make(**overrides)


def test_type_errors():
    with pytest.raises(TypeError, match="draw must be a callable"):
        static_explorable(None, {"slope": [1, 2]}, name="x", labels={"slope": "s"}, formats={"slope": "{}"},
                          alt="{slope}")
    with pytest.raises(TypeError, match="grid must be an instance of Mapping"):
        make(grid=[("slope", [1, 2])])
    with pytest.raises(TypeError, match="matplotlib Figure"):
        static_explorable(lambda slope: None, {"slope": [1, 2]}, name="x", labels={"slope": "s"},
                          formats={"slope": "{}"}, alt="{slope}")


def test_a_step_that_changes_nothing_is_rejected_and_figures_are_closed():
    def flat(slope, offset):
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot([0, 1], [offset, offset])  # ignores slope
        return fig

    before = len(plt.get_fignums())
    with pytest.raises(ValueError, match=r"stepping 'slope' from -1 to 0.5 changes nothing"):
        static_explorable(flat, {"slope": [-1, 0.5, 2], "offset": [0.0, 1.0]}, name="flat",
                          labels={"slope": "s", "offset": "o"}, formats={"slope": "{:g}", "offset": "{:g}"},
                          alt="{slope} {offset}")
    assert len(plt.get_fignums()) == before
    make()
    assert len(plt.get_fignums()) == before


def test_alt_states_the_numbers_in_the_frames_title():
    def titled(slope):
        fig, ax = plt.subplots(figsize=(2, 1.5))
        ax.plot([0, 1], [0, slope])
        ax.set_title(rf"$\kappa = {slope}$: risk {slope / 10:.2f}")
        fig.suptitle(rf"$\|w_*\| = {2 * slope}$")
        return fig

    ex = static_explorable(titled, {"slope": [1, 2, 3]}, name="titled", labels={"slope": "slope"},
                           formats={"slope": "{:d}"}, alt="A line of slope {slope}")
    assert ex.frames["slope=2"].alt == "A line of slope 2. Title: ‖w_*‖ = 4; κ = 2: risk 0.20"
