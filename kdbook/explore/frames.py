"""The static-page explorable: frames drawn at build time, swapped by a range input.

Python callbacks cannot run on the static HTML page, so the book draws each
explorable's figure once per value of a small grid when the page is built and
lets the reader step through them. :func:`static_explorable` calls the same
pure ``draw_*(**params)`` function that makes the chapter's default figure and
its live ipywidgets app, so the three never disagree.

Why frames rather than a plotting library in the browser: in a real Jupyter
Book 1 build (myst-nb, ``-n -W``, no network) Plotly's output is dropped by
myst-nb and its inlined script adds about 4.7 MB a page, Panel's embed fails
``-W``, and ipywidgets' embedded state shows sliders whose callbacks never run;
a few dozen inlined images and twenty lines of JavaScript pass ``-W``, work
from ``file://`` and stay well under the 2.5 MB page budget.

The HTML contract (the browser tests and the book's build rely on it)::

    <div class="kd-explorable" data-kd-name=NAME role="group" aria-label="...">
      <div class="kd-controls" hidden>   (shown by the script: no JavaScript, no controls)
        <input type="range" class="kd-control" data-kd-param=P min=0 max=K-1 step=1
               value=I aria-valuetext="label = value"> <output class="kd-value">
        ...one per control...
      </div>
      <img class="kd-frame" data-kd-key="p1=v1|p2=v2" alt="..." src=...>   (the initial setting)
      <p class="kd-live" aria-live="polite"></p>   (reads the new frame's description)
      <p class="kd-web-note">...</p>               (printed only: where the controls are)
      <script type="application/json" class="kd-frames">...</script>
      <script>...</script>
    </div>

The output is self-contained (frames as data URIs), so it works in Jupyter and
on Colab. The book's build (``_ext/kdbook_page.py``) moves the frames into files
under ``_explorables/`` and rewrites the page to reference them; the script loads
them on demand (when the explorable nears the viewport, or on first focus or
touch) by plain ``<img>`` loads, which also work from ``file://``. Chapters make
the cell a numbered figure with a caption through the cell's ``mystnb.figure``
metadata; how to launch the live version is the chapter's own admonition.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import re
import string
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Number

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .._params import Function, Instance, Real, callback_boundary, validate_params

__all__ = ["static_explorable", "StaticExplorable", "Frame", "MAX_FRAMES"]

#: At most this many frames per explorable: the page budget is 2.5 MB and ~40 frames.
MAX_FRAMES = 60

_NAME = re.compile(r"[a-z0-9-]+")
_PARAM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: The line a printed explorable shows under its frame (the build names the web page).
WEB_NOTE = "Interactive figure: its controls work on the book's web page."


@dataclass(frozen=True)
class Frame:
    """One precomputed image: its setting, its key, its alt text and its encoded bytes."""

    values: dict
    key: str
    alt: str
    mime: str
    data: bytes

    @property
    def src(self) -> str:
        return f"data:{self.mime};base64," + base64.b64encode(self.data).decode("ascii")


@dataclass
class StaticExplorable:
    """The rendered explorable; displays as self-contained HTML (``_repr_html_``)."""

    name: str
    params: list
    frames: dict = field(repr=False)
    initial_key: str = ""
    note: str = ""
    render_seconds: float = 0.0

    @property
    def nbytes(self) -> int:
        """Size of the HTML that goes into the page."""
        return len(self.html().encode("utf-8"))

    def html(self) -> str:
        return _html(self)

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_mimebundle_(self, include=None, exclude=None):
        over = ", ".join(p["name"] for p in self.params)
        text = f"<static explorable {self.name!r}: {len(self.frames)} frames over {over}>"
        return {"text/html": self.html(), "text/plain": text}


@validate_params(
    draw=Function(),
    grid=Instance(Mapping),
    name=Instance(str),
    labels=Instance(Mapping),
    formats=Instance(Mapping),
    alt=Instance(str),
    initial=Instance(Mapping, optional=True),
    fixed=Instance(Mapping, optional=True),
    note=Instance(str, optional=True),
    dpi=Real(0.0, low_open=True),
)
def static_explorable(
    draw: Callable[..., Figure],
    grid: Mapping[str, Sequence],
    *,
    name: str,
    labels: Mapping[str, str],
    formats: Mapping[str, str],
    alt: str,
    initial: Mapping | None = None,
    fixed: Mapping | None = None,
    note: str | None = None,
    dpi: float = 100,
) -> StaticExplorable:
    """Draw ``draw(**fixed, **point)`` at every point of ``grid`` and wire the frames to range inputs.

    Parameters
    ----------
    draw : callable
        The chapter's pure ``draw_*(**params) -> matplotlib Figure``.
    grid : mapping of str to sequence
        One or two controls, each a 1-D sequence of at least two distinct values,
        in the order the control steps through them.
    name : str
        Unique on the page, matching ``[a-z0-9-]+``.
    labels, formats : mapping of str to str
        For every control, its label (plain unicode, no TeX) and the
        ``str.format`` spec of a value (``"{:g}"``), used in the readout,
        ``aria-valuetext``, the frame key and the alt text.
    alt : str
        ``str.format`` template over the *formatted* values, e.g.
        ``"p(θ) for κ = {kappa}"``.
    initial : mapping, optional
        The starting value of each control (must be a grid value); default: the
        middle of each grid (lower middle for an even length).
    fixed : mapping, optional
        Extra keyword arguments passed to every ``draw`` call.
    note : str, optional
        A sentence shown under the frame (how to launch the live version is the
        chapter's own "Run this live" admonition, not part of the explorable).
    dpi : float
        Resolution of the frames (100 dpi keeps a 7.5 in figure at column width).

    Returns
    -------
    StaticExplorable
        Displays as the whole widget (text/html). Raises ValueError if a step of
        a control leaves the figure unchanged: such a step teaches nothing.
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"name must match [a-z0-9-]+ (unique on the page), got {name!r}")
    params = _check_grid(grid, labels, formats)
    start = _check_initial(params, initial)
    fixed = _check_fixed(fixed, params)
    _check_alt(alt, params)
    started = time.perf_counter()
    frames = _render_all(draw, params, fixed, alt, dpi)
    seconds = time.perf_counter() - started
    initial_key = _key(params, start)
    for p, index in zip(params, start, strict=True):
        p["initial"] = index
    return StaticExplorable(name, params, frames, initial_key, note or "", seconds)


