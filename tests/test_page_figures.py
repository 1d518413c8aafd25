"""_ext/kdbook_page.palette_png: figures get lighter only where the palette is faithful."""

import importlib.util
import io
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("kdbook_page", ROOT / "_ext" / "kdbook_page.py")
page = importlib.util.module_from_spec(spec)
spec.loader.exec_module(page)


def figure_png(path):
    fig, ax = plt.subplots(figsize=(5, 3.5))
    x = np.linspace(0, 1, 200)
    for k in range(4):
        ax.plot(x, np.sin(2 * np.pi * (k + 1) * x), label=f"k = {k}")
    ax.legend()
    fig.savefig(path, dpi=100, facecolor="white")
    plt.close(fig)


def test_an_opaque_figure_gets_lighter_and_stays_faithful(tmp_path):
    path = tmp_path / "figure.png"
    figure_png(path)
    before_pixels = np.asarray(Image.open(path).convert("RGB"), dtype=int)
    before = path.stat().st_size
    saved = page.palette_png(path)
    assert saved > 0.3 * before and path.stat().st_size == before - saved
    after_pixels = np.asarray(Image.open(path).convert("RGB"), dtype=int)
    assert np.abs(after_pixels - before_pixels).mean() <= page.PALETTE_MEAN_ERROR


def test_a_transparent_figure_is_left_alone(tmp_path):
    path = tmp_path / "clear.png"
    Image.new("RGBA", (40, 30), (255, 0, 0, 100)).save(path)
    data = path.read_bytes()
    assert page.palette_png(path) == 0 and path.read_bytes() == data


def test_an_image_the_palette_would_change_is_left_alone(tmp_path):
    """Smooth noise in every colour: 256 colours cannot keep it, so the guard refuses."""
    path = tmp_path / "photo.png"
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)).save(path)
    data = path.read_bytes()
    assert page.palette_png(path) == 0 and path.read_bytes() == data
    # ... and the guard is what refuses it: the palette would move pixels by more than the limit.
    rgb = Image.open(io.BytesIO(data)).convert("RGB")
    palette = rgb.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).convert("RGB")
    assert np.abs(np.asarray(rgb, dtype=int) - np.asarray(palette, dtype=int)).mean() > page.PALETTE_MEAN_ERROR
