"""Real-browser tests of the built book (issues 9 and 10); see README.md here.

They run only when this folder is named on the command line
(``pytest tests/browser``), after a build: plain ``pytest tests`` leaves them out.

Options (or environment variables):
  --book-html DIR   the built HTML (KDBOOK_HTML; default _build/html)
  --book-toc FILE   the toc the HTML was built from (KDBOOK_TOC; default _toc.yml)

A missing browser is a failure, never a skip.
"""

import os
from pathlib import Path

import browser_checks as bc
import pytest

HERE = Path(__file__).resolve().parent


def pytest_addoption(parser):
    group = parser.getgroup("kdbook browser checks")
    group.addoption("--book-html", default=os.environ.get("KDBOOK_HTML", str(bc.ROOT / "_build" / "html")),
                    help="built HTML directory to check (default: _build/html; env KDBOOK_HTML)")
    group.addoption("--book-toc", default=os.environ.get("KDBOOK_TOC", str(bc.ROOT / "_toc.yml")),
                    help="the toc file the HTML was built from (default: _toc.yml; env KDBOOK_TOC)")


def _requested(config) -> bool:
    for arg in config.args:
        path = Path(arg.split("::")[0]).resolve()
        if path == HERE or HERE in path.parents:
            return True
    return False


def pytest_ignore_collect(collection_path, config):
    """Leave the browser tests out unless tests/browser (or a file in it) was named."""
    if HERE in Path(collection_path).resolve().parents and not _requested(config):
        return True
    return None


def _option(config, name):
    try:
        return config.getoption(name)
    except ValueError:  # conftest not loaded at start-up: fall back to the defaults
        return {"--book-html": os.environ.get("KDBOOK_HTML", str(bc.ROOT / "_build" / "html")),
                "--book-toc": os.environ.get("KDBOOK_TOC", str(bc.ROOT / "_toc.yml"))}[name]


def book_html(config) -> Path:
    return Path(_option(config, "--book-html")).resolve()


def book_pages(config) -> list[str]:
    return bc.toc_pages(_option(config, "--book-toc"))


def pytest_generate_tests(metafunc):
    if "page" in metafunc.fixturenames:
        metafunc.parametrize("page", book_pages(metafunc.config))
    if "chapter" in metafunc.fixturenames:
        pages = book_pages(metafunc.config)
        metafunc.parametrize("chapter", [p for p in bc.CHAPTER_PAGES if p in pages])
    if "width" in metafunc.fixturenames:
        metafunc.parametrize("width", bc.WIDTHS)


def pytest_collection_modifyitems(items):
    """Under ``--dist loadgroup`` the tests of one page run on one worker, in file order
    (test_pages before test_reader), so the reader report of a chapter's page test is reused."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        page = params.get("page") or params.get("chapter")
        if page:
            item.add_marker(pytest.mark.xdist_group(page))


@pytest.fixture(scope="session")
def html_dir(pytestconfig):
    path = book_html(pytestconfig)
    if not (path / "_static").is_dir():
        pytest.fail(f"no built book at {path}: run `make book` first, or pass --book-html DIR (env KDBOOK_HTML)")
    return path


@pytest.fixture(scope="session")
def driver():
    try:
        browser = bc.start_driver()
    except bc.BrowserMissing as error:
        pytest.fail(str(error), pytrace=False)
    yield browser
    bc.quit_driver(browser)


@pytest.fixture(scope="session")
def base_url(html_dir):
    with bc.serve(html_dir) as url:
        yield url
