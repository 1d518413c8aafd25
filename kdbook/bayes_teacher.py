"""The teacher as an estimate of the Bayes probabilities.

Menon, Rawat, Reddi, Kim & Kumar ("A Statistical Perspective on
Distillation", ICML 2021) view a teacher as an estimate of the Bayes
class probabilities ``p*(x) = P(Y = 1 | X = x)``: distilling from ``p*``
itself gives an unbiased estimate of the risk with lower variance than the
one-hot labels (the law of total variance), and a teacher ``p^t != p*``
trades a bias of order ``E|p^t - p*|`` for that variance. Dao, Kamath,
Syrgkanis & Mackey ("Knowledge Distillation as Semiparametric Inference",
ICLR 2021) treat ``p*`` as a nuisance and the teacher as its plug-in
estimate; they correct a teacher trained on the same data by cross-fitting
(:func:`cross_fitted_probabilities`) and by the target
``teacher + gamma (y - teacher)`` (:func:`corrected_targets`).

Everything runs on Dao et al.'s synthetic two-class Gaussian mixture: the
class ``Y`` is 0 or 1 with probability 1/2, ``X | Y ~ N(mu_Y, I_d)`` with
``mu_1 = radius * 1_d`` and ``mu_0 = -radius * 1_d``, so the Bayes
log-odds are linear, ``2 radius 1^T x``, and ``p*`` is their sigmoid. For a
linear student ``q(x) = sigmoid(w^T x + b)`` and a linear-logit teacher, every
expectation over ``X`` depends on ``x`` only through at most three
projections, so :func:`objective_moments`, :func:`excess_risk` and
:func:`teacher_kl` are exact (Gauss-Hermite quadrature over the projections;
no Monte Carlo). Samples are rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, log_expit
from scipy.stats import norm

from ._params import Array, Integer, Real, Seed, validate_params

__all__ = [
    "gaussian_mixture",
    "bayes_weights",
    "bayes_probabilities",
    "ObjectiveMoments",
    "objective_moments",
    "crossover_size",
    "excess_risk",
    "error_rate",
    "teacher_kl",
    "fit_logistic",
    "student_excess_risks",
    "population_student",
    "cross_fitted_probabilities",
    "quadratic_features",
    "SameDataTeachers",
    "same_data_teachers",
    "distilled_excess_risks",
    "corrected_targets",
    "optimal_correction",
]

#: Quadrature nodes per projected dimension: the integrands are smooth, 32 nodes give about 1e-8 (relative).
NODES = 32


@validate_params(n=Integer(1), d=Integer(1), radius=Real(0.0, low_open=True), seed=Seed())
def gaussian_mixture(n, *, d=5, radius=0.4, seed=0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` draws from the two-class mixture of Dao et al. (2021, synthetic experiment and code).

    Parameters
    ----------
    n : int >= 1
    d : int >= 1, default 5
    radius : float > 0, default 0.4
        The class means are ``+radius * 1_d`` (class 1) and ``-radius * 1_d`` (class 0).
    seed : int >= 0 or numpy.random.Generator, default 0

    Returns
    -------
    X : ndarray of shape (n, d)
    y : ndarray of shape (n,), labels 0 or 1 (float)
    p_star : ndarray of shape (n,), the Bayes probabilities ``P(Y = 1 | X = x_i)``
    """
    y = seed.integers(0, 2, n).astype(float)
    X = seed.standard_normal((n, d)) + radius * (2.0 * y[:, None] - 1.0)
    return X, y, expit(X @ bayes_weights(d, radius=radius))


@validate_params(d=Integer(1), radius=Real(0.0, low_open=True))
def bayes_weights(d, *, radius) -> np.ndarray:
    """The Bayes log-odds' weights ``2 radius 1_d``: ``log p*/(1 - p*) = (mu_1 - mu_0)^T x``.

    The two means have the same norm, so the quadratic terms of the Gaussian
    log-densities cancel and the intercept is 0.

    Returns
    -------
    ndarray of shape (d,)
    """
    return np.full(d, 2.0 * radius)


@validate_params(X=Array("n", "d"), radius=Real(0.0, low_open=True))
def bayes_probabilities(X, *, radius) -> np.ndarray:
    """``p*(x_i) = sigmoid(2 radius 1^T x_i)`` for each row of ``X``; shape (n,)."""
    return expit(X @ bayes_weights(X.shape[1], radius=radius))


