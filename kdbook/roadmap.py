"""The book's roadmap: its chapters and how their results depend on each other.

One table, :data:`CHAPTERS`, says what each chapter proves and which earlier
results it uses; :func:`draw_roadmap` draws it for the introduction, part by
part from top to bottom, so a reader sees where a result comes from before
reading it.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ._params import validate_params
from .plots import PALETTE

__all__ = ["Chapter", "CHAPTERS", "draw_roadmap", "describe_roadmap"]


@dataclass(frozen=True)
class Chapter:
    """A chapter on the roadmap: its number, a short title and detail, its part and what it uses."""

    number: int
    title: str
    detail: str
    part: str
    uses: tuple[int, ...] = ()


#: The chapters in reading order; ``uses`` names the chapters whose results each one builds on.
CHAPTERS = (
    Chapter(1, "The setting", "loss, flow, risk", "Foundations"),
    Chapter(2, "Theorem 1", "shallow student", "What the student learns", (1,)),
    Chapter(3, "Theorem 2", "deep linear student", "What the student learns", (2,)),
    Chapter(4, "Angle law p(θ)", "Figures 1-2", "How fast it learns", (1,)),
    Chapter(5, "Theorem 3", "Lemma 1", "How fast it learns", (2, 4)),
    Chapter(6, "Rates", "Corollaries 1-2", "How fast it learns", (3, 5)),
    Chapter(7, "Data geometry", "Figure 3", "Why distillation works", (4, 5)),
    Chapter(8, "Optimization bias", "Figure 4", "Why distillation works", (2,)),
    Chapter(9, "Strong monotonicity", "Figure 5", "Why distillation works", (5,)),
    Chapter(10, "Variance reduction", "by distillation", "Beyond the linear model", (1, 2)),
    Chapter(11, "Fidelity gap", "student vs teacher", "Beyond the linear model", (2,)),
    Chapter(12, "Self-distillation", "spectral filter", "After the paper", (2,)),
    Chapter(13, "Bayes teacher", "bias vs variance", "After the paper", (1, 10)),
    Chapter(14, "Wide networks", "kernel regime", "After the paper", (2, 5, 10)),
)

_PART_COLORS = ("#dbe9f6", "#d6efe6", "#fbe8c8", "#f3dce9", "#e4e4e4", "#e8e0f5")


@validate_params()
def draw_roadmap() -> Figure:
    """Draw :data:`CHAPTERS`: one row per part, an arrow from each chapter to those that use it.

    Dependencies between neighbouring rows are arrows; one that skips a row
    is written in the box ("uses 1"), so that no arrow crosses a chapter.

    Returns
    -------
    matplotlib.figure.Figure
    """
    parts = list(dict.fromkeys(c.part for c in CHAPTERS))
    widest = max(sum(c.part == p for c in CHAPTERS) for p in parts)
    fig, ax = plt.subplots(figsize=(7.0, 1.45 * len(parts) + 0.3))
    ax.set_xlim(0, widest)
    ax.set_ylim(-len(parts) + 0.35, 0.75)
    ax.axis("off")
    box_w, box_h = 0.84 * 1.0, 0.56
    row_of = {c.number: parts.index(c.part) for c in CHAPTERS}
    centre = {}
    for row, part in enumerate(parts):
        members = [c for c in CHAPTERS if c.part == part]
        y = -row
        ax.text(0.02, y + 0.47, part, fontsize=10, fontstyle="italic", color="#555555", va="center")
        for i, chapter in enumerate(members):
            x = (widest - len(members)) / 2 + i + 0.5
            centre[chapter.number] = (x, y)
            ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                        boxstyle="round,pad=0.02,rounding_size=0.08",
                                        facecolor=_PART_COLORS[row % len(_PART_COLORS)],
                                        edgecolor="#333333", linewidth=1.0, zorder=2))
            far = [u for u in chapter.uses if row - row_of[u] > 1]
            lines = [f"{chapter.number}. {chapter.title}", chapter.detail]
            lines += [f"uses {', '.join(map(str, far))}"] if far else []
            label = "\n".join(line for line in lines if line)
            ax.text(x, y, label, ha="center", va="center", fontsize=10, color="#111111", zorder=3, linespacing=1.1)
    for chapter in CHAPTERS:
        for used in (u for u in chapter.uses if row_of[chapter.number] - row_of[u] <= 1):
            (x0, y0), (x1, y1) = centre[used], centre[chapter.number]
            same_row = y0 == y1
            start = (x0 + box_w / 2, y0) if same_row else (x0, y0 - box_h / 2)
            end = (x1 - box_w / 2, y1) if same_row else (x1, y1 + box_h / 2)
            ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, linewidth=1.1,
                                         color=PALETTE["blue"], connectionstyle="arc3,rad=0.0", zorder=1,
                                         shrinkA=1, shrinkB=1))
    fig.tight_layout(pad=0.2)
    return fig


@validate_params()
def describe_roadmap() -> str:
    """The roadmap in words, for the figure's alt text: each chapter and the chapters that use it.

    Returns
    -------
    str
    """
    users: dict[int, list[int]] = {}
    for chapter in CHAPTERS:
        for used in chapter.uses:
            users.setdefault(used, []).append(chapter.number)

    def listed(numbers):
        words = [str(n) for n in numbers]
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]

    parts = list(dict.fromkeys(c.part for c in CHAPTERS))
    lines = [f"A diagram of the {len(CHAPTERS)} chapters in {len(parts)} rows, one per part."]
    for chapter in CHAPTERS:
        if chapter.number in users:
            title = ", ".join(part for part in (chapter.title, chapter.detail) if part)
            lines.append(f"Chapter {chapter.number} ({title}) leads to chapter"
                         f"{'s' if len(users[chapter.number]) > 1 else ''} {listed(users[chapter.number])}.")
    return " ".join(lines)
