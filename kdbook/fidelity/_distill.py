"""Distillation of an MLP student from any teacher, recording fidelity over training."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from .._params import Array, Instance, Integer, Options, Real, Seed, validate_forwarded, validate_params
from .._params_torch import Model, Tensor
from .._threads import single_threaded
from ._checks import _check_hidden
from ._metrics import predictive_kl, top1_agreement
from ._models import (
    DTYPE,
    MLP,
    Ensemble,
    _tensor,
    interpolate_weights,
    make_mlp,
    model_logits,
)

OPTIMIZERS = ("adam", "sgd")
AUGMENTATIONS = ("none", "noise", "mixup")


@validate_params(
    X=Array("n", "d"), kind=Options(*AUGMENTATIONS), seed=Seed(), noise_std=Real(0.0),
    mixup_alpha=Real(0.0, low_open=True),
)
def augment(X, *, kind: str, seed=0, noise_std: float = 0.5, mixup_alpha: float = 1.0) -> np.ndarray:
    """New distillation inputs made from ``X`` (shape ``(n, d)``), one per row.

    * ``"noise"``: ``x_i + noise_std * z`` with ``z ~ N(0, I)``;
    * ``"mixup"``: ``lam * x_i + (1 - lam) * x_j`` with ``j`` a random partner
      and ``lam ~ Beta(mixup_alpha, mixup_alpha)`` (Zhang et al., 2018);
    * ``"none"``: a copy of ``X``.

    The teacher labels the new inputs; the student never sees true labels.
    ``seed`` (an int >= 0 or a numpy Generator, default 0) drives the draws.
    """
    return _augment(X, kind, seed, noise_std, mixup_alpha)


def _augment(X: np.ndarray, kind: str, rng: np.random.Generator, noise_std: float, mixup_alpha: float) -> np.ndarray:
    if kind == "noise":
        return X + noise_std * rng.standard_normal(X.shape)
    if kind == "mixup":
        lam = rng.beta(mixup_alpha, mixup_alpha, size=(X.shape[0], 1))
        partners = rng.permutation(X.shape[0])
        return lam * X + (1.0 - lam) * X[partners]
    return X.copy()


@dataclass(frozen=True)
class DistillationRun:
    """The result of :func:`distill`.

    Attributes
    ----------
    student : MLP
        The trained student (evaluation mode).
    history : pandas.DataFrame
        One row per recorded step with columns ``step``, ``distill_agreement``,
        ``distill_kl``, ``test_agreement``, ``test_kl`` and, when labels were
        given, ``distill_accuracy`` / ``test_accuracy``. Agreement and KL are
        measured at temperature 1 on the original (un-augmented) inputs.
    settings : dict
        The arguments of the run (temperature, optimizer, ...).
    """

    student: MLP
    history: pd.DataFrame
    settings: dict = field(default_factory=dict)

    @property
    def final(self) -> pd.Series:
        """The last row of :attr:`history`."""
        return self.history.iloc[-1]


@validate_params(
    student_logits=Tensor("n", "classes"), teacher_logits=Tensor("n", "classes"), temperature=Real(0.0, low_open=True)
)
def distillation_loss_torch(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float):
    """:func:`distillation_loss` on torch tensors of shape ``(n, K)``, differentiable in ``student_logits``.

    Used by :func:`distill`; ``teacher_logits`` should carry no gradient
    (compute them under ``torch.no_grad()`` or ``.detach()`` them). Both are
    cast to float64; NaN or inf is refused naming the tensor, as
    :func:`distillation_loss` refuses it.
    """
    targets = torch.softmax(teacher_logits / temperature, dim=1)
    log_q = torch.log_softmax(student_logits / temperature, dim=1)
    return temperature**2 * torch.mean(-torch.sum(targets * log_q, dim=1))


def _student_architecture(teacher, hidden, n_features: int, n_classes: int) -> tuple:
    if hidden is not None:
        return _check_hidden(hidden)
    if isinstance(teacher, MLP):
        return teacher.hidden
    if isinstance(teacher, Ensemble) and isinstance(teacher.members[0], MLP):
        return teacher.members[0].hidden
    raise ValueError("hidden must be given when the teacher is not a kdbook MLP or Ensemble of MLPs")


@validate_params(
    teacher=Model("d"), X_distill=Array("n", "d"), X_test=Array("m", "d"),
    y_distill=Array("n", integer=True, low=0, optional=True), y_test=Array("m", integer=True, low=0, optional=True),
    temperature=Real(0.0, low_open=True), steps=Integer(1), optimizer=Options(*OPTIMIZERS),
    lr=Real(0.0, low_open=True, optional=True), augmentation=Options(*AUGMENTATIONS), noise_std=Real(0.0),
    mixup_alpha=Real(0.0, low_open=True), init_alpha=Real(0.0, 1.0), hidden=Instance(tuple, list, optional=True),
    record_every=Integer(1), seed=Seed(),
)
def distill(
    teacher, X_distill, *, X_test, y_distill=None, y_test=None, temperature: float = 4.0, steps: int = 1000,
    optimizer: str = "adam", lr: float | None = None, augmentation: str = "none", noise_std: float = 0.5,
    mixup_alpha: float = 1.0, init_alpha: float = 0.0, hidden=None, record_every: int = 50, seed=0,
) -> DistillationRun:
    """Train a student MLP by distillation, recording fidelity over training.

    The student minimizes :func:`distillation_loss` (``T^2`` times the soft
    cross-entropy at temperature ``T``, no hard labels) full-batch on the
    distillation set. With augmentation, every step adds ``n`` freshly
    augmented inputs (labelled by the teacher) to the ``n`` original ones.

    Parameters
    ----------
    teacher : callable
        Maps a float64 tensor of shape ``(m, d)`` to logits of shape ``(m, K)``
        (an :class:`MLP`, an :class:`Ensemble`, or your own torch module).
    X_distill : array of shape (n, d)
        The distillation (transfer) inputs.
    X_test : array of shape (m, d)
        Held-out inputs on which fidelity is also recorded.
    y_distill, y_test : int arrays of shape (n,) and (m,), optional
        True labels, used only to record accuracy.
    temperature : float > 0, default 4
    steps : int >= 1
        Optimizer steps (each on the full, possibly augmented, batch).
    optimizer : {"adam", "sgd"}
        Adam, or SGD with Nesterov momentum 0.9.
    lr : float > 0, optional
        Default 0.003 for Adam, 0.05 for SGD.
    augmentation : {"none", "noise", "mixup"}
        See :func:`augment`.
    noise_std : float >= 0, mixup_alpha : float > 0
        Strength of the augmentation.
    init_alpha : float in [0, 1]
        The student starts at ``(1 - init_alpha) * random + init_alpha * teacher``
        (:func:`interpolate_weights`); ``init_alpha > 0`` needs an :class:`MLP`
        teacher of the student's architecture.
    hidden : tuple or list of int, optional
        The student's hidden widths; default the teacher's (or its members').
    record_every : int >= 1
        Record fidelity every ``record_every`` steps (and at step 0 and the end).
    seed : int or numpy.random.Generator, default 0
        Student initialization and augmentation draws.

    Returns
    -------
    DistillationRun
    """
    settings = {
        "temperature": temperature, "steps": steps, "optimizer": optimizer,
        "lr": {"adam": 0.003, "sgd": 0.05}[optimizer] if lr is None else lr, "augmentation": augmentation,
        "noise_std": noise_std, "mixup_alpha": mixup_alpha, "init_alpha": init_alpha,
    }
    teacher_distill = model_logits(teacher, X_distill, "teacher", "X_distill")
    teacher_test = model_logits(teacher, X_test, "teacher", "X_test")
    if teacher_distill.shape[1] < 2:
        raise ValueError("teacher must return logits for K >= 2 classes")
    n_features, n_classes = X_distill.shape[1], teacher_distill.shape[1]
    student = _initial_student(teacher, hidden, n_features, n_classes, settings["init_alpha"], seed)
    settings["hidden"] = student.hidden
    inputs = _tensor(X_distill)
    recorder = _FidelityRecorder(inputs, _tensor(X_test), teacher_distill, teacher_test, y_distill, y_test)
    targets = torch.as_tensor(teacher_distill)
    _train_student(student, teacher, X_distill, inputs, targets, settings, record_every, seed, recorder)
    return DistillationRun(student=student.eval(), history=pd.DataFrame(recorder.rows), settings=settings)


def _initial_student(teacher, hidden, n_features: int, n_classes: int, init_alpha: float, rng) -> MLP:
    """A random student, moved a fraction ``init_alpha`` of the way to the teacher's weights."""
    architecture = _student_architecture(teacher, hidden, n_features, n_classes)
    student = make_mlp(n_features, n_classes, hidden=architecture, seed=rng)
    if init_alpha > 0:
        if not isinstance(teacher, MLP) or teacher.architecture != student.architecture:
            raise ValueError(
                "init_alpha > 0 needs a teacher MLP with the student's architecture "
                f"{student.architecture}; got {type(teacher).__name__}"
            )
        student = interpolate_weights(student, teacher, init_alpha)
    return student


class _FidelityRecorder:
    """One history row per call: agreement and KL on the original inputs (and accuracy, given labels)."""

    def __init__(self, inputs, test_inputs, teacher_distill, teacher_test, y_distill, y_test):
        self.inputs, self.test_inputs = inputs, test_inputs
        self.teacher_distill, self.teacher_test = teacher_distill, teacher_test
        self.y_distill, self.y_test = y_distill, y_test
        self.rows: list[dict] = []

    def __call__(self, student: MLP, step: int) -> None:
        with torch.no_grad():
            s_distill = student(self.inputs).numpy()
            s_test = student(self.test_inputs).numpy()
        row = {
            "step": step,
            "distill_agreement": top1_agreement(self.teacher_distill, s_distill),
            "distill_kl": predictive_kl(self.teacher_distill, s_distill),
            "test_agreement": top1_agreement(self.teacher_test, s_test),
            "test_kl": predictive_kl(self.teacher_test, s_test),
        }
        if self.y_distill is not None:
            row["distill_accuracy"] = float(np.mean(np.argmax(s_distill, axis=1) == self.y_distill))
        if self.y_test is not None:
            row["test_accuracy"] = float(np.mean(np.argmax(s_test, axis=1) == self.y_test))
        self.rows.append(row)


def _train_student(student, teacher, X_distill, inputs, targets, settings: dict, record_every: int, rng, record):
    """Full-batch optimizer steps on the distillation loss, plus fresh augmented inputs at every step.

    ``inputs`` is ``X_distill`` as a tensor; ``record(student, step)`` is called at step 0,
    every ``record_every`` steps and at the end.
    """
    if settings["optimizer"] == "adam":
        opt = torch.optim.Adam(student.parameters(), lr=settings["lr"])
    else:
        opt = torch.optim.SGD(student.parameters(), lr=settings["lr"], momentum=0.9, nesterov=True)
    augmentation, steps = settings["augmentation"], settings["steps"]
    student.train()
    with single_threaded():
        record(student, 0)
        for step in range(1, steps + 1):
            batch, batch_targets = inputs, targets
            if augmentation != "none":
                extra = _augment(X_distill, augmentation, rng, settings["noise_std"], settings["mixup_alpha"])
                extra_inputs = _tensor(extra)
                with torch.no_grad():
                    extra_targets = teacher(extra_inputs).to(DTYPE)
                batch = torch.cat([inputs, extra_inputs])
                batch_targets = torch.cat([targets, extra_targets])
            opt.zero_grad()
            loss = distillation_loss_torch(student(batch), batch_targets, settings["temperature"])
            loss.backward()
            opt.step()
            if step % record_every == 0 or step == steps:
                record(student, step)


#: The keywords of :func:`distill` that :func:`distillation_sweep` can sweep.
_SWEEPABLE = (
    "temperature", "steps", "optimizer", "lr", "augmentation", "noise_std", "mixup_alpha",
    "init_alpha", "hidden", "record_every", "seed",
)


@validate_params(parameter=Options(*_SWEEPABLE), values=Instance(list, tuple, np.ndarray))
def distillation_sweep(parameter: str, values, **kwargs) -> pd.DataFrame:
    """Run :func:`distill` once per value of one parameter; return the final fidelity.

    Parameters
    ----------
    parameter : str
        A keyword of :func:`distill` (``"temperature"``, ``"optimizer"``,
        ``"augmentation"``, ``"init_alpha"``, ``"steps"``, ...).
    values : list, tuple or 1-D array
        The values to try, each checked as :func:`distill` checks
        ``parameter``; every run uses the same ``seed`` (same student
        initialization), so only ``parameter`` changes.
    **kwargs
        The other arguments of :func:`distill` (``teacher``, ``X_distill``,
        ``X_test``, ``seed``, ...), checked as :func:`distill` checks them.

    Returns
    -------
    pandas.DataFrame
        One row per value: the value (column named ``parameter``) and the last
        row of each run's history.
    """
    if parameter in kwargs:
        raise ValueError(f"{parameter} is the swept parameter; do not also pass it as a keyword")
    values = list(values)
    if not values:
        raise ValueError("values must contain at least one value")
    if kwargs.get("teacher") is None or kwargs.get("X_distill") is None:
        raise ValueError("teacher and X_distill must be given as keywords")
    dims: dict = {}
    kwargs = validate_forwarded(distill, kwargs, dims)
    teacher, X_distill = kwargs.pop("teacher"), kwargs.pop("X_distill")
    # Each value is checked before any run starts, so a bad last value does not cost the first runs.
    swept = [validate_forwarded(distill, {parameter: value}, dict(dims))[parameter] for value in values]
    rows = []
    for value, checked in zip(values, swept, strict=True):
        run = distill(teacher, X_distill, **{parameter: checked}, **kwargs)
        rows.append({parameter: value, **run.final.to_dict()})
    return pd.DataFrame(rows)
