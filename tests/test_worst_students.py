"""Tests for kdbook.worst_students: the farthest point of the epsilon-ball in angle."""

import numpy as np
import pytest

from kdbook import risk
from kdbook.worst_students import farthest_student


def _angles(W, v):
    return np.arccos(np.clip(W @ v / (np.linalg.norm(W, axis=-1) * np.linalg.norm(v)), -1, 1))


def test_distance_and_angles():
    rng = np.random.default_rng(0)
    w_star = rng.standard_normal(6)
    w_hats = rng.standard_normal((50, 6)) * 2 + w_star
    epsilon = 0.3
    W = farthest_student(w_hats, w_star, epsilon)
    np.testing.assert_allclose(np.linalg.norm(W - w_hats, axis=1), epsilon, atol=1e-12)
    delta = np.arcsin(epsilon / np.linalg.norm(w_hats, axis=1))
    np.testing.assert_allclose([risk.angle(w, h) for w, h in zip(W, w_hats, strict=True)], delta, atol=1e-9)
    np.testing.assert_allclose(_angles(W, w_star), _angles(w_hats, w_star) + delta, atol=1e-9)


def test_no_point_of_the_ball_is_farther():
    rng = np.random.default_rng(1)
    w_star, w_hat, epsilon = rng.standard_normal(4), rng.standard_normal(4), 0.5
    worst = _angles(farthest_student(w_hat, w_star, epsilon)[None], w_star)[0]
    directions = rng.standard_normal((50_000, 4))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    ball = w_hat + epsilon * rng.uniform(size=(50_000, 1)) ** 0.25 * directions
    assert _angles(ball, w_star).max() <= worst + 1e-12
    assert _angles(ball, w_star).max() > worst - 0.05  # and it is approached


def test_parallel_w_hat_and_single_vector():
    w_star = np.array([0.0, 2.0, 0.0])
    W = farthest_student(w_star, w_star, 1.0)
    assert W.shape == (3,)
    assert np.linalg.norm(W - w_star) == pytest.approx(1.0)
    assert risk.angle(W, w_star) == pytest.approx(np.arcsin(0.5))


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.ones((2, 3)), np.ones(4), 0.1), "w_hats must have shape"),
        ((np.ones(3), np.ones(3), 2.0), "norm > epsilon"),
        ((np.ones(3), np.ones(3), -1.0), "epsilon must be"),
        ((np.full(3, np.nan), np.ones(3), 0.1), "finite"),
        ((np.ones(3), np.zeros(3), 0.1), "w_star"),
    ],
)
def test_bad_inputs(args, message):
    with pytest.raises((ValueError, TypeError), match=message):
        farthest_student(*args)
