# ruff: noqa: E501  (the hand-made page below is HTML, kept one element a line)
"""The issue-23 checkers themselves: a page built like the book's passes, and each
planted fault (print, dark mode, accessibility, weight, JavaScript off, the PDF) is caught.

The hand-made page uses the book's own print and dark stylesheets and
kdbook-print.js, and a real explorable of ``kdbook.explore.frames`` wrapped the way
myst-nb wraps a cell with ``mystnb.figure`` metadata.
"""

import base64
import io
import sys

import browser_checks as bc
import pytest

MATHJAX = """<script>window.MathJax = {{options: {{processHtmlClass: "math", menuOptions: {{settings: {{inTabOrder: {tab}}}}}}}}};</script>
<script defer src="mathjax/tex-chtml.js"></script>"""
WIDE_EQ = r"\[" + " + ".join(f"a_{{{i}}} b_{{{i}}}" for i in range(40)) + r"\]"
THEME_CSS = (
    "body{margin:0;font-family:sans-serif}article.bd-article{max-width:640px;margin:0 auto;padding:0 10px}"
    "div.math{display:flex;max-width:100%;overflow:hidden;flex-direction:row-reverse}"
    "div.math mjx-container{flex-grow:1;overflow:auto}"
    "div.cell_input pre{overflow:auto}.output{background:#f5f5f5}"
    "html[data-theme=dark] body{background:#121212;color:#ddd}"
    "details.hide[open]>summary .collapsed,details.hide:not([open])>summary .expanded{display:none}"
)


