"""Check (or, with --strip, enforce) that chapter notebooks carry no outputs.

Chapters are executed at build time; committed notebooks hold only sources,
so diffs stay readable and no stale number can hide in an output. Code a
reader sees must also fit the page's code column: about 85 characters of the
theme's 14 px monospace fit its 750-768 px at a 1400 px window (measured in
Chromium), so every code line is held to MAX_CODE_COLUMNS. A ``\tag`` inside an
``equation`` environment is refused: MyST numbers that environment itself, so
the page would show two numbers, the paper's and Sphinx's. Write
``equation*`` instead (a multi-line ``$$ ... $$`` is wrapped in ``split``,
where MathJax refuses ``\tag``).

    python scripts/check_notebooks.py chapters          # exit 1 on any output
    python scripts/check_notebooks.py --strip chapters  # remove them in place
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

MAX_CODE_COLUMNS = 80


def problems_in(notebook: dict) -> list[str]:
    found = []
    if notebook.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
        found.append("kernelspec must be python3")
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "markdown":
            found += _double_numbers(index, "".join(cell["source"]))
        if cell["cell_type"] != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {index} has outputs")
        if cell.get("execution_count") is not None:
            found.append(f"cell {index} has an execution count")
        for number, line in enumerate("".join(cell["source"]).splitlines(), 1):
            if len(line) > MAX_CODE_COLUMNS:
                found.append(f"cell {index} line {number} has {len(line)} > {MAX_CODE_COLUMNS} characters")
    return found


def _double_numbers(index: int, text: str) -> list[str]:
    found = []
    for block in text.split("\\begin{equation}")[1:]:
        body = block.split("\\end{equation}")[0]
        if "\\tag{" in body:
            found.append(f"cell {index}: \\tag inside an equation environment shows two numbers; use equation*")
    return found


def strip(notebook: dict) -> dict:
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--strip", action="store_true", help="remove outputs in place")
    args = parser.parse_args(argv)
    paths = sorted(args.folder.glob("*.ipynb"))
    if not paths:
        print(f"no notebooks found in {args.folder}", file=sys.stderr)
        return 1
    failures = 0
    for path in paths:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        if args.strip:
            path.write_text(json.dumps(strip(notebook), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            continue
        for problem in problems_in(notebook):
            print(f"{path}: {problem}")
            failures += 1
    if not args.strip:
        print(f"checked {len(paths)} notebooks: {failures} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