def _check_grid(grid, labels, formats) -> list:
    if not 1 <= len(grid) <= 2:
        raise ValueError(f"grid must have 1 or 2 controls, got {len(grid)}: {list(grid)}")
    for what, mapping in (("labels", labels), ("formats", formats)):
        unknown = set(mapping) - set(grid)
        if unknown:
            raise ValueError(f"{what} names unknown controls {sorted(unknown)}; the grid has {list(grid)}")
        missing = set(grid) - set(mapping)
        if missing:
            raise ValueError(f"{what} must give every control; missing {sorted(missing)}")
    params, n_frames = [], 1
    for pname, values in grid.items():
        if not isinstance(pname, str) or not _PARAM.fullmatch(pname):
            raise ValueError(f"grid keys must be keyword-argument names, got {pname!r}")
        values = _as_values(pname, values)
        shown = [_format(formats[pname], v, pname) for v in values]
        if len(set(shown)) != len(shown):
            raise ValueError(
                f"grid[{pname!r}] has values that look the same when formatted with {formats[pname]!r}: {shown}"
            )
        if not isinstance(labels[pname], str) or not labels[pname]:
            raise ValueError(f"labels[{pname!r}] must be a non-empty str")
        params.append({"name": pname, "label": labels[pname], "values": values, "shown": shown})
        n_frames *= len(values)
    if n_frames > MAX_FRAMES:
        sizes = " x ".join(str(len(p["values"])) for p in params)
        raise ValueError(f"grid has {sizes} = {n_frames} frames; at most {MAX_FRAMES} fit the page budget")
    return params


