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
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from scipy.optimize import minimize
from scipy.special import log_softmax, logsumexp, xlogy
from sklearn.linear_model import LogisticRegression

from ._validation import as_data_matrix, as_float, as_float_array, as_generator, as_int
from .students import distillation_solution

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

DTYPE = torch.float64
OPTIMIZERS = ("adam", "sgd")
AUGMENTATIONS = ("none", "noise", "mixup")


# ---------------------------------------------------------------------------
# Fidelity metrics on plain arrays
# ---------------------------------------------------------------------------


def _as_scores(value, name: str) -> np.ndarray:
    scores = as_float_array(value, name, ndim=2)
    if scores.shape[1] < 2:
        raise ValueError(f"{name} must have shape (n, K) with K >= 2 classes, got shape {scores.shape}")
    return scores


def _as_probability_rows(value, name: str) -> np.ndarray:
    probs = _as_scores(value, name)
    if np.any(probs < 0) or np.any(probs > 1):
        raise ValueError(f"{name} must contain probabilities in [0, 1]")
    if not np.allclose(probs.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError(f"{name} must have rows summing to 1 (probabilities over the K classes)")
    return probs


def _pair(teacher, student) -> tuple[np.ndarray, np.ndarray]:
    teacher = _as_scores(teacher, "teacher")
    student = _as_scores(student, "student")
    if teacher.shape != student.shape:
        raise ValueError(
            f"teacher and student must have the same shape (n, K), got {teacher.shape} and {student.shape}"
        )
    return teacher, student


def _check_temperature(temperature) -> float:
    return as_float(temperature, "temperature", minimum=0.0, strict_minimum=True)


def log_probabilities(logits, temperature: float = 1.0) -> np.ndarray:
    """Log-softmax of ``logits / T``, row by row; shape ``(n, K)``.

    Computed by scipy's ``log_softmax`` (max-shifted), so it is exact for
    logits as large as ``+-1e4``. Log-probabilities are valid logits: passing
    them in returns them unchanged at ``T = 1``.
    """
    logits = _as_scores(logits, "logits")
    temperature = _check_temperature(temperature)
    return log_softmax(logits / temperature, axis=1)


def ensemble_log_probabilities(member_logits) -> np.ndarray:
    """Log of the ensemble's averaged probabilities, ``log((1/M) sum_m softmax(z_m))``.

    Parameters
    ----------
    member_logits : array of shape (M, n, K)
        Logits of ``M`` members on the same ``n`` inputs.

    Returns
    -------
    ndarray of shape (n, K)
        Log-probabilities (usable as the ensemble's logits), computed with
        ``logsumexp`` so that no probability underflows to ``log 0``.
    """
    if np.ndim(member_logits) != 3:
        raise ValueError(
            f"member_logits must have shape (M, n, K) (members, inputs, classes), got {np.shape(member_logits)}"
        )
    member_logits = as_float_array(member_logits, "member_logits", ndim=3)
    if member_logits.shape[2] < 2:
        raise ValueError(f"member_logits must have shape (M, n, K) with K >= 2, got {member_logits.shape}")
    member_log_probs = log_softmax(member_logits, axis=2)
    return logsumexp(member_log_probs, axis=0) - np.log(member_logits.shape[0])


def top1_agreement(teacher, student) -> float:
    """Top-1 agreement ``(1/n) sum_i 1[argmax teacher_i = argmax student_i]``.

    Parameters
    ----------
    teacher, student : arrays of shape (n, K)
        Logits, log-probabilities or probabilities (the argmax is the same for
        all three), one row per input.

    Returns
    -------
    float in ``[0, 1]``; 1 means the student makes the teacher's decision on
    every input.
    """
    teacher, student = _pair(teacher, student)
    return float(np.mean(np.argmax(teacher, axis=1) == np.argmax(student, axis=1)))


def predictive_kl(teacher, student, *, kind: str = "logits") -> float:
    """Mean predictive KL divergence ``(1/n) sum_i KL(p_teacher(x_i) || p_student(x_i))`` in nats.

    Parameters
    ----------
    teacher, student : arrays of shape (n, K)
        Both as logits (any real scores; log-probabilities are logits too) or
        both as probabilities, according to ``kind``.
    kind : {"logits", "probs"}
        With ``"logits"`` the divergence is computed at temperature 1 from
        log-softmax, finite for logits of any size. With ``"probs"`` rows must
        sum to 1; a student probability of exactly 0 where the teacher's is
        positive gives ``inf``, as the KL divergence does.

    Returns
    -------
    float >= 0; 0 exactly when the two predictive distributions coincide.
    """
    if kind not in ("logits", "probs"):
        raise ValueError(f"kind must be 'logits' or 'probs', got {kind!r}")
    if kind == "logits":
        teacher, student = _pair(teacher, student)
        log_p = log_softmax(teacher, axis=1)
        log_q = log_softmax(student, axis=1)
        p = np.exp(log_p)
        per_input = np.sum(p * (log_p - log_q), axis=1)
    else:
        teacher = _as_probability_rows(teacher, "teacher")
        student = _as_probability_rows(student, "student")
        if teacher.shape != student.shape:
            raise ValueError(
                f"teacher and student must have the same shape (n, K), got {teacher.shape} and {student.shape}"
            )
        with np.errstate(divide="ignore"):
            per_input = np.sum(xlogy(teacher, teacher) - xlogy(teacher, student), axis=1)
    # Rounding can leave -1e-17 where the exact value is 0.
    return float(max(np.mean(per_input), 0.0))


def distillation_loss(student_logits, teacher_logits, temperature: float = 4.0) -> float:
    """The book's distillation loss: ``T^2`` times the soft cross-entropy at temperature ``T``.

    ``L_T = T^2 * (1/n) sum_i sum_k -softmax(t_i/T)_k log softmax(s_i/T)_k``
    (Hinton et al., 2015, with the hard-label term switched off, as in
    Stanton et al., 2021). Equal to ``T^2 * (KL + teacher entropy)``, so it is
    minimized exactly when the student's tempered distribution equals the
    teacher's.

    Parameters
    ----------
    student_logits, teacher_logits : arrays of shape (n, K)
    temperature : float > 0, default 4 (the default of Stanton et al.)
    """
    teacher_logits, student_logits = _pair(teacher_logits, student_logits)
    temperature = _check_temperature(temperature)
    log_q = log_softmax(student_logits / temperature, axis=1)
    p = np.exp(log_softmax(teacher_logits / temperature, axis=1))
    return float(temperature**2 * np.mean(-np.sum(p * log_q, axis=1)))


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------


def _check_hidden(hidden) -> tuple:
    if isinstance(hidden, (str, bytes)):
        raise TypeError("hidden must be a sequence of layer widths, e.g. (64,)")
    try:
        widths = tuple(hidden)
    except TypeError:
        raise TypeError(f"hidden must be a sequence of layer widths, got {type(hidden).__name__}") from None
    return tuple(as_int(width, "hidden (each width)", minimum=1) for width in widths)


@contextlib.contextmanager
def _one_thread():
    """Run torch on one thread, restoring the previous setting afterwards.

    The book's networks are tiny (tens of thousands of weights): splitting
    their matrix products across threads costs more in synchronization than it
    saves, and on a busy 2-core machine it can be several times slower.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _torch_generator(seed, name: str = "seed") -> torch.Generator:
    rng = as_generator(seed, name)
    generator = torch.Generator()
    generator.manual_seed(int(rng.integers(0, 2**62)))
    return generator


class MLP(torch.nn.Module):
    """A ReLU multilayer perceptron ``d -> hidden... -> K`` returning logits (float64).

    Build it with :func:`make_mlp`, which initializes the weights from a seed.
    """

    def __init__(self, n_features: int, n_classes: int, hidden=(64,)):
        super().__init__()
        self.n_features = as_int(n_features, "n_features", minimum=1)
        self.n_classes = as_int(n_classes, "n_classes", minimum=2)
        self.hidden = _check_hidden(hidden)
        widths = (self.n_features, *self.hidden, self.n_classes)
        layers: list[torch.nn.Module] = []
        # torch.nn.Linear draws a default initialization from the global torch
        # generator; fork it so that building a model leaves the global state
        # untouched (make_mlp then sets the weights from its own generator).
        with torch.random.fork_rng(devices=[]):
            for index, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
                layers.append(torch.nn.Linear(fan_in, fan_out, dtype=DTYPE))
                if index < len(widths) - 2:
                    layers.append(torch.nn.ReLU())
        self.net = torch.nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    @property
    def architecture(self) -> tuple:
        """``(d, *hidden, K)``."""
        return (self.n_features, *self.hidden, self.n_classes)


class Ensemble(torch.nn.Module):
    """An ensemble whose output is the log of its members' averaged probabilities.

    ``forward(x) = log((1/M) sum_m softmax(member_m(x)))``, shape ``(n, K)``: the
    ensemble teacher of Stanton et al. (2021).
    """

    def __init__(self, members):
        super().__init__()
        members = list(members)
        if len(members) < 1:
            raise ValueError("members must contain at least one model")
        for member in members:
            if not isinstance(member, torch.nn.Module):
                raise TypeError(f"members must be torch modules, got {type(member).__name__}")
        self.members = torch.nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        log_probs = torch.stack([torch.log_softmax(member(x), dim=1) for member in self.members])
        return torch.logsumexp(log_probs, dim=0) - np.log(len(self.members))


def make_mlp(n_features: int, n_classes: int, *, hidden=(64,), seed) -> MLP:
    """A freshly initialized :class:`MLP`.

    Weights and biases are drawn uniformly from ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``
    (the default scale of ``torch.nn.Linear``) with a local generator seeded by
    ``seed``.
    """
    model = MLP(n_features, n_classes, hidden)
    generator = _torch_generator(seed)
    with torch.no_grad():
        for layer in model.net:
            if isinstance(layer, torch.nn.Linear):
                bound = 1.0 / np.sqrt(layer.in_features)
                for parameter in (layer.weight, layer.bias):
                    parameter.copy_((2 * torch.rand(parameter.shape, generator=generator, dtype=DTYPE) - 1) * bound)
    return model


def interpolate_weights(start: MLP, target: MLP, alpha: float) -> MLP:
    """A new MLP with weights ``(1 - alpha) * start + alpha * target``.

    ``alpha = 0`` copies ``start`` (a random initialization), ``alpha = 1``
    copies ``target`` (the teacher). Both must have the same architecture.
    """
    alpha = as_float(alpha, "alpha", minimum=0.0, maximum=1.0)
    for model, name in ((start, "start"), (target, "target")):
        if not isinstance(model, MLP):
            raise TypeError(f"{name} must be a kdbook.fidelity.MLP, got {type(model).__name__}")
    if start.architecture != target.architecture:
        raise ValueError(
            f"start and target must have the same architecture, got {start.architecture} and {target.architecture}"
        )
    model = MLP(start.n_features, start.n_classes, start.hidden)
    target_state = target.state_dict()
    mixed = {key: (1 - alpha) * value + alpha * target_state[key] for key, value in start.state_dict().items()}
    model.load_state_dict(mixed)
    return model


def _check_labels(y, n: int, name: str) -> np.ndarray:
    labels = np.asarray(y)
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},), one label per row, got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"{name} must contain integer class labels 0, ..., K - 1, got dtype {labels.dtype}")
    if np.any(labels < 0):
        raise ValueError(f"{name} must contain class labels >= 0")
    return labels.astype(np.int64)


def _tensor(X) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(X), dtype=DTYPE)


def train_classifier(
    X, y, *, hidden=(64,), n_classes: int | None = None, steps: int = 300, lr: float = 0.01,
    weight_decay: float = 1e-4, seed,
) -> MLP:
    """Train an :class:`MLP` on hard labels: full-batch Adam on the cross-entropy.

    Parameters
    ----------
    X : array of shape (n, d)
    y : int array of shape (n,), labels in ``0, ..., K - 1``
    hidden : sequence of int, default (64,)
    n_classes : int, optional
        ``K``; default ``max(y) + 1``.
    steps : int >= 1
    lr : float > 0
    weight_decay : float >= 0 (Adam's L2 penalty)
    seed : int or numpy.random.Generator (initialization)

    Returns
    -------
    MLP, in evaluation mode.
    """
    X = as_data_matrix(X, "X")
    labels = _check_labels(y, X.shape[0], "y")
    n_classes = int(labels.max()) + 1 if n_classes is None else as_int(n_classes, "n_classes", minimum=2)
    if labels.max() >= n_classes:
        raise ValueError(f"y must contain labels below n_classes = {n_classes}, got {labels.max()}")
    steps = as_int(steps, "steps", minimum=1)
    lr = as_float(lr, "lr", minimum=0.0, strict_minimum=True)
    weight_decay = as_float(weight_decay, "weight_decay", minimum=0.0)
    model = make_mlp(X.shape[1], max(n_classes, 2), hidden=hidden, seed=seed)
    inputs, targets = _tensor(X), torch.as_tensor(labels)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    with _one_thread():
        for _ in range(steps):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
    return model.eval()


def train_ensemble(X, y, *, members: int = 3, seed, **kwargs) -> Ensemble:
    """An :class:`Ensemble` of ``members`` MLPs trained by :func:`train_classifier`.

    The members differ only in their initialization; their seeds are drawn
    from ``seed``. Other keyword arguments go to :func:`train_classifier`.
    """
    members = as_int(members, "members", minimum=1)
    rng = as_generator(seed, "seed")
    seeds = rng.integers(0, 2**31 - 1, size=members)
    return Ensemble([train_classifier(X, y, seed=int(s), **kwargs) for s in seeds]).eval()


def _check_teacher(teacher):
    if not callable(teacher):
        raise TypeError(
            f"teacher must be callable (a torch module mapping inputs to logits), got {type(teacher).__name__}"
        )
    return teacher


def predict_logits(model, X) -> np.ndarray:
    """The model's logits on ``X`` (shape ``(n, d)``) as a float64 array of shape ``(n, K)``.

    ``model`` is any callable mapping a float64 tensor of inputs to logits or
    log-probabilities (an :class:`MLP`, an :class:`Ensemble`, ...).
    """
    model = _check_teacher(model)
    X = as_data_matrix(X, "X")
    with torch.no_grad():
        out = model(_tensor(X))
    out = out.detach().numpy().astype(np.float64) if isinstance(out, torch.Tensor) else np.asarray(out, np.float64)
    if out.ndim != 2 or out.shape[0] != X.shape[0]:
        raise ValueError(f"model must return logits of shape (n, K) = ({X.shape[0]}, K), got shape {out.shape}")
    return out


# ---------------------------------------------------------------------------
# Distillation
# ---------------------------------------------------------------------------


def augment(X, *, kind: str, seed, noise_std: float = 0.5, mixup_alpha: float = 1.0) -> np.ndarray:
    """New distillation inputs made from ``X`` (shape ``(n, d)``), one per row.

    * ``"noise"``: ``x_i + noise_std * z`` with ``z ~ N(0, I)``;
    * ``"mixup"``: ``lam * x_i + (1 - lam) * x_j`` with ``j`` a random partner
      and ``lam ~ Beta(mixup_alpha, mixup_alpha)`` (Zhang et al., 2018);
    * ``"none"``: a copy of ``X``.

    The teacher labels the new inputs; the student never sees true labels.
    """
    X = as_data_matrix(X, "X")
    if kind not in AUGMENTATIONS:
        raise ValueError(f"kind must be one of {AUGMENTATIONS}, got {kind!r}")
    noise_std = as_float(noise_std, "noise_std", minimum=0.0)
    mixup_alpha = as_float(mixup_alpha, "mixup_alpha", minimum=0.0, strict_minimum=True)
    rng = as_generator(seed, "seed")
    return _augment(X, kind, rng, noise_std, mixup_alpha)


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


def distillation_loss_torch(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float):
    """:func:`distillation_loss` on torch tensors of shape ``(n, K)``, differentiable in ``student_logits``.

    Used by :func:`distill`; ``teacher_logits`` should carry no gradient
    (compute them under ``torch.no_grad()`` or ``.detach()`` them).
    """
    if not isinstance(student_logits, torch.Tensor) or not isinstance(teacher_logits, torch.Tensor):
        raise TypeError("student_logits and teacher_logits must be torch tensors")
    if student_logits.ndim != 2 or student_logits.shape != teacher_logits.shape:
        raise ValueError(
            "student_logits and teacher_logits must have the same shape (n, K), "
            f"got {tuple(student_logits.shape)} and {tuple(teacher_logits.shape)}"
        )
    temperature = _check_temperature(temperature)
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


def distill(
    teacher,
    X_distill,
    *,
    X_test,
    y_distill=None,
    y_test=None,
    temperature: float = 4.0,
    steps: int = 1000,
    optimizer: str = "adam",
    lr: float | None = None,
    augmentation: str = "none",
    noise_std: float = 0.5,
    mixup_alpha: float = 1.0,
    init_alpha: float = 0.0,
    hidden=None,
    record_every: int = 50,
    seed,
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
    hidden : sequence of int, optional
        The student's hidden widths; default the teacher's (or its members').
    record_every : int >= 1
        Record fidelity every ``record_every`` steps (and at step 0 and the end).
    seed : int or numpy.random.Generator
        Student initialization and augmentation draws.

    Returns
    -------
    DistillationRun
    """
    teacher = _check_teacher(teacher)
    X_distill = as_data_matrix(X_distill, "X_distill")
    X_test = as_data_matrix(X_test, "X_test", d=X_distill.shape[1])
    y_distill = None if y_distill is None else _check_labels(y_distill, X_distill.shape[0], "y_distill")
    y_test = None if y_test is None else _check_labels(y_test, X_test.shape[0], "y_test")
    temperature = _check_temperature(temperature)
    steps = as_int(steps, "steps", minimum=1)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    lr = {"adam": 0.003, "sgd": 0.05}[optimizer] if lr is None else as_float(lr, "lr", minimum=0.0, strict_minimum=True)
    if augmentation not in AUGMENTATIONS:
        raise ValueError(f"augmentation must be one of {AUGMENTATIONS}, got {augmentation!r}")
    noise_std = as_float(noise_std, "noise_std", minimum=0.0)
    mixup_alpha = as_float(mixup_alpha, "mixup_alpha", minimum=0.0, strict_minimum=True)
    init_alpha = as_float(init_alpha, "init_alpha", minimum=0.0, maximum=1.0)
    record_every = as_int(record_every, "record_every", minimum=1)
    rng = as_generator(seed, "seed")

    teacher_distill = predict_logits(teacher, X_distill)
    teacher_test = predict_logits(teacher, X_test)
    n_classes = teacher_distill.shape[1]
    if n_classes < 2:
        raise ValueError("teacher must return logits for K >= 2 classes")
    architecture = _student_architecture(teacher, hidden, X_distill.shape[1], n_classes)
    student = make_mlp(X_distill.shape[1], n_classes, hidden=architecture, seed=rng)
    if init_alpha > 0:
        if not isinstance(teacher, MLP) or teacher.architecture != student.architecture:
            raise ValueError(
                "init_alpha > 0 needs a teacher MLP with the student's architecture "
                f"{student.architecture}; got {type(teacher).__name__}"
            )
        student = interpolate_weights(student, teacher, init_alpha)

    inputs = _tensor(X_distill)
    test_inputs = _tensor(X_test)
    targets = torch.as_tensor(teacher_distill)
    if optimizer == "adam":
        opt = torch.optim.Adam(student.parameters(), lr=lr)
    else:
        opt = torch.optim.SGD(student.parameters(), lr=lr, momentum=0.9, nesterov=True)

    rows = []

    def record(step: int) -> None:
        with torch.no_grad():
            s_distill = student(inputs).numpy()
            s_test = student(test_inputs).numpy()
        row = {
            "step": step,
            "distill_agreement": top1_agreement(teacher_distill, s_distill),
            "distill_kl": predictive_kl(teacher_distill, s_distill),
            "test_agreement": top1_agreement(teacher_test, s_test),
            "test_kl": predictive_kl(teacher_test, s_test),
        }
        if y_distill is not None:
            row["distill_accuracy"] = float(np.mean(np.argmax(s_distill, axis=1) == y_distill))
        if y_test is not None:
            row["test_accuracy"] = float(np.mean(np.argmax(s_test, axis=1) == y_test))
        rows.append(row)

    student.train()
    with _one_thread():
        record(0)
        for step in range(1, steps + 1):
            batch, batch_targets = inputs, targets
            if augmentation != "none":
                extra = _augment(X_distill, augmentation, rng, noise_std, mixup_alpha)
                extra_inputs = _tensor(extra)
                with torch.no_grad():
                    extra_targets = teacher(extra_inputs).to(DTYPE)
                batch = torch.cat([inputs, extra_inputs])
                batch_targets = torch.cat([targets, extra_targets])
            opt.zero_grad()
            loss = distillation_loss_torch(student(batch), batch_targets, temperature)
            loss.backward()
            opt.step()
            if step % record_every == 0 or step == steps:
                record(step)
    settings = {
        "temperature": temperature, "steps": steps, "optimizer": optimizer, "lr": lr,
        "augmentation": augmentation, "noise_std": noise_std, "mixup_alpha": mixup_alpha,
        "init_alpha": init_alpha, "hidden": architecture,
    }
    return DistillationRun(student=student.eval(), history=pd.DataFrame(rows), settings=settings)


def distillation_sweep(parameter: str, values, **kwargs) -> pd.DataFrame:
    """Run :func:`distill` once per value of one parameter; return the final fidelity.

    Parameters
    ----------
    parameter : str
        A keyword of :func:`distill` (``"temperature"``, ``"optimizer"``,
        ``"augmentation"``, ``"init_alpha"``, ``"steps"``, ...).
    values : sequence
        The values to try; every run uses the same ``seed`` (same student
        initialization), so only ``parameter`` changes.
    **kwargs
        The other arguments of :func:`distill` (``teacher``, ``X_distill``,
        ``X_test``, ``seed``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per value: the value (column named ``parameter``) and the last
        row of each run's history.
    """
    allowed = {
        "temperature", "steps", "optimizer", "lr", "augmentation", "noise_std", "mixup_alpha",
        "init_alpha", "hidden", "record_every", "seed",
    }
    if parameter not in allowed:
        raise ValueError(f"parameter must be one of {sorted(allowed)}, got {parameter!r}")
    if parameter in kwargs:
        raise ValueError(f"{parameter} is the swept parameter; do not also pass it as a keyword")
    values = list(values)
    if not values:
        raise ValueError("values must contain at least one value")
    teacher = kwargs.pop("teacher", None)
    X_distill = kwargs.pop("X_distill", None)
    if teacher is None or X_distill is None:
        raise ValueError("teacher and X_distill must be given as keywords")
    rows = []
    for value in values:
        run = distill(teacher, X_distill, **{parameter: value}, **kwargs)
        rows.append({parameter: value, **run.final.to_dict()})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# The linear contrast: Theorem 1 for a softmax student
# ---------------------------------------------------------------------------


def fit_linear_teacher(X, y, *, C: float = 0.1) -> np.ndarray:
    """A linear softmax teacher ``W_*`` (shape ``(K, d)``, no intercept) by scikit-learn.

    Multinomial logistic regression with L2 penalty ``1/C`` (lbfgs, the same
    result every time). Append a column of ones to ``X`` to give the teacher a
    bias. For ``K = 2`` the binary model ``w`` is returned as the rows
    ``(-w/2, w/2)``, whose softmax is ``(1 - sigma(w^T x), sigma(w^T x))``.
    """
    X = as_data_matrix(X, "X")
    labels = _check_labels(y, X.shape[0], "y")
    if np.unique(labels).shape[0] < 2:
        raise ValueError("y must contain at least 2 classes")
    C = as_float(C, "C", minimum=0.0, strict_minimum=True)
    model = LogisticRegression(C=C, fit_intercept=False, max_iter=5000, tol=1e-10)
    model.fit(X, labels)
    W = model.coef_
    if W.shape[0] == 1:
        W = np.vstack([-W[0] / 2, W[0] / 2])
    return W.astype(np.float64)


def linear_distillation_solution(X, W_star) -> np.ndarray:
    """What a linear softmax student distilled from ``W_*`` converges to (from ``W = 0``).

    Theorem 1 of Phuong & Lampert (2019), eq. (6), extended row by row to
    ``K`` classes: with ``C = I - (1/K) 1 1^T`` (which removes a shift common
    to all classes and so changes no prediction), the limit is

    ``W_hat = C W_* P_X``,

    each row the :func:`kdbook.students.distillation_solution` of the
    corresponding row of ``C W_*``. When the rows of ``X`` span ``R^d``
    (``n >= d`` in general position) ``P_X = I`` and the student reproduces the
    teacher's probabilities on *every* input: agreement 1, KL 0.

    Parameters
    ----------
    X : array of shape (n, d)
        Distillation inputs, samples as rows.
    W_star : array of shape (K, d)
        The teacher's weights (logits ``W_* x``).

    Returns
    -------
    ndarray of shape (K, d)
    """
    W_star = as_float_array(W_star, "W_star", ndim=2)
    if W_star.shape[0] < 2:
        raise ValueError(f"W_star must have shape (K, d) with K >= 2 classes, got {W_star.shape}")
    X = as_data_matrix(X, "X", d=W_star.shape[1])
    centered = W_star - W_star.mean(axis=0, keepdims=True)
    return np.vstack([distillation_solution(X, row) if np.any(row) else row for row in centered])


def train_linear_student(
    X, teacher_logits, *, temperature: float = 1.0, max_iter: int = 200, tol: float = 1e-10
) -> np.ndarray:
    """Distill a linear softmax student ``x -> W x`` from the teacher's logits, starting at ``W = 0``.

    Minimizes :func:`distillation_loss` at temperature ``T`` with scipy's
    Newton-CG (exact Hessian-vector products). A second-order method is used
    because a confident teacher saturates the soft labels and first-order
    methods then crawl. Newton-CG builds every step from gradients and
    Hessian-vector products, and each of these has rows in the span of the
    data and columns summing to 0; the iterates therefore stay where gradient
    descent would stay and converge to :func:`linear_distillation_solution`.

    Parameters
    ----------
    X : array of shape (n, d)
    teacher_logits : array of shape (n, K)
        The teacher's logits (or log-probabilities) on the rows of ``X``.
    temperature : float > 0
    max_iter : int >= 1
        Newton iterations.
    tol : float > 0
        scipy's ``xtol``: stop when the Newton step's mean absolute entry is below ``tol``.

    Returns
    -------
    ndarray of shape (K, d)
    """
    X = as_data_matrix(X, "X")
    teacher_logits = _as_scores(teacher_logits, "teacher_logits")
    if teacher_logits.shape[0] != X.shape[0]:
        raise ValueError(
            f"teacher_logits must have one row per row of X (n = {X.shape[0]}), got shape {teacher_logits.shape}"
        )
    temperature = _check_temperature(temperature)
    max_iter = as_int(max_iter, "max_iter", minimum=1)
    tol = as_float(tol, "tol", minimum=0.0, strict_minimum=True)
    n, d = X.shape
    K = teacher_logits.shape[1]
    targets = np.exp(log_softmax(teacher_logits / temperature, axis=1))

    def student_probs(flat):
        return log_softmax(X @ flat.reshape(K, d).T / temperature, axis=1)

    def loss(flat):
        return temperature**2 * float(np.mean(-np.sum(targets * student_probs(flat), axis=1)))

    def gradient(flat):
        q = np.exp(student_probs(flat))
        return (temperature * (q - targets).T @ X / n).ravel()

    def hessian_vector(flat, direction):
        q = np.exp(student_probs(flat))
        u = X @ direction.reshape(K, d).T
        j = q * u - q * np.sum(q * u, axis=1, keepdims=True)
        return (j.T @ X / n).ravel()

    result = minimize(
        loss, np.zeros(K * d), jac=gradient, hessp=hessian_vector, method="Newton-CG",
        options={"xtol": tol, "maxiter": max_iter},
    )
    return result.x.reshape(K, d).copy()


def _check_sizes(sizes, n_total: int) -> np.ndarray:
    values = [as_int(size, "sizes (each)", minimum=1, maximum=n_total) for size in sizes]
    if not values:
        raise ValueError("sizes must contain at least one size")
    if np.any(np.diff(values) <= 0):
        raise ValueError(f"sizes must be strictly increasing, got {values}")
    return np.array(values)


def linear_fidelity_by_size(X_distill, W_star, X_test, sizes, *, temperature: float = 4.0, seed) -> pd.DataFrame:
    """Fidelity of linear softmax students distilled from ``W_*`` on nested subsets of ``X_distill``.

    For each ``n`` in ``sizes`` the student sees the first ``n`` rows of one
    random permutation of ``X_distill`` (so the sets are nested). Both the
    closed form (:func:`linear_distillation_solution`) and the trained student
    (:func:`train_linear_student`) are evaluated on ``X_test``.

    Parameters
    ----------
    X_distill : array of shape (N, d)
    W_star : array of shape (K, d)
    X_test : array of shape (m, d)
    sizes : increasing sequence of int in ``[1, N]``
    temperature : float > 0
        Temperature of the trained student's loss (the closed form does not
        depend on it).
    seed : int or numpy.random.Generator
        The permutation.

    Returns
    -------
    pandas.DataFrame
        Columns ``n``, ``rank`` (of the first ``n`` rows), ``agreement_closed_form``,
        ``agreement_trained``, ``kl_closed_form``, ``kl_trained`` (on ``X_test``)
        and ``relative_error`` ``||W - W_hat|| / ||W_hat||``.
    """
    W_star = as_float_array(W_star, "W_star", ndim=2)
    X_distill = as_data_matrix(X_distill, "X_distill", d=W_star.shape[1])
    X_test = as_data_matrix(X_test, "X_test", d=W_star.shape[1])
    sizes = _check_sizes(sizes, X_distill.shape[0])
    temperature = _check_temperature(temperature)
    order = as_generator(seed, "seed").permutation(X_distill.shape[0])
    teacher_test = X_test @ W_star.T
    rows = []
    for n in sizes:
        X = X_distill[order[:n]]
        closed = linear_distillation_solution(X, W_star)
        trained = train_linear_student(X, X @ W_star.T, temperature=temperature)
        rows.append({
            "n": int(n),
            "rank": int(np.linalg.matrix_rank(X)),
            "agreement_closed_form": top1_agreement(teacher_test, X_test @ closed.T),
            "agreement_trained": top1_agreement(teacher_test, X_test @ trained.T),
            "kl_closed_form": predictive_kl(teacher_test, X_test @ closed.T),
            "kl_trained": predictive_kl(teacher_test, X_test @ trained.T),
            "relative_error": float(np.linalg.norm(trained - closed) / np.linalg.norm(closed)),
        })
    return pd.DataFrame(rows)


def mlp_fidelity_by_size(teacher, X_distill, X_test, sizes, *, seed, **kwargs) -> pd.DataFrame:
    """Final fidelity of MLP students distilled (:func:`distill`) on nested subsets of ``X_distill``.

    The subsets are the first ``n`` rows of one random permutation drawn from
    ``seed`` (the same construction as :func:`linear_fidelity_by_size`); the
    student's initialization also comes from ``seed``. Other keyword arguments
    go to :func:`distill` (``y_distill``, if given, is subset with the inputs).

    Returns
    -------
    pandas.DataFrame
        One row per size: ``n`` and the last row of the run's history.
    """
    X_distill = as_data_matrix(X_distill, "X_distill")
    X_test = as_data_matrix(X_test, "X_test", d=X_distill.shape[1])
    sizes = _check_sizes(sizes, X_distill.shape[0])
    rng = as_generator(seed, "seed")
    order = rng.permutation(X_distill.shape[0])
    student_seed = int(rng.integers(0, 2**31 - 1))
    y_distill = kwargs.pop("y_distill", None)
    if y_distill is not None:
        y_distill = _check_labels(y_distill, X_distill.shape[0], "y_distill")
    rows = []
    for n in sizes:
        subset = order[:n]
        labels = None if y_distill is None else y_distill[subset]
        run = distill(teacher, X_distill[subset], X_test=X_test, y_distill=labels, seed=student_seed, **kwargs)
        rows.append({"n": int(n), **run.final.to_dict()})
    return pd.DataFrame(rows)
