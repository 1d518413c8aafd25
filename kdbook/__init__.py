"""kdbook: the helper package of the executable textbook on knowledge distillation.

Modules, named for the concepts they implement (Phuong & Lampert, ICML 2019,
and two companion papers):

* :mod:`kdbook.tasks`: transfer tasks ``(P_x, w_*)`` and the angle survival ``p(theta)``;
* :mod:`kdbook.losses`: soft labels and the normalized cross-entropy ``L^1``;
* :mod:`kdbook.students`: the closed-form student of Theorem 1 and training dynamics;
* :mod:`kdbook.deep_linear`: balanced starts, Theorem 2's conditions and the
  preconditioned end-to-end flow;
* :mod:`kdbook.learners`: batched learners (distillation, hard-label, ``w_delta``);
* :mod:`kdbook.risk`: angles, transfer risk and the bounds of Theorem 3,
  Corollaries 1-2 and approximate distillation;
* :mod:`kdbook.montecarlo`: Monte Carlo risk-versus-n curves;
* :mod:`kdbook.experiments`: the experiments of Section 5 (Figures 3-5);
* :mod:`kdbook.symbolic`, :mod:`kdbook.symbolic_bounds`, :mod:`kdbook.symbolic_kd`:
  sympy checks of the derivations;
* :mod:`kdbook.variance`: distillation as partial variance reduction (Safaryan et al., 2023);
* :mod:`kdbook.fidelity`: fidelity metrics and MLP distillation (Stanton et al., 2021);
* :mod:`kdbook.data`: the bundled 8x8 digits, split for teachers, transfer and test;
* :mod:`kdbook.plots` and :mod:`kdbook.explore`: the figure style and the explorables
  (static-page frames and live widgets).

Arrays hold samples as rows: ``X`` has shape ``(n, d)`` where the paper writes
``X in R^{d x n}``.
"""

__version__ = "0.1.0"

#: The repository that the book's launch buttons and the Colab install cell use.
REPOSITORY_URL = "https://github.com/kdbook/kdbook"
