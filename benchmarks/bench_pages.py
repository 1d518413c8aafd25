"""Issue 9's budgets over a built book: page weight, frame-swap latency, build time.

    .venv/bin/python benchmarks/bench_pages.py                      # _build/html, book toc
    .venv/bin/python benchmarks/bench_pages.py /tmp/me/build/_build/html --toc /tmp/me/toc.yml
    .venv/bin/python benchmarks/bench_pages.py --no-browser         # sizes and times only

Per chapter page:
- weight at load: bytes of the HTML plus the images it links (the figures and
  each explorable's initial frame), against the 400 KB budget of issue 23
  (shared theme/MathJax files, cached across pages, are not counted); the
  explorables' other frames (files under _explorables/, loaded on demand) and
  any frames still inlined as data URIs are listed separately;
- frame swap: for every explorable, real key presses (Home, ArrowRight to the
  end, End, ArrowLeft back) in headless Chromium, over http and from file://;
  a first pass loads the frames, the second is measured: the latency is
  measured inside the page with performance.now() from the keydown to the new
  frame decoded and the next animation frame (the paint), so WebDriver's round
  trip is excluded; median and max per explorable against the 50 ms budget;
- build time: the notebook's execution time at build (myst-nb's record in the
  Sphinx environment) and, where the explorable reports it (data-kd-seconds),
  the time spent drawing its frames; their sum over the book against the 60 s
  budget for the explorables' growth of the build.

Results are ratios to the budgets (<= 1 is within budget), printed as a table
and written to benchmarks/results/pages.json. Nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import browser_checks as bc  # noqa: E402

PAGE_BUDGET = 400e3  # the book's own bytes a chapter page loads (issue 23)
SWAP_BUDGET_MS = 50.0
BUILD_BUDGET_S = 60.0

_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc=\"([^\"]+)\"", re.I)
_DATA_URI = re.compile(r"data:image/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+", re.I)
_SECONDS = re.compile(r"<(?:figure|div)\b[^>]*class=\"kd-explorable\"[^>]*?data-kd-seconds=\"([0-9.]+)\"", re.I)
_FIGURE = re.compile(r"<(?:figure|div)\b[^>]*class=\"kd-explorable\"", re.I)
_ON_DEMAND = re.compile(r"\"src\": \"([^\"]*_explorables/[^\"]+)\"")


def page_weight(html_dir: Path, page: str) -> dict:
    """Bytes of one page: its HTML (with inline frames) and the images it links."""
    path = html_dir / f"{page}.html"
    text = path.read_text(encoding="utf-8")
    linked = set()
    for src in _IMG_SRC.findall(text):
        if src.startswith("data:") or urlparse(src).scheme:
            continue
        target = (path.parent / unquote(src.split("#")[0].split("?")[0])).resolve()
        if target.is_file():
            linked.add(target)
    html_bytes = path.stat().st_size
    linked_bytes = sum(p.stat().st_size for p in linked)
    on_demand = {(path.parent / unquote(src)).resolve() for src in _ON_DEMAND.findall(text)}
    return {
        "html_bytes": html_bytes,
        "on_demand_frame_bytes": sum(p.stat().st_size for p in on_demand if p.is_file()),
        "inline_image_bytes": sum(len(m) for m in _DATA_URI.findall(text)),
        "linked_image_bytes": linked_bytes,
        "total_bytes": html_bytes + linked_bytes,
        "explorables": len(_FIGURE.findall(text)),
        "explorable_seconds": [float(s) for s in _SECONDS.findall(text)],
    }


def execution_times(html_dir: Path) -> dict:
    """Notebook execution seconds at build time, from myst-nb's record in the Sphinx environment."""
    pickled = html_dir.parent / ".doctrees" / "environment.pickle"
    if not pickled.is_file():
        return {}
    with pickled.open("rb") as handle:
        env = pickle.load(handle)
    times = {}
    for doc, meta in getattr(env, "nb_metadata", {}).items():
        data = meta.get("exec_data") or {}
        if data.get("runtime") is not None:
            times[doc] = float(data["runtime"])
    return times


_LATENCY_JS = """
const fig = arguments[0];
if (!fig.__kdBench) {
  const bench = fig.__kdBench = {t0: null, samples: []};
  const img = fig.querySelector('img.kd-frame');
  fig.addEventListener('keydown', () => { bench.t0 = performance.now(); }, true);
  new MutationObserver(() => {
    const t0 = bench.t0;
    if (t0 === null) return;
    bench.t0 = null;
    img.decode().catch(() => null).then(() => requestAnimationFrame(() => bench.samples.push(performance.now() - t0)));
  }).observe(img, {attributes: true, attributeFilter: ['src']});
}
fig.__kdBench.samples = [];
"""


