"""The whole book as one PDF, printed from the built HTML by headless Chromium (issue 23).

    .venv/bin/python scripts/make_pdf.py _build/html --toc _toc.yml --out _build/pdf/kdbook.pdf
    .venv/bin/python scripts/make_pdf.py --check _build/pdf/kdbook.pdf --html _build/html --toc _toc.yml

Why Chromium and not Jupyter Book's LaTeX builder: the PDF then shows exactly what
the web page shows (the same MathJax, the same figures and explorable frames, the
book's own print stylesheet ``_static/kdbook-print.css``), needs nothing beyond the
Chromium the browser checks already install (TeX Live is gigabytes), and takes
seconds per page from the HTML the build already wrote: no notebook runs again.

Each page of the toc is loaded over a loopback HTTP server, typeset by MathJax,
its solutions opened, wide equations fitted to the column (``kdbook-print.js``),
and printed with ``Page.printToPDF`` (A4, 15 mm margins, ``generateDocumentOutline``
gives each page's headings as its outline). pypdf (PyPI) then joins a title page,
a table of contents with page numbers, and the pages; imports every page's outline
(every chapter and section) and stamps page numbers printed by Chromium's footer
template on an otherwise blank document.

``--check`` (``make pdf-check``) fails unless every page's title (its ``<h1>``) is
an outline entry and the text has no raw TeX (delimiters ``\\(``, ``\\[``, ``$$``,
``\\begin{``: code in the book legitimately shows ``$\\eta$`` in matplotlib
labels, so single commands are not counted).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import html
import io
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import browser_checks as bc  # noqa: E402

MARGIN_IN = 15 / 25.4
A4 = {"paperWidth": 210 / 25.4, "paperHeight": 297 / 25.4}
PRINT = A4 | {"marginTop": MARGIN_IN, "marginBottom": MARGIN_IN, "marginLeft": MARGIN_IN, "marginRight": MARGIN_IN,
              "printBackground": True, "preferCSSPageSize": False}
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$|\\begin\{|\\end\{")
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def page_title(html_dir: Path, page: str) -> str:
    """The page's first heading as plain text (its title in the outline)."""
    match = _H1.search((html_dir / f"{page}.html").read_text(encoding="utf-8"))
    if not match:
        return page
    text = re.sub(r"<a class=\"headerlink\".*?</a>", "", match.group(1), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


_PREPARE = r"""
const done = arguments[0];
document.querySelectorAll('.toggle-hidden').forEach((el) => el.classList.remove('toggle-hidden'));
document.querySelectorAll('details:not(.hide)').forEach((d) => { d.open = true; });
if (window.kdbookPrint) window.kdbookPrint();
const errors = document.querySelectorAll('mjx-merror').length;
// The page's headings as the outline shows them (Chromium's outline titles lose the
// spaces at line breaks and repeat some): level and text, in document order.
const article = document.querySelector('article.bd-article') || document.body;
const headings = Array.from(article.querySelectorAll('h1, h2, h3')).filter((h) => h.getClientRects().length)
  .map((h) => {
    const copy = h.cloneNode(true);
    copy.querySelectorAll('.headerlink, .visually-hidden').forEach((el) => el.remove());
    return [Number(h.tagName[1]), copy.textContent.replace(/\s+/g, ' ').trim()];
  });
requestAnimationFrame(() => setTimeout(() => done([errors, headings]), 50));
"""


def print_page(driver, url: str) -> tuple[bytes, list]:
    """The printed page and its headings [(level, text)], in document order."""
    problems = bc.load(driver, url)
    if problems:
        raise SystemExit(f"{url}: {problems}")
    bc.load_all_images(driver)  # figures load lazily on screen
    bc.emulate_print(driver, True)
    errors, headings = driver.execute_async_script(_PREPARE)
    if errors:
        raise SystemExit(f"{url}: {errors} MathJax error(s); the PDF would show them")
    result = driver.execute_cdp_cmd("Page.printToPDF", PRINT | {"generateDocumentOutline": True})
    bc.emulate_print(driver, False)
    return base64.b64decode(result["data"]), headings


def heading_pages(reader, headings: list) -> list[tuple[int, str, int]]:
    """(level, text, page index) for each heading, its page from Chromium's outline.

    Chromium's outline lists the same headings in the same order, but its titles
    drop the spaces at line breaks (and repeat some), so they are matched with
    spaces removed; an outline entry that matches no heading is skipped.
    """
    squash = lambda text: re.sub(r"\s+", "", text)  # noqa: E731
    entries = outline_entries(reader)
    found, at = [], 0
    for level, text in headings:
        for j in range(at, len(entries)):
            if squash(entries[j][1]).startswith(squash(text)):
                found.append((level, text, entries[j][2]))
                at = j + 1
                break
    return found


def print_html(driver, folder: Path, name: str, body: str, **options) -> bytes:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    driver.get(path.as_uri())
    result = driver.execute_cdp_cmd("Page.printToPDF", PRINT | options)
    return base64.b64decode(result["data"])


_FRONT_CSS = """
body { font-family: "Helvetica Neue", Arial, sans-serif; color: #222; }
.title { break-after: page; padding-top: 30%; text-align: center; }
.title h1 { font-size: 28pt; margin-bottom: .4em; } .title p { font-size: 12pt; margin: .3em; }
.toc h2 { font-size: 18pt; } .toc ol { list-style: none; padding: 0; margin: 0; }
.toc li { display: flex; gap: .5em; margin: .15em 0; } .toc li .dots { flex: 1; border-bottom: 1px dotted #999; }
.toc li.chapter { font-weight: bold; margin-top: .6em; } .toc li.section { padding-left: 1.5em; font-size: 10pt; }
.toc li.part { font-size: 13pt; margin-top: 1em; color: #0072B2; }
"""


def front_matter(title: str, author: str, entries: list[tuple[str, str, int | None]], url: str) -> str:
    rows = []
    for kind, text, number in entries:
        num = "" if number is None else str(number)
        rows.append(f'<li class="{kind}"><span>{html.escape(text)}</span><span class="dots"></span>'
                    f"<span>{num}</span></li>")
    today = datetime.date.today().isoformat()
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_FRONT_CSS}</style></head><body>"
            f"<section class='title'><h1>{html.escape(title)}</h1><p>{html.escape(author)}</p>"
            f"<p>Printed from the web edition {html.escape(url)} on {today}.</p>"
            "<p>Code: MIT License. Text and figures: CC BY 4.0.</p></section>"
            f"<section class='toc'><h2>Contents</h2><ol>{''.join(rows)}</ol></section></body></html>")


