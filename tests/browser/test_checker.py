"""The checkers themselves: they pass correct pages and catch each kind of broken page.

Hand-made pages follow the HTML of the built book (Sphinx's MathJax set-up,
pydata-sphinx-theme's display-math CSS) and the kd-explorable contract, so
these tests need a browser but no built book.
"""

import html
import importlib.util
import json
import urllib.parse

import browser_checks as bc
import pytest

HEAD = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title><link rel="icon" href="data:,">
<script>window.MathJax = {{tex: {{macros: {{Lone: "L^{{1}}"}}}}, options: {{
  processHtmlClass: "tex2jax_process|mathjax_process|math|output_area"}}}};</script>
<script defer src="mathjax/tex-chtml.js"></script>
<style>{style}</style></head><body>"""
# pydata-sphinx-theme's display-math rules, then the book's own stylesheet.
THEME_MATH_CSS = (
    "div.math{align-items:center;display:flex;max-width:100%;overflow:hidden;flex-direction:row-reverse;gap:.5em}"
    "div.math mjx-container{flex-grow:1;overflow:auto;padding-bottom:.2rem}"
    "div.math mjx-container mjx-assistive-mml{height:0}"
) + (bc.ROOT / "_static" / "kdbook.css").read_text()
WIDE = r"\[" + " + ".join(f"a_{{{i}}} b_{{{i}}}" for i in range(60)) + r"\]"
WIDE_TAGGED = WIDE.replace(r"\]", r"\tag{9}\]")  # MathJax gives tagged equations a min-width
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

GOOD_PAGE = HEAD.format(title="Theorem 2: deep linear students", style=THEME_MATH_CSS) + rf"""
<nav class="bd-sidebar-primary"><a href="#">Chapter 4: the angle distribution p(θ)</a></nav>
<article style="max-width:600px"><section class="tex2jax_ignore mathjax_ignore" id="good">
<h1>Risk of <span class="math">\(\hat{{\mathbf w}}\)</span></h1>
<p>Inline <span class="math">\(\Lone(\mathbf w)\)</span>, code <code>$HOME \alpha</code>, a glued number 0.045.</p>
<pre>$ python -c "print(r'\(x\)')"</pre>
<div class="cell_input"><div class="highlight"><pre><span>cost = "$5"</span></pre></div></div>
<div class="math">{WIDE}</div>
<div class="math">{WIDE_TAGGED}</div>
<figure><img src="{PIXEL}" alt="A dot">
<figcaption>Figure 1: the dot at <span class="math">\(x=1\)</span>.</figcaption></figure>
</section></article></body></html>"""

BAD_PAGE = HEAD.format(title=r"Angles p(\theta)", style="") + rf"""
<nav class="bd-sidebar-primary"><a href="#">The density p(\theta)</a></nav>
<article style="width:600px"><section class="tex2jax_ignore mathjax_ignore" id="bad">
<p>Error: <span class="math">\(\nabla\Lone^\top\)</span>.</p>
<p>Undefined: <span class="math">\(\nosuchmacro x\)</span>.</p>
<p>Definition: $$w_\delta = \delta w$$ inline.</p>
<figure><img src="{PIXEL}"><figcaption>Figure 2: the angle \alpha</figcaption></figure>
<img src="{PIXEL}" alt=" ">
<div id="left" style="overflow-x:auto;width:400px"><div class="math" style="margin-left:-300px">{WIDE}</div></div>
<div id="right" style="overflow:hidden;width:400px"><div class="math">{WIDE}</div></div>
<div class="cell_input"><pre style="overflow:auto;width:300px">x = "{"y" * 120}"</pre></div>
<div id="column" style="width:400px"><div class="math">{WIDE}</div></div>
<div class="math"><span class="eqno">(1)</span>\[a = b \tag{{9}}\]</div>
<script>throw new Error("boom from the page");</script>
<script>let THEBE_JS_URL = 1;</script><script>let THEBE_JS_URL = 2;</script>
</section></article></body></html>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    spec = importlib.util.spec_from_file_location("mathjax_local", bc.ROOT / "_static" / "mathjax_local.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (root / "mathjax").symlink_to(module.mathjax_source(), target_is_directory=True)
    (root / "good.html").write_text(GOOD_PAGE)
    (root / "bad.html").write_text(BAD_PAGE)
    for name in ("kdbook-print.css", "kdbook-print.js", "kdbook-dark.css"):
        (root / name).symlink_to(bc.ROOT / "_static" / name)
    with bc.serve(root) as url:
        yield root, url


def test_correct_page_passes(driver, site, width):
    bc.set_width(driver, width)
    failures = bc.page_failures(driver, site[1] + "good.html")
    assert failures == [], bc.format_failures("good.html", failures)


def test_every_kind_of_broken_page_is_caught(driver, site):
    bc.set_width(driver, 1400)
    failures = bc.page_failures(driver, site[1] + "bad.html")
    report = "\n".join(failures)
    expected = [
        'MathJax error "Double exponent: use braces to clarify"',
        r"undefined TeX macro \nosuchmacro",
        'unrendered TeX ($) in the text #bad: "Definition: $$w_\\delta',
        "unrendered TeX (backslash command) in a caption",
        "unrendered TeX (backslash command) in the page title",
        "unrendered TeX (backslash command) in the table of contents",
        "image without alt text",
        "display equation cut on the left",
        "display equation cut on the right",
        "display equation wider than the text column",
        "code line wider than its column",
        "display equation with two numbers",
        "boom from the page",
        "Identifier 'THEBE_JS_URL' has already been declared",
    ]
    missed = [e for e in expected if e not in report]
    assert not missed, f"checker missed {missed}; it reported:\n{report}"
    assert sum("image without alt text" in f for f in failures) == 2


def test_missing_mathjax_is_caught(driver, site):
    root, url = site
    (root / "nomathjax.html").write_text(GOOD_PAGE.replace("mathjax/tex-chtml.js", "missing/tex-chtml.js"))
    failures = bc.page_failures(driver, url + "nomathjax.html")
    assert any("MathJax did not load" in f for f in failures), failures
    assert any("unrendered TeX" in f for f in failures), failures


def _frame(a, b):
    """A distinct tiny SVG frame per setting."""
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><text y="15">{a} {b}</text></svg>'
    return "data:image/svg+xml;charset=utf-8," + urllib.parse.quote(svg)


def explorable_page(bug=None):
    """A two-control explorable following the kd-explorable contract, optionally broken."""
    grid = {"kappa": ["0.25", "0.5", "1", "2"], "n": ["5", "20", "100"]}
    frames = {}
    for i, a in enumerate(grid["kappa"]):
        for b in grid["n"]:
            src = _frame(a, b) if not (bug == "stuck" and i == 2) else _frame(grid["kappa"][1], b)
            alt = f"Risk for κ = {a}, n = {b}" if bug != "alt" else "Risk for this setting"
            frames[f"kappa={a}|n={b}"] = {"src": src, "alt": alt}
    rows = "".join(
        f'<label>{p}<input type="range" class="kd-control" data-kd-param="{p}" min="0" max="{len(v) - 1}" '
        f'step="1" value="1" aria-valuetext="{p} = {v[1]}"><output class="kd-value" data-kd-param="{p}">{v[1]}'
        "</output></label>"
        for p, v in grid.items()
    )
    set_key = "" if bug == "key" else "img.setAttribute('data-kd-key', key);"
    live = "" if bug == "live" else "fig.querySelector('.kd-live').textContent = frames[key].alt;"
    throw = "if (key.startsWith('kappa=2')) throw new Error('frame missing');" if bug == "jserror" else ""
    script = f"""(function () {{
  var fig = document.currentScript.parentElement, grid = {json.dumps(grid)}, frames = {json.dumps(frames)};
  var img = fig.querySelector('img.kd-frame'), inputs = fig.querySelectorAll('input.kd-control');
  function update() {{
    var key = Array.prototype.map.call(inputs, function (input) {{
      var p = input.getAttribute('data-kd-param'), shown = grid[p][Number(input.value)];
      input.setAttribute('aria-valuetext', p + ' = ' + shown);
      fig.querySelector('output[data-kd-param="' + p + '"]').textContent = shown;
      return p + '=' + shown;
    }}).join('|');
    {throw}
    img.setAttribute('src', frames[key].src); img.setAttribute('alt', frames[key].alt); {set_key}
    {live}
  }}
  inputs.forEach(function (input) {{ input.addEventListener('input', update); }});
}})();"""
    first = frames["kappa=0.5|n=20"]
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Explorable</title><link rel="icon" href="data:,">'
        "</head><body>"
        f'<div class="kd-explorable" data-kd-name="risk" role="group" aria-label="Risk">{rows}'
        f'<img class="kd-frame" data-kd-key="kappa=0.5|n=20" alt="{html.escape(first["alt"])}" src="{first["src"]}">'
        f'<p class="kd-live" aria-live="polite"></p><script>{script}</script>'
        "</div></body></html>"
    )


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_correct_explorable_passes(driver, site, scheme):
    root, url = site
    (root / "explorable.html").write_text(explorable_page())
    bc.load(driver, url + "explorable.html" if scheme == "http" else (root / "explorable.html").as_uri())
    failures, count = bc.explorable_failures(driver)
    assert count == 1
    assert failures == [], bc.format_failures("explorable.html", failures)


