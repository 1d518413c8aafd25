"""The optimizers behind :func:`kdbook.students.train_student`, one function each.

Every runner receives a :class:`_Run` built (and validated) by ``train_student``
and appends to its history; none validates again. ``gap`` is the stopping
test: the relative distance to the closed-form limit for a shallow student,
a relative gradient norm for a deep one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit


@dataclass
class _Run:
    X: np.ndarray
    y: np.ndarray  # soft labels sigma(X w_*), eq. (1)
    logits: np.ndarray  # the teacher's logits X w_*: the accurate loss needs them
    entropy: float  # L^* of eq. (1)
    w_hat: np.ndarray
    limit: np.ndarray | None  # where a shallow student must end: w_hat + (I - P) w(0)
    project: object  # v -> P_X v
    factors: list  # torch tensors W_1 .. W_N
    lr: float
    tol: float | None  # None: run every step (the dynamics), else stop at gap <= tol
    callback: object = None
    callback_every: int = 100
    total: int = 0  # the step count a progress bar shows
    history: dict = field(default_factory=lambda: {"step": [], "loss": [], "distance": [], "orthogonal": []})
    _gradient_at_zero: float | None = field(default=None, repr=False)  # ||grad L^1(0)||, the deep test's scale

    def record(self, loss: float, w: np.ndarray) -> None:
        h = self.history
        h["step"].append(len(h["step"]))
        h["loss"].append(max(float(loss), 0.0))
        h["distance"].append(float(np.linalg.norm(w - self.w_hat)))
        h["orthogonal"].append(float(np.linalg.norm(w - self.project(w))))

    def record_many(self, losses, W: np.ndarray) -> None:
        """:meth:`record` for a block of iterates ``W`` (k, d): one matrix product projects them all."""
        h = self.history
        start = len(h["step"])
        h["step"].extend(range(start, start + len(losses)))
        h["loss"].extend(max(float(v), 0.0) for v in losses)
        h["distance"].extend(np.linalg.norm(W - self.w_hat, axis=1).tolist())
        h["orthogonal"].extend(np.linalg.norm(W - self.project(W.T).T, axis=1).tolist())

    def notify(self, k: int) -> None:
        if self.callback is not None and (k % self.callback_every == 0 or k == self.total):
            self.callback(k, self.total)

    def gap(self, w: np.ndarray) -> float:
        """Relative distance to the limit (N = 1) or relative gradient norm (N >= 2)."""
        if self.limit is not None:
            return float(np.linalg.norm(w - self.limit) / max(np.linalg.norm(self.limit), 1e-300))
        n = self.X.shape[0]
        if self._gradient_at_zero is None:
            self._gradient_at_zero = max(float(np.linalg.norm(self.X.T @ (0.5 - self.y) / n)), 1e-300)
        gradient = self.X.T @ (expit(self.X @ w) - self.y) / n
        return float(np.linalg.norm(gradient) / self._gradient_at_zero)

    def done(self, w: np.ndarray) -> bool:
        return self.tol is not None and self.gap(w) <= self.tol


def _torch_loss(torch, factors, X_t, y_t, entropy: float):
    """``L^1`` of eq. (1) for the product of ``factors``, as a torch scalar."""
    row = factors[-1]
    for factor in reversed(factors[:-1]):
        row = row @ factor
    logits = X_t @ row[0]
    # -y log s - (1 - y) log(1 - s) = softplus(z) - y z, minus L^* (eq. 1).
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, y_t) - entropy, row[0]


def run_gd(run: _Run, steps: int) -> None:
    """Gradient descent on the factors (eq. 2), the finite-step version of the flow (eq. 3)."""
    import torch

    X_t, y_t = torch.from_numpy(run.X), torch.from_numpy(run.y)
    for k in range(steps + 1):
        loss, row = _torch_loss(torch, run.factors, X_t, y_t, run.entropy)
        w = row.detach().numpy()
        run.record(float(loss.detach()), w)
        if k == steps or run.done(w):
            break
        grads = torch.autograd.grad(loss, run.factors)
        with torch.no_grad():
            for factor, grad in zip(run.factors, grads, strict=True):
                factor -= run.lr * grad
        run.notify(k + 1)


def run_lbfgs_torch(run: _Run, steps: int) -> None:
    """torch's L-BFGS with a strong-Wolfe line search (N = 1): its steps stay in w(0) + span(X)."""
    import torch

    X_t, y_t = torch.from_numpy(run.X), torch.from_numpy(run.y)
    solver = torch.optim.LBFGS(
        run.factors, lr=run.lr, max_iter=1, max_eval=30, history_size=50,
        tolerance_grad=1e-15, tolerance_change=1e-18, line_search_fn="strong_wolfe",
    )

    def closure():
        solver.zero_grad()
        value, _ = _torch_loss(torch, run.factors, X_t, y_t, run.entropy)
        value.backward()
        return value

    for k in range(steps + 1):
        with torch.no_grad():
            loss, row = _torch_loss(torch, run.factors, X_t, y_t, run.entropy)
        w = row.detach().numpy()
        run.record(float(loss.detach()), w)
        if k == steps or run.done(w):
            break
        solver.step(closure)
        run.notify(k + 1)


