"""Symbolic and autograd checks of the distillation-gradient identity.

For a linear student the gradient of the distillation loss at temperature 1,

    (1 - lam) CE(student, labels) + lam CE(student, teacher probabilities),

equals ``grad f(x) - lam grad f(theta)``, where ``f`` is the hard-label loss
and ``theta`` the teacher (Safaryan, Peste & Alistarh, 2023). The functions
here verify it two independent ways:

* with sympy, for one sample with symbolic weights, features, teacher and
  ``lam`` (logistic student, and softmax student with a small number of
  classes), by simplifying the difference of the two sides to zero;
* with torch autograd, for a minibatch of real numbers, comparing the
  gradient of the loss as written (``torch.nn.functional.cross_entropy`` with
  probability targets) with ``grad f_B(W) - lam grad f_B(Theta)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from ._params import Array, Integer, Real, validate_params

__all__ = [
    "SymbolicIdentity",
    "logistic_kd_identity",
    "softmax_kd_identity",
    "torch_kd_gradient_gap",
]


@dataclass(frozen=True)
class SymbolicIdentity:
    """Result of a sympy check.

    Attributes
    ----------
    kd_gradient : list of sympy expressions
        The gradient of the distillation loss, one entry per weight.
    decomposition : list of sympy expressions
        ``grad f(x) - lam grad f(theta)`` for the same weights.
    differences : list of sympy expressions
        Their simplified differences.
    """

    kd_gradient: list
    decomposition: list
    differences: list

    @property
    def holds(self) -> bool:
        """True when every difference simplifies to exactly zero."""
        return all(sp.simplify(difference) == 0 for difference in self.differences)


def _log_sigmoid(u):
    # log sigma(u) = -log(1 + exp(-u)); log(1 - sigma(u)) = log sigma(-u)
    return -sp.log(1 + sp.exp(-u))


@validate_params(d=Integer(1, 4))
def logistic_kd_identity(d: int = 2) -> SymbolicIdentity:
    """Sympy check for a logistic student ``sigma(w^T z)`` with ``d`` weights.

    Loss of one sample with label ``y`` (a symbol: any value in ``[0, 1]``)
    and teacher ``theta``: ``(1 - lam) CE(sigma(w^T z), y) + lam CE(sigma(w^T z), sigma(theta^T z))``
    with ``CE(s, t) = -t log s - (1 - t) log(1 - s)``. ``d`` is an int in ``[1, 4]``
    (sympy's simplification grows quickly with it).
    """
    w = sp.symbols(f"w0:{d}", real=True)
    theta = sp.symbols(f"theta0:{d}", real=True)
    z = sp.symbols(f"z0:{d}", real=True)
    y, lam = sp.symbols("y lambda", real=True)

    def cross_entropy(weights, target):
        u = sum(wi * zi for wi, zi in zip(weights, z, strict=True))
        return -target * _log_sigmoid(u) - (1 - target) * _log_sigmoid(-u)

    u_teacher = sum(ti * zi for ti, zi in zip(theta, z, strict=True))
    teacher_prob = 1 / (1 + sp.exp(-u_teacher))
    kd_loss = (1 - lam) * cross_entropy(w, y) + lam * cross_entropy(w, teacher_prob)
    v = sp.symbols(f"v0:{d}", real=True)
    hard = cross_entropy(v, y)
    kd_gradient = [sp.diff(kd_loss, wi) for wi in w]
    grad_student = [sp.diff(hard, vi).subs(dict(zip(v, w, strict=True))) for vi in v]
    grad_teacher = [sp.diff(hard, vi).subs(dict(zip(v, theta, strict=True))) for vi in v]
    decomposition = [gs - lam * gt for gs, gt in zip(grad_student, grad_teacher, strict=True)]
    differences = [sp.simplify(sp.expand(sp.powsimp(g - h))) for g, h in zip(kd_gradient, decomposition, strict=True)]
    return SymbolicIdentity(kd_gradient, decomposition, differences)


@validate_params(n_classes=Integer(2, 4), d=Integer(1, 3), label=Integer(0, 3))
def softmax_kd_identity(n_classes: int = 3, d: int = 2, label: int = 0) -> SymbolicIdentity:
    """Sympy check for a softmax student ``softmax(W z)`` with ``K = n_classes`` and ``d`` features.

    The hard label is ``label``; the loss is
    ``(1 - lam) CE(softmax(W z), e_label) + lam CE(softmax(W z), softmax(Theta z))``
    with ``CE(p, q) = -sum_k q_k log p_k``. Each difference is simplified after
    writing the exponentials of the logits as positive symbols.

    Parameters
    ----------
    n_classes : int in [2, 4]; d : int in [1, 3]; label : int in [0, n_classes - 1]
    """
    K = n_classes
    if label > K - 1:
        raise ValueError(f"label must be <= n_classes - 1 = {K - 1}, got {label}")
    lam = sp.Symbol("lambda", real=True)
    z = sp.symbols(f"z0:{d}", real=True)
    W = sp.Matrix(K, d, lambda k, j: sp.Symbol(f"w{k}{j}", real=True))
    Theta = sp.Matrix(K, d, lambda k, j: sp.Symbol(f"theta{k}{j}", real=True))
    V = sp.Matrix(K, d, lambda k, j: sp.Symbol(f"v{k}{j}", real=True))

    def log_probs(M):
        logits = [sum(M[k, j] * z[j] for j in range(d)) for k in range(K)]
        log_norm = sp.log(sum(sp.exp(u) for u in logits))
        return [u - log_norm for u in logits]

    def cross_entropy(M, target):
        return -sum(t * lp for t, lp in zip(target, log_probs(M), strict=True))

    onehot = [1 if k == label else 0 for k in range(K)]
    teacher_logits = [sum(Theta[k, j] * z[j] for j in range(d)) for k in range(K)]
    teacher_norm = sum(sp.exp(u) for u in teacher_logits)
    teacher_probs = [sp.exp(u) / teacher_norm for u in teacher_logits]
    kd_loss = (1 - lam) * cross_entropy(W, onehot) + lam * cross_entropy(W, teacher_probs)
    hard = cross_entropy(V, onehot)
    entries = [(k, j) for k in range(K) for j in range(d)]
    kd_gradient = [sp.diff(kd_loss, W[k, j]) for k, j in entries]
    to_student = {V[k, j]: W[k, j] for k, j in entries}
    to_teacher = {V[k, j]: Theta[k, j] for k, j in entries}
    decomposition = [
        sp.diff(hard, V[k, j]).subs(to_student) - lam * sp.diff(hard, V[k, j]).subs(to_teacher) for k, j in entries
    ]
    differences = [sp.simplify(sp.together(sp.expand(g - h))) for g, h in zip(kd_gradient, decomposition, strict=True)]
    return SymbolicIdentity(kd_gradient, decomposition, differences)


@validate_params(
    W=Array("K", "d"), Theta=Array("K", "d"), Z=Array("n", "d"), y=Array("n", integer=True, low=0),
    lam=Real(0.0, 1.0),
)
def torch_kd_gradient_gap(W, Theta, Z, y, lam: float) -> float:
    """Largest absolute difference between two autograd gradients, in float64.

    * the gradient of the minibatch distillation loss written with
      ``torch.nn.functional.cross_entropy`` (hard labels, and probability
      targets ``softmax(Theta z)``), as a training script would;
    * ``grad f_B(W) - lam grad f_B(Theta)``, each from autograd of the
      hard-label loss alone.

    Parameters
    ----------
    W, Theta : arrays of shape (K, d); Z : array of shape (n, d);
    y : int array of shape (n,), labels in ``0, ..., K - 1``; lam : float in [0, 1]

    Returns
    -------
    float, zero up to rounding when the identity holds.
    """
    import torch
    import torch.nn.functional as F

    from .variance._checks import _check_classes, _check_label_range

    _check_classes(W, "W")
    _check_label_range(y, W.shape[0], "y", "K = W.shape[0]")
    Z_t = torch.tensor(Z, dtype=torch.float64)
    y_t = torch.tensor(y, dtype=torch.int64)

    def hard_gradient(M):
        M_t = torch.tensor(M, dtype=torch.float64, requires_grad=True)
        F.cross_entropy(Z_t @ M_t.T, y_t).backward()
        return M_t.grad.numpy()

    W_t = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        teacher_probs = torch.softmax(Z_t @ torch.tensor(Theta, dtype=torch.float64).T, dim=1)
    logits = Z_t @ W_t.T
    loss = (1 - lam) * F.cross_entropy(logits, y_t) + lam * F.cross_entropy(logits, teacher_probs)
    loss.backward()
    decomposition = hard_gradient(W) - lam * hard_gradient(Theta)
    return float(np.max(np.abs(W_t.grad.numpy() - decomposition)))
