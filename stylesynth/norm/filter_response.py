"""Filter response normalization with the thresholded linear unit."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from . import functional as Fn
from .functional import check_eps
from .registry import register


@register("filter_response")
class FilterResponseNorm(nn.Module):
    r"""Filter response normalization and TLU (Singh & Krishnan, 2020).

    .. math::
        \nu^2 = \frac{1}{M}\sum_m x_m^2, \qquad
        y = \gamma_c \frac{x}{\sqrt{\nu^2 + |\epsilon|}} + \beta_c, \qquad
        z = \max(y, \tau_c)

    ``nu^2`` is the mean square over the spatial axes (\*) of each sample and channel: no mean
    subtraction, no batch dependence, so train and eval compute the same thing. ``eps`` is added to
    ``nu^2``; with ``learnable_eps`` it is a per-channel parameter (the paper's choice for 1×1
    feature maps) used through its absolute value. The TLU (``tlu=True``) is part of the method:
    FRN is meant to replace both the norm and the activation.

    Shape:
        ``(N, C, *)`` with at least one spatial axis in, the same shape and memory format out.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-6,
        learnable_eps: bool = False,
        tlu: bool = True,
        affine: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.num_features = num_features
        self.affine = affine
        self.learnable_eps = learnable_eps
        self.weight = nn.Parameter(torch.ones(num_features, **factory)) if affine else None
        self.bias = nn.Parameter(torch.zeros(num_features, **factory)) if affine else None
        self.tau = nn.Parameter(torch.zeros(num_features, **factory)) if tlu else None
        check_eps(eps, type(self).__name__)
        if learnable_eps:
            self.eps = nn.Parameter(torch.full((num_features,), float(eps), **factory))
        else:
            self.eps = eps

    def reset_parameters(self) -> None:
        for param, value in ((self.weight, 1.0), (self.bias, 0.0), (self.tau, 0.0)):
            if param is not None:
                nn.init.constant_(param, value)

    def forward(self, x: Tensor) -> Tensor:
        Fn.check_input(x, self.num_features, "FilterResponseNorm", min_dim=3)
        return Fn.filter_response_norm(x, self.weight, self.bias, self.tau, self.eps)

    def extra_repr(self) -> str:
        eps = "learnable" if self.learnable_eps else self.eps
        return f"{self.num_features}, eps={eps}, tlu={self.tau is not None}, affine={self.affine}"
