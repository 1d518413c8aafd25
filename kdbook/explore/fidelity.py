"""Figures and the explorable of the chapter on the fidelity gap.

* :func:`draw_fidelity_history`: agreement and predictive KL over training, on
  the distillation data and on held-out data;
* :func:`draw_fidelity_vs_size`: linear versus MLP students as the
  distillation set grows (the contrast with Theorem 1);
* :func:`fidelity_explorer`: a widget over the distillation temperature and
  the augmentation of the distillation set, built on
  :func:`kdbook.explore.core.explorer`. Runs are cached, so each setting is trained
  once (about a second on one core) and revisiting it is instant.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from .._params import (
    Array,
    Instance,
    Integer,
    OptionList,
    Options,
    Real,
    Seed,
    validate_forwarded,
    validate_params,
)
from .._params_torch import Model
from ..fidelity import AUGMENTATIONS, DistillationRun, distill
from ..plots import PALETTE, ROLE_COLORS, label_axes
from .core import explorer

__all__ = [
    "draw_fidelity_history",
    "draw_fidelity_setting",
    "draw_fidelity_start",
    "draw_sweep",
    "draw_fidelity_vs_size",
    "fidelity_explorer",
]

_SPLIT_STYLE = {
    "distill": {"color": ROLE_COLORS["distillation"], "linestyle": "-", "label": "distillation data"},
    "test": {"color": ROLE_COLORS["hard-label"], "linestyle": "--", "label": "held-out data"},
}


def _check_history(history, name: str = "history") -> pd.DataFrame:
    if isinstance(history, DistillationRun):
        history = history.history
    if not isinstance(history, pd.DataFrame):
        raise TypeError(f"{name} must be a DistillationRun or a pandas DataFrame, got {type(history).__name__}")
    needed = {"step", "distill_agreement", "distill_kl", "test_agreement", "test_kl"}
    missing = needed - set(history.columns)
    if missing:
        raise ValueError(f"{name} is missing the columns {sorted(missing)} (use distill(...).history)")
    if len(history) < 2:
        raise ValueError(f"{name} must hold at least 2 recorded steps, got {len(history)}")
    return history


@validate_params(runs=Instance(Mapping), title=Instance(str, optional=True), kl_floor=Real(0.0, low_open=True))
def draw_fidelity_history(runs: Mapping[str, object], *, title: str | None = None, kl_floor: float = 1e-6):
    """Agreement (left) and predictive KL (right, log scale) over training.

    Parameters
    ----------
    runs : mapping of str to DistillationRun or history DataFrame
        One entry per run, by its legend label (at most 4 runs; line width
        tells runs apart, colour and dash tell the data split).
    title : str, optional
    kl_floor : float > 0
        KL values below it are drawn at ``kl_floor`` (a log axis cannot show 0).

    Returns
    -------
    matplotlib Figure.
    """
    if not runs:
        raise ValueError("runs must be a non-empty mapping from labels to runs")
    if len(runs) > 4:
        raise ValueError(f"runs must hold at most 4 runs for a readable figure, got {len(runs)}")
    histories = {label: _check_history(run, f"runs[{label!r}]") for label, run in runs.items()}
    # Stacked, 5.0 in wide, legend below: 10-11 pt text stays legible on a phone (about 9 px at 420 px).
    fig, (ax_agree, ax_kl) = plt.subplots(2, 1, figsize=(5.0, 7.6), sharex=True, layout="constrained")
    widths = (2.2, 1.2, 3.0, 0.8)
    for (label, history), width in zip(histories.items(), widths, strict=False):
        for split, style in _SPLIT_STYLE.items():
            name = f"{label}, {style['label']}" if len(histories) > 1 else style["label"]
            common = {"color": style["color"], "linestyle": style["linestyle"], "linewidth": width}
            ax_agree.plot(history["step"], history[f"{split}_agreement"], label=name, **common)
            ax_kl.plot(history["step"], np.maximum(history[f"{split}_kl"], kl_floor), **common)
    ax_agree.axhline(1.0, color=ROLE_COLORS["teacher"], linewidth=0.8, linestyle=":")
    label_axes(ax_agree, "optimizer step", "top-1 agreement with teacher")
    ax_agree.set_ylim(max(0.0, min(h[["distill_agreement", "test_agreement"]].iloc[1:].min().min()
                                   for h in histories.values()) - 0.01), 1.005)
    ax_kl.set_yscale("log")
    label_axes(ax_kl, "optimizer step", r"KL(teacher $\|$ student) [nats]")
    # Below the data, not over it: one entry per line.
    ax_kl.legend(*ax_agree.get_legend_handles_labels(), fontsize=10, loc="upper center",
                 bbox_to_anchor=(0.5, -0.22), ncol=1, frameon=False)
    ax_agree.xaxis.label.set_visible(False)  # shared with the panel below
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


@validate_params(
    run=Instance(DistillationRun), temperature=Real(0.0, low_open=True), augmentation=Options(*AUGMENTATIONS)
)
def draw_fidelity_setting(run: DistillationRun, temperature: float, augmentation: str):
    """The explorer's figure for one setting: :func:`draw_fidelity_history` with a summary title."""
    final = run.final
    return draw_fidelity_history(
        {f"T = {temperature:g}, {augmentation}": run},
        title=(f"T = {temperature:g}, augmentation: {augmentation}\nfinal held-out agreement "
               f"{final['test_agreement']:.3f}, KL {final['test_kl']:.2g} nats"),
    )


