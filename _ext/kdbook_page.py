"""The page as an artifact (issue 23): small fixes of the built HTML at their source.

A Sphinx extension, loaded through ``sphinx.local_extensions`` in ``_config.yml``.

- **Code-cell toggles.** myst-nb's ``HideCodeCellNode`` visitor gives every
  "Show code cell source" toggle the accessible name "Toggle hidden content",
  which does not match its visible label (WCAG 2.5.3). The visitor is replaced by
  one without that ``aria-label``: the summary's visible text is its name.
- **One sphinx-thebe configuration script.** sphinx-thebe adds its inline
  ``const THEBE_JS_URL = ...`` script with ``app.add_js_file(None, body=...)`` at
  ``env-before-read-docs``, after the HTML builder exists: the builder keeps it as
  filename ``None`` and, re-reading the registry in ``init_js_files``, again as
  filename ``""``. Sphinx sees two different scripts, every page declared the
  constant twice and logged a SyntaxError. Duplicate scripts (same content) are
  dropped from each page.
- **Lighter figures.** Opaque PNG figures in ``_images/`` are rewritten as
  palette PNGs when that is faithful (``palette_png``): about a third of the
  bytes, so a chapter stays within its page-weight budget.
- **Explorable frames as files.** ``kdbook.explore.static_explorable`` output is
  self-contained (frames as data URIs, which Jupyter and Colab need). At the end
  of the build each explorable's frames are written to
  ``_explorables/<page>/<name>/<hash>.<ext>`` and the page references them, so a
  chapter page loads only the initial frame; the explorable's script loads the
  others on demand with plain ``<img>`` loads (which work from ``file://``).
  The printed line under an explorable names its web page (``html.baseurl``).
- **Table index headers.** pandas writes the index column's header as an empty
  ``<th></th>``; it is given the text "index" for screen readers only.
- **Figures load when needed.** Every figure (``_images/``) gets
  ``loading="lazy"``: the browser fetches a figure as it nears the viewport,
  so a chapter page loads its text and first figures, not all of them (the
  checks and the PDF load them all first). An explorable's initial frame
  stays eager: its script swaps frames into it.
- **Bibliography entries.** docutils marks each entry ``role="doc-biblioentry"``
  inside a ``role="list"``; that role is deprecated in DPUB-ARIA 1.1 and no
  longer a list item, so assistive technology (and axe-core's
  aria-required-children) sees a list without items. Entries become
  ``role="listitem"``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

FRAMES_DIR = "_explorables"
_EXT = {"image/webp": "webp", "image/png": "png", "image/svg+xml": "svg", "image/jpeg": "jpg", "image/gif": "gif"}
_BOX = re.compile(r'<div class="kd-explorable" data-kd-name="([a-z0-9-]+)".*?</script></div>', re.S)
_JSON = re.compile(r'(<script type="application/json" class="kd-frames">)(.*?)(</script>)', re.S)
_IMG_SRC = re.compile(r'(<img class="kd-frame"[^>]*?\bsrc=")(data:[^"]+)(")')
_DATA = re.compile(r"data:(image/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=]+)")
_WEB_NOTE = re.compile(r'<p class="kd-web-note">[^<]*</p>')
_EMPTY_TH = re.compile(r"<th(\s[^>]*)?>\s*</th>")
_OWN_IMG = re.compile(r'<img\b(?![^>]*\bloading=)([^>]*\bsrc="(?:\.\./)*_images/)')
SR_ONLY = '<span class="visually-hidden">index</span>'


# -- toggles -------------------------------------------------------------------------------
def visit_hide_cell_input(self, node):
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n')
    self.body.append("<summary>\n")  # named by its visible text, not "Toggle hidden content"
    self.body.append(f'<p class="collapsed admonition-title">{html.escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{html.escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def depart_hide_cell_input(self, node):
    self.body.append("</details>\n")


# -- duplicate inline scripts -----------------------------------------------------------
def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        # The same inline script, once with filename None and once with "" (Sphinx's
        # init_js_files re-adds registry entries as `filename or ''`): compare what the page contains.
        attributes = getattr(script, "attributes", {})
        filename = str(getattr(script, "filename", script) or "")
        key = (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key in seen:
            continue
        seen.add(key)
        kept.append(script)
    scripts[:] = kept


# -- explorable frames and tables, after the pages are written --------------------------------
def externalize_page(path: Path, outdir: Path, page_url: str | None) -> int:
    """Move the data-URI frames of every explorable in one HTML file into files; returns bytes moved."""
    text = path.read_text(encoding="utf-8")
    moved = 0
    prefix = "../" * (len(path.relative_to(outdir).parts) - 1)
    page = path.relative_to(outdir).with_suffix("").as_posix()

    def write(name: str, uri: str) -> str:
        nonlocal moved
        match = _DATA.fullmatch(uri)
        if not match:
            return uri
        data = base64.b64decode(match.group(2))
        rel = f"{FRAMES_DIR}/{page}/{name}/{hashlib.sha1(data).hexdigest()[:16]}.{_EXT.get(match.group(1), 'bin')}"
        target = outdir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file():
            target.write_bytes(data)
        moved += len(uri)
        return prefix + rel

    def box(match):
        name, chunk = match.group(1), match.group(0)

        def frames(m):
            payload = json.loads(m.group(2).replace("<\\/", "</"))
            for frame in payload["frames"].values():
                if "src" in frame:
                    frame["src"] = write(name, frame["src"])
            return m.group(1) + json.dumps(payload, ensure_ascii=False).replace("</", "<\\/") + m.group(3)

        chunk = _JSON.sub(frames, chunk)
        chunk = _IMG_SRC.sub(lambda m: m.group(1) + write(name, m.group(2)) + m.group(3), chunk)
        if page_url:
            note = f"Interactive figure: move its controls on the web page {page_url}"
            chunk = _WEB_NOTE.sub(f'<p class="kd-web-note">{html.escape(note)}</p>', chunk)
        return chunk

    new = _BOX.sub(box, text)
    new = _EMPTY_TH.sub(lambda m: f"<th{m.group(1) or ''}>{SR_ONLY}</th>", new)
    new = new.replace('role="doc-biblioentry"', 'role="listitem"')
    new = _OWN_IMG.sub(r'<img loading="lazy"\1', new)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return moved


#: A recompressed figure keeps its new bytes only if no pixel channel moved by more than this on average.
PALETTE_MEAN_ERROR = 0.5


def palette_png(path: Path) -> int:
    """Rewrite an opaque PNG figure as a 256-colour palette PNG when that is smaller and faithful.

    Matplotlib's line plots and diagrams use few colours besides the
    anti-aliasing of their edges, so a median-cut palette (no dithering) keeps
    every figure visually identical at a third of the bytes. A figure with
    transparency, or one the palette would change by more than
    ``PALETTE_MEAN_ERROR`` per channel on average, is left alone. Returns the
    bytes saved.
    """
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        image.load()
    if image.mode not in ("RGB", "RGBA") or (image.mode == "RGBA" and image.getchannel("A").getextrema()[0] < 255):
        return 0
    rgb = image.convert("RGB")
    palette = rgb.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    error = np.abs(np.asarray(rgb, dtype=np.int16) - np.asarray(palette.convert("RGB"), dtype=np.int16)).mean()
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    before = path.stat().st_size
    if error > PALETTE_MEAN_ERROR or len(buffer.getvalue()) >= before:
        return 0
    path.write_bytes(buffer.getvalue())
    return before - len(buffer.getvalue())


def _build_finished(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    base = (app.config.html_baseurl or "").rstrip("/")
    moved = 0
    for path in sorted(outdir.rglob("*.html")):
        if FRAMES_DIR in path.parts or "_static" in path.parts:
            continue
        page = path.relative_to(outdir).as_posix()
        moved += externalize_page(path, outdir, f"{base}/{page}" if base else None)
    if moved:
        logger.info(f"[kdbook_page] moved {moved / 1e6:.1f} MB of explorable frames into {FRAMES_DIR}/")
    # Figures are written by myst-nb into _images/ (their names are content hashes, kept as they are).
    saved = sum(palette_png(path) for path in sorted((outdir / "_images").glob("*.png")))
    if saved:
        logger.info(f"[kdbook_page] palette PNG figures: {saved / 1e6:.1f} MB saved")


def setup(app):
    app.setup_extension("myst_nb")
    from myst_nb.sphinx_ import HideCodeCellNode

    app.add_node(HideCodeCellNode, override=True, html=(visit_hide_cell_input, depart_hide_cell_input))
    app.connect("html-page-context", _dedupe_scripts, priority=900)  # after the handlers that add them
    app.connect("build-finished", _build_finished, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
