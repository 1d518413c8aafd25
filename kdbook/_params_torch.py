"""Parameter declarations for torch inputs: tensors and models (the torch half of :mod:`kdbook._params`).

Used like the specs of ``_params``::

    @validate_params(teacher=Model("d"), X=Array("n", "d"))
    @validate_params(student_logits=Tensor("n", "classes"), teacher_logits=Tensor("n", "classes"), ...)

Torch is imported only when a tensor is checked, so declaring these costs
nothing at import time.
"""

from __future__ import annotations

from ._params import Array, Function, Spec, _check_axis

__all__ = ["Tensor", "Model"]


class Tensor(Spec):
    """A non-empty, finite, floating-point ``torch.Tensor`` with named axes (as :class:`Array`).

    Returned as float64, differentiably (``.to(torch.float64)`` keeps the
    autograd graph), so float32 inputs are cast rather than refused; integer,
    boolean and complex tensors, NaN and inf are refused naming the parameter.
    """

    def __init__(self, *axes, optional: bool = False):
        self.shape = Array(*axes)
        self.axes, self.optional = self.shape.axes, optional

    def describe(self) -> str:
        return f"a floating-point torch.Tensor of shape {self.shape.shape_text()}"

    def trusted(self, value):
        import torch

        return value if not isinstance(value, torch.Tensor) else value.to(torch.float64)

    def check(self, value, name, dims):
        import torch

        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be {self.describe()}, got {type(value).__name__}")
        if not value.is_floating_point():
            raise TypeError(f"{name} must hold floating-point numbers, got dtype {value.dtype}")
        shape = tuple(value.shape)
        if self.axes is not None:
            if len(shape) != len(self.axes):
                raise ValueError(f"{name} must have shape {self.shape.shape_text()}, got shape {shape}")
            for axis, (label, size) in enumerate(zip(self.axes, shape, strict=True)):
                _check_axis(name, axis, label, size, shape, dims)
        if value.numel() == 0:
            raise ValueError(f"{name} must not be empty, got shape {shape}")
        with torch.no_grad():
            if not bool(torch.isfinite(value).all()):
                raise ValueError(f"{name} must contain only finite values (no nan or inf)")
        return value.to(torch.float64)


def input_features(model) -> int | None:
    """How many input features ``model`` takes, when it says (a kdbook MLP or Ensemble), else None."""
    features = getattr(model, "n_features", None)
    return features if isinstance(features, int) and not isinstance(features, bool) else None


class Model(Function):
    """A callable model of inputs whose length is the axis ``axis`` (e.g. ``"d"``).

    Any callable is accepted; a model that states its input size (a kdbook
    :class:`~kdbook.fidelity.MLP` or :class:`~kdbook.fidelity.Ensemble`, through
    ``n_features``) must agree with the arrays that share ``axis``, so a
    teacher trained on other inputs is refused naming it, not with torch's
    shape error from deep inside a product.
    """

    def __init__(self, axis: str, *, optional: bool = False):
        super().__init__(optional=optional)
        self.axis = axis

    def describe(self) -> str:
        return f"a callable model of inputs with {self.axis} features"

    def check(self, value, name, dims):
        value = super().check(value, name, dims)
        features = input_features(value)
        if features is None:
            return value
        if self.axis not in dims:
            dims[self.axis] = (features, name, (features,))
            return value
        expected, owner, _shape = dims[self.axis]
        if features != expected:
            raise ValueError(
                f"{name} takes {self.axis} = {features} input features, but {owner} has {self.axis} = {expected}"
            )
        return value
