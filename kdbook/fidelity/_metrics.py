"""Fidelity metrics on plain arrays of shape ``(n, K)``, at temperature 1, and the distillation loss."""

from __future__ import annotations

import numpy as np
from scipy.special import log_softmax, logsumexp, xlogy

from .._validation import as_float_array
from ._checks import _as_scores, _check_temperature


def _as_probability_rows(value, name: str) -> np.ndarray:
    probs = _as_scores(value, name)
    if np.any(probs < 0) or np.any(probs > 1):
        raise ValueError(f"{name} must contain probabilities in [0, 1]")
    if not np.allclose(probs.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError(f"{name} must have rows summing to 1 (probabilities over the K classes)")
    return probs


def _pair(teacher, student, check=_as_scores) -> tuple[np.ndarray, np.ndarray]:
    """``teacher`` and ``student`` checked by ``check`` (scores, or probability rows) and of one shape."""
    teacher = check(teacher, "teacher")
    student = check(student, "student")
    if teacher.shape != student.shape:
        raise ValueError(
            f"teacher and student must have the same shape (n, K), got {teacher.shape} and {student.shape}"
        )
    return teacher, student


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
        teacher, student = _pair(teacher, student, _as_probability_rows)
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
