"""Small float64 torch models: the MLP, the ensemble teacher, and their training on hard labels.

Every function that draws randomness takes an explicit ``seed`` and seeds a
local ``torch.Generator``: the global torch state is never touched.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from .._params import Anything, Array, Instance, Integer, Real, Seed, validate_forwarded, validate_params
from .._params_torch import Model, Tensor, input_features
from .._threads import single_threaded
from .._validation import as_int
from ._checks import _check_hidden

DTYPE = torch.float64

#: Hidden layer widths, e.g. ``(64,)``; each width (an int >= 1) is checked by the body (or by :class:`MLP`).
_HIDDEN = Instance(tuple, list)
#: Class labels ``0, ..., K - 1``, one per row.
_LABELS = Array("n", integer=True, low=0)


def _torch_generator(rng: np.random.Generator) -> torch.Generator:
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
        if isinstance(hidden, (str, bytes)):
            raise TypeError("hidden must be a sequence of layer widths, e.g. (64,)")
        try:
            widths = tuple(hidden)
        except TypeError:
            raise TypeError(f"hidden must be a sequence of layer widths, got {type(hidden).__name__}") from None
        self.hidden = _check_hidden(widths)
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

    @validate_params(self=Anything(), x=Tensor(...))
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of shape ``(..., K)`` for inputs ``x`` of shape ``(..., d)`` (cast to float64)."""
        _check_features(x, self.n_features)
        return self.net(x)

    @property
    def architecture(self) -> tuple:
        """``(d, *hidden, K)``."""
        return (self.n_features, *self.hidden, self.n_classes)


def _check_features(x: torch.Tensor, features: int | None) -> None:
    if features is not None and (x.ndim == 0 or x.shape[-1] != features):
        raise ValueError(f"x must have {features} features along its last axis, got shape {tuple(x.shape)}")


class Ensemble(torch.nn.Module):
    """An ensemble whose output is the log of its members' averaged probabilities.

    ``forward(x) = log((1/M) sum_m softmax(member_m(x)))``, shape ``(n, K)``: the
    ensemble teacher of Stanton et al. (2021).
    """

    @validate_params(self=Anything(), members=Instance(Iterable))
    def __init__(self, members):
        super().__init__()
        members = list(members)
        if len(members) < 1:
            raise ValueError("members must contain at least one model")
        for member in members:
            if not isinstance(member, torch.nn.Module):
                raise TypeError(f"members must be torch modules, got {type(member).__name__}")
        sizes = {input_features(member) for member in members} - {None}
        if len(sizes) > 1:
            raise ValueError(f"members must all take the same number of input features, got {sorted(sizes)}")
        self.members = torch.nn.ModuleList(members)

    @property
    def n_features(self) -> int | None:
        """The members' input size ``d`` when they state it (kdbook MLPs), else None."""
        sizes = {input_features(member) for member in self.members}
        return sizes.pop() if len(sizes) == 1 else None

    @validate_params(self=Anything(), x=Tensor(...))
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Log of the averaged member probabilities, shape ``(..., K)``, for ``x`` of shape ``(..., d)``."""
        _check_features(x, self.n_features)
        log_probs = torch.stack([torch.log_softmax(member(x), dim=1) for member in self.members])
        return torch.logsumexp(log_probs, dim=0) - np.log(len(self.members))


@validate_params(n_features=Integer(1), n_classes=Integer(2), hidden=_HIDDEN, seed=Seed())
def make_mlp(n_features: int, n_classes: int, *, hidden=(64,), seed=0) -> MLP:
    """A freshly initialized :class:`MLP`.

    Weights and biases are drawn uniformly from ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``
    (the default scale of ``torch.nn.Linear``) with a local generator seeded by
    ``seed`` (an int >= 0 or a numpy Generator, default 0); ``hidden`` is a
    tuple or list of widths.
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