@validate_params(init_alpha=Real(0.0, 1.0), runs=Instance(Mapping))
def draw_fidelity_start(init_alpha: float, runs: Mapping[float, DistillationRun]):
    """The explorable of the start toward the teacher: one run's fidelity over training.

    ``runs`` maps each start ``init_alpha`` (the fraction of the way from a
    random initialization to the teacher's weights) to its
    :class:`kdbook.fidelity.DistillationRun`, trained in advance.
    """
    if init_alpha not in runs:
        raise ValueError(f"init_alpha must be one of {sorted(runs)}, got {init_alpha}")
    run = runs[init_alpha]
    final = run.final
    return draw_fidelity_history(
        {f"start α = {init_alpha:g}": run},
        title=(f"start α = {init_alpha:g} of the way to the teacher\nfinal held-out agreement "
               f"{final['test_agreement']:.3f}, KL {final['test_kl']:.2g} nats"),
    )


@validate_params(
    frames=Instance(Mapping), parameter=Instance(str), xlabel=Instance(str, optional=True),
    title=Instance(str, optional=True), kl_floor=Real(0.0, low_open=True),
)
def draw_sweep(frames: Mapping[str, pd.DataFrame], parameter: str, *, xlabel: str | None = None,
               title: str | None = None, kl_floor: float = 1e-6):
    """Final fidelity against a swept setting: agreement (left) and KL (right, log scale).

    Parameters
    ----------
    frames : mapping of str to DataFrame
        Results of :func:`kdbook.fidelity.distillation_sweep` (or frames with
        the same columns), by legend label; one colour per label. Solid lines
        are held-out data, dashed lines the distillation data.
    parameter : str
        The swept column; numeric values are placed on a numeric axis,
        others (e.g. augmentation names) at equal spacing.
    xlabel, title : str, optional
    kl_floor : float > 0
        KL values below it are drawn at ``kl_floor``.

    Returns
    -------
    matplotlib Figure.
    """
    if not frames:
        raise ValueError("frames must be a non-empty mapping from labels to DataFrames")
    colors = [PALETTE[name] for name in ("blue", "vermillion", "green", "purple", "orange", "sky")]
    if len(frames) > len(colors):
        raise ValueError(f"frames must hold at most {len(colors)} sweeps, got {len(frames)}")
    fig, (ax_agree, ax_kl) = plt.subplots(2, 1, figsize=(5.0, 7.6), sharex=True, layout="constrained")
    for (label, frame), color in zip(frames.items(), colors, strict=False):
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"frames[{label!r}] must be a pandas DataFrame, got {type(frame).__name__}")
        needed = {parameter, "distill_agreement", "distill_kl", "test_agreement", "test_kl"}
        missing = needed - set(frame.columns)
        if missing:
            raise ValueError(f"frames[{label!r}] is missing the columns {sorted(missing)}")
        values = frame[parameter]
        numeric = pd.api.types.is_numeric_dtype(values)
        x = values.to_numpy(dtype=float) if numeric else np.arange(len(values))
        for split, style in (("test", "-"), ("distill", "--")):
            ax_agree.plot(x, frame[f"{split}_agreement"], style, marker="o", color=color,
                          label=f"{label}, {_SPLIT_STYLE[split]['label']}")
            ax_kl.plot(x, np.maximum(frame[f"{split}_kl"], kl_floor), style, marker="o", color=color)
        if not numeric:
            for ax in (ax_agree, ax_kl):
                ax.set_xticks(x, [str(v) for v in values])
    ax_agree.axhline(1.0, color=ROLE_COLORS["teacher"], linewidth=0.8, linestyle=":")
    label_axes(ax_agree, xlabel or parameter, "top-1 agreement with teacher")
    ax_kl.set_yscale("log")
    label_axes(ax_kl, xlabel or parameter, r"KL(teacher $\|$ student) [nats]")
    ax_kl.legend(*ax_agree.get_legend_handles_labels(), fontsize=10, loc="upper center",
                 bbox_to_anchor=(0.5, -0.22), ncol=1, frameon=False)
    ax_agree.xaxis.label.set_visible(False)  # shared with the panel below
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


