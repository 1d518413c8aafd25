import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kdbook import experiments, learners, tasks  # noqa: E402
from kdbook.experiments import data_geometry, monotonicity, optimization_bias, unsigned_angles  # noqa: E402
from kdbook.explore.factors import data_geometry_explorer, draw_data_geometry  # noqa: E402

SUMMARY = {"learner", "risk", "risk_se", "ci_low", "ci_high", "trials"}


def test_data_geometry_columns_trend_and_bounds():
    table = data_geometry([0.25, 1.0, 4.0], d=60, n=8, trials=40, n_test=3000, seed=0, progress=False)
    assert isinstance(table, pd.DataFrame) and len(table) == 3
    assert SUMMARY | {"kappa", "disagreements", "theorem3_bound", "corollary2_bound"} <= set(table.columns)
    assert (table.learner == "distillation").all() and (table.trials == 40).all()
    assert table.risk.iloc[0] > table.risk.iloc[1] >= table.risk.iloc[2]
    assert np.all(table.ci_high <= table.theorem3_bound)
    assert np.all(table.theorem3_bound <= table.corollary2_bound + 1e-12)
    np.testing.assert_allclose(table.disagreements, np.rint(table.risk * 40 * 3000))
    assert np.all((table.ci_low <= table.risk) & (table.risk <= table.ci_high))


def test_data_geometry_is_reproducible_and_zero_when_n_at_least_d():
    first = data_geometry([1.0], d=10, n=4, trials=5, n_test=200, seed=3, progress=False)
    again = data_geometry([1.0], d=10, n=4, trials=5, n_test=200, seed=3, progress=False)
    pd.testing.assert_frame_equal(first, again)
    full = data_geometry([1.0], d=10, n=10, trials=5, n_test=200, seed=3, progress=False)
    assert full.risk.iloc[0] == 0 and full.theorem3_bound.iloc[0] == 0 and full.corollary2_bound.iloc[0] == 0


def test_n_at_least_d_is_settled_without_sampling(monkeypatch):
    # Theorem 1: w_hat = w_* when n >= d, so no set is drawn or solved.
    def refuse(*args, **kwargs):
        raise AssertionError("sampled or solved a set with n >= d")

    monkeypatch.setattr(experiments, "_PolynomialDraw", refuse)
    monkeypatch.setattr(experiments, "distillation_weights", refuse)
    table = data_geometry([0.5, 2.0], d=10**4, n=10**4, trials=1000, n_test=10**6, seed=0, progress=False)
    assert (table.risk == 0).all() and (table.disagreements == 0).all() and (table.risk_se == 0).all()
    assert (table.trials == 1000).all() and (table.theorem3_bound == 0).all()


@pytest.mark.parametrize("block_rows", [1, 3, 10, 11, 100])
def test_polynomial_draw_replays_task_sample_exactly(block_rows):
    task = tasks.polynomial_angle_task(7, 1.5, seed=0)
    reference_rng, rng = np.random.default_rng(4), np.random.default_rng(4)
    expected = task.sample(5, reference_rng, trials=2).reshape(10, 7)
    draw = experiments._PolynomialDraw(task, 1.5, 10, rng, block_rows)
    assert rng.random() == reference_rng.random()  # the generator is left where task.sample leaves it
    for _ in range(2):  # and the blocks can be replayed
        blocks = list(draw.blocks())
        assert [stop - start for start, stop, _ in blocks][0] == min(block_rows, 10)
        # Same random numbers; BLAS may round a one-row product differently in the last bit.
        np.testing.assert_allclose(np.concatenate([rows for _, _, rows in blocks]), expected, rtol=1e-14, atol=1e-15)


def _tables(seed):
    task = tasks.polynomial_angle_task(30, 1.0, seed=0)
    pool, test = task.sample(200, rng=1), task.sample(700, rng=2)
    return {
        "geometry": data_geometry([0.5, 2.0], d=30, n=6, trials=12, n_test=900, seed=seed, progress=False),
        "bias": optimization_bias(pool, test, task.w_star, n=6, deltas=[0, 1, 4], trials=15, seed=seed,
                                  progress=False),
        "monotonicity": monotonicity(kappa=1.0, d=25, n=4, trials=40, deltas=(0.5, 2.0), seed=seed, n_test=800,
                                     hard_label_steps=40, progress=False),
    }