@pytest.mark.parametrize(
    ("bug", "message"),
    [
        ("stuck", "the img.kd-frame src did not change"),
        ("alt", "does not mention the value"),
        ("key", "data-kd-key 'kappa=0.5|n=20' lacks kappa=0.25"),
        ("jserror", "frame missing"),
        ("live", "the live region reads ''"),
    ],
)
def test_broken_explorable_is_caught(driver, site, bug, message):
    root, url = site
    (root / f"explorable-{bug}.html").write_text(explorable_page(bug))
    bc.load(driver, url + f"explorable-{bug}.html")
    failures, _ = bc.explorable_failures(driver)
    assert any(message in f for f in failures), bc.format_failures(bug, failures)


def test_static_explorable_of_the_package_meets_the_contract(driver, site):
    """kdbook.explore.frames output, wrapped in a page, passes the explorable check."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kdbook.explore.frames import static_explorable

    def draw(slope, offset):
        figure, axes = plt.subplots(figsize=(2, 1.5))
        axes.plot([0, 1], [offset, offset + slope])
        axes.set_ylim(-3, 6)
        return figure

    widget = static_explorable(
        draw, {"slope": [-2, 0, 1, 3], "offset": [0, 1, 2]}, name="line",
        labels={"slope": "slope", "offset": "offset"}, formats={"slope": "{:d}", "offset": "{:d}"},
        alt="A line of slope {slope} through {offset}", dpi=30,
    )
    root, url = site
    head = '<!DOCTYPE html><html><head><title>p</title><link rel="icon" href="data:,"></head>'
    page = f"{head}<body>{widget._repr_html_()}</body></html>"
    (root / "package.html").write_text(page)
    bc.load(driver, url + "package.html")
    failures, count = bc.explorable_failures(driver)
    assert count == 1
    assert failures == [], bc.format_failures("package.html", failures)
