"""Weight standardization."""

from __future__ import annotations

from torch import Tensor, nn

from . import functional as Fn
from ._reparametrization import WeightReparametrization
from .registry import register_weight


class WeightStandardization(WeightReparametrization):
    """``w = (w_orig - mean) / sqrt(var + eps)`` per output unit; stores ``{name}_orig``."""

    def __init__(self, name: str, eps: float) -> None:
        super().__init__(name)
        self.eps = Fn.check_eps(eps, type(self).__name__)

    def stored_names(self) -> list[str]:
        return [self.name + "_orig"]

    def store(self, module: nn.Module, weight: nn.Parameter) -> None:
        module.register_parameter(self.name + "_orig", weight)

    def compute_weight(self, module: nn.Module, update: bool) -> Tensor:
        return Fn.standardize_weight(getattr(module, self.name + "_orig"), self.eps)


@register_weight("weight_standardization")
def weight_standardization(module: nn.Module, name: str = "weight", eps: float = 1e-5) -> nn.Module:
    r"""Weight standardization (Qiao, Wang, Liu, Shen & Yuille, 2019) of ``module.<name>``.

    .. math:: \hat W_o = \frac{W_o - \mathrm{mean}(W_o)}{\sqrt{\mathrm{Var}(W_o) + \epsilon}}

    Mean and biased variance over every axis but the first (one pair per output unit), ``eps``
    inside the square root. Stored as ``{name}_orig``. For a standardized conv whose checkpoint key
    stays ``weight`` (as in BiT / timm ``StdConv2d``), use :class:`WSConv2d`.
    """
    return WeightStandardization(name, eps).attach(module)


class WSConv2d(nn.Conv2d):
    r"""A ``Conv2d`` whose weight is standardized in every forward (Qiao et al., 2019).

    .. math:: y = \hat W * x + b, \qquad \hat W_o = \frac{W_o - \mathrm{mean}(W_o)}{\sqrt{\mathrm{Var}(W_o) + \epsilon}}

    Mean and biased variance per output channel over (C_in / groups, kH, kW), ``eps`` inside the
    square root. The raw weight is the ``weight`` parameter, so state dicts match ``nn.Conv2d``.
    :func:`stylesynth.norm.fold` turns it into a plain ``nn.Conv2d`` with the same outputs.
    """

    def __init__(self, *args, eps: float = 1e-5, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        return self._conv_forward(x, Fn.standardize_weight(self.weight, self.eps), self.bias)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", eps={self.eps}"
