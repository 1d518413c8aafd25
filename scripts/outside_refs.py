"""Sphinx extension for subset builds (scripts/subset_book.py, ``make chapter``).

A reference to a page, label or figure of the full book that the subset
leaves out resolves to its text (logged at info level) instead of failing
``-n -W``. Only targets listed in ``kdbook_outside_targets`` are accepted;
any other unresolved reference stays a warning, hence an error.
"""

from __future__ import annotations

import posixpath

from sphinx.util import logging

logger = logging.getLogger(__name__)


def _outside(app, env, node, contnode):
    targets = app.config.kdbook_outside_targets or {}
    target = node.get("reftarget", "")
    if node.get("reftype") == "doc":
        doc = target if target.startswith("/") else posixpath.join(posixpath.dirname(node.get("refdoc", "")), target)
        found = posixpath.normpath(doc).lstrip("/") in set(targets.get("docs", []))
    else:
        found = target.lower() in set(targets.get("labels", []))
    if found:
        logger.info(f"outside this subset build: {node.get('reftype')} {target!r} (in {node.get('refdoc')})")
        return contnode
    return None


def setup(app):
    app.add_config_value("kdbook_outside_targets", {}, "env")
    app.connect("missing-reference", _outside)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
