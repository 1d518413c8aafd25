import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kdbook.plots import PALETTE, ROLE_COLORS, label_axes, new_axes, soft_label_histogram, use_book_style  # noqa: E402


def test_style_uses_the_colour_blind_safe_palette():
    use_book_style()
    cycle = [c["color"] for c in matplotlib.rcParams["axes.prop_cycle"]]
    assert cycle[0] == PALETTE["blue"]
    assert set(ROLE_COLORS.values()) <= set(PALETTE.values())


def test_new_axes_are_labelled():
    fig, ax = new_axes("n", "risk", "title")
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("n", "risk", "title")
    plt.close(fig)


def test_axes_must_be_labelled():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="labels its axes"):
        label_axes(ax, "", "y")
    plt.close(fig)


def test_histogram_counts_every_label():
    labels = np.linspace(0, 1, 101)
    ax = soft_label_histogram(labels, bins=10)
    assert sum(patch.get_height() for patch in ax.patches) == 101
    plt.close(ax.figure)
    with pytest.raises(ValueError, match=r"every entry of labels must be in \[0, 1\], got 2.0"):
        soft_label_histogram(np.array([2.0]))
    with pytest.raises(ValueError, match=r"labels must have shape \(n,\), got shape \(2, 2\)"):
        soft_label_histogram(np.zeros((2, 2)))


def test_legibility_check_finds_wide_figures_and_small_text():
    from kdbook.plots import legibility_problems

    use_book_style()
    fig, ax = plt.subplots()
    label_axes(ax, "x", "y")
    assert legibility_problems(fig) == []
    ax.text(0.5, 0.5, "tiny", fontsize=6)
    fig.set_size_inches(13.5, 4)
    problems = legibility_problems(fig)
    assert any("13.5 in wide" in p for p in problems) and any("'tiny' is 6 pt" in p for p in problems)
    plt.close(fig)