def toc_parts(toc_path) -> dict[str, str]:
    """The part caption that starts before each page of the toc."""
    import yaml

    toc = yaml.safe_load(Path(toc_path).read_text())
    starts = {}
    for part in toc.get("parts", []):
        chapters = part.get("chapters") or []
        if chapters and "file" in chapters[0]:
            starts[chapters[0]["file"].removesuffix(".md").removesuffix(".ipynb")] = part.get("caption", "")
    return starts


def outline_entries(reader) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of a PDF's outline, in order."""
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                try:
                    index = reader.get_destination_page_number(item)
                except Exception:  # an entry without a page
                    index = 0
                found.append((depth, str(item.title), index))

    walk(reader.outline, 0)
    return found


def build(html_dir: Path, toc: str, out: Path) -> None:
    import yaml
    from pypdf import PdfReader, PdfWriter

    started = time.perf_counter()
    pages = bc.toc_pages(toc)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    parts = toc_parts(toc)
    driver = bc.start_driver(width=bc.PRINT_WIDTH)
    printed = []
    try:
        with bc.serve(html_dir) as url, tempfile.TemporaryDirectory() as tmp:
            for page in pages:
                data, headings = print_page(driver, f"{url}{page}.html")
                reader = PdfReader(io.BytesIO(data))
                printed.append((page, reader, heading_pages(reader, headings)))
                print(f"  {page}: {len(reader.pages)} pages", flush=True)
            entries, number = [], 1
            for page, reader, found in printed:
                if page in parts:
                    entries.append(("part", parts[page], None))
                entries.append(("chapter", page_title(html_dir, page), number))
                entries += [("section", text, number + i) for level, text, i in found if level == 2]
                number += len(reader.pages)
            web = config.get("html", {}).get("baseurl", "")
            front = PdfReader(io.BytesIO(print_html(
                driver, Path(tmp), "front.html",
                front_matter(config.get("title", "kdbook"), config.get("author", ""), entries, web))))
            total = number - 1
            blank = "".join("<div style='break-after: page'>&nbsp;</div>" for _ in range(total))
            footer = ("<div style='font-size:9px;width:100%;text-align:center;color:#444'>"
                      "<span class='pageNumber'></span></div>")
            numbers = PdfReader(io.BytesIO(print_html(
                driver, Path(tmp), "numbers.html", f"<!DOCTYPE html><html><body>{blank}</body></html>",
                displayHeaderFooter=True, headerTemplate="<span></span>", footerTemplate=footer)))
    finally:
        bc.quit_driver(driver)
    if len(numbers.pages) != total:
        raise SystemExit(f"page-number overlay has {len(numbers.pages)} pages for {total}")
    writer = PdfWriter()
    writer.append(front, import_outline=False)
    writer.add_outline_item(title="Contents", page_number=1 if len(front.pages) > 1 else 0)
    part = None
    for page, reader, found in printed:
        start = len(writer.pages)
        writer.append(reader, import_outline=False)
        if page in parts:
            part = writer.add_outline_item(title=parts[page], page_number=start)
        chapter = writer.add_outline_item(title=page_title(html_dir, page), page_number=start, parent=part)
        parents = {1: chapter}
        for level, text, index in found:
            if level == 1:
                continue
            parent = parents.get(level - 1, chapter)
            parents[level] = writer.add_outline_item(title=text, page_number=start + index, parent=parent)
    for i in range(total):
        writer.pages[len(front.pages) + i].merge_page(numbers.pages[i])
    writer.add_metadata({"/Title": config.get("title", "kdbook"), "/Author": config.get("author", "")})
    writer.page_mode = "/UseOutlines"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        writer.write(handle)
    print(f"wrote {out}: {len(writer.pages)} pages, {out.stat().st_size / 1e6:.1f} MB, "
          f"{len(pages)} pages of the book, in {time.perf_counter() - started:.0f} s")