def swap_latencies(driver, url: str) -> list[dict]:
    """Key-press-to-painted-frame latency of every explorable on the page, in ms."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    bc.load(driver, url)
    results = []
    for figure in driver.find_elements(By.CSS_SELECTOR, ".kd-explorable"):
        controls = figure.find_elements(By.CSS_SELECTOR, "input.kd-control")
        for control in controls:  # first pass: the frames load (on demand); not measured
            top = int(control.get_attribute("max"))
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();", control)
            for key in [Keys.HOME] + [Keys.ARROW_RIGHT] * top + [Keys.END]:
                ActionChains(driver).send_keys(key).perform()
        driver.execute_async_script(
            "const done = arguments[1]; Promise.all(Array.from(arguments[0].querySelectorAll('img'))"
            ".map((i) => i.decode().catch(() => null))).then(() => setTimeout(done, 300));", figure)
        driver.execute_script(_LATENCY_JS, figure)
        presses = 0
        for control in controls:
            top = int(control.get_attribute("max"))
            keys = [Keys.HOME] + [Keys.ARROW_RIGHT] * top + [Keys.END] + [Keys.ARROW_LEFT] * top
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();", control)
            for key in keys:
                ActionChains(driver).send_keys(key).perform()
                presses += 1
        deadline = time.monotonic() + 10
        samples = []
        while time.monotonic() < deadline:
            samples = driver.execute_script("return arguments[0].__kdBench.samples.slice();", figure)
            if len(samples) >= presses - 2 * len(controls):  # Home/End at an end change nothing
                break
            time.sleep(0.05)
        name = figure.get_attribute("data-kd-name")
        results.append({"name": name, "presses": presses, "controls": len(controls), "swaps": len(samples),
                        "median_ms": statistics.median(samples) if samples else None,
                        "max_ms": max(samples) if samples else None})
    return results


def _ratio(value, budget):
    return None if value is None else value / budget


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", default=str(ROOT / "_build" / "html"), help="built HTML directory")
    parser.add_argument("--toc", default=str(ROOT / "_toc.yml"), help="toc the HTML was built from")
    parser.add_argument("--no-browser", action="store_true", help="skip the frame-swap latency")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "pages.json"))
    args = parser.parse_args()
    html_dir = Path(args.html).resolve()
    if not (html_dir / "_static").is_dir():
        sys.exit(f"no built book at {html_dir}: run `make book` (or pass the HTML directory)")
    pages = [p for p in bc.CHAPTER_PAGES if p in bc.toc_pages(args.toc)]
    times = execution_times(html_dir)
    rows = {page: page_weight(html_dir, page) for page in pages if (html_dir / f"{page}.html").is_file()}
    for page, row in rows.items():
        row["notebook_seconds"] = times.get(page)
    if not args.no_browser:
        driver = bc.start_driver()
        try:
            with bc.serve(html_dir) as url:
                for page, row in rows.items():
                    row["swaps"] = swap_latencies(driver, f"{url}{page}.html")
                    row["file_swaps"] = swap_latencies(driver, (html_dir / f"{page}.html").as_uri())
                    bc.load(driver, f"{url}{page}.html")
                    row["bytes_at_load"] = bc.page_bytes(driver)[0]
        finally:
            bc.quit_driver(driver)
    report(rows)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"html": str(html_dir), "pages": rows}, indent=1))
    print(f"(written to {out})")


def report(rows: dict) -> None:
    print(f"{'page':32} {'HTML KB':>8} {'inline KB':>9} {'images KB':>9} {'total/400KB':>11} {'at load KB':>10} "
          f"{'on demand KB':>12} {'expl.':>5} {'swap med/max ms':>15} {'file:// ms':>11} {'max/50ms':>8} "
          f"{'notebook s':>10} {'frames s':>8}")
    worst_swap, explorable_s, notebook_s = 0.0, 0.0, 0.0
    for page, r in rows.items():
        swaps = r.get("swaps") or []
        file_max = [s["max_ms"] for s in r.get("file_swaps") or [] if s["max_ms"] is not None]
        file_swap = f"{max(file_max):.1f}" if file_max else "-"
        maxima = [s["max_ms"] for s in swaps if s["max_ms"] is not None] + file_max
        medians = [s["median_ms"] for s in swaps if s["median_ms"] is not None]
        swap = f"{max(medians):.1f}/{max(maxima):.1f}" if maxima else "-"
        worst = max(maxima) if maxima else None
        worst_swap = max(worst_swap, worst or 0.0)
        seconds = sum(r["explorable_seconds"]) if r["explorable_seconds"] else None
        explorable_s += seconds or 0.0
        notebook_s += r["notebook_seconds"] or 0.0
        at_load = f"{r['bytes_at_load'] / 1e3:.0f}" if r.get("bytes_at_load") is not None else "-"
        print(f"{page:32} {r['html_bytes'] / 1e3:8.0f} {r['inline_image_bytes'] / 1e3:9.0f} "
              f"{r['linked_image_bytes'] / 1e3:9.0f} {r['total_bytes'] / PAGE_BUDGET:11.2f} {at_load:>10} "
              f"{r['on_demand_frame_bytes'] / 1e3:12.0f} {r['explorables']:5d} "
              f"{swap:>15} {file_swap:>11} {(_ratio(worst, SWAP_BUDGET_MS) or 0):8.2f} "
              f"{(r['notebook_seconds'] or 0):10.1f} {('-' if seconds is None else f'{seconds:.1f}'):>8}")
        for s in swaps:
            if s["swaps"] < s["presses"] - 2 * s["controls"]:
                print(f"   {s['name']}: only {s['swaps']} frame swaps for {s['presses']} key presses")
    heaviest = max((r["total_bytes"] for r in rows.values()), default=0)
    print(f"heaviest page / budget: {heaviest / PAGE_BUDGET:.2f}; "
          f"slowest swap / budget: {worst_swap / SWAP_BUDGET_MS:.2f}; "
          f"notebooks executed in {notebook_s:.0f} s; explorable frames drawn in "
          f"{explorable_s:.1f} s = {explorable_s / BUILD_BUDGET_S:.2f} of the 60 s budget"
          + ("" if explorable_s else " (no explorable reports data-kd-seconds)"))


if __name__ == "__main__":
    main()
