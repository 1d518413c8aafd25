"""Every explorable's figure is legible at the book's column width (issue 10): <= 7.5 in wide, text >= 9 pt."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kdbook import variance  # noqa: E402
from kdbook.explore import bias, bounds, core, factors, geometry, training  # noqa: E402
from kdbook.explore import variance as vw  # noqa: E402
from kdbook.plots import legibility_problems, use_book_style  # noqa: E402


def _kd_sgd():
    A, b, x_true = variance.make_least_squares(60, 4, seed=0)
    A2, b2, _ = variance.make_least_squares(30, 4, seed=1, x_true=x_true)
    teachers = variance.least_squares_teachers(A, b, A2, b2, early_steps=2)
    return vw.draw_kd_sgd(A, b, teachers, lam=0.5, teacher=next(iter(teachers)), lr=0.05, batch_size=1, steps=100,
                          n_seeds=3)


DRAWS = {
    "teacher_scale": lambda: core.draw_teacher_scale(np.random.default_rng(0).standard_normal((50, 3)), np.ones(3), 2),
    "theorem1": lambda: training.draw_theorem1_training(5, 10, steps=50),
    "theorem2": lambda: training.draw_theorem2_training(2, 1e-2, 5, 10, steps=50),
    "solution_gap": lambda: training.draw_solution_gap(5, 10),
    "angle_survival": lambda: geometry.draw_angle_survival(1.0, 10.0, d=20, m=200),
    "bound_terms": lambda: bounds.draw_bound_terms(20, 0.5),
    "rate": lambda: bounds.draw_rate(1.0, 20),
    "data_geometry": lambda: factors.draw_data_geometry(1.0, 5, d=20, trials=5, n_test=200),
    "optimization_bias": lambda: bias.draw_optimization_bias(1.0, 5, d=20, trials=20, n_test=200),
    "monotonicity": lambda: bias.draw_monotonicity(2, d=12, trials=20, n_test=200, hard_label_steps=20),
    "kd_sgd": _kd_sgd,
}


@pytest.mark.parametrize("name", list(DRAWS))
def test_figure_is_legible_at_column_width(name):
    use_book_style()
    fig = DRAWS[name]()
    try:
        assert legibility_problems(fig) == []
    finally:
        plt.close(fig)