def check(pdf: Path, html_dir: Path, toc: str) -> list[str]:
    """Problems of the whole-book PDF: pages missing from the outline, raw TeX in the text."""
    from pypdf import PdfReader

    if not pdf.is_file():
        return [f"no PDF at {pdf}: run `make pdf`"]
    reader = PdfReader(pdf)
    titles = [t for _, t, _ in outline_entries(reader)]
    norm = [re.sub(r"\s+", " ", t).strip().rstrip("#¶").strip() for t in titles]
    problems = [f"{page} ({page_title(html_dir, page)!r}) is not in the PDF outline"
                for page in bc.toc_pages(toc) if page_title(html_dir, page) not in norm]
    if len(reader.pages) < len(bc.toc_pages(toc)) + 2:
        problems.append(f"only {len(reader.pages)} pages for {len(bc.toc_pages(toc))} pages of the book")
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        for match in RAW_TEX.finditer(text):
            start = max(0, match.start() - 40)
            problems.append(f"raw TeX {match.group(0)!r} on PDF page {number}: {text[start:match.end() + 40]!r}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", default=str(ROOT / "_build" / "html"), help="built HTML directory")
    parser.add_argument("--toc", default=str(ROOT / "_toc.yml"))
    parser.add_argument("--out", default=str(ROOT / "_build" / "pdf" / "kdbook.pdf"))
    parser.add_argument("--check", metavar="PDF", help="check an existing PDF instead of building it")
    parser.add_argument("--html", dest="html_dir", default=None, help="with --check: the built HTML (titles)")
    args = parser.parse_args()
    html_dir = Path(args.html_dir or args.html).resolve()
    if args.check:
        problems = check(Path(args.check), html_dir, args.toc)
        if problems:
            raise SystemExit(f"{len(problems)} problem(s) in {args.check}:\n  - " + "\n  - ".join(problems[:40]))
        print(f"{args.check}: every page of the book in the outline, no raw TeX")
        return
    if not (html_dir / "_static").is_dir():
        raise SystemExit(f"no built book at {html_dir}: run `make book`")
    build(html_dir, args.toc, Path(args.out))


if __name__ == "__main__":
    main()