def png(width, height, *, white=True, kbytes=0) -> str:
    """A figure-like PNG as a data URI: white with a black line (or noise to weigh kbytes)."""
    import numpy as np
    from PIL import Image

    if kbytes:
        side = int((kbytes * 1000 / 3) ** 0.5) + 1
        pixels = np.random.default_rng(0).integers(0, 255, (side, side, 3), dtype=np.uint8)
    else:
        pixels = np.full((height, width, 3), 255 if white else 30, dtype=np.uint8)
        pixels[height // 2, :, :] = 0
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def explorable_html() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kdbook.explore.frames import static_explorable

    def draw(slope):
        figure, axes = plt.subplots(figsize=(3, 1.5))
        axes.plot([0, 1], [0, slope])
        axes.set_ylim(-3, 3)
        axes.set_title(f"slope {slope}")
        return figure

    return static_explorable(draw, {"slope": [-2, 0, 2]}, name="line", labels={"slope": "slope"},
                             formats={"slope": "{:d}"}, alt="A line of slope {slope}", dpi=40).html()


OLD_EXPLORABLE = (  # before issue 23: controls without JavaScript, a launch note, no name, no live region
    '<figure class="kd-explorable" data-kd-name="old"><input type="range" class="kd-control" '
    'aria-label="slope" min="0" max="2"><output class="kd-value">0</output>'
    '<img class="kd-frame" alt="A line of slope 0" src="{src}">'
    '<p class="kd-note">Launch this page (rocket icon at the top: Binder or Colab) for the live version.</p></figure>'
)


def artifact_page(*, print_css=True, print_js=True, dark_css=True, a11y_js=True, explorable=None, tab="false", extra="",
                  summary_label="", panel="") -> str:
    links = "".join([
        '<link rel="stylesheet" href="kdbook-print.css">' if print_css else "",
        '<link rel="stylesheet" href="kdbook-dark.css">' if dark_css else "",
        '<script src="kdbook-print.js"></script>' if print_js else "",
        '<script src="kdbook-a11y.js"></script>' if a11y_js else "",
    ])
    label = f' aria-label="{summary_label}"' if summary_label else ""
    explorable = explorable if explorable is not None else explorable_html()
    table = "<table><thead><tr>" + "".join(f"<th>column {i}</th>" for i in range(12)) + "</tr></thead><tbody><tr>" + \
        "".join(f"<td>{i * 123456.789:.6f}</td>" for i in range(12)) + "</tr></tbody></table>"
    return f"""<!DOCTYPE html><html lang="en" data-theme="light"><head><meta charset="utf-8"><title>Artifact</title>
<link rel="icon" href="data:,">
<style>{THEME_CSS}</style>{MATHJAX.format(tab=tab)}{links}</head><body>
<article class="bd-article"><section id="artifact"><h1>A page like the book's</h1>
<p>Inline <span class="math">\\(x^2\\)</span> and a <a href="#artifact">link</a>.</p>
<div class="math">{WIDE_EQ}</div>
<details class="admonition hide above-input"><summary{label}><p class="collapsed admonition-title">Show code cell source</p>
<p class="expanded admonition-title">Hide code cell source</p></summary>
<div class="cell_input"><pre>hidden = 1</pre></div></details>
<div class="cell_input"><pre tabindex="0">result = compute_something(argument_one=1, argument_two=2, argument_three=3, argument_four=4, argument_five=5)</pre></div>
<div class="cell_output"><div class="output">{table}</div></div>
<div class="cell_output"><figure id="fig-white"><img src="{png(600, 300)}" alt="A white figure with a line" width="600" height="300">
<figcaption><p>Figure 1: a figure.</p></figcaption></figure></div>
<figure id="fig-explore"><div class="cell_output"><div class="output text_html" style="{panel}">{explorable}</div></div>
<figcaption><p>Figure 2: an explorable.</p></figcaption></figure>
{extra}
</section></article></body></html>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    import importlib.util

    root = tmp_path_factory.mktemp("artifact")
    spec = importlib.util.spec_from_file_location("mathjax_local", bc.ROOT / "_static" / "mathjax_local.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (root / "mathjax").symlink_to(module.mathjax_source(), target_is_directory=True)
    (root / "heavy.png").write_bytes(base64.b64decode(png(0, 0, kbytes=450).split(",", 1)[1]))
    for name in ("kdbook-print.css", "kdbook-print.js", "kdbook-dark.css", "kdbook-a11y.js"):
        (root / name).symlink_to(bc.ROOT / "_static" / name)
    with bc.serve(root) as url:
        yield root, url


def failures_of(driver, site, name, page):
    root, url = site
    (root / f"{name}.html").write_text(page)
    bc.set_width(driver, bc.WIDTHS[0])
    return bc.artifact_failures(driver, f"{url}{name}.html")


def test_a_page_like_the_books_passes(driver, site):
    failures = failures_of(driver, site, "good", artifact_page())
    assert failures == [], bc.format_failures("good artifact page", failures)


PLANTED = [
    ("no-print-css", dict(print_css=False), ["printed code block needs", "printed table", "code-cell or dropdown toggle",
                                             "may be split from its caption"]),
    ("no-print-js", dict(print_js=False), ["printed display equation"]),
    ("no-dark-css", dict(dark_css=False), ["mean luminance"]),
    ("light-panel", dict(panel="background:#eeeeee !important"), ["a light panel in dark mode"]),
    ("tab-stops", dict(tab="true"), ["formulas are tab stops"]),
    ("wide-equation-unreachable", dict(a11y_js=False), ['axe serious "scrollable-region-focusable"']),
    ("toggle-name", dict(summary_label="Toggle hidden content"), ['axe serious "label-content-name-mismatch"']),
    ("unnamed-button", dict(extra="<button></button>"), ['axe critical "button-name"']),
    ("low-contrast", dict(extra='<p><a href="#x" style="color:#8aa0c8">pale link</a></p>'), ['"color-contrast"']),
    ("heavy", dict(extra=f'<img alt="noise" src="{png(0, 0, kbytes=450)}">'), ["of the book's own HTML and images"]),
    ("heavy-image-file", dict(extra='<img alt="noise" src="heavy.png">'), ["heavy.png 4"]),
    ("old-explorable", dict(explorable=OLD_EXPLORABLE.format(src=png(300, 150))),
     ["explorable controls would print", 'a launch note ("rocket icon") would print', "no printed line naming its web page",
      "explorable old: no accessible name", 'needs exactly one aria-live="polite" region']),
    ("uncaptioned", dict(extra=explorable_html().replace('data-kd-name="line"', 'data-kd-name="bare"')),
     ["explorable bare: not a captioned figure", "explorable bare: not inside a captioned figure"]),
    ("js-error", dict(extra="<script>let THEBE_JS_URL = 1;</script><script>let THEBE_JS_URL = 2;</script>"),
     ["THEBE_JS_URL"]),
]


@pytest.mark.parametrize(("name", "options", "messages"), PLANTED, ids=[p[0] for p in PLANTED])
def test_each_planted_fault_is_caught(driver, site, name, options, messages):
    failures = failures_of(driver, site, name, artifact_page(**options))
    report = "\n".join(failures)
    missed = [m for m in messages if m not in report]
    assert not missed, f"{name}: the checks missed {missed}; they reported:\n{report}"


def test_printing_leaves_the_screen_page_as_it_was(driver, site):
    """kdbook-print.js restores fitted equations when the screen comes back, even when Chromium
    leaves out the media "change" event (it did in 2 of 5 to 5 of 6 emulated cycles: then every later
    check of the page ran on its print layout). Fails on the script without its resize fallback."""
    root, url = site
    (root / "restore.html").write_text(artifact_page())
    bc.set_width(driver, bc.WIDTHS[0])
    assert bc.load(driver, f"{url}restore.html") == []
    state = "return document.querySelector('mjx-container[display=\"true\"]').style.fontSize;"
    screen = driver.execute_script(state)  # MathJax's own scaling, if any
    # The lost event, made certain: fitted for print, then a resize on screen and no "change".
    driver.execute_script("window.kdbookPrint(); window.__fitted = document.querySelector("
                          "'mjx-container[display=\"true\"]').style.fontSize; window.dispatchEvent(new Event('resize'));")
    assert driver.execute_script("return window.__fitted;") != screen, "the wide equation was not fitted for print"
    assert driver.execute_script(state) == screen, "a fitted equation stayed fitted on screen"
    for _ in range(5):  # the real sequence the checks and the PDF use
        bc.emulate_print(driver, True)
        assert driver.execute_script(state) != screen, "print media did not fit the wide equation"
        bc.emulate_print(driver, False)
        assert driver.execute_script(state) == screen, "the screen page kept its print layout after printing"


def test_controls_without_javascript_are_caught(driver, site):
    root, url = site
    (root / "nojs-good.html").write_text(artifact_page())
    (root / "nojs-bad.html").write_text(artifact_page(explorable=OLD_EXPLORABLE.format(src=png(300, 150))))
    assert bc.no_script_failures(driver, f"{url}nojs-good.html") == []
    bad = bc.no_script_failures(driver, f"{url}nojs-bad.html")
    assert any("control(s) show without JavaScript" in f for f in bad), bad


def test_pdf_check_catches_raw_tex_and_a_missing_chapter(driver, site, tmp_path):
    sys.path.insert(0, str(bc.ROOT / "scripts"))
    import make_pdf

    root, url = site
    html_dir = tmp_path / "html"
    html_dir.mkdir()
    (html_dir / "intro.html").write_text("<html><body><h1>Introduction</h1></body></html>")
    (html_dir / "chapters").mkdir()
    (html_dir / "chapters" / "one.html").write_text('<html><body><h1>Chapter one<a class="headerlink">#</a></h1></body></html>')
    toc = tmp_path / "toc.yml"
    toc.write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapters/one\n")
    pages = {"good": "<h1>Introduction</h1><p>x</p><h1>Chapter one</h1><p>typeset</p>",
             "bad": r"<h1>Introduction</h1><p>raw \(x^2\) and $$y$$</p>"}
    results = {}
    for name, body in pages.items():
        (root / f"pdf-{name}.html").write_text(f"<html><body>{body}</body></html>")
        driver.get(f"{url}pdf-{name}.html")
        data = driver.execute_cdp_cmd("Page.printToPDF", {"generateDocumentOutline": True})["data"]
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(base64.b64decode(data))
        results[name] = make_pdf.check(pdf, html_dir, str(toc))
    assert [p for p in results["good"] if "not in the PDF outline" in p or "raw TeX" in p] == []
    report = "\n".join(results["bad"])
    assert "chapters/one ('Chapter one') is not in the PDF outline" in report, report
    assert r"raw TeX '\\('" in report and "raw TeX '$$'" in report, report
