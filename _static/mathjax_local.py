"""Serve MathJax with the book instead of from a CDN (issue 10).

A Sphinx extension, loaded through ``sphinx.local_extensions`` in ``_config.yml``.
MathJax 3 comes from the PyPI package ``django-static-mathjax`` (official
MathJax 3.2.2 build; its import name is ``mathjax``; no Django needed), so a
fresh machine with Python and pip gets it from ``requirements.txt``; nothing is
downloaded at build time. The ES5 build is copied into ``_build/html/_static/mathjax``
and ``mathjax_path`` (relative to ``_static``) points every page at it, so the
book reads offline, from ``file://`` and from any web server.
"""

import importlib.util
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

MATHJAX_FILE = "tex-chtml.js"
# The TeX-to-CommonHTML bundle plus what it loads lazily: TeX extensions
# (autoload), CHTML fonts, the accessibility menu and speech rules (~8 MB). The
# other combined bundles (SVG, MathML, "full") and the SVG output are never used.
KEEP = (MATHJAX_FILE, "input", "output/chtml", "a11y", "ui", "sre", "adaptors")


def mathjax_source():
    """Directory of the installed MathJax ES5 build; a clear error if missing."""
    spec = importlib.util.find_spec("mathjax")
    origin = Path(spec.origin).parent if spec and spec.origin else None
    es5 = origin / "static" / "mathjax" / "es5" if origin else None
    if es5 is None or not (es5 / MATHJAX_FILE).is_file():
        raise ExtensionError(
            "MathJax is not installed: the book serves MathJax itself. "
            "Install it with `pip install -r requirements.txt` "
            "(package django-static-mathjax)."
        )
    return es5


def _check(app):
    if app.builder.format != "html":
        return
    mathjax_source()
    expected = "mathjax/" + MATHJAX_FILE
    if app.config.mathjax_path != expected:
        raise ExtensionError(f"mathjax_path must be {expected!r} (set in _config.yml), got {app.config.mathjax_path!r}")


def _copy(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_source()
    target = Path(app.outdir) / "_static" / "mathjax"
    for name in KEEP:
        src = source / name
        dst = target / name
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def setup(app):
    app.connect("builder-inited", _check)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
