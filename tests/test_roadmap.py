"""The introduction's roadmap: the figure, and its alt text in words, come from one table."""

import re
from pathlib import Path

import matplotlib
import yaml

matplotlib.use("Agg")

from kdbook.plots import legibility_problems  # noqa: E402
from kdbook.roadmap import CHAPTERS, describe_roadmap, draw_roadmap  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def roadmap_cell_options():
    text = (ROOT / "intro.md").read_text()
    block = re.search(r"```\{code-cell\} ipython3\n---\n(.*?)\n---\n(.*?)```", text, re.S)
    assert block, "intro.md has no roadmap code cell"
    return yaml.safe_load(block.group(1)), block.group(2)


def test_the_alt_text_says_what_the_table_says():
    options, source = roadmap_cell_options()
    assert "draw_roadmap()" in source
    assert options["mystnb"]["image"]["alt"] == describe_roadmap()


def test_dependencies_point_back_to_earlier_chapters():
    numbers = [c.number for c in CHAPTERS]
    assert numbers == sorted(numbers) == list(range(1, len(CHAPTERS) + 1))
    for chapter in CHAPTERS:
        assert all(used < chapter.number for used in chapter.uses), chapter


def test_the_description_changes_with_the_table(monkeypatch):
    import kdbook.roadmap as roadmap

    before = describe_roadmap()
    changed = tuple(c if c.number != 9 else roadmap.Chapter(9, c.title, c.detail, c.part, (5, 8)) for c in CHAPTERS)
    monkeypatch.setattr(roadmap, "CHAPTERS", changed)
    assert describe_roadmap() != before and "leads to chapter 9" in describe_roadmap()


def test_the_figure_is_legible():
    figure = draw_roadmap()
    assert legibility_problems(figure) == []
