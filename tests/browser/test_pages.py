"""Issue 10: every page of the built book, as a reader sees it, at 1400 px and 420 px."""

from pathlib import Path

import browser_checks as bc


def test_every_toc_page_was_built(html_dir, pytestconfig):
    from conftest import book_pages

    missing = [p for p in book_pages(pytestconfig) if not (html_dir / f"{p}.html").is_file()]
    assert not missing, f"pages of the toc missing from {html_dir}: {missing}"


def test_page(driver, base_url, html_dir, page, width):
    """MathJax errors, unrendered TeX, cut equations, images without alt, JS errors.

    At the first width, the same load also gets issue 23's checks (test_artifact.py
    says what they are): weight at load, print, accessibility, dark mode; on a
    chapter, first of all, the reader report that test_reader.py checks.
    """
    assert (html_dir / f"{page}.html").is_file(), f"{page}.html was not built"
    bc.set_width(driver, width)
    failures = bc.load(driver, f"{base_url}{page}.html")
    if width == bc.WIDTHS[0]:
        if page in bc.CHAPTER_PAGES:  # as it loads, for test_reader.py (which checks it)
            bc.READER_REPORTS[page] = driver.execute_script(bc._script("reader_check.js"))
        failures += bc.artifact_checks(driver)  # before page_check.js opens every toggle
    failures += driver.execute_script(bc._script("page_check.js"))
    failures += bc.console_errors(driver)
    assert not failures, bc.format_failures(f"{page}.html at {width} px", failures)


def test_page_from_file_url(driver, html_dir, pytestconfig):
    """The book reads offline: a chapter (or the root) opened from file:// typesets its math."""
    from conftest import book_pages

    pages = book_pages(pytestconfig)
    page = next((p for p in bc.CHAPTER_PAGES if p in pages), pages[0])
    bc.set_width(driver, bc.WIDTHS[0])
    failures = bc.page_failures(driver, Path(html_dir, f"{page}.html").as_uri())
    assert not failures, bc.format_failures(f"file://.../{page}.html", failures)


def test_mathjax_is_served_by_the_book(html_dir):
    assert (html_dir / "_static" / "mathjax" / "tex-chtml.js").is_file()
    cdn = [p.name for p in html_dir.rglob("*.html") if "cdn.jsdelivr.net/npm/mathjax" in p.read_text()]
    assert not cdn, f"pages that load MathJax from a CDN: {cdn}"