def run_newton(run: _Run, steps: int, basis: np.ndarray, *, first_step: float = 1.0) -> int:
    """Damped Newton steps restricted to span(X) (eq. 9's Hessian), Armijo backtracking (N = 1).

    Returns the number of steps taken. The iterates never leave
    ``w(0) + span(X)``: every step is ``basis @ (coordinates)``.
    """
    row = run.factors[0].detach().numpy()[0].copy()
    reduced = run.X @ basis  # (n, rank): the data in coordinates of span(X)
    n = run.X.shape[0]
    taken = 0
    for k in range(steps):
        if run.done(row):
            break
        probabilities = expit(run.X @ row)
        gradient = reduced.T @ (probabilities - run.y) / n
        hessian = (reduced.T * (probabilities * (1 - probabilities))) @ reduced / n
        # The restricted Hessian is positive definite unless the teacher is so hot that
        # sigma' underflows; then Newton cannot move and the gap test reports it.
        try:
            step = -np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            break
        decrement = -float(gradient @ step)
        size = first_step if k == 0 else 1.0
        loss = _divergence_loss(run.X @ row, run.logits)
        if decrement > 1e-24:  # Armijo on the accurate loss, so the test still works near the optimum
            while size > 1e-12:
                trial = row + size * (basis @ step)
                if _divergence_loss(run.X @ trial, run.logits) <= loss - 1e-4 * size * decrement:
                    break
                size /= 2
        row = row + size * (basis @ step)
        taken += 1
        run.record(_divergence_loss(run.X @ row, run.logits), row)
        run.notify(len(run.history["step"]) - 1)
    _set_row(run, row)
    return taken


def run_lbfgsb(run: _Run, steps: int) -> int:
    """scipy's L-BFGS-B on ``L^1`` written as a mean of KL divergences (N = 1); returns iterations.

    ``L^1(w) = (1/n) sum_i KL(Bern(sigma(t_i)) || Bern(sigma(z_i)))`` with
    teacher logits ``t = X w_*`` and student logits ``z = X w``. Computed as a
    difference of cross-entropies it is only resolved to about ``1e-16``, so a
    line search cannot tell iterates apart once ``||w - w_hat|| ~ 1e-8``;
    :func:`_divergence` keeps full relative precision there. From ``w(0)``
    every L-BFGS step is a combination of gradients ``X^T r``, so the iterates
    stay in ``w(0) + span(X)`` and converge to the limit of Theorem 1.
    """
    from scipy.optimize import minimize

    n = run.X.shape[0]
    w0 = run.factors[0].detach().numpy()[0].copy()
    run.record(_divergence_loss(run.X @ w0, run.logits), w0)
    count = [0]
    # Iterates are recorded in blocks: projecting 64 at once (a matrix product) costs
    # about what one projection per iteration (two matrix-vector products) would.
    block_losses, block = [], []

    def flush():
        if block:
            run.record_many(block_losses, np.array(block))
            block_losses.clear()
            block.clear()

    def value_and_gradient(w):
        divergence, residual = _divergence(run.X @ w, run.logits)
        return float(np.mean(divergence)), run.X.T @ residual / n

    def watch(intermediate_result):
        count[0] += 1
        block_losses.append(intermediate_result.fun)
        block.append(intermediate_result.x.copy())
        if len(block) == 64:
            flush()
        run.notify(count[0])
        if run.done(intermediate_result.x):
            raise StopIteration

    result = minimize(value_and_gradient, w0, jac=True, method="L-BFGS-B", callback=watch,
                      options={"maxiter": steps, "ftol": 0.0, "gtol": 0.0, "maxcor": 10})
    flush()
    _set_row(run, result.x)
    return count[0]


def _set_row(run: _Run, w: np.ndarray) -> None:
    import torch

    with torch.no_grad():
        run.factors[0][0] = torch.from_numpy(np.asarray(w, dtype=np.float64))


def _divergence(z: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``KL(Bern(sigma(t)) || Bern(sigma(z)))`` per point and its derivative ``sigma(z) - sigma(t)``, accurately.

    With ``s = sigma(t)`` and ``delta = z - t`` the divergence is
    ``log1p(s * expm1(delta)) - s * delta`` (a second-order quantity: both
    terms agree to first order, so tiny ``delta`` uses its Taylor series) and
    ``sigma(z) - s = s (1 - s) expm1(delta) / (1 + s expm1(delta))``, free of
    the cancellation in the plain difference.
    """
    s = expit(t)
    delta = z - t
    moderate = np.abs(delta) < 30
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.expm1(np.where(moderate, delta, 0.0))
        curvature = s * (1 - s)
        taylor = curvature * delta**2 * (0.5 + (1 - 2 * s) * delta / 6 + (1 - 6 * s + 6 * s * s) * delta**2 / 24)
        middle = np.log1p(s * e) - s * delta
        far = np.logaddexp(0.0, z) - np.logaddexp(0.0, t) - s * delta
        divergence = np.where(np.abs(delta) < 1e-3, taylor, np.where(moderate, middle, far))
        residual = np.where(moderate, curvature * e / (1 + s * e), expit(z) - s)
    return np.maximum(divergence, 0.0), residual


def _divergence_loss(z: np.ndarray, t: np.ndarray) -> float:
    return float(np.mean(_divergence(z, t)[0]))
