"""The reader checks themselves (issue 26): a textbook page passes, and each fault is caught.

Hand-made pages follow the HTML that the built book has (sphinx-proof and
sphinx-exercise boxes, myst-nb cells, collapsed cells as <details>), so these
tests need a browser but no built book.
"""

import browser_checks as bc
import pytest

PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def cell(code, output="", tags=(), hidden=False):
    classes = " ".join(["cell", *(f"tag_{t}" for t in tags)])
    source = f'<div class="cell_input docutils container"><div class="highlight"><pre>{code}</pre></div></div>'
    if hidden:
        source = f'<details class="hide above-input"><summary>Show code cell source</summary>{source}</details>'
    out = f'<div class="cell_output docutils container">{output}</div>' if output else ""
    return f'<div class="{classes} docutils container">{source}{out}</div>'


def figure(n, inner=f'<img alt="risk against n" src="{PIXEL}" width="300" height="200">'):
    return (f'<figure id="fig-{n}">{inner}<figcaption><p><span class="caption-number">Fig. 5.{n} </span>'
            f'<span class="caption-text">Risk.</span></p></figcaption></figure>')


EXPLORABLE = figure(2, cell("static_explorable(draw, grid)", hidden=True, output=(
    f'<div class="kd-explorable"><img class="kd-frame" alt="frame" src="{PIXEL}" width="300" height="200"></div>')))
STYLED = ('<table id="T_1"><thead><tr><th class="col_heading">n</th><th class="col_heading">risk</th></tr></thead>'
          "<tbody><tr><td>20</td><td>0.045</td></tr></tbody></table>")

PARTS = {
    "theorem": ('<div class="proof theorem admonition" id="thm-3"><p class="admonition-title">'
                '<span class="caption-number">Theorem 5.1 </span> (The paper\'s Theorem 3)</p>'
                '<section class="theorem-content"><p>The bound.</p></section></div>'),
    "proof": '<div class="proof admonition" id="proof"><p class="admonition-title">Proof. </p><p>Easy.</p></div>',
    "exercise": ('<div class="exercise admonition" id="ex-1"><p class="admonition-title">'
                 '<span class="caption-number">Exercise 5.1 </span></p><section><p>Do it.</p></section></div>'),
    "reference": '<p>By <a class="reference internal" href="#thm-3">Theorem 5.1</a>, the risk falls.</p>',
    "prose": "<p>Intuition first. The figure below shows the risk; the student reaches it.</p>",
    "figure": figure(1),
    "between": "<p>Now move the slider to see the risk for every n.</p>",
    "explorable": EXPLORABLE,
    "kernel": cell("w = np.zeros(d)\nfor k in range(steps):\n    w -= lr * grad(w)\n",
                   output="<pre>w = [0.1, 0.2]</pre>"),
    "check": cell("assert gap < 1e-8\nglue('gap', gap)\n" * 40, tags=("hide-cell", "check-t3"), hidden=True),
    "table": cell("table", output=STYLED, hidden=True),
}

FAULTS = {  # name: (part replaced, replacement, what the failure says)
    "unnumbered box": ("theorem", PARTS["theorem"].replace("Theorem 5.1 ", "Proposition ")),
    "reference without its number": ("reference", '<p>By <a class="reference internal" href="#p">Proposition </a>, '
                                                  "δ ≤ ε.</p>"),
    "a figure right before the explorable": ("between", ""),
    "live call that does nothing": ("kernel", cell("teacher_scale_explorer()", tags=("skip-execution",))),
    "raw DataFrame output": ("table", cell("df", output='<table class="dataframe"><thead><tr><th></th><th>n</th>'
                                                       "</tr></thead><tbody><tr><th>0</th><td>20</td></tr>"
                                                       "</tbody></table>")),
    "a table with an index column": ("table", cell("t", output=STYLED.replace(
        '<tr><th class="col_heading">n', '<tr><th class="blank"></th><th class="col_heading">n').replace(
        "<tr><td>20", '<tr><th class="row_heading">0</th><td>20'))),
    "program output (a printed tuple)": ("kernel", cell("result", output="<pre>(0, 0, EmptySet, 0)</pre>")),
    "program output (a number with six or more decimals)": ("kernel", cell("x", output="<pre>0.000000</pre>")),
}


def page(parts):
    body = "".join(parts[k] for k in PARTS)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Chapter</title></head><body>'
            f'<article class="bd-article"><section id="chapter">{body}</section></article></body></html>')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("reader")
    with bc.serve(root) as url:
        yield root, url


def report_for(driver, site, name, parts):
    root, url = site
    (root / f"{name}.html").write_text(page(parts))
    bc.set_width(driver, 1400)
    return driver.execute_script(bc._script("reader_check.js")) if bc.load(driver, url + f"{name}.html") == [] else None


def test_a_textbook_page_passes(driver, site):
    report = report_for(driver, site, "good", PARTS)
    assert report["failures"] == [], report["failures"]
    # The kernel's three lines are visible; the collapsed check cell's 80 are not.
    assert report["codeLines"] == 3, report["codeLines"]
    assert report["buildMentions"] == 0, report["mentioned"]


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_is_caught(driver, site, fault):
    key, replacement = FAULTS[fault]
    report = report_for(driver, site, fault.replace(" ", "-").replace("(", "").replace(")", ""),
                        {**PARTS, key: replacement})
    said = {"unnumbered box": "unnumbered theorem box", "live call that does nothing": "a live call that does nothing"}
    assert any(said.get(fault, fault) in f for f in report["failures"]), (fault, report["failures"])


def test_visible_code_and_build_narration_are_counted(driver, site):
    shown = cell("\n".join(f"x{i} = {i}" for i in range(70)))
    prose = "<p>The build asserts this, and the claim is asserted when the book is built.</p>"
    report = report_for(driver, site, "budget", {**PARTS, "kernel": shown, "prose": prose})
    assert report["codeLines"] == 70, report["codeLines"]
    assert report["buildMentions"] == 4, report["mentioned"]