def _as_values(pname, values) -> list:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
        raise ValueError(f"grid[{pname!r}] must be a 1-D sequence of values, got {values!r}")
    if isinstance(values, np.ndarray) and values.ndim != 1:
        raise ValueError(f"grid[{pname!r}] must be 1-D, got shape {values.shape}")
    values = [v.item() if isinstance(v, np.generic) else v for v in values]
    if any(isinstance(v, Sequence | np.ndarray) and not isinstance(v, str) for v in values):
        raise ValueError(f"grid[{pname!r}] must be 1-D (a list of scalars), got {values!r}")
    if len(values) < 2:
        raise ValueError(f"grid[{pname!r}] needs at least 2 values to be a control, got {values!r}")
    for i, a in enumerate(values):
        if any(_same(a, b) for b in values[:i]):
            raise ValueError(f"grid[{pname!r}] has the duplicate value {a!r}")
    return values


def _same(a, b) -> bool:
    if isinstance(a, Number) and isinstance(b, Number) and not isinstance(a, bool):
        return bool(np.isclose(a, b, rtol=1e-12, atol=0.0))
    return a == b


def _format(spec, value, pname) -> str:
    if not isinstance(spec, str):
        raise TypeError(f"formats[{pname!r}] must be a str such as '{{:g}}', got {type(spec).__name__}")
    try:
        text = spec.format(value)
    except (ValueError, TypeError, IndexError, KeyError) as error:
        raise ValueError(f"formats[{pname!r}] = {spec!r} cannot format the grid value {value!r}: {error}") from None
    if not text or "|" in text or "=" in text:
        raise ValueError(f"formats[{pname!r}] must give a non-empty text without '|' or '=', got {text!r}")
    return text


def _check_initial(params, initial) -> tuple:
    initial = {} if initial is None else initial
    names = [p["name"] for p in params]
    unknown = set(initial) - set(names)
    if unknown:
        raise ValueError(f"initial names unknown controls {sorted(unknown)}; the grid has {names}")
    start = []
    for p in params:
        if p["name"] not in initial:
            start.append((len(p["values"]) - 1) // 2)
            continue
        hits = [i for i, v in enumerate(p["values"]) if _same(initial[p["name"]], v)]
        if not hits:
            raise ValueError(
                f"initial[{p['name']!r}] = {initial[p['name']]!r} is not in grid[{p['name']!r}] = {p['values']}"
            )
        start.append(hits[0])
    return tuple(start)


def _check_fixed(fixed, params) -> dict:
    fixed = {} if fixed is None else fixed
    clash = set(fixed) & {p["name"] for p in params}
    if clash:
        raise ValueError(f"fixed and grid both set {sorted(clash)}; a parameter is either a control or fixed")
    return dict(fixed)


def _check_alt(alt, params) -> None:
    if not alt.strip():
        raise ValueError("alt must be a non-empty str template, e.g. 'p(θ) for κ = {kappa}'")
    names = {p["name"] for p in params}
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(alt) if f is not None}
    except ValueError as error:
        raise ValueError(f"alt is not a valid str.format template: {error}") from None
    unknown = {f for f in fields if f.split(".")[0].split("[")[0] not in names}
    if unknown or "" in fields:
        raise ValueError(f"alt refers to {sorted(unknown or {''})}, not controls of the grid {sorted(names)}")
    missing = names - fields
    if missing:
        raise ValueError(f"alt must state every control's value (the frame's setting); missing {sorted(missing)}")


def _key(params, index) -> str:
    return "|".join(f"{p['name']}={p['shown'][i]}" for p, i in zip(params, index, strict=True))


def render_pixels(figure: Figure, dpi: float = 100) -> np.ndarray:
    """The RGB pixels of ``figure`` as the frames store them (also used by the tests)."""
    from PIL import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return np.asarray(Image.open(buffer).convert("RGB"))


def _render_all(draw, params, fixed, alt, dpi) -> dict:
    from .._threads import single_threaded

    shape = [len(p["values"]) for p in params]
    pixels, titles = {}, {}
    with single_threaded():
        for index in itertools.product(*(range(k) for k in shape)):
            point = {p["name"]: p["values"][i] for p, i in zip(params, index, strict=True)}
            with callback_boundary():
                figure = draw(**fixed, **point)
            try:
                if not isinstance(figure, Figure):
                    raise TypeError(f"draw must return a matplotlib Figure, got {type(figure).__name__} at {point}")
                pixels[index] = render_pixels(figure, dpi)
                titles[index] = figure_titles(figure)
            finally:
                if isinstance(figure, Figure):
                    plt.close(figure)
    _check_steps_change(params, pixels)
    mime, encode = _best_encoding(pixels)
    frames = {}
    for index, image in pixels.items():
        key = _key(params, index)
        shown = {p["name"]: p["shown"][i] for p, i in zip(params, index, strict=True)}
        values = {p["name"]: p["values"][i] for p, i in zip(params, index, strict=True)}
        text = alt.format(**shown)
        if titles[index]:
            text = f"{text.rstrip('. ')}. Title: {titles[index]}"
        frames[key] = Frame(values, key, text, mime, encode(image))
    return frames


