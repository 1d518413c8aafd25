"""Fidelity metrics on plain arrays of shape ``(n, K)``, at temperature 1, and the distillation loss."""

from __future__ import annotations

import numpy as np
from scipy.special import log_softmax, logsumexp, xlogy

from .._params import Array, Options, Real, validate_params
from ._checks import _check_classes, _check_probability_rows

#: Scores (logits, log-probabilities or probabilities) of ``n`` inputs over ``K`` classes.
_SCORES = Array("n", "classes")


@validate_params(logits=_SCORES, temperature=Real(0.0, low_open=True))
def log_probabilities(logits, temperature: float = 1.0) -> np.ndarray:
    """Log-softmax of ``logits / T``, row by row; shape ``(n, K)``.

    Computed by scipy's ``log_softmax`` (max-shifted), so it is exact for
    logits as large as ``+-1e4``. Log-probabilities are valid logits: passing
    them in returns them unchanged at ``T = 1``.
    """
    _check_classes(logits, "logits")
    return log_softmax(logits / temperature, axis=1)


@validate_params(member_logits=Array("members", "n", "classes"))
def ensemble_log_probabilities(member_logits) -> np.ndarray:
    """Log of the ensemble's averaged probabilities, ``log((1/M) sum_m softmax(z_m))``.

    Parameters
    ----------
    member_logits : array of shape (members, n, K)
        Logits of the ensemble's members on the same ``n`` inputs.

    Returns
    -------
    ndarray of shape (n, K)
        Log-probabilities (usable as the ensemble's logits), computed with
        ``logsumexp`` so that no probability underflows to ``log 0``.
    """
    _check_classes(member_logits, "member_logits")
    member_log_probs = log_softmax(member_logits, axis=2)
    return logsumexp(member_log_probs, axis=0) - np.log(member_logits.shape[0])


@validate_params(teacher=_SCORES, student=_SCORES)
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
    _check_classes(teacher, "teacher")
    _check_classes(student, "student")
    return float(np.mean(np.argmax(teacher, axis=1) == np.argmax(student, axis=1)))


@validate_params(teacher=_SCORES, student=_SCORES, kind=Options("logits", "probs"))
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
    _check_classes(teacher, "teacher")
    _check_classes(student, "student")
    if kind == "logits":
        log_p = log_softmax(teacher, axis=1)
        log_q = log_softmax(student, axis=1)
        p = np.exp(log_p)
        per_input = np.sum(p * (log_p - log_q), axis=1)
    else:
        _check_probability_rows(teacher, "teacher")
        _check_probability_rows(student, "student")
        with np.errstate(divide="ignore"):
            per_input = np.sum(xlogy(teacher, teacher) - xlogy(teacher, student), axis=1)
    # Rounding can leave -1e-17 where the exact value is 0.
    return float(max(np.mean(per_input), 0.0))


@validate_params(student_logits=_SCORES, teacher_logits=_SCORES, temperature=Real(0.0, low_open=True))
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
    _check_classes(student_logits, "student_logits")
    _check_classes(teacher_logits, "teacher_logits")
    log_q = log_softmax(student_logits / temperature, axis=1)
    p = np.exp(log_softmax(teacher_logits / temperature, axis=1))
    return float(temperature**2 * np.mean(-np.sum(p * log_q, axis=1)))