@validate_params(
    linear=Instance(pd.DataFrame), mlp=Instance(pd.DataFrame), d=Integer(1), title=Instance(str, optional=True)
)
def draw_fidelity_vs_size(linear: pd.DataFrame, mlp: pd.DataFrame, *, d: int, title: str | None = None):
    """Test agreement against the size of the distillation set: linear versus MLP students.

    Parameters
    ----------
    linear : DataFrame from :func:`kdbook.fidelity.linear_fidelity_by_size`
    mlp : DataFrame from :func:`kdbook.fidelity.mlp_fidelity_by_size`
    d : int
        The linear model's input dimension (marked by a vertical line).
    title : str, optional

    Returns
    -------
    matplotlib Figure.
    """
    for frame, name, columns in (
        (linear, "linear", {"n", "rank", "agreement_closed_form", "agreement_trained"}),
        (mlp, "mlp", {"n", "test_agreement"}),
    ):
        missing = columns - set(frame.columns)
        if missing:
            raise ValueError(f"{name} is missing the columns {sorted(missing)}")
    fig, ax = plt.subplots(figsize=(5.0, 5.2))
    ax.plot(linear["n"], linear["agreement_closed_form"], color=ROLE_COLORS["distillation"],
            label="linear student, closed form (Theorem 1)")
    ax.plot(linear["n"], linear["agreement_trained"], "o", color=ROLE_COLORS["distillation"],
            markerfacecolor="white", label="linear student, trained (Newton-CG)")
    ax.plot(mlp["n"], mlp["test_agreement"], "s-", color=ROLE_COLORS["hard-label"],
            label="MLP student, trained")
    ax.axvline(d, color=ROLE_COLORS["teacher"], linestyle=":", linewidth=1)
    ax.text(d, 0.02, f" n = d = {d}", transform=ax.get_xaxis_transform(), fontsize=10)
    full = linear.loc[linear["rank"] >= d, "n"]
    if len(full):
        ax.axvspan(full.min(), linear["n"].max(), color=PALETTE["sky"], alpha=0.15,
                   label="linear inputs span $\\mathbb{R}^d$")
    ax.axhline(1.0, color=ROLE_COLORS["teacher"], linewidth=0.8)
    ax.set_xscale("log")
    sizes = sorted(set(linear["n"]).union(mlp["n"]))
    ax.set_xticks(sizes, [str(int(n)) for n in sizes], fontsize=10, rotation=45)
    ax.xaxis.set_minor_formatter(NullFormatter())
    label_axes(ax, "distillation set size n (log scale)", "top-1 agreement on held-out data", title)
    ax.legend(fontsize=10, loc="upper center", bbox_to_anchor=(0.5, -0.3), frameon=False)
    fig.tight_layout()
    return fig


