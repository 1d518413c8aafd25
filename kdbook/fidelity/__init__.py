"""Fidelity: how closely a distilled student matches its teacher.

Stanton et al. (2021) separate two questions that distillation is usually
judged by at once: does the student *generalize* (accuracy on held-out labels)
and does it *match the teacher* (fidelity)? This module measures fidelity and
runs the CPU-scale experiments of the book's chapter on the fidelity gap.

Fidelity metrics, on any arrays of shape ``(n, K)`` (``n`` inputs, ``K``
classes), computed at temperature 1:

* :func:`top1_agreement`: ``(1/n) sum_i 1[argmax_k p_T(x_i) = argmax_k p_S(x_i)]``;
* :func:`predictive_kl`: ``(1/n) sum_i KL(p_T(x_i) || p_S(x_i))`` in nats,
  computed from log-softmax so that logits of size ``1e4`` stay finite.

The book's distillation loss (:func:`distillation_loss`), stated once: the
soft cross-entropy between the teacher's and the student's softmax at
temperature ``T``, multiplied by ``T**2``, with *no* hard-label term,

``L_T(S) = T^2 * (1/n) sum_i sum_k -softmax(t_i / T)_k log softmax(s_i / T)_k``,

where ``t_i`` and ``s_i`` are the teacher's and the student's logits. The
factor ``T**2`` keeps gradient magnitudes comparable across temperatures
(Hinton et al., 2015). It differs from ``T^2`` times the KL divergence only by
the teacher's entropy, a constant, so both have the same gradients.

An ensemble teacher averages its members' probabilities; its "logits" are the
log of that average (:func:`ensemble_log_probabilities`, :class:`Ensemble`),
and at temperature ``T`` it is softened like any other logits.

Torch models are small multilayer perceptrons (:class:`MLP`) in float64,
trained full-batch; every function that draws randomness takes an explicit
``seed`` and seeds a local ``torch.Generator`` (the global torch state is
never touched), so results are deterministic.

The linear contrast (Phuong & Lampert, 2019, Theorem 1): for a linear softmax
student, :func:`linear_distillation_solution` gives the closed form of what
distillation converges to and :func:`train_linear_student` trains it.

The pieces live in private modules named for their concept and are
re-exported here, so ``from kdbook.fidelity import X`` is the public path:
``_checks`` (input checks), ``_metrics`` (agreement, KL, the loss),
``_models`` (MLP, ensemble, training on labels), ``_distill`` (distillation
and sweeps), ``_linear`` (the linear contrast) and ``_by_size`` (fidelity
versus the size of the distillation set).
"""

from ._by_size import linear_fidelity_by_size, mlp_fidelity_by_size

# The module constants stay attributes of kdbook.fidelity (kdbook.explore.fidelity reads AUGMENTATIONS).
from ._distill import AUGMENTATIONS as AUGMENTATIONS
from ._distill import OPTIMIZERS as OPTIMIZERS
from ._distill import (
    DistillationRun,
    augment,
    distill,
    distillation_loss_torch,
    distillation_sweep,
)
from ._linear import fit_linear_teacher, linear_distillation_solution, train_linear_student
from ._metrics import distillation_loss, ensemble_log_probabilities, log_probabilities, predictive_kl, top1_agreement
from ._models import DTYPE as DTYPE
from ._models import (
    MLP,
    Ensemble,
    interpolate_weights,
    make_mlp,
    predict_logits,
    train_classifier,
    train_ensemble,
)

__all__ = [
    "log_probabilities",
    "ensemble_log_probabilities",
    "top1_agreement",
    "predictive_kl",
    "distillation_loss",
    "distillation_loss_torch",
    "MLP",
    "Ensemble",
    "make_mlp",
    "interpolate_weights",
    "train_classifier",
    "train_ensemble",
    "predict_logits",
    "augment",
    "DistillationRun",
    "distill",
    "distillation_sweep",
    "fit_linear_teacher",
    "linear_distillation_solution",
    "train_linear_student",
    "linear_fidelity_by_size",
    "mlp_fidelity_by_size",
]
