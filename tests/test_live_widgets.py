"""The live path works: in a real Jupyter kernel, changing each control of each explorer draws a new figure.

Tests that call ``draw_*`` directly do not show that the wiring works. Here a
kernel (the environment's ipykernel, through jupyter_client) builds every live
explorer at small sizes; the test then acts as the front end: it sends the
``comm_msg`` "update" that JupyterLab sends when a reader moves a slider, and
waits on the IOPub channel for the explorer's Output widget to receive a new
PNG. This exercises the comm, the trait observer, the debounced scheduling on
the kernel's event loop and the redraw itself.
"""

from __future__ import annotations

import json
import queue

import pytest

jupyter_client = pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")

# Each entry builds one explorer as ``app`` (small sizes, so the whole test takes seconds).
SETUP = r"""
import json, matplotlib
matplotlib.use("Agg")
import numpy as np
from kdbook import fidelity as fd, variance
from kdbook.data import load_digits_split
from kdbook.explore import bias, bounds, core, factors, fidelity as fw, geometry, training, variance as vw
from kdbook.explore import bayes_teacher as bt, kernel_regime as kr, self_distillation as sd

rng = np.random.default_rng(0)
A, b, x_true = variance.make_least_squares(60, 4, seed=0)
A2, b2, _ = variance.make_least_squares(30, 4, seed=1, x_true=x_true)
split = load_digits_split(seed=0)
digit_teacher = fd.train_classifier(split.X_train[:200], split.y_train[:200], hidden=(8,), steps=30, lr=0.02, seed=1)
BUILDERS = {
    "teacher_scale": lambda: core.teacher_scale_explorer(rng.standard_normal((100, 3)), np.ones(3)),
    "beta": lambda: bounds.beta_explorer(n=5, kappa=2.0),
    "rate": lambda: bounds.rate_explorer(kappa=2.0, n=10),
    "data_geometry": lambda: factors.data_geometry_explorer(n=5, d=20),
    "theorem1": lambda: training.theorem1_explorer(n=5, d=10, steps=200),
    "theorem2": lambda: training.theorem2_explorer(n=5, d=10, steps=200),
    "solution_gap": lambda: training.solution_gap_explorer(n=5, d=10),
    "kd_sgd": lambda: vw.kd_sgd_explorer(A, b, variance.least_squares_teachers(A, b, A2, b2, early_steps=2)),
    "fidelity": lambda: fw.fidelity_explorer(digit_teacher, split.X_distill[:60], split.X_test[:50], steps=20,
                                             record_every=10, seed=0),
    "angle_survival": lambda: geometry.angle_survival_explorer(d=20),
    "optimization_bias": lambda: bias.optimization_bias_explorer(n=5, d=20),
    "monotonicity": lambda: bias.monotonicity_explorer(n=2, d=12),
    "self_distillation": lambda: sd.self_distillation_explorer(rounds=2),
    "bayes_teacher": lambda: bt.bayes_teacher_explorer(temperature=0.7, teacher_weight=0.5),
    "kernel_regime": lambda: kr.kernel_regime_explorer(width=100, n=8),
}
APPS = {}


def describe(name):
    # The state change a front end would send for one step of each control.
    app = APPS[name] = BUILDERS[name]()
    changes = {}
    for key, control in app.controls.items():
        if hasattr(control, "index") and hasattr(control, "options"):
            changes[key] = [control.model_id, {"index": (control.index + 1) % len(control.options)}]
        elif hasattr(control, "base"):
            up = control.value * control.base ** control.step
            changes[key] = [control.model_id, {"value": up if up <= control.base ** control.max else
                                               control.value / control.base ** control.step}]
        else:
            up = control.value + control.step
            changes[key] = [control.model_id, {"value": up if up <= control.max else control.value - control.step}]
    return json.dumps({"output": app.output.model_id, "changes": changes})
"""

EXPLORERS = ["teacher_scale", "beta", "rate", "data_geometry", "theorem1", "theorem2", "solution_gap", "kd_sgd",
             "fidelity", "angle_survival", "optimization_bias", "monotonicity", "self_distillation",
             "bayes_teacher", "kernel_regime"]
TIMEOUT = 300  # seconds before giving up on a message (a hang guard, not a speed assertion)


@pytest.fixture(scope="module")
def kernel():
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    try:
        reply = client.execute_interactive(SETUP, timeout=TIMEOUT, output_hook=lambda msg: None)
        assert reply["content"]["status"] == "ok", reply["content"]
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _evaluate(client, code: str) -> str:
    out = []

    def hook(msg):
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append("\n".join(msg["content"]["traceback"]))

    reply = client.execute_interactive(code, timeout=TIMEOUT, output_hook=hook)
    assert reply["content"]["status"] == "ok", "".join(out)
    return "".join(out)


def _drain(client):
    while True:
        try:
            client.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            return


def _wait_for_png(client, output_id: str) -> str:
    """The next PNG the kernel sends to the Output widget ``output_id``; fails on a kernel error."""
    while True:
        msg = client.get_iopub_msg(timeout=TIMEOUT)
        content = msg["content"]
        if msg["msg_type"] == "error":
            pytest.fail("\n".join(content["traceback"]))
        if msg["msg_type"] != "comm_msg" or content.get("comm_id") != output_id:
            continue
        for output in content["data"].get("state", {}).get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                return png


@pytest.mark.parametrize("name", EXPLORERS)
def test_each_control_change_draws_a_new_figure(kernel, name):
    described = json.loads(_evaluate(kernel, f"print(describe({name!r}))").strip().splitlines()[-1])
    _drain(kernel)
    previous = None
    for key, (model_id, state) in described["changes"].items():
        message = kernel.session.msg(
            "comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": state, "buffer_paths": []}}
        )
        kernel.shell_channel.send(message)
        png = _wait_for_png(kernel, described["output"])
        assert png != previous, f"{name}: changing {key} did not change the figure"
        previous = png
    count = _evaluate(kernel, f"print(APPS[{name!r}].redraws)")
    assert int(count.strip()) == 1 + len(described["changes"])


def test_changes_during_a_redraw_supersede_each_other(kernel):
    """Three quick key presses retrain at most twice, and the figure shown is for the last value."""
    described = json.loads(_evaluate(kernel, "print(describe('theorem1'))").strip().splitlines()[-1])
    _drain(kernel)
    model_id, _ = described["changes"]["steps"]
    for steps in (300, 400, 500):
        message = kernel.session.msg(
            "comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": {"value": steps},
                                                       "buffer_paths": []}}
        )
        kernel.shell_channel.send(message)
    _wait_for_png(kernel, described["output"])
    # Whatever else is still scheduled has run once this cell (queued after it on the event loop) returns.
    _evaluate(kernel, "import time; time.sleep(1.0)")
    state = json.loads(_evaluate(kernel, "print(json.dumps([APPS['theorem1'].redraws, "
                                         "APPS['theorem1'].last_values['steps']]))").strip())
    redraws, last_steps = state
    assert last_steps == 500
    assert 2 <= redraws <= 3, f"3 changes caused {redraws - 1} redraws"
