"""Explorables: one pure ``draw_*(**params) -> Figure`` per idea, shown three ways.

Every explorable of the book has a single drawing function (one idea per
interaction). The same function makes

1. the figure at the default setting (a normal figure output of the chapter),
2. the static-page explorable, :func:`kdbook.explore.frames.static_explorable`,
   whose frames are drawn when the book builds over a stated grid of values and
   swapped by a range input in the browser (no kernel, no network), and
3. the live ipywidgets app, :func:`kdbook.explore.core.explorer`, for readers
   who launch the page on Binder, Colab or a local Jupyter.

Modules, named for the concept each explores:

* :mod:`kdbook.explore.core`: the live ``explorer`` wiring and the teacher-scale
  explorable of chapter 1;
* :mod:`kdbook.explore.frames`: the static-page explorable;
* :mod:`kdbook.explore.training`: Theorems 1 and 2 (training runs);
* :mod:`kdbook.explore.geometry`: the angular geometry of chapter 4;
* :mod:`kdbook.explore.bounds`: the Theorem 3 bound and its rates;
* :mod:`kdbook.explore.factors`: the data-geometry factor of chapter 7;
* :mod:`kdbook.explore.bias`: optimization bias and monotonicity (chapters 8-9);
* :mod:`kdbook.explore.variance`: partial variance reduction (chapter 10);
* :mod:`kdbook.explore.fidelity`: the fidelity gap (chapter 11);
* :mod:`kdbook.explore.self_distillation`: self-distillation as a spectral filter (chapter 12);
* :mod:`kdbook.explore.bayes_teacher`: the teacher as an estimate of the Bayes probabilities (chapter 13);
* :mod:`kdbook.explore.kernel_regime`: wide networks in the kernel regime (chapter 14).
"""

from .core import explorer
from .frames import static_explorable

__all__ = ["explorer", "static_explorable"]