def _expect(function, directions, offsets, radius, nodes=None):
    """``E[function(projections, y)]`` over the mixture, for a batch of projection sets.

    ``directions`` has shape (m, k, d), ``offsets`` shape (m, k); the projections of
    ``x`` are ``directions @ x + offsets``, a Gaussian of dimension k (given y) whose
    covariance ``D D^T`` may be singular. Returns shape (m,).
    """
    nodes = NODES if nodes is None else nodes
    m, k, d = directions.shape
    gram = directions @ directions.transpose(0, 2, 1)
    values, vectors = np.linalg.eigh(gram)
    roots = vectors * np.sqrt(np.clip(values, 0.0, None))[:, None, :]  # (m, k, k): gram = roots roots^T
    points, weights = np.polynomial.hermite_e.hermegauss(nodes)
    weights = weights / np.sqrt(2 * np.pi)
    grid = np.stack(np.meshgrid(*[points] * k, indexing="ij"), axis=-1).reshape(-1, k)
    grid_weights = np.prod(np.stack(np.meshgrid(*[weights] * k, indexing="ij"), axis=-1).reshape(-1, k), axis=1)
    total = np.zeros(m)
    for label in (0.0, 1.0):
        mean = radius * (2 * label - 1) * directions.sum(axis=2) + offsets  # (m, k)
        projections = mean[:, None, :] + grid @ roots.transpose(0, 2, 1)  # (m, nodes^k, k)
        total += 0.5 * function(projections, label) @ grid_weights
    return total


def _log_losses(logit):
    """Cross-entropy of a prediction ``sigmoid(logit)`` against labels 1 and 0."""
    return -log_expit(logit), -log_expit(-logit)


@dataclass(frozen=True)
class ObjectiveMoments:
    """Per-sample moments of the one-hot and the distilled objective at a fixed student.

    The empirical objective over ``N`` samples has mean ``risk`` (one-hot) or
    ``teacher_mean`` (distilled) and variance ``label_variance / N`` or
    ``teacher_variance / N``; ``bias = teacher_mean - risk``.
    """

    risk: float
    label_variance: float
    teacher_mean: float
    teacher_variance: float

    @property
    def bias(self) -> float:
        return self.teacher_mean - self.risk


@validate_params(w=Array("d"), b=Real(), teacher_weights=Array("d"), teacher_bias=Real(),
                 radius=Real(0.0, low_open=True))
def objective_moments(w, b, teacher_weights, teacher_bias=0.0, *, radius) -> ObjectiveMoments:
    """Exact moments of the one-hot and the teacher-distilled empirical risk of one student.

    The student predicts ``q(x) = sigmoid(w^T x + b)``, the teacher
    ``p^t(x) = sigmoid(teacher_weights^T x + teacher_bias)``; the loss is the
    cross-entropy ``l(y, q)``. The one-hot objective averages ``l(y_i, q(x_i))``,
    the distilled one ``p^t(x_i) l(1, q) + (1 - p^t(x_i)) l(0, q)`` (Menon et al.,
    2021, the distilled risk of their Section 3). With the Bayes teacher
    (``teacher_weights = bayes_weights``) the mean is the risk and the variance
    is ``Var E[l | X] <= Var l`` (law of total variance).

    Parameters
    ----------
    w : array of shape (d,)
    b : float
    teacher_weights : array of shape (d,)
    teacher_bias : float, default 0
    radius : float > 0

    Returns
    -------
    ObjectiveMoments
    """
    d = len(w)
    directions = np.stack([w, teacher_weights, bayes_weights(d, radius=radius)])[None]
    offsets = np.array([[b, teacher_bias, 0.0]])

    def moments(power, kind):
        def function(projections, label):
            loss_one, loss_zero = _log_losses(projections[..., 0])
            if kind == "label":
                bayes = expit(projections[..., 2])
                return bayes * loss_one**power + (1 - bayes) * loss_zero**power
            teacher = expit(projections[..., 1])
            return (teacher * loss_one + (1 - teacher) * loss_zero) ** power
        # The label's distribution given x is p*(x), whichever component x came from: average over y by p*.
        return float(_expect(function, directions, offsets, radius)[0])

    risk, second = moments(1, "label"), moments(2, "label")
    teacher_mean, teacher_second = moments(1, "teacher"), moments(2, "teacher")
    return ObjectiveMoments(risk, second - risk**2, teacher_mean, teacher_second - teacher_mean**2)


