"""The notebook hygiene script flags what it promises to flag."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_notebooks.py"
spec = importlib.util.spec_from_file_location("check_notebooks", SCRIPT)
check_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_notebooks)


def notebook(*sources, outputs=()):
    cells = [{"cell_type": "code", "source": [source], "outputs": list(outputs),
              "execution_count": None, "metadata": {}} for source in sources]
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3"}}}


def test_a_clean_notebook_has_no_problems():
    limit = check_notebooks.MAX_CODE_COLUMNS
    assert check_notebooks.problems_in(notebook("x = 1\n" + "y" * limit)) == []


def test_a_code_line_wider_than_the_column_is_reported_with_its_place():
    limit = check_notebooks.MAX_CODE_COLUMNS
    found = check_notebooks.problems_in(notebook("x = 1", "a = 2\n" + "z" * (limit + 1)))
    assert found == [f"cell 1 line 2 has {limit + 1} > {limit} characters"]


def test_outputs_are_reported_and_stripped():
    nb = notebook("x = 1", outputs=[{"output_type": "stream", "text": "1"}])
    assert check_notebooks.problems_in(nb) == ["cell 0 has outputs"]
    assert check_notebooks.problems_in(check_notebooks.strip(nb)) == []


def test_a_tag_inside_an_equation_environment_is_reported():
    def markdown(text):
        return {"cells": [{"cell_type": "markdown", "source": [text], "metadata": {}}],
                "metadata": {"kernelspec": {"name": "python3"}}}

    doubled = "with\n\n\\begin{equation}\na = b \\tag{9}\n\\end{equation}\n"
    found = check_notebooks.problems_in(markdown(doubled))
    assert len(found) == 1 and "cell 0" in found[0] and "two numbers" in found[0]
    assert check_notebooks.problems_in(markdown("\\begin{equation*}\na = b \\tag{9}\n\\end{equation*}\n")) == []
    assert check_notebooks.problems_in(markdown("\\begin{equation}\na = b\n\\end{equation}\n")) == []