def test_results_do_not_depend_on_the_chunk_budget(monkeypatch):
    default = _tables(seed=2)
    # A budget of 2 kB: one transfer set per chunk and a few held-out inputs per block.
    monkeypatch.setattr(experiments, "CHUNK_BYTES", 2000)
    assert experiments._rows_per_chunk(6 * 30) == 1
    tiny = _tables(seed=2)
    pd.testing.assert_frame_equal(default["geometry"], tiny["geometry"], check_exact=True)
    # Same sets, directions and disagreement counts; quantities computed from the weights themselves
    # (losses near 0, mean angles) may move in the last bit, as batched products round differently.
    for name, rounded in [("bias", "max_training_loss"), ("monotonicity", "mean_angle")]:
        pd.testing.assert_frame_equal(default[name].drop(columns=rounded), tiny[name].drop(columns=rounded),
                                      check_exact=True)
        np.testing.assert_allclose(default[name][rounded], tiny[name][rounded], rtol=1e-12, atol=1e-14)


def test_optimization_bias_losses_are_minimal_and_risk_grows():
    task = tasks.polynomial_angle_task(40, 1.0, seed=0)
    pool, test = task.sample(500, rng=1), task.sample(4000, rng=2)
    table = optimization_bias(pool, test, task.w_star, n=8, deltas=[0, 1, 10], trials=60, seed=0, progress=False)
    assert SUMMARY | {"delta", "max_training_loss", "risk_diff", "risk_diff_se"} <= set(table.columns)
    assert list(table.learner) == ["distillation", "delta", "delta"]
    assert np.all(table.max_training_loss < 1e-12)
    assert table.risk.iloc[0] < table.risk.iloc[1] < table.risk.iloc[2]
    assert table.risk_diff.iloc[0] == 0 and table.risk_diff.iloc[2] > 5 * table.risk_diff_se.iloc[2]


def test_optimization_bias_matches_a_per_set_loop():
    rng = np.random.default_rng(5)
    pool, test, w_star = rng.standard_normal((50, 12)), rng.standard_normal((300, 12)), rng.standard_normal(12)
    table = optimization_bias(pool, test, w_star, n=4, deltas=[0.0, 2.0], trials=6, seed=9, progress=False)
    # Rebuild the same transfer sets and directions one at a time.
    generator = np.random.default_rng(9)
    picks = np.argpartition(generator.random((6, 50)), 3, axis=1)[:, :4]
    X_batch = pool[picks]
    weights = learners.delta_weights(X_batch, w_star, [0.0, 2.0], seed=generator)
    risks = [[np.mean((test @ w >= 0) != (test @ w_star >= 0)) for w in per_delta] for per_delta in weights]
    np.testing.assert_allclose(table.risk, np.mean(risks, axis=1))


def test_monotonicity_index_of_distillation_is_one():
    table = monotonicity(kappa=1.0, d=30, n=4, trials=200, deltas=(0.25, 1.0), seed=0, n_test=2000,
                         hard_label_steps=300, progress=False)
    assert SUMMARY | {"delta", "monotonicity", "monotonicity_se", "ties", "worsened"} <= set(table.columns)
    assert list(table.learner) == ["distillation", "hard-label", "delta", "delta"]
    assert np.isnan(table.delta.iloc[0]) and table.delta.iloc[3] == 1.0
    distill = table.iloc[0]
    assert distill.worsened == 0 and distill.monotonicity >= 1 - distill.ties / distill.trials
    # Every set is a resolved decrease (counted by the index), a tie or an increase: a tie is not a decrease.
    counts = table.monotonicity * table.trials + table.ties + table.worsened
    np.testing.assert_allclose(counts, table.trials)
    assert np.all(table.monotonicity.iloc[1:] < 0.95)
    assert np.corrcoef(table.monotonicity, table.risk)[0, 1] < 0