_TEX_WORDS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "eta": "η",
    "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "omega": "ω", "Delta": "Δ", "Theta": "Θ", "Sigma": "Σ", "Omega": "Ω", "|": "‖", "cdot": "·", "times": "×",
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "approx": "≈", "infty": "∞", "to": "→", "pm": "±", "%": "%",
}


def _plain(text: str) -> str:
    """Matplotlib mathtext written as plain unicode (alt text must not show TeX)."""
    text = re.sub(r"\\(mathrm|mathbf|mathit|text|operatorname)\{([^{}]*)\}", r"\2", text)
    text = re.sub(r"\\([A-Za-z]+|[|%])", lambda m: _TEX_WORDS.get(m.group(1), m.group(1)), text)
    return re.sub(r"\s+", " ", text.replace("$", "").replace("{", "").replace("}", "")).strip()


def figure_titles(figure: Figure) -> str:
    """The suptitle and axes titles of ``figure`` as plain text: they often state numbers the alt must give."""
    parts = []
    if figure._suptitle is not None and figure._suptitle.get_visible():
        parts.append(figure._suptitle.get_text())
    for axes in figure.axes:
        for loc in ("left", "center", "right"):
            title = axes.get_title(loc)
            if title.strip():
                parts.append(title)
    return "; ".join(_plain(t) for t in parts if t.strip())


def _check_steps_change(params, pixels) -> None:
    for index, image in pixels.items():
        for axis, p in enumerate(params):
            if index[axis] + 1 >= len(p["values"]):
                continue
            after = index[:axis] + (index[axis] + 1,) + index[axis + 1 :]
            other = pixels[after]
            if image.shape == other.shape and np.array_equal(image, other):
                raise ValueError(
                    f"the frames {_key(params, index)} and {_key(params, after)} are identical: stepping "
                    f"{p['name']!r} from {p['shown'][index[axis]]} to {p['shown'][index[axis] + 1]} changes "
                    "nothing; choose grid values where the figure changes"
                )


def _encode(image, fmt, **options) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _best_encoding(pixels):
    """Lossless WebP or optimized PNG, whichever is smaller over the first frames (both decode to the same pixels)."""
    from PIL import features

    sample = list(pixels.values())[:3]
    options = [("image/png", lambda im: _encode(im, "PNG", optimize=True))]
    if features.check("webp"):
        # Lossless either way; effort 2/50, not 4/100: 3x faster, frames ~3% larger (measured on the book frames).
        options.append(("image/webp", lambda im: _encode(im, "WEBP", lossless=True, quality=50, method=2)))
    sizes = [sum(len(enc(im)) for im in sample) for _, enc in options]
    return options[int(np.argmin(sizes))]


_SCRIPT = """(function () {
  document.querySelectorAll('.kd-explorable[data-kd-name="%s"]').forEach(function (box) {
    if (box.getAttribute('data-kd-ready')) return;
    box.setAttribute('data-kd-ready', '1');
    var data = JSON.parse(box.querySelector('script.kd-frames').textContent);
    var img = box.querySelector('img.kd-frame'), live = box.querySelector('.kd-live');
    var inputs = Array.prototype.slice.call(box.querySelectorAll('input.kd-control'));
    data.frames[img.getAttribute('data-kd-key')].src = img.getAttribute('src');
    var cache = null;
    function load() {  // every frame, once: later swaps come from the browser's image cache
      if (cache) return;
      cache = Object.keys(data.frames).map(function (key) {
        var im = new Image();
        im.src = data.frames[key].src;
        return im;
      });
    }
    function update() {
      load();
      var key = inputs.map(function (input, i) {
        var p = data.params[i], shown = p.shown[Number(input.value)];
        input.setAttribute('aria-valuetext', p.label + ' = ' + shown);
        box.querySelector('output[data-kd-param="' + p.name + '"]').textContent = shown;
        return p.name + '=' + shown;
      }).join('|');
      var frame = data.frames[key];
      img.setAttribute('src', frame.src);
      img.setAttribute('alt', frame.alt);
      img.setAttribute('data-kd-key', key);
      if (live) live.textContent = frame.alt;
    }
    inputs.forEach(function (input) { input.addEventListener('input', update); });
    box.addEventListener('focusin', load);
    box.addEventListener('pointerdown', load);
    if ('IntersectionObserver' in window) {
      var seen = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { seen.disconnect(); load(); }
      }, {rootMargin: '300px 0px'});
      seen.observe(box);
    }
    box.querySelector('.kd-controls').hidden = false;  // no script, no controls
  });
})();"""

