"""Issue 23, the page as an artifact. The per-page checks run in test_pages.py's
test_page at the first width, on the load that test makes anyway
(``browser_checks.artifact_checks``):

- weight: the book's own bytes at load (HTML + images, not theme/MathJax) <= 400 KB;
- print (print media emulated at the PDF's column width): nothing cut, nothing to click,
  explorables as captioned figures naming their web page, figures kept with captions;
- accessibility: axe-core WCAG 2.1 A/AA, no serious or critical violation in the article;
  no formula in the tab order; explorables named, with one polite live region;
- dark mode: figures and frames not glaring (mean luminance), no light explorable panel;
- a clean console (no JavaScript error at all: ``ALLOWED_CONSOLE`` is empty).

test_artifact_checker.py plants each fault and shows it is caught. Here: what the
built output must hold as files.
"""

import browser_checks as bc


def test_no_frames_inlined_in_chapter_pages(html_dir, pytestconfig):
    """Explorable frames are files under _explorables/, not data URIs in the HTML (issue 23)."""
    from conftest import book_pages

    pages = [p for p in bc.CHAPTER_PAGES if p in book_pages(pytestconfig)]
    inlined = {p: n for p in pages if (n := (html_dir / f"{p}.html").read_text(encoding="utf-8").count("data:image/"))}
    assert not inlined, f"chapter pages with images inlined as data URIs: {inlined}"


def test_favicon(html_dir):
    pages = [p for p in html_dir.rglob("*.html")  # Jupyter Book's redirect pages (index.html) excepted
             if "_static" not in p.parts and 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8")]
    missing = [p.name for p in pages if 'rel="icon"' not in p.read_text(encoding="utf-8")]
    assert not missing, f"pages without a favicon link: {missing[:5]}"
