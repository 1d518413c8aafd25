"""_ext/kdbook_checks.py: verified claims link to their check cells, and every mismatch is reported."""

import importlib.util
from pathlib import Path

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("kdbook_checks", ROOT / "_ext" / "kdbook_checks.py")
checks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(checks)


def check_cell(key, hide_mode="all", prompt=None):
    """A myst-nb code cell as the doctree holds it, tagged hide-cell and check-KEY."""
    metadata = {"tags": ["hide-cell", f"check-{key}"]}
    if prompt:
        metadata["mystnb"] = {"code_prompt_show": prompt}
    cell = nodes.container(nb_element="cell_code", cell_metadata=metadata,
                           classes=["cell", "tag_hide-cell", f"tag_check-{key}"])
    if hide_mode:
        cell["hide_mode"] = hide_mode
    return cell


def doctree(*children):
    document = new_document("page", get_default_settings(Parser))
    section = nodes.section()
    section.extend(children)
    document.append(section)
    return document


def mark(key):
    return checks.check_mark("", "✓", key=key)


def test_a_marked_check_cell_gets_its_anchor_and_prompt():
    cell = check_cell("t1-span")
    problems = checks.link_checks(doctree(nodes.paragraph("", "", nodes.Text("claim "), mark("t1-span")), cell))
    assert problems == []
    assert cell["ids"] == ["check-t1-span"] and "kd-check-cell" in cell["classes"]
    assert cell["prompt_show"] == checks.PROMPT_SHOW


def test_the_cell_may_name_its_check():
    cell = check_cell("t1-span", prompt="✓ Check: training reaches eq. (6)")
    checks.link_checks(doctree(nodes.paragraph("", "", mark("t1-span")), cell))
    assert cell["prompt_show"] == "✓ Check: training reaches eq. (6)"


def test_a_mark_without_its_cell_is_reported():
    problems = checks.link_checks(doctree(nodes.paragraph("", "", mark("t1-gone")), check_cell("t1-span")))
    messages = [m for m, _ in problems]
    assert any("t1-gone" in m and "has no cell" in m for m in messages), messages
    assert any("'t1-span' is not marked" in m for m in messages), messages


def test_a_check_cell_that_is_not_collapsed_is_reported():
    problems = checks.link_checks(doctree(nodes.paragraph("", "", mark("k")), check_cell("k", hide_mode=None)))
    assert [m for m, _ in problems] == ["check cell 'k' must also be tagged hide-cell"]


def test_the_role_refuses_a_key_with_spaces():
    class Reporter:
        def error(self, message, line):
            return nodes.system_message(message)

    class Inliner:
        reporter = Reporter()

        def problematic(self, rawtext, text, msg):
            return nodes.problematic(rawtext, text)

    result, messages = checks.check_role("check", "{check}`a b`", "a b", 1, Inliner())
    assert isinstance(result[0], nodes.problematic) and messages
    result, messages = checks.check_role("check", "{check}`ab`", "ab", 1, Inliner())
    assert result[0]["key"] == "ab" and messages == []