@validate_params(start=Instance(MLP), target=Instance(MLP), alpha=Real(0.0, 1.0))
def interpolate_weights(start: MLP, target: MLP, alpha: float) -> MLP:
    """A new MLP with weights ``(1 - alpha) * start + alpha * target``.

    ``alpha = 0`` copies ``start`` (a random initialization), ``alpha = 1``
    copies ``target`` (the teacher). Both must have the same architecture.
    """
    if start.architecture != target.architecture:
        raise ValueError(
            f"start and target must have the same architecture, got {start.architecture} and {target.architecture}"
        )
    model = MLP(start.n_features, start.n_classes, start.hidden)
    target_state = target.state_dict()
    mixed = {key: (1 - alpha) * value + alpha * target_state[key] for key, value in start.state_dict().items()}
    model.load_state_dict(mixed)
    return model


def _tensor(X) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(X), dtype=DTYPE)


@validate_params(
    X=Array("n", "d"), y=_LABELS, hidden=_HIDDEN, n_classes=Integer(2, optional=True), steps=Integer(1),
    lr=Real(0.0, low_open=True), weight_decay=Real(0.0), seed=Seed(),
)
def train_classifier(
    X, y, *, hidden=(64,), n_classes: int | None = None, steps: int = 300, lr: float = 0.01,
    weight_decay: float = 1e-4, seed=0,
) -> MLP:
    """Train an :class:`MLP` on hard labels: full-batch Adam on the cross-entropy.

    Parameters
    ----------
    X : array of shape (n, d)
    y : int array of shape (n,), labels in ``0, ..., K - 1``
    hidden : tuple or list of int >= 1, default (64,)
    n_classes : int, optional
        ``K``; default ``max(y) + 1``.
    steps : int >= 1
    lr : float > 0
    weight_decay : float >= 0 (Adam's L2 penalty)
    seed : int or numpy.random.Generator, default 0 (initialization)

    Returns
    -------
    MLP, in evaluation mode.
    """
    n_classes = int(y.max()) + 1 if n_classes is None else n_classes
    if y.max() >= n_classes:
        raise ValueError(f"y must contain labels below n_classes = {n_classes}, got {y.max()}")
    model = make_mlp(X.shape[1], max(n_classes, 2), hidden=hidden, seed=seed)
    inputs, targets = _tensor(X), torch.as_tensor(y)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    with single_threaded():
        for _ in range(steps):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
    return model.eval()


@validate_params(X=Array("n", "d"), y=_LABELS, members=Integer(1), seed=Seed())
def train_ensemble(X, y, *, members: int = 3, seed=0, **kwargs) -> Ensemble:
    """An :class:`Ensemble` of ``members`` MLPs trained by :func:`train_classifier`.

    The members differ only in their initialization; their seeds are drawn
    from ``seed`` (default 0). Other keyword arguments go to :func:`train_classifier`
    (and are checked as it checks them).
    """
    kwargs = validate_forwarded(train_classifier, kwargs)
    seeds = seed.integers(0, 2**31 - 1, size=members)
    return Ensemble([train_classifier(X, y, seed=int(s), **kwargs) for s in seeds]).eval()


@validate_params(model=Model("d"), X=Array("n", "d"))
def predict_logits(model, X) -> np.ndarray:
    """The model's logits on ``X`` (shape ``(n, d)``) as a float64 array of shape ``(n, K)``.

    ``model`` is any callable mapping a float64 tensor of inputs to logits or
    log-probabilities (an :class:`MLP`, an :class:`Ensemble`, ...); one that
    states its input size (``n_features``) must match ``X``.
    """
    return model_logits(model, X, "model", "X")


def model_logits(model, X: np.ndarray, model_name: str, X_name: str) -> np.ndarray:
    """:func:`predict_logits` with the caller's names in its errors (``teacher`` and ``X_distill``, say)."""
    try:
        with torch.no_grad():
            out = model(_tensor(X))
    except RuntimeError as error:  # torch's shape error from a model that does not state its input size
        raise ValueError(f"{model_name} cannot be applied to {X_name} of shape {X.shape}: {error}") from error
    out = out.detach().numpy().astype(np.float64) if isinstance(out, torch.Tensor) else np.asarray(out, np.float64)
    if out.ndim != 2 or out.shape[0] != X.shape[0]:
        raise ValueError(
            f"{model_name} must return logits of shape (n, K) = ({X.shape[0]}, K) on {X_name}, got shape {out.shape}"
        )
    return out