@validate_params(label_variance=Real(0.0), teacher_variance=Real(0.0), bias=Real())
def crossover_size(label_variance, teacher_variance, bias) -> float:
    """Transfer-set size below which the distilled objective has the smaller mean squared error.

    ``MSE_teacher(n) = bias^2 + teacher_variance / n`` and ``MSE_label(n) =
    label_variance / n`` cross at ``n* = (label_variance - teacher_variance) / bias^2``
    (the book's form of Menon et al.'s bias-variance trade-off). The three numbers
    are the fields of :func:`objective_moments`' result.

    Returns
    -------
    float, ``inf`` for an unbiased teacher with smaller variance, ``0`` if the teacher's variance is not smaller.
    """
    gain = label_variance - teacher_variance
    if gain <= 0:
        return 0.0
    return float("inf") if bias == 0 else float(gain / bias**2)


@validate_params(W=Array("m", "d"), b=Array("m"), radius=Real(0.0, low_open=True))
def excess_risk(W, b, *, radius) -> np.ndarray:
    """Excess cross-entropy risk ``E KL(p*(X) || q(X))`` of linear students, exactly.

    Parameters
    ----------
    W : array of shape (m, d)
        One student's weights per row; ``q(x) = sigmoid(W[j] @ x + b[j])``.
    b : array of shape (m,)
    radius : float > 0

    Returns
    -------
    ndarray of shape (m,), each >= 0, and 0 exactly for the Bayes student.
    """
    m, d = W.shape
    bayes = np.broadcast_to(bayes_weights(d, radius=radius), (m, d))
    directions = np.stack([W, bayes], axis=1)
    offsets = np.stack([b, np.zeros(m)], axis=1)

    def function(projections, label):
        student, truth = projections[..., 0], projections[..., 1]
        p = expit(truth)
        # KL(p || q) for Bernoulli, written with log-sigmoids so that it stays finite and >= 0.
        return p * (log_expit(truth) - log_expit(student)) + (1 - p) * (log_expit(-truth) - log_expit(-student))

    return np.clip(_expect(function, directions, offsets, radius), 0.0, None)


@validate_params(w=Array("d", nonzero=True), b=Real(), radius=Real(0.0, low_open=True))
def error_rate(w, b=0.0, *, radius) -> float:
    """Probability that ``1{w^T x + b >= 0}`` misclassifies a draw of the mixture (closed form).

    ``w^T X`` given ``Y = y`` is ``N(+-radius 1^T w, |w|^2)``, so the error is
    ``(Phi(-(radius 1^T w + b)/|w|) + Phi(-(radius 1^T w - b)/|w|)) / 2``. The Bayes
    classifier's is ``Phi(-radius sqrt(d))``.
    """
    scale = np.linalg.norm(w)
    shift = radius * w.sum()
    return float(0.5 * (norm.cdf(-(shift + b) / scale) + norm.cdf(-(shift - b) / scale)))


@validate_params(d=Integer(1), radius=Real(0.0, low_open=True), temperature=Real(0.0, low_open=True),
                 angle=Real(0.0, np.pi))
def teacher_kl(d, *, radius, temperature=1.0, angle=0.0) -> float:
    """``E KL(p*(X) || p^t(X))`` for a linear-logit teacher, exactly.

    The teacher's weights are the Bayes weights turned by ``angle`` (radians,
    towards ``e_1``'s component orthogonal to ``1_d``) and divided by ``temperature``:
    ``temperature < 1`` is over-confident, ``> 1`` under-confident, and every
    temperature has the Bayes accuracy when ``angle = 0``. A student that fits the
    teacher exactly has this excess risk.
    """
    if angle > 0 and d < 2:
        raise ValueError(f"angle > 0 needs d >= 2 (a direction orthogonal to 1_d), got d = {d}")
    return float(excess_risk(_teacher(d, radius, temperature, angle)[None], np.zeros(1), radius=radius)[0])


def _teacher(d, radius, temperature, angle):
    """Bayes weights turned by ``angle`` in the plane of ``1_d`` and ``e_1``, over ``temperature``."""
    bayes = bayes_weights(d, radius=radius)
    if angle == 0:
        return bayes / temperature
    other = np.zeros(d)
    other[0] = 1.0
    other -= other.mean()
    other *= np.linalg.norm(bayes) / np.linalg.norm(other)
    return (np.cos(angle) * bayes + np.sin(angle) * other) / temperature


