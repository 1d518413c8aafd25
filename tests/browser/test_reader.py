"""Issue 26: chapter pages read as a textbook, not as a program.

On every chapter page, as it loads (nothing opened): every theorem, exercise
and figure reference renders with its number; no figure stands right before an
explorable that shows the same thing; no code cell shows no output (a live
call that does nothing on the static page); no raw DataFrame, index column or
program printout; and the visible code and the prose that narrates the build
stay within the budgets below. ``test_reader_checker.py`` plants each fault.
"""

import browser_checks as bc
import pytest

#: Visible code lines (cell inputs and code blocks not collapsed): per chapter, and over the book.
CODE_PER_CHAPTER = 60
CODE_IN_BOOK = 300
#: Mentions of assertions or the build in the prose of all chapters together.
BUILD_MENTIONS_IN_BOOK = 12

def reader_report(driver, url: str) -> dict:
    bc.load(driver, url)
    return driver.execute_script(bc._script("reader_check.js"))


def test_chapter_reads_as_a_textbook(driver, base_url, html_dir, chapter):
    """The report from test_page's load at the first width when it ran (same worker), else a load of its own."""
    assert (html_dir / f"{chapter}.html").is_file(), f"{chapter}.html was not built"
    report = bc.READER_REPORTS.get(chapter)
    if report is None:
        bc.set_width(driver, bc.WIDTHS[0])
        report = bc.READER_REPORTS[chapter] = reader_report(driver, f"{base_url}{chapter}.html")
    failures = list(report["failures"])
    if report["codeLines"] > CODE_PER_CHAPTER:
        failures.append(f"{report['codeLines']} visible code lines (budget {CODE_PER_CHAPTER} per chapter)")
    assert not failures, bc.format_failures(f"{chapter}.html", failures)


def test_book_wide_budgets(driver, base_url, html_dir, pytestconfig):
    """Visible code and build narration summed over every chapter page of the toc."""
    from conftest import book_pages

    chapters = [p for p in book_pages(pytestconfig) if p.startswith("chapters/")]
    if not chapters:
        pytest.fail("the toc has no chapter page")
    bc.set_width(driver, bc.WIDTHS[0])
    for chapter in chapters:
        if chapter not in bc.READER_REPORTS:
            bc.READER_REPORTS[chapter] = reader_report(driver, f"{base_url}{chapter}.html")
    code = {c: bc.READER_REPORTS[c]["codeLines"] for c in chapters}
    mentions = {c: bc.READER_REPORTS[c]["buildMentions"] for c in chapters}
    problems = []
    if sum(code.values()) > CODE_IN_BOOK:
        problems.append(f"{sum(code.values())} visible code lines in the book (budget {CODE_IN_BOOK}): {code}")
    if sum(mentions.values()) > BUILD_MENTIONS_IN_BOOK:
        quoted = {c: bc.READER_REPORTS[c]["mentioned"] for c in chapters if bc.READER_REPORTS[c]["mentioned"]}
        problems.append(f"{sum(mentions.values())} mentions of assertions or the build in chapter prose "
                        f"(budget {BUILD_MENTIONS_IN_BOOK}): {quoted}")
    assert not problems, "\n".join(problems)
