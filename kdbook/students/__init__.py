"""What the student learns: the distillation solution and its training dynamics.

* :func:`distillation_solution` is the closed form ``w_hat`` of Theorem 1,
  eq. (6): the projection of ``w_*`` onto the span of the data.
* :func:`distillation_solutions` does the same for a stack of transfer sets.
* :func:`gradient_descent` and :func:`gradient_flow` train a shallow
  (``N = 1``) student on ``L^1`` (eq. 1) with a finite step, and along the
  continuous flow of eq. (3), in numpy/scipy.
* :func:`train_student` trains a shallow or deep linear student
  ``w^T = W_N ... W_1`` (eq. 2) and records its distance to ``w_hat``
  (Theorems 1 and 2): exactly ``steps`` steps (the dynamics), or to a
  tolerance, fast (scipy's L-BFGS-B), with a :class:`ConvergenceWarning`
  when it cannot get there.
* :func:`restricted_hessian_eigenvalue`, :func:`strong_convexity_bound` and
  :func:`sublevel_points` make the restricted strong convexity of eq. (9)
  (the heart of the proof of Theorem 1) measurable.
* :func:`softmax_distillation_solution` is the multi-class Theorem 1 (the
  book's own): the class-centred teacher projected onto the span of the data.

Samples are rows: ``X`` has shape ``(n, d)``; the paper's ``X`` is ``X.T``.

The code lives in private modules (``_closed_form``, ``_dynamics``,
``_training``, ``_optimizers``, ``_convexity``) re-exported here.
"""

from ._closed_form import (
    GRAM_CONDITION_LIMIT,  # noqa: F401 (a setting, importable as before)
    distillation_solution,
    distillation_solutions,
    project_onto_spans,
    span_projector,
)
from ._convexity import restricted_hessian_eigenvalue, strong_convexity_bound, sublevel_points
from ._dynamics import Trajectory, gradient_descent, gradient_flow
from ._softmax import softmax_distillation_solution
from ._training import (
    AUTO_LBFGSB_ITERATIONS,  # noqa: F401 (a setting, importable as before)
    AUTO_NEWTON_STEPS,  # noqa: F401 (a setting, importable as before)
    AUTO_TOLERANCE,  # noqa: F401 (a setting, importable as before)
    DEFAULT_DEEP_INIT_SCALE,  # noqa: F401 (a setting, importable as before)
    DEFAULT_HIDDEN_WIDTH,  # noqa: F401 (a setting, importable as before)
    DEFAULT_ITERATIONS,  # noqa: F401 (a setting, importable as before)
    DEFAULT_STEPS,  # noqa: F401 (a setting, importable as before)
    DEFAULT_TOLERANCE,  # noqa: F401 (a setting, importable as before)
    OPTIMIZERS,  # noqa: F401 (a setting, importable as before)
    SINGLE_THREAD_MAX_ENTRIES,  # noqa: F401 (a setting, importable as before)
    ConvergenceWarning,
    TrainedStudent,
    default_learning_rate,
    smoothness_constant,
    train_student,
)

__all__ = [
    "distillation_solution",
    "distillation_solutions",
    "project_onto_spans",
    "span_projector",
    "Trajectory",
    "gradient_descent",
    "gradient_flow",
    "TrainedStudent",
    "ConvergenceWarning",
    "smoothness_constant",
    "default_learning_rate",
    "train_student",
    "restricted_hessian_eigenvalue",
    "strong_convexity_bound",
    "sublevel_points",
    "softmax_distillation_solution",
]
