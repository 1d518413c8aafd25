"""Issue 23, the page as an artifact: every page of the built book, checked once each for

- weight: the book's own bytes at load (HTML + images, not theme/MathJax) <= 400 KB;
- print (print media emulated at the PDF's column width): nothing cut, nothing to click,
  explorables as captioned figures naming their web page, figures kept with captions;
- accessibility: axe-core WCAG 2.1 A/AA, no serious or critical violation in the article;
  no formula in the tab order; explorables named, with one polite live region;
- dark mode: figures and frames not glaring (mean luminance), no light explorable panel;
- a clean console (no JavaScript error at all).
"""

import browser_checks as bc


def test_page_artifact(driver, base_url, html_dir, page):
    assert (html_dir / f"{page}.html").is_file(), f"{page}.html was not built"
    bc.set_width(driver, bc.WIDTHS[0])
    failures = bc.artifact_failures(driver, f"{base_url}{page}.html")
    assert not failures, bc.format_failures(f"{page}.html (issue 23)", failures)


def test_favicon(html_dir):
    pages = [p for p in html_dir.rglob("*.html") if "_static" not in p.parts]
    missing = [p.name for p in pages if 'rel="icon"' not in p.read_text(encoding="utf-8")]
    assert not missing, f"pages without a favicon link: {missing[:5]}"
