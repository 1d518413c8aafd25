"""Distillation as partial variance reduction (Safaryan, Peste & Alistarh, 2023).

The student ``x`` and the teacher ``theta`` are linear models of the same
shape. With the hard-label loss ``f_xi`` of one sample (or minibatch) ``xi``,
the distillation loss at temperature 1 is

    (1 - lam) * CE(student, labels) + lam * CE(student, teacher probabilities),

so ``lam`` weights the distillation term (the convention of the paper's code,
KDVR). For a linear student the cross-entropy gradient with respect to the
weights is ``(p_student - target) z^T``, linear in the target, hence the
stochastic gradient of the distillation loss is

    g_xi(x) = grad f_xi(x) - lam * grad f_xi(theta),

SVRG's estimator ``grad f_xi(x) - grad f_xi(theta) + grad f(theta)`` (Johnson &
Zhang, 2013) with weight ``lam`` and without the full-gradient correction:
a *partial* variance reduction. The same identity holds for least squares with
the teacher's predictions as regression targets.

Conventions: samples are rows (``A`` or ``Z`` of shape ``(n, d)``); a softmax
student's weights ``W`` have shape ``(K, d)`` (one row per class); minibatches
are drawn uniformly *with replacement*, which is what the closed forms assume.

Contents:

* per-sample gradients of the hard-label and distillation losses
  (least squares, logistic, softmax);
* the second moment of the distillation gradient, the control-variate optimal
  weight ``lam* = E<grad f_xi(x*), grad f_xi(theta)> / E||grad f_xi(theta)||^2``;
* least-squares closed forms: the stationary point ``x_lam = (1 - lam) x* +
  lam theta``, the noise there ``(1 - lam)^2 sigma_*^2``, the exact stationary
  covariance of constant-step SGD (and its contraction factor, which says
  whether a stationary regime exists) and the resulting bias/variance split;
* teachers of different quality (exact optimum, early-stopped, other data);
* SGD runners batched over ``lam`` values and seeds, for least squares and
  softmax regression, with the biased (distillation) and unbiased estimators.

The pieces live in private modules named for their concept and are
re-exported here, so ``from kdbook.variance import X`` is the public path:
``_checks`` (checks that involve several parameters), ``_least_squares``, ``_softmax`` (logistic and
softmax students), ``_moments`` (closed forms of the gradient noise),
``_stationary`` (stationary risk of SGD) and ``_sgd`` (the SGD runners).
"""

from ._checks import lam_values
from ._least_squares import (
    early_stopped_least_squares,
    least_squares_gradients,
    least_squares_loss,
    least_squares_solution,
    least_squares_teachers,
    make_least_squares,
)
from ._moments import kd_second_moment, kd_stationary_point, optimal_distillation_weight
from ._sgd import SGDRun, run_kd_sgd_least_squares, run_kd_sgd_softmax, run_kd_sgd_softmax_teachers
from ._softmax import (
    early_stopped_softmax,
    fit_softmax_regression,
    kd_gradients_logistic,
    kd_gradients_softmax,
    linear_features,
    logistic_gradients,
    softmax_gradients,
    softmax_hessian,
    softmax_loss,
    softmax_probabilities,
)
from ._stationary import (
    StationaryRisk,
    balanced_weight,
    best_weight_for_sgd,
    least_squares_stationary_risk,
    sgd_contraction_factor,
    sgd_stationary_covariance,
    small_step_noise_floor,
)

__all__ = [
    "lam_values",
    "least_squares_gradients",
    "least_squares_loss",
    "least_squares_solution",
    "make_least_squares",
    "least_squares_teachers",
    "early_stopped_least_squares",
    "logistic_gradients",
    "kd_gradients_logistic",
    "softmax_probabilities",
    "softmax_loss",
    "softmax_gradients",
    "softmax_hessian",
    "kd_gradients_softmax",
    "fit_softmax_regression",
    "early_stopped_softmax",
    "linear_features",
    "kd_stationary_point",
    "kd_second_moment",
    "optimal_distillation_weight",
    "sgd_contraction_factor",
    "sgd_stationary_covariance",
    "small_step_noise_floor",
    "balanced_weight",
    "StationaryRisk",
    "least_squares_stationary_risk",
    "best_weight_for_sgd",
    "SGDRun",
    "run_kd_sgd_least_squares",
    "run_kd_sgd_softmax",
    "run_kd_sgd_softmax_teachers",
]

