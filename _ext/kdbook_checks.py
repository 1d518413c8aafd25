"""Verified claims: a small mark in the prose that opens the check behind it.

Every claim of the book is checked by code that runs when the book is built
(an ``assert`` that fails the build if the claim is false). That code is
bookkeeping for the reader, so it stays out of the reading path, one click
away:

* a **check cell** is a code cell tagged ``hide-cell`` and ``check-KEY``; it
  computes, asserts and glues, and renders as one compact collapsed line
  ("✓ Check: …"), with the anchor ``#check-KEY``;
* the prose marks a verified claim with the role ``{check}`KEY``` right after
  it: a small check mark linking to that cell, which
  ``_static/kdbook-checks.js`` opens and scrolls to.

A mark whose cell does not exist on the same page is a build warning (and so
an error under ``-W``), as is a check cell that no mark points to: a check the
reader cannot reach from the claim it verifies.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

PREFIX = "check-"
PROMPT_SHOW = "✓ Check: how the book verifies this"
PROMPT_HIDE = "Hide the check"


class check_mark(nodes.Inline, nodes.TextElement):
    """The mark ``{check}`KEY```: a check sign linking to the cell ``#check-KEY``."""


def check_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    key = text.strip()
    if not key or any(c.isspace() for c in key):
        msg = inliner.reporter.error(f"{{check}} takes one key without spaces, got {text!r}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    node = check_mark(rawtext, "✓", key=key)
    node.line = lineno
    return [node], []


def visit_check_mark(self, node: check_mark) -> None:
    key = node["key"]
    self.body.append(
        f'<a class="kd-check" href="#{PREFIX}{key}" data-kd-check="{key}" '
        'title="Verified when the book is built: show the check">'
        '<span aria-hidden="true">✓</span><span class="kd-sr-only">verified: show the check</span></a>'
    )
    raise nodes.SkipNode


def visit_check_mark_text(self, node: check_mark) -> None:
    self.body.append("✓")
    raise nodes.SkipNode


def check_cells(doctree) -> dict[str, nodes.container]:
    """The check cells of a page, by key (from their ``tag_check-KEY`` class)."""
    cells = {}
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        for cls in cell["classes"]:
            if cls.startswith("tag_" + PREFIX):
                cells[cls[len("tag_" + PREFIX):]] = cell
    return cells


class CheckCells(SphinxPostTransform):
    """Give check cells their anchor and compact prompt; warn on unmatched marks.

    Runs before myst-nb's ``HideInputCells`` (priority 199), which reads the prompts.
    """

    default_priority = 150
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for message, node in link_checks(self.document):
            logger.warning(f"{message} (on {self.env.docname})", location=node)


def link_checks(doctree) -> list[tuple[str, nodes.Node]]:
    """Anchor and prompt each check cell; return the problems with the node to blame."""
    problems = []
    cells = check_cells(doctree)
    for key, cell in cells.items():
        cell["ids"].append(PREFIX + key)
        cell["classes"].append("kd-check-cell")
        metadata = cell.get("cell_metadata", {}).get("mystnb", {})
        if cell.get("hide_mode") != "all":
            problems.append((f"check cell {key!r} must also be tagged hide-cell", cell))
        cell["prompt_show"] = metadata.get("code_prompt_show", PROMPT_SHOW)
        cell["prompt_hide"] = metadata.get("code_prompt_hide", PROMPT_HIDE)
    marked = set()
    for mark in doctree.findall(check_mark):
        marked.add(mark["key"])
        if mark["key"] not in cells:
            problems.append((f"{{check}}`{mark['key']}` has no cell tagged check-{mark['key']}", mark))
    for key in sorted(set(cells) - marked):
        problems.append((f"check cell {key!r} is not marked in the prose ({{check}}`{key}`)", cells[key]))
    return problems


def setup(app: Sphinx) -> dict:
    app.add_node(check_mark, html=(visit_check_mark, None), latex=(visit_check_mark_text, None),
                 text=(visit_check_mark_text, None))
    app.add_role("check", check_role)
    app.add_post_transform(CheckCells)
    app.add_css_file("kdbook-checks.css")
    app.add_js_file("kdbook-checks.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