def _fit_batch(X, targets, ridge=0.0, steps=60, tolerance=1e-11):
    """Newton's method for logistic regression with intercept on soft targets, batched.

    ``X`` (r, n, d), ``targets`` (r, n) in [0, 1]; minimizes the mean cross-entropy
    plus ``ridge / 2 |w|^2`` (the intercept is not penalized). Returns (r, d + 1),
    the intercept last.
    """
    r, n, d = X.shape
    design = np.concatenate([X, np.ones((r, n, 1))], axis=2)
    beta = np.zeros((r, d + 1))
    penalty = np.full(d + 1, ridge)
    penalty[-1] = 0.0
    for _ in range(steps):
        q = expit((design @ beta[..., None])[..., 0])
        gradient = ((q - targets)[:, None, :] @ design)[:, 0] / n + penalty * beta
        if np.abs(gradient).max() < tolerance:
            break
        curvature = (design.transpose(0, 2, 1) * (q * (1 - q))[:, None, :]) @ design / n + np.diag(penalty + 1e-12)
        step = np.linalg.solve(curvature, gradient[..., None])[..., 0]
        # Newton is safe for logistic regression near its minimum; far from it, cap the step.
        size = np.abs(step).max(axis=1, keepdims=True)
        beta -= step * np.minimum(1.0, 4.0 / np.maximum(size, 1e-300))
    return beta


@validate_params(X=Array("n", "d", nonzero=True), targets=Array("n", low=0.0, high=1.0), ridge=Real(0.0))
def fit_logistic(X, targets, *, ridge=0.0) -> tuple[np.ndarray, float]:
    """Logistic regression with intercept on soft targets: the student (or teacher) of this chapter.

    Minimizes ``mean_i CE(targets_i, sigmoid(w^T x_i + b)) + ridge / 2 |w|^2`` by
    Newton's method. On targets that are themselves ``sigmoid`` of a linear
    function of ``x`` and ``n > d`` rows in general position, it returns that
    function exactly (the distilled student copies a linear-logit teacher).

    Parameters
    ----------
    X : array of shape (n, d)
    targets : array of shape (n,), entries in [0, 1]
    ridge : float >= 0, default 0
        Needed when one-hot targets are separable (the minimizer is then at infinity).

    Returns
    -------
    w : ndarray of shape (d,)
    b : float
    """
    beta = _fit_batch(X[None], targets[None], ridge=ridge)[0]
    return beta[:-1], float(beta[-1])


@validate_params(sizes=Array(None, integer=True, low=2), temperature=Real(0.0, low_open=True),
                 teacher_weight=Real(0.0, 1.0), repeats=Integer(1), d=Integer(1),
                 radius=Real(0.0, low_open=True), seed=Seed())
def student_excess_risks(sizes, *, temperature=1.0, teacher_weight=1.0, repeats=100, d=5, radius=0.4,
                         seed=0) -> np.ndarray:
    """Excess risks of logistic students distilled on fresh transfer sets of each size.

    Each transfer set of ``N`` rows is drawn from the mixture; the student fits
    the targets ``teacher_weight * p^t(x_i) + (1 - teacher_weight) * y_i`` with
    the tempered Bayes teacher ``p^t = sigmoid(2 radius 1^T x / temperature)``
    (same decision boundary, hence the Bayes accuracy, at every temperature).
    ``teacher_weight = 0`` is training on the labels alone. The draws are shared
    across calls with the same seed (common random numbers), so curves for
    different teachers differ only by the teacher.

    Parameters
    ----------
    sizes : array of ints >= 2, shape (k,)
        Transfer-set sizes ``N``.
    temperature : float > 0, default 1
    teacher_weight : float in [0, 1], default 1
    repeats : int >= 1, default 100
    d : int >= 1, default 5
    radius : float > 0, default 0.4
    seed : int >= 0 or numpy.random.Generator, default 0

    Returns
    -------
    ndarray of shape (k, repeats): the exact excess risk ``E KL(p* || q)`` of each student.
    """
    out = np.empty((len(sizes), repeats))
    for row, size in enumerate(sizes):
        y = seed.integers(0, 2, (repeats, size)).astype(float)
        X = seed.standard_normal((repeats, size, d)) + radius * (2 * y[..., None] - 1)
        teacher = expit(X @ bayes_weights(d, radius=radius) / temperature)
        beta = _fit_batch(X, teacher_weight * teacher + (1 - teacher_weight) * y)
        out[row] = excess_risk(beta[:, :-1], beta[:, -1], radius=radius)
    return out


@validate_params(temperature=Real(0.0, low_open=True), teacher_weight=Real(0.0, 1.0), d=Integer(1),
                 radius=Real(0.0, low_open=True))