def test_unsigned_angles():
    w_star = np.array([1.0, 0.0])
    weights = np.array([[1.0, 1.0], [-1.0, 0.0], [0.0, 0.0], [0.0, 3.0]])
    np.testing.assert_allclose(unsigned_angles(weights, w_star), [np.pi / 4, 0.0, np.pi / 2, np.pi / 2])


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: data_geometry([-1.0, 1.0]), ValueError, "every entry of kappas must be > 0, got -1.0"),
        (lambda: data_geometry([0.0]), ValueError, "every entry of kappas must be > 0, got 0.0"),
        (lambda: data_geometry([np.nan]), ValueError, "finite"),
        (lambda: data_geometry([1.0], d=0), ValueError, "d must be >= 2"),
        (lambda: data_geometry([1.0], n=0), ValueError, "n must be >= 1"),
        (lambda: data_geometry([1.0], trials=1), ValueError, "trials must be >= 2"),
        (lambda: data_geometry([1.0], seed=None), TypeError, "seed"),
        (lambda: data_geometry([1.0], progress="yes"), TypeError, "progress must be True or False"),
        (lambda: monotonicity(kappa=-1.0), ValueError, "kappa must be > 0"),
        (lambda: monotonicity(d=0), ValueError, "d must be >= 3"),
        (lambda: monotonicity(n=0), ValueError, "n must be >= 1"),
        (lambda: monotonicity(d=10, n=9), ValueError, "n \\+ 1 < d"),
        (lambda: monotonicity(deltas=(-0.5,)), ValueError, "every entry of deltas must be >= 0, got -0.5"),
        (lambda: monotonicity(trials=1), ValueError, "trials must be >= 2"),
    ],
)
def test_bad_sizes_and_parameters_are_rejected(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    return rng.standard_normal((20, 6)), rng.standard_normal((30, 6)), rng.standard_normal(6)


@pytest.mark.parametrize(
    "change, error, match",
    [
        ({"n": 0}, ValueError, "n must be >= 1"),
        ({"n": 6}, ValueError, "n must be < d"),
        ({"n": 21}, ValueError, "n must be <= 20"),
        ({"deltas": [0.0, -1.0]}, ValueError, "every entry of deltas must be >= 0, got -1.0"),
        ({"deltas": [np.inf]}, ValueError, "finite"),
        ({"trials": 0}, ValueError, "trials must be >= 2"),
        ({"X_pool": np.ones((20, 5))}, ValueError,
         r"X_pool has d = 5 along axis 1 \(shape \(20, 5\)\), but w_star has d = 6"),
        ({"X_test": np.ones((30, 7))}, ValueError,
         r"X_test has d = 7 along axis 1 \(shape \(30, 7\)\), but w_star has d = 6"),
        ({"X_test": np.full((3, 6), np.nan)}, ValueError, "finite"),
        ({"X_pool": np.ones(6)}, ValueError, r"X_pool must have shape \(m, d\)"),
        ({"w_star": np.zeros(6)}, ValueError, "non-zero"),
        ({"seed": -1}, ValueError, "non-negative"),
    ],
)
def test_optimization_bias_rejects_bad_input(arrays, change, error, match):
    X_pool, X_test, w_star = arrays
    arguments = {"X_pool": X_pool, "X_test": X_test, "w_star": w_star, "n": 3, "deltas": [0.0, 1.0], "trials": 4}
    arguments.update(change)
    with pytest.raises(error, match=match):
        optimization_bias(arguments.pop("X_pool"), arguments.pop("X_test"), arguments.pop("w_star"), **arguments,
                          progress=False)


def test_progress_bar_can_be_shown(capsys):
    table = data_geometry([1.0, 2.0], d=10, n=3, trials=3, n_test=50, seed=0, progress=True)
    assert len(table) == 2
    assert "data geometry" in capsys.readouterr().err


def test_draw_data_geometry_has_three_labelled_panels():
    fig = draw_data_geometry(2.0, 5, d=20, trials=5, n_test=200, seed=0)
    assert len(fig.axes) == 3
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()
    assert fig.axes[2].get_title().startswith("risk at n = 5")
    plt.close(fig)
    with pytest.raises(ValueError, match="kappa must be > 0"):
        draw_data_geometry(0.0, 5)
    with pytest.raises(ValueError, match="n must be >= 1"):
        draw_data_geometry(1.0, 0)


def test_data_geometry_explorer_redraws_on_slider_change(monkeypatch):
    import kdbook.explore.factors as factor_widgets

    calls = []

    def fake_draw(kappa, n, *, d, seed):
        calls.append((kappa, n, d))
        fig, ax = plt.subplots()
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        return fig

    monkeypatch.setattr(factor_widgets, "draw_data_geometry", fake_draw)
    app = data_geometry_explorer(kappa=1.0, n=5, d=20, seed=0)
    kappa_slider, n_slider = app.children[1].children
    n_slider.value = 7
    kappa_slider.value = 4.0
    assert calls == [(1.0, 5, 20), (1.0, 7, 20), (4.0, 7, 20)]
    with pytest.raises(ValueError, match=r"kappa must be in \[0\.125, 16\], got 100\.0"):
        data_geometry_explorer(kappa=100.0)
    with pytest.raises(ValueError, match="n must be <= 40"):
        data_geometry_explorer(n=41, d=20)


def test_module_exports():
    assert {"data_geometry", "optimization_bias", "monotonicity"} <= set(experiments.__all__)


def test_draw_data_geometry_risk_axis_is_logarithmic_and_marks_unseen_risks():
    fig = draw_data_geometry(8.0, 6, d=20, trials=3, n_test=200, seed=0)
    ax_risk = fig.axes[2]
    assert ax_risk.get_yscale() == "log"
    floor = 1 / (3 * 200)
    unseen = [line for line in ax_risk.get_lines() if line.get_label() == "no disagreement seen"]
    # kappa = 8: inputs hug +-w_*, so some transfer-set sizes see no disagreement at all; they sit at the floor.
    assert unseen and np.allclose(unseen[0].get_ydata(), floor)
    assert ax_risk.get_ylim()[0] < floor
    plt.close(fig)
