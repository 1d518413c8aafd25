"""Issue 9: every chapter page has an explorable that works from the keyboard, offline."""

from pathlib import Path

import browser_checks as bc


def test_chapter_list_matches_the_book():
    """The explicit chapter list below is the book's: a new chapter must be added to it."""
    pages = bc.toc_pages(bc.ROOT / "_toc.yml")
    assert [p for p in pages if p.startswith("chapters/")] == bc.CHAPTER_PAGES


def test_chapter_explorables(driver, base_url, html_dir, chapter):
    """Home, every ArrowRight, End, every ArrowLeft: the frame follows each key."""
    assert (html_dir / f"{chapter}.html").is_file(), f"{chapter}.html was not built"
    bc.set_width(driver, bc.WIDTHS[0])
    failures = bc.load(driver, f"{base_url}{chapter}.html")
    found, count = bc.explorable_failures(driver)
    failures += found
    if count == 0:
        failures.append("no .kd-explorable on this chapter page (issue 9: every chapter has one)")
    assert not failures, bc.format_failures(f"{chapter}.html", failures)


def test_explorable_from_file_url(driver, html_dir, pytestconfig):
    """The same from file://, for the first chapter of the toc that was built."""
    from conftest import book_pages

    pages = book_pages(pytestconfig)
    chapters = [p for p in bc.CHAPTER_PAGES if p in pages]
    assert chapters, "the toc has no chapter page"
    bc.set_width(driver, bc.WIDTHS[1])
    failures = bc.load(driver, Path(html_dir, f"{chapters[0]}.html").as_uri())
    found, count = bc.explorable_failures(driver)
    failures += found
    if count == 0:
        failures.append("no .kd-explorable on this chapter page")
    assert not failures, bc.format_failures(f"file://.../{chapters[0]}.html", failures)


def test_chapter_explorables_without_javascript(driver, base_url, html_dir, chapter):
    """JavaScript off: the initial frame with its alt text, and no control that would do nothing."""
    failures = bc.no_script_failures(driver, f"{base_url}{chapter}.html")
    assert not failures, bc.format_failures(f"{chapter}.html without JavaScript", failures)