def population_student(*, temperature=1.0, teacher_weight=1.0, d=5, radius=0.4) -> tuple[float, float]:
    """The student of :func:`student_excess_risks` on an infinite transfer set, exactly.

    The targets ``teacher_weight sigmoid(s / temperature) + (1 - teacher_weight) p*`` depend on
    ``x`` only through the Bayes log-odds ``s = 2 radius 1^T x`` and are odd-symmetric, so the
    population minimizer of the cross-entropy is ``sigmoid(scale * s)``: one number, the
    root of the derivative on a one-dimensional quadrature (Brent's method). Its excess
    risk is the bias that no transfer-set size removes.

    Returns
    -------
    scale : float
        ``1 / temperature`` when ``teacher_weight = 1``, 1 when it is 0.
    excess : float
        ``E KL(p* || sigmoid(scale * s))``.
    """
    bayes = bayes_weights(d, radius=radius)[None, None]
    points, weights = np.polynomial.hermite_e.hermegauss(NODES)
    weights = weights / np.sqrt(2 * np.pi)
    spread = np.linalg.norm(bayes)
    s = np.concatenate([mean + spread * points for mean in (-radius * bayes.sum(), radius * bayes.sum())])
    weight = np.concatenate([weights, weights]) / 2
    target = teacher_weight * expit(s / temperature) + (1 - teacher_weight) * expit(s)

    def gradient(scale):  # increasing in scale (the loss is convex), negative at 0
        return np.sum(weight * (expit(scale * s) - target) * s)

    upper = 2.0
    while gradient(upper) < 0:
        upper *= 2.0
    scale = brentq(gradient, 0.0, upper, xtol=1e-14, rtol=1e-13)
    excess = excess_risk(scale * bayes[0], np.zeros(1), radius=radius)[0]
    return float(scale), float(excess)


@validate_params(X=Array("n", "d", nonzero=True), y=Array("n", low=0.0, high=1.0), folds=Integer(2),
                 ridge=Real(0.0), seed=Seed())
def cross_fitted_probabilities(X, y, *, folds=5, ridge=0.0, seed=0) -> np.ndarray:
    """Out-of-fold teacher probabilities (Dao et al., 2021, cross-fitting).

    The rows are split at random into ``folds`` folds; the probabilities on fold
    ``k`` come from a logistic-regression teacher (:func:`fit_logistic`, with
    ``ridge``) trained on the other folds, so a row's target never depends on
    its own label.

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,), labels in [0, 1]
    folds : int >= 2, default 5 (at most n)
    ridge : float >= 0, default 0
    seed : int >= 0 or numpy.random.Generator, default 0

    Returns
    -------
    ndarray of shape (n,)
    """
    if folds > len(y):
        raise ValueError(f"folds must be at most n = {len(y)}, got {folds}")
    assignment = seed.permutation(np.arange(len(y)) % folds)
    out = np.empty(len(y))
    for fold in range(folds):
        held = assignment == fold
        beta = _fit_batch(X[~held][None], y[~held][None], ridge=ridge)[0]
        out[held] = expit(X[held] @ beta[:-1] + beta[-1])
    return out


@validate_params(teacher=Array(..., low=0.0, high=1.0), y=Array(..., low=0.0, high=1.0), gamma=Real())
def corrected_targets(teacher, y, *, gamma) -> np.ndarray:
    """Dao et al.'s corrected target ``teacher + gamma (y - teacher)`` (their code's ``p + gamma (y - p)``).

    For a loss linear in its target (cross-entropy, or squared error on
    probabilities) this is the loss correction: ``gamma = 0`` is the teacher,
    ``gamma = 1`` the label. Given ``x`` its mean is ``teacher + gamma (p* - teacher)``:
    the correction removes the fraction ``gamma`` of the teacher's bias and adds
    ``gamma^2 p*(1 - p*)`` of label noise. Entries may leave [0, 1] when ``gamma``
    is outside it. ``teacher`` and ``y`` have the same shape, any shape.
    """
    if teacher.shape != y.shape:
        raise ValueError(f"teacher and y must have the same shape, got {teacher.shape} and {y.shape}")
    return teacher + gamma * (y - teacher)


