"""kdbook: the helper package of the executable textbook on knowledge distillation.

Modules, named for the concepts they implement (Phuong & Lampert, ICML 2019):

* :mod:`kdbook.tasks`: transfer tasks ``(P_x, w_*)`` and the angle survival ``p(theta)``;
* :mod:`kdbook.losses`: soft labels and the normalized cross-entropy ``L^1``;
* :mod:`kdbook.students`: the closed-form student of Theorem 1 and training dynamics;
* :mod:`kdbook.risk`: angles and transfer risk;
* :mod:`kdbook.plots`, :mod:`kdbook.widgets`: the figure style and explorables.

Arrays hold samples as rows: ``X`` has shape ``(n, d)`` where the paper writes
``X in R^{d x n}``.
"""

__version__ = "0.1.0"

#: The repository that the book's launch buttons and the Colab install cell use.
REPOSITORY_URL = "https://github.com/kdbook/kdbook"
