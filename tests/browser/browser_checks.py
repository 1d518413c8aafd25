"""What a reader sees: checks of built HTML pages in headless Chromium.

Shared by the tests in this folder and by ``benchmarks/bench_pages.py``.
Selenium drives Debian's ``chromium`` through its ``chromedriver`` (paths from
the ``CHROMIUM`` / ``CHROMEDRIVER`` environment variables or the ``PATH``);
Selenium Manager is never used, so nothing is downloaded. Pages are served
from a loopback-only HTTP server in a thread, or opened from ``file://``.

Every check returns a list of failure strings (empty when the page is right),
so a test can report all of a page's problems in one assertion.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import tempfile
import threading
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

#: The book's chapter pages; issue 9: each has at least one static explorable.
CHAPTER_PAGES = [
    "chapters/01_setting",
    "chapters/02_theorem1",
    "chapters/03_theorem2",
    "chapters/04_angular_geometry",
    "chapters/05_theorem3",
    "chapters/06_rates",
    "chapters/07_data_geometry",
    "chapters/08_optimization_bias",
    "chapters/09_monotonicity",
    "chapters/10_variance_reduction",
    "chapters/11_fidelity_gap",
    "chapters/12_self_distillation",
    "chapters/13_bayes_teacher",
    "chapters/14_kernel_regime",
]

WIDTHS = (1400, 420)

#: Reader reports (reader_check.js) of chapter pages as they loaded at the first width,
#: taken by test_pages.test_page and checked by test_reader (one load serves both).
READER_REPORTS: dict[str, dict] = {}
HEIGHT = 1000

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

#: Console messages known to be harmless: none (issue 23 removed sphinx-thebe's
#: duplicate configuration script at its source, _ext/kdbook_page.py).
ALLOWED_CONSOLE = ()

#: The printed column: A4 (210 mm) less two 15 mm margins, in CSS px (96 per inch),
#: as scripts/make_pdf.py prints the book.
PRINT_WIDTH = 680
#: The book's own bytes a page may load (HTML and images; not the theme or MathJax).
PAGE_BYTES_BUDGET = 400_000
#: Mean luminance (0-255, Rec. 709 luma of the sRGB pixels) a figure may have in dark mode.
DARK_MAX_LUMA = 100
#: axe-core, installed by the Makefile's `axe` target from the npm package (env KDBOOK_AXE).
AXE_JS = Path(os.environ.get("KDBOOK_AXE", Path(__file__).resolve().parent / "vendor" / "axe.min.js"))

INSTALL_HINT = (
    "Install one with `make browser` (Debian/Ubuntu, as root: apt-get install chromium chromium-driver), "
    "or set CHROMIUM and CHROMEDRIVER to an existing Chromium/Chrome binary and its matching chromedriver."
)


class BrowserMissing(RuntimeError):
    """No usable Chromium + chromedriver pair on this machine."""


def find_browser() -> tuple[str, str]:
    """Paths of Chromium and chromedriver, from the environment or the PATH."""
    found = {}
    for var, names in (
        ("CHROMIUM", ("chromium", "chromium-browser", "google-chrome")),
        ("CHROMEDRIVER", ("chromedriver", "chromium.chromedriver")),
    ):
        given = os.environ.get(var)
        if given:
            path = shutil.which(given)
            if path is None:
                raise BrowserMissing(f"{var}={given!r} is not an executable. {INSTALL_HINT}")
        else:
            path = next((p for p in map(shutil.which, names) if p), None)
            if path is None:
                raise BrowserMissing(f"No {' / '.join(names)} found on the PATH. {INSTALL_HINT}")
        found[var] = path
    return found["CHROMIUM"], found["CHROMEDRIVER"]


def start_driver(width: int = WIDTHS[0], height: int = HEIGHT):
    """A headless Chromium with a fresh profile; the caller quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = find_browser()
    profile = tempfile.mkdtemp(prefix="kdbook-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium Manager (which downloads) is not consulted.
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_script_timeout(120)
    driver.set_page_load_timeout(120)
    driver.kd_profile = profile
    set_width(driver, width, height)
    return driver


def quit_driver(driver) -> None:
    driver.quit()
    shutil.rmtree(getattr(driver, "kd_profile", ""), ignore_errors=True)


def set_width(driver, width: int, height: int = HEIGHT) -> None:
    """Make the page viewport exactly ``width`` CSS pixels wide."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass



@contextlib.contextmanager
def serve(directory):
    """Serve ``directory`` on 127.0.0.1 (loopback only) in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def toc_pages(toc_path) -> list[str]:
    """Every document of a Jupyter Book toc, in reading order (root first)."""
    toc = yaml.safe_load(Path(toc_path).read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            for key in ("sections", "chapters", "parts"):
                walk(entry.get(key))

    for key in ("parts", "chapters", "sections"):
        walk(toc.get(key))
    return [p.removesuffix(".md").removesuffix(".ipynb") for p in pages]


def console_errors(driver) -> list[str]:
    """SEVERE console entries since the last call, minus the known harmless ones."""
    entries = driver.get_log("browser")
    return [
        f"console error: {e['message'][:300]}"
        for e in entries
        if e.get("level") == "SEVERE" and not any(ok in e["message"] for ok in ALLOWED_CONSOLE)
    ]


_JS_DIR = Path(__file__).resolve().parent


@functools.cache
def _script(name: str) -> str:
    return (_JS_DIR / name).read_text()


def load(driver, url: str) -> list[str]:
    """Open ``url`` and wait until MathJax has typeset it; returns load problems."""
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    return driver.execute_async_script(_script("wait_for_page.js"))


def page_failures(driver, url: str) -> list[str]:
    """All problems a reader would see on the page at the current width."""
    failures = load(driver, url)
    failures += driver.execute_script(_script("page_check.js"))
    failures += console_errors(driver)
    return failures


def format_failures(where: str, failures: list[str]) -> str:
    return f"{len(failures)} problem(s) on {where}:\n  - " + "\n  - ".join(failures)


def explorable_failures(driver) -> tuple[list[str], int]:
    """Step every control of every explorable on the loaded page with the keyboard.

    Home, ArrowRight to the end, then End and ArrowLeft back to the start; after
    every key the frame must show that setting (see ``step_control``). Returns
    the failures and the number of explorables found.
    """
    from selenium.webdriver.common.by import By

    figures = driver.find_elements(By.CSS_SELECTOR, ".kd-explorable")
    failures = []
    for figure in figures:
        name = figure.get_attribute("data-kd-name") or "?"
        controls = figure.find_elements(By.CSS_SELECTOR, "input.kd-control")
        if not controls:
            failures.append(f"explorable {name!r}: no input.kd-control")
        if len(figure.find_elements(By.CSS_SELECTOR, "img.kd-frame")) != 1:
            failures.append(f"explorable {name!r}: needs exactly one img.kd-frame")
            continue
        for control in controls:
            failures += step_control(driver, figure, control, name)
    failures += console_errors(driver)
    return failures, len(figures)


def _keys():
    from selenium.webdriver.common.keys import Keys

    return {"Home": Keys.HOME, "End": Keys.END, "ArrowRight": Keys.ARROW_RIGHT, "ArrowLeft": Keys.ARROW_LEFT}


def step_control(driver, figure, control, name: str) -> list[str]:
    """Press keys on one range input and check the frame after each one."""
    from selenium.webdriver.common.action_chains import ActionChains

    keys = _keys()
    state = _state(driver, figure, control)
    param = state["param"]
    top = state["max"]
    plan = [("Home", 0)] + [("ArrowRight", i) for i in range(1, top + 1)]
    plan += [("End", top)] + [("ArrowLeft", i) for i in range(top - 1, -1, -1)]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();", control)
    failures, seen = [], {}
    for key, expected in plan:
        before = state
        ActionChains(driver).send_keys(keys[key]).perform()
        state = _state(driver, figure, control)
        where = f"explorable {name!r}, control {param!r}, after {key} (position {state['value']})"
        problems = _frame_problems(state, before, expected)
        failures += [f"{where}: {p}" for p in problems]
        if not problems:
            previous = seen.setdefault(state["value"], state["hash"])
            if previous != state["hash"]:
                failures.append(f"{where}: position {state['value']} showed a different frame before")
        if len(failures) > 20:
            failures.append(f"explorable {name!r}, control {param!r}: stopped after 20 problems")
            break
    return failures


def _frame_problems(state, before, expected) -> list[str]:
    problems = []
    if state["error"]:
        return [state["error"]]
    if not state["focused"]:
        problems.append("the control lost keyboard focus")
    if state["value"] != expected:
        problems.append(f"value is {state['value']}, expected {expected} (keyboard did not move the control)")
    if state["value"] != before["value"] and state["hash"] == before["hash"]:
        problems.append("the img.kd-frame src did not change")
    if not state["decoded"]:
        problems.append("the frame image does not decode")
    shown = state["readout"]
    if not shown:
        problems.append("output.kd-value readout is empty")
    if f"{state['param']}={shown}" not in state["key"].split("|"):
        problems.append(f"data-kd-key {state['key']!r} lacks {state['param']}={shown}")
    if shown not in (state["valuetext"] or ""):
        problems.append(f"aria-valuetext {state['valuetext']!r} does not state the value {shown!r}")
    if not state["alt"].strip():
        problems.append("the frame has no alt text")
    elif shown not in state["alt"]:
        problems.append(f"alt {state['alt'][:120]!r} does not mention the value {shown!r}")
    if state["live"] is None:
        problems.append("no aria-live region in the explorable")
    elif state["live"] != state["alt"] and not (state["value"] == before["value"] and state["live"] == before["live"]):
        # A key that leaves the setting as it was (Home at the first position) has nothing new to announce.
        problems.append(f"the live region reads {state['live'][:80]!r}, not the new frame's description")
    for other, other_shown in state["others"].items():
        if f"{other}={other_shown}" not in state["key"].split("|"):
            problems.append(f"data-kd-key {state['key']!r} disagrees with control {other!r} = {other_shown!r}")
    return problems


def _state(driver, figure, control) -> dict:
    return driver.execute_async_script(_script("explorable_state.js"), figure, control)


# -- issue 23: the page as an artifact -----------------------------------------------------
def page_bytes(driver) -> tuple[int, list[str]]:
    """The book's own bytes the loaded page fetched: its HTML and its images (not under _static/), over http."""
    rows = driver.execute_script(
        "const nav = performance.getEntriesByType('navigation')[0];"
        "return [[location.href, nav ? nav.encodedBodySize : 0]].concat(performance.getEntriesByType('resource')"
        ".filter((r) => r.initiatorType === 'img' && !r.name.includes('/_static/'))"
        ".map((r) => [r.name, r.encodedBodySize]));"
    )
    total = sum(int(size) for _, size in rows)
    biggest = sorted(rows, key=lambda row: -row[1])[:3]
    return total, [f"{name.rsplit('/', 2)[-1][:50]} {size / 1000:.0f} KB" for name, size in biggest]


def weight_failures(driver) -> list[str]:
    total, biggest = page_bytes(driver)
    if total > PAGE_BYTES_BUDGET:
        return [f"the page loads {total / 1000:.0f} KB of the book's own HTML and images "
                f"(budget {PAGE_BYTES_BUDGET / 1000:.0f} KB); largest: {', '.join(biggest)}"]
    return []


def emulate_print(driver, on: bool) -> None:
    """Print media at the PDF's column width (on), or the screen at the first width (off)."""
    # The width first: kdbook-print.js fits the equations when the media changes.
    set_width(driver, PRINT_WIDTH if on else WIDTHS[0])
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print" if on else ""})
    # kdbook-print.js fits equations on the media change; let it and the layout settle.
    driver.execute_async_script("const done = arguments[0]; requestAnimationFrame(() => setTimeout(done, 50));")


def print_failures(driver) -> list[str]:
    """What the printed page would cut or show that paper cannot use."""
    emulate_print(driver, True)
    try:
        return driver.execute_script(_script("print_check.js"))
    finally:
        emulate_print(driver, False)


def accessibility_failures(driver) -> list[str]:
    """axe-core's serious/critical WCAG 2.1 A/AA violations in the article, formula tab stops, explorables."""
    if not AXE_JS.is_file():
        return [f"axe-core is not installed at {AXE_JS}: run `make axe` (npm package axe-core)"]
    return driver.execute_async_script(_script("a11y_check.js"), AXE_JS.read_text())


def dark_failures(driver) -> list[str]:
    """In the theme's dark mode, figures and explorable frames must not glare, nor panels be light.

    One screenshot of the whole page (at quarter scale) in dark mode; the mean
    luminance of each figure's box in it is what a reader sees, filters included.
    A quarter is enough for a mean over a box at least ~250 px wide (the means
    agree with half scale within a few levels of 255) and takes half the time.
    """
    import base64
    import io

    import numpy as np
    from PIL import Image

    found = driver.execute_script(_script("dark_check.js"))
    failures = list(found["panels"])
    if found["images"]:
        driver.execute_async_script("const done = arguments[0]; requestAnimationFrame(() => setTimeout(done, 50));")
        size = driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight];")
        scale = 0.25
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": scale}})
        page = np.asarray(Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB"), dtype=float)
        luma = page @ np.array([0.2126, 0.7152, 0.0722])
        for image in found["images"]:
            x0, y0 = int(image["x"] * scale), int(image["y"] * scale)
            x1, y1 = int((image["x"] + image["width"]) * scale), int((image["y"] + image["height"]) * scale)
            box = luma[max(y0, 0):y1, max(x0, 0):x1]
            if box.size == 0:
                continue
            value = float(box.mean())
            if value > DARK_MAX_LUMA:
                failures.append(f"{image['where']}: mean luminance {value:.0f}/255 in dark mode "
                                f"(at most {DARK_MAX_LUMA})")
    driver.execute_script("document.documentElement.dataset.theme = 'light';"
                          "document.documentElement.dataset.mode = 'light';")
    return failures


def load_all_images(driver) -> None:
    """Load the lazy images too (as printing does), and wait for every image."""
    driver.execute_async_script(
        "const done = arguments[0];"
        "const images = Array.from(document.images);"
        "images.forEach((img) => { if (img.loading === 'lazy') img.loading = 'eager'; });"
        "Promise.all(images.map((img) => img.complete ? null : new Promise((resolve) => {"
        "  img.addEventListener('load', resolve); img.addEventListener('error', resolve); })))"
        ".then(() => done());"
    )


def artifact_checks(driver) -> list[str]:
    """Issue 23 on the loaded page: weight at load, print, accessibility, dark mode."""
    failures = weight_failures(driver)
    load_all_images(driver)  # the other checks look at every figure
    failures += print_failures(driver)
    failures += accessibility_failures(driver)
    failures += dark_failures(driver)
    return failures


def artifact_failures(driver, url: str) -> list[str]:
    """Issue 23 on one page, loaded afresh: the checks above and a clean console."""
    failures = load(driver, url)
    failures += artifact_checks(driver)
    failures += console_errors(driver)
    return failures


def no_script_failures(driver, url: str) -> list[str]:
    """With JavaScript off, explorables show their initial frame (with alt) and no dead controls."""
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        driver.get(url)
        return driver.execute_script(
            "const out = [];"
            "for (const box of document.querySelectorAll('.kd-explorable')) {"
            "  const name = box.getAttribute('data-kd-name');"
            "  const live = Array.from(box.querySelectorAll('input, select, button, output'))"
            "    .filter((el) => el.getClientRects().length);"
            "  if (live.length)"
            "    out.push(`explorable ${name}: ${live.length} control(s) show without JavaScript and do nothing`);"
            "  const img = box.querySelector('img.kd-frame');"
            "  if (!img || !img.getClientRects().length || !(img.getAttribute('alt') || '').trim())"
            "    out.push(`explorable ${name}: no initial frame with alt text without JavaScript`);"
            "}"
            "return out;"
        )
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