@validate_params(teacher=Array("n", low=0.0, high=1.0), p_star=Array("n", low=0.0, high=1.0))
def optimal_correction(teacher, p_star) -> float:
    """The ``gamma`` that minimizes the mean squared error of the corrected targets to ``p*``.

    ``E[(teacher_i + gamma (y_i - teacher_i) - p*_i)^2 | x_i] = (1 - gamma)^2 (teacher_i - p*_i)^2
    + gamma^2 p*_i (1 - p*_i)``, the objective of Dao et al.'s code with weight 1; summed
    over the rows it is minimized at ``gamma* = sum (teacher - p*)^2 / sum((teacher - p*)^2 + p*(1 - p*))``,
    in [0, 1]: the worse the teacher, the more the labels are mixed in.
    """
    bias = np.sum((teacher - p_star) ** 2)
    noise = np.sum(p_star * (1 - p_star))
    if bias + noise == 0:
        raise ValueError("teacher and p_star leave gamma free: the teacher is exact and p_star is 0 or 1 everywhere")
    return float(bias / (bias + noise))


@validate_params(X=Array(None, "d"))
def quadratic_features(X) -> np.ndarray:
    """``x`` followed by its ``d (d + 1) / 2`` products ``x_j x_k`` (``j <= k``): the richer teacher's features.

    Parameters
    ----------
    X : array of shape (..., d)

    Returns
    -------
    ndarray of shape (..., d + d (d + 1) / 2)
    """
    rows, cols = np.triu_indices(X.shape[-1])
    return np.concatenate([X, X[..., rows] * X[..., cols]], axis=-1)


@dataclass(frozen=True)
class SameDataTeachers:
    """Teachers trained on the student's own labelled data, one data set per row.

    Arrays of shape (repeats, n) (``X`` has shape (repeats, n, d)): the inputs, labels,
    Bayes probabilities, the teacher's probabilities on its own training rows
    (``in_sample``) and the cross-fitted ones (``cross_fitted``).
    """

    X: np.ndarray
    y: np.ndarray
    p_star: np.ndarray
    in_sample: np.ndarray
    cross_fitted: np.ndarray


@validate_params(n=Integer(4), repeats=Integer(1), folds=Integer(2), ridge=Real(0.0), d=Integer(1),
                 radius=Real(0.0, low_open=True), seed=Seed())
def same_data_teachers(n, *, repeats=200, folds=5, ridge=0.01, d=5, radius=0.4, seed=0) -> SameDataTeachers:
    """Draw ``repeats`` labelled sets of ``n`` rows and train a teacher on each, in-sample and cross-fitted.

    The teacher is logistic regression on :func:`quadratic_features` with ``ridge``: richer
    than the linear student, so it can lean towards its own training labels. The
    cross-fitted probabilities of fold ``j`` (rows ``i`` with ``i mod folds = j``) come
    from the teacher trained on the other folds (Dao et al., 2021).

    Returns
    -------
    SameDataTeachers
    """
    if folds > n:
        raise ValueError(f"folds must be at most n = {n}, got {folds}")
    y = seed.integers(0, 2, (repeats, n)).astype(float)
    X = seed.standard_normal((repeats, n, d)) + radius * (2 * y[..., None] - 1)
    features = quadratic_features(X)

    def predict(beta, rows):
        return expit(np.einsum("rnp,rp->rn", features[:, rows], beta[:, :-1]) + beta[:, -1:])

    everything = np.ones(n, dtype=bool)
    in_sample = predict(_fit_batch(features, y, ridge=ridge), everything)
    fold = np.arange(n) % folds
    cross_fitted = np.empty((repeats, n))
    for j in range(folds):
        beta = _fit_batch(features[:, fold != j], y[:, fold != j], ridge=ridge)
        cross_fitted[:, fold == j] = predict(beta, fold == j)
    return SameDataTeachers(X, y, expit(X @ bayes_weights(d, radius=radius)), in_sample, cross_fitted)


@validate_params(X=Array("r", "n", "d", nonzero=True), targets=Array("r", "n", low=0.0, high=1.0),
                 radius=Real(0.0, low_open=True))
def distilled_excess_risks(X, targets, *, radius) -> np.ndarray:
    """Fit a linear logistic student to each data set's targets and return its exact excess risk.

    Parameters
    ----------
    X : array of shape (r, n, d), one transfer set per row
    targets : array of shape (r, n), in [0, 1]
    radius : float > 0, the mixture's

    Returns
    -------
    ndarray of shape (r,): ``E KL(p* || p_s)`` of each student (:func:`excess_risk`).
    """
    beta = _fit_batch(X, targets)
    return excess_risk(beta[:, :-1], beta[:, -1], radius=radius)