_STYLE = (
    "<style>.kd-explorable .kd-controls{display:flex;flex-wrap:wrap;gap:.3rem 1.5rem;margin:.3rem 0}"
    ".kd-explorable .kd-controls[hidden]{display:none}"
    ".kd-explorable .kd-row{display:flex;align-items:center;gap:.5rem}"
    ".kd-explorable input.kd-control{width:11rem;max-width:55vw}"
    ".kd-explorable output.kd-value{min-width:3.5em;font-variant-numeric:tabular-nums}"
    ".kd-explorable img.kd-frame{max-width:100%;height:auto;display:block}"
    ".kd-explorable .kd-note{font-size:.85em;margin:.2rem 0}"
    ".kd-explorable .kd-live{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
    "white-space:nowrap;margin:-1px;padding:0;border:0}"
    ".kd-explorable .kd-web-note{display:none;font-size:.85em;margin:.2rem 0}"
    "@media print{.kd-explorable .kd-controls{display:none}.kd-explorable .kd-web-note{display:block}}</style>"
)


def _html(ex: StaticExplorable) -> str:
    esc = html.escape
    first = ex.frames[ex.initial_key]
    rows = []
    for p in ex.params:
        ident = f"kd-{ex.name}-{p['name']}"
        shown = p["shown"][p["initial"]]
        rows.append(
            f'<div class="kd-row"><label for="{ident}">{esc(p["label"])}</label>'
            f'<input type="range" class="kd-control" id="{ident}" data-kd-param="{esc(p["name"])}" '
            f'min="0" max="{len(p["values"]) - 1}" step="1" value="{p["initial"]}" '
            f'aria-valuetext="{esc(p["label"])} = {esc(shown)}">'
            f'<output class="kd-value" for="{ident}" data-kd-param="{esc(p["name"])}">{esc(shown)}</output></div>'
        )
    from PIL import Image

    width, height = Image.open(io.BytesIO(first.data)).size
    payload = {
        "params": [{"name": p["name"], "label": p["label"], "shown": p["shown"]} for p in ex.params],
        "frames": {
            k: ({"alt": f.alt} if k == ex.initial_key else {"alt": f.alt, "src": f.src}) for k, f in ex.frames.items()
        },
    }
    data = json.dumps(payload, ensure_ascii=False).replace("</", "<\\/")
    over = " and ".join(p["label"] for p in ex.params)
    note = f'<p class="kd-note">{esc(ex.note)}</p>' if ex.note else ""
    return (
        # data-kd-seconds: the build time spent drawing the frames (benchmarks/bench_pages.py sums it).
        f'<div class="kd-explorable" data-kd-name="{ex.name}" data-kd-seconds="{ex.render_seconds:.2f}" '
        f'role="group" aria-label="{esc(f"Explorable figure, controls: {over}")}">{_STYLE}'
        f'<div class="kd-controls" hidden>{"".join(rows)}</div>'
        f'<img class="kd-frame" data-kd-key="{esc(ex.initial_key)}" alt="{esc(first.alt)}" '
        f'width="{width}" height="{height}" src="{first.src}">'
        f'<p class="kd-live" aria-live="polite"></p>{note}'
        f'<p class="kd-web-note">{esc(WEB_NOTE)}</p>'
        f'<script type="application/json" class="kd-frames">{data}</script>'
        f"<script>{_SCRIPT % ex.name}</script></div>"
    )
