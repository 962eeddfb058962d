"""Weight normalization."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from . import functional as Fn
from ._reparametrization import WeightReparametrization
from .registry import register_weight


class WeightNorm(WeightReparametrization):
    """``w = g * v / ||v||``, stored as parameters ``{name}_g`` and ``{name}_v``."""

    def __init__(self, name: str, dim: int | None) -> None:
        super().__init__(name)
        self.dim = dim

    def stored_names(self) -> list[str]:
        return [self.name + "_g", self.name + "_v"]

    def store(self, module: nn.Module, weight: nn.Parameter) -> None:
        if self.dim is None:
            norm = torch.linalg.vector_norm(weight.detach())
        else:
            self.dim %= weight.dim()
            other_dims = [d for d in range(weight.dim()) if d != self.dim]
            norm = torch.linalg.vector_norm(weight.detach(), dim=other_dims, keepdim=True) if other_dims else weight.detach().abs()
        module.register_parameter(self.name + "_g", nn.Parameter(norm.clone()))
        module.register_parameter(self.name + "_v", nn.Parameter(weight.detach().clone()))

    def compute_weight(self, module: nn.Module, update: bool) -> Tensor:
        return Fn.weight_norm_weight(getattr(module, self.name + "_g"), getattr(module, self.name + "_v"), self.dim)


@register_weight("weight_norm")
def weight_norm(module: nn.Module, name: str = "weight", dim: int | None = 0) -> nn.Module:
    r"""Weight normalization (Salimans & Kingma, 2016) of ``module.<name>``.

    .. math:: w = g \frac{v}{\lVert v \rVert}

    The norm runs over every axis but ``dim`` (one ``g`` per output unit with ``dim=0``; over the
    whole tensor with ``dim=None``). ``g`` starts as ``||w||`` and ``v`` as ``w``, so the module
    computes the same function right after the call. Stored as ``{name}_g`` and ``{name}_v``, the
    keys of ``torch.nn.utils.weight_norm``. :func:`stylesynth.norm.fold` turns it back into a plain
    weight with the same outputs.

    Examples:
        >>> conv = weight_norm(nn.Conv2d(3, 8, 3))
    """
    return WeightNorm(name, dim).attach(module)
