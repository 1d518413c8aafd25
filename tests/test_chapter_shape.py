"""Every chapter has the shape CONTRIBUTING's "The reader's page" describes (issue 26).

Checked on the notebooks' sources, so an author learns it from `make unit`
before the book is built: prerequisites first, key takeaways then exercises at
the end, at least three exercises with solutions, quick checks inside the
chapter, no unnumbered statement, live widgets kept off the page, and the
glossary linked from the chapters.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
GLOSSARY_TERMS = 25
GLOSSARY_LINKS = 60


def cells(path):
    return json.loads(path.read_text())["cells"]


def markdown(path) -> str:
    return "\n".join("".join(c["source"]) for c in cells(path) if c["cell_type"] == "markdown")


def shape_problems(path) -> list[str]:
    text = markdown(path)
    problems = []
    goals = re.search(r"\{admonition\} Learning goals\s*\n(?::class:[^\n]*\n)?\s*(.*)", text)
    if not goals or not goals.group(1).lstrip().startswith("*Prerequisites:*"):
        problems.append("the Learning goals admonition does not start with *Prerequisites:*")
    headings = re.findall(r"^## (.+)$", text, re.M)
    if headings[-2:] != ["Key takeaways", "Exercises"]:
        problems.append(f"the chapter must end with '## Key takeaways' then '## Exercises', ends with {headings[-2:]}")
    exercises = re.findall(r"\{exercise\}", text)
    solutions = re.findall(r"\{solution\}", text)
    if len(exercises) < 3 or len(solutions) < len(exercises):
        problems.append(f"{len(exercises)} exercises and {len(solutions)} solutions (at least 3, each solved)")
    if not re.search(r"\{admonition\} Quick check", text):
        problems.append("no Quick check inside the chapter")
    if ":nonumber:" in text:
        problems.append("an unnumbered statement (:nonumber:)")
    for cell in cells(path):
        source = "".join(cell["source"])
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell["cell_type"] == "code" and re.search(r"_explorer\s*\(", source) and "remove-cell" not in tags:
            problems.append(f"a live widget cell on the page (tag it remove-cell): {source[:60]!r}")
    return problems


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_shape(path):
    problems = shape_problems(path)
    assert not problems, f"{path.name}:\n  - " + "\n  - ".join(problems)


def test_glossary_is_rich_and_linked_from_the_chapters():
    glossary = (ROOT / "reference" / "glossary.md").read_text()
    terms = re.findall(r"^(\S[^\n]*)\n  \S", glossary.split(":::{glossary}")[1], re.M)
    assert len(terms) >= GLOSSARY_TERMS, terms
    links = sum(len(re.findall(r"\{term\}`", markdown(p))) for p in CHAPTERS)
    assert links >= GLOSSARY_LINKS, f"{links} glossary links from the chapters (at least {GLOSSARY_LINKS})"


def test_the_shape_check_catches_each_fault(tmp_path):
    """A chapter with every fault planted."""
    bad = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": [
            "# T\n:::{admonition} Learning goals\n:class: tip\n- goals\n:::\n"
            ":::{prf:lemma} L\n:nonumber:\nx\n:::\n## Exercises\n```{exercise}\n:label: e\nx\n```\n"
            "## Key takeaways\n"]},
        {"cell_type": "code", "metadata": {"tags": ["skip-execution"]}, "source": ["scale_explorer()"],
         "outputs": [], "execution_count": None},
    ]}
    path = tmp_path / "bad.ipynb"
    path.write_text(json.dumps(bad))
    problems = "\n".join(shape_problems(path))
    for expected in ("Prerequisites", "Key takeaways' then", "1 exercises and 0 solutions", "Quick check",
                     ":nonumber:", "live widget cell"):
        assert expected in problems, (expected, problems)
