"""Conditional instance normalization."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from . import functional as Fn
from .functional import check_eps
from .registry import register


@register("conditional_instance")
class ConditionalInstanceNorm(nn.Module):
    r"""Conditional instance normalization (Dumoulin, Shlens & Kudlur, 2017).

    .. math:: y = \gamma_{s,c} \frac{x - \mu(x)}{\sqrt{\sigma^2(x) + \epsilon}} + \beta_{s,c}

    Instance statistics over the spatial axes (\*) of each sample and channel (biased variance,
    ``eps`` inside the square root), then the affine ``(gamma_s, beta_s)`` of style ``s``: one pair
    of ``(C,)`` vectors per style. ``forward(x, style)`` takes style ids ``(N,)``, mixing weights
    ``(N, num_styles)``, which blend the styles' parameters as in the paper's style interpolation,
    or a map of mixing weights ``(N, num_styles, *)`` (a blend per position: the paper's spatial
    control with masks, section 5), resized to ``x``'s spatial size.

    Shape:
        ``(N, C, *)`` with at least one spatial axis in, the same shape and memory format out.
    """

    def __init__(self, num_features: int, num_styles: int, eps: float = 1e-5, device=None, dtype=None) -> None:
        super().__init__()
        if num_styles < 1:
            raise ValueError(f"ConditionalInstanceNorm: num_styles must be a positive integer, got {num_styles}")
        self.num_features = num_features
        self.num_styles = num_styles
        self.eps = check_eps(eps, type(self).__name__)
        self.weight = nn.Parameter(torch.ones(num_styles, num_features, device=device, dtype=dtype))
        self.bias = nn.Parameter(torch.zeros(num_styles, num_features, device=device, dtype=dtype))

    def reset_parameters(self) -> None:
        nn.init.ones_(self.weight)
        nn.init.zeros_(self.bias)

    def forward(self, x: Tensor, style: Tensor | int) -> Tensor:
        Fn.check_input(x, self.num_features, "ConditionalInstanceNorm", min_dim=3)
        if isinstance(style, int):
            style = torch.full((x.shape[0],), style, dtype=torch.long, device=x.device)
        return Fn.conditional_instance_norm(x, style, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, num_styles={self.num_styles}, eps={self.eps}"


class CodeConditionalInstanceNorm(nn.Module):
    r"""Conditional instance normalization with gamma and beta predicted from a style code (Ghiasi et al., 2017).

    .. math::
        \gamma = W_\gamma z + b_\gamma, \quad \beta = W_\beta z + b_\beta, \quad
        y = \gamma \frac{x - \mu(x)}{\sqrt{\sigma^2(x) + \epsilon}} + \beta

    "Exploring the structure of a real-time, arbitrary neural artistic stylization network"
    (Ghiasi, Lee, Kudlur, Dumoulin & Shlens, BMVC 2017): a style prediction network maps a style
    image to a code ``z``; each conditional instance norm of the transformer maps ``z`` to its own
    ``(gamma, beta)`` through two dense (1x1) layers. Instance statistics are biased, over the
    spatial axes, ``eps`` inside the square root; gamma is used as is.

    ``forward(x, code)``: ``code`` is ``(N, D)`` (one style per sample; several styles mixed by
    averaging their codes, since the maps are affine) or ``(N, D, h, w)``, a code per position,
    resized to ``x``'s spatial size by bilinear interpolation (spatial control with masks:
    Dumoulin et al. 2017, section 5).
    """

    def __init__(self, num_features: int, code_dim: int, eps: float = 1e-5, device=None, dtype=None) -> None:
        super().__init__()
        if code_dim < 1:
            raise ValueError(f"CodeConditionalInstanceNorm: code_dim must be a positive integer, got {code_dim}")
        self.num_features = num_features
        self.code_dim = code_dim
        self.eps = check_eps(eps, type(self).__name__)
        self.gamma = nn.Linear(code_dim, num_features, device=device, dtype=dtype)
        self.beta = nn.Linear(code_dim, num_features, device=device, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """gamma = 1 and beta = 0 for every code: plain instance normalization until trained."""
        for linear, bias in ((self.gamma, 1.0), (self.beta, 0.0)):
            nn.init.normal_(linear.weight, std=0.01)
            nn.init.constant_(linear.bias, bias)

    def forward(self, x: Tensor, code: Tensor) -> Tensor:
        Fn.check_input(x, self.num_features, type(self).__name__, min_dim=3)
        if not isinstance(code, Tensor) or code.dim() not in (2, x.dim()) or code.shape[1] != self.code_dim:
            got = tuple(code.shape) if isinstance(code, Tensor) else type(code).__name__
            raise ValueError(
                f"{type(self).__name__}: code must have shape (N, {self.code_dim}) or (N, {self.code_dim}, *) with as many spatial axes as x, got {got}"
            )
        if code.dim() == 2:
            return Fn.instance_norm_modulated(x, self.gamma(code), self.beta(code), self.eps)
        weight = torch.cat([self.gamma.weight, self.beta.weight]).to(code.dtype)
        bias = torch.cat([self.gamma.bias, self.beta.bias]).to(code.dtype)
        params = torch.einsum("nd...,cd->nc...", code, weight) + bias.reshape((1, -1) + (1,) * (x.dim() - 2))
        # the maps are affine, so resizing their output equals resizing the code (and costs 2C channels, not D)
        params = Fn.resize_to(params, x)
        gamma, beta = params.split(self.num_features, dim=1)
        return Fn.instance_norm_modulated(x, gamma, beta, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, code_dim={self.code_dim}, eps={self.eps}"