@validate_params(
    teacher=Model("d"), X_distill=Array("n", "d"), X_test=Array("m", "d"),
    y_test=Array("m", integer=True, low=0, optional=True), temperatures=Array(None, low=0.0, low_open=True),
    augmentations=OptionList(*AUGMENTATIONS), temperature=Real(0.0, low_open=True),
    augmentation=Options(*AUGMENTATIONS), steps=Integer(1), record_every=Integer(1), seed=Seed(keep_int=True),
    precomputed=Instance(Mapping, optional=True),
)
def fidelity_explorer(
    teacher,
    X_distill,
    X_test,
    *,
    y_test=None,
    temperatures=(1.0, 2.0, 4.0, 8.0),
    augmentations=AUGMENTATIONS,
    temperature: float = 4.0,
    augmentation: str = "none",
    steps: int = 1000,
    record_every: int = 50,
    seed=0,
    precomputed: Mapping | None = None,
    **distill_kwargs,
):
    """Widget: choose the temperature and the augmentation; see fidelity over training.

    Each setting is trained with :func:`kdbook.fidelity.distill` (same seed,
    so only the chosen setting changes) the first time it is selected, then
    cached.

    Parameters
    ----------
    teacher, X_distill, X_test, y_test
        As in :func:`kdbook.fidelity.distill`.
    temperatures : 1-D array (or sequence) of float > 0
        The temperatures offered by the slider.
    augmentations : non-empty list or tuple of {"none", "noise", "mixup"}
    temperature, augmentation
        The starting setting (must be among the offered ones).
    steps, record_every, seed, **distill_kwargs
        Passed to :func:`kdbook.fidelity.distill` (checked as it checks them);
        every setting starts from the same ``seed`` (default 0).
    precomputed : mapping of (temperature, augmentation) to DistillationRun, optional
        Runs already trained (e.g. by the chapter), used instead of retraining.

    Returns
    -------
    ipywidgets.VBox (see :func:`kdbook.explore.core.explorer`); its ``cache``
    attribute maps each visited setting to its run, and its ``progress`` bar
    counts the optimizer steps of a new setting's training.
    """
    import ipywidgets as widgets

    temperatures = tuple(float(t) for t in temperatures)
    if temperature not in temperatures:
        raise ValueError(f"temperature must be one of temperatures {temperatures}, got {temperature}")
    if augmentation not in augmentations:
        raise ValueError(f"augmentation must be one of {augmentations}, got {augmentation!r}")
    distill_kwargs = validate_forwarded(distill, distill_kwargs)
    cache: dict = {}
    for key, run in dict(precomputed or {}).items():
        if not isinstance(run, DistillationRun):
            raise TypeError(f"precomputed values must be DistillationRun, got {type(run).__name__}")
        cache[(float(key[0]), key[1])] = run

    bar = widgets.IntProgress(value=steps, min=0, max=steps, description="training",
                              style={"description_width": "initial"})

    def draw(temperature, augmentation):
        key = (float(temperature), augmentation)
        if key not in cache:
            bar.value = 0
            with _optimizer_steps_shown(bar, every=max(steps // 50, 1)):
                cache[key] = distill(
                    teacher, X_distill, X_test=X_test, y_test=y_test, temperature=float(temperature),
                    augmentation=augmentation, steps=steps, record_every=record_every,
                    seed=seed, **distill_kwargs,
                )
        bar.value = bar.max
        return draw_fidelity_setting(cache[key], temperature, augmentation)

    controls = {
        "temperature": widgets.SelectionSlider(
            options=list(temperatures), value=temperature, description="temperature T", continuous_update=False
        ),
        "augmentation": widgets.Dropdown(options=list(augmentations), value=augmentation, description="augmentation"),
    }
    app = explorer(draw, controls, title="Fidelity over training: temperature and augmentation", progress=bar)
    app.cache = cache
    app.progress = bar
    return app


@contextmanager
def _optimizer_steps_shown(bar, every: int):
    """Count torch optimizer steps into ``bar`` while a run trains (``distill`` has no progress callback)."""
    from torch.optim.optimizer import register_optimizer_step_post_hook

    def count(_optimizer, _args, _kwargs):
        count.steps += 1
        if count.steps % every == 0:
            bar.value = min(count.steps, bar.max)

    count.steps = 0
    handle = register_optimizer_step_post_hook(count)
    try:
        yield
    finally:
        handle.remove()
