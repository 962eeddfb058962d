"""Instance normalization."""

from __future__ import annotations

from torch import Tensor

from . import functional as Fn
from ._base import RunningStatsNorm
from .registry import register


@register("instance")
class InstanceNorm(RunningStatsNorm):
    r"""Instance normalization (Ulyanov, Vedaldi & Lempitsky, 2016).

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma_c + \beta_c

    Statistics run over the spatial axes (\*) for each sample and channel, with the biased
    variance and ``eps`` inside the square root. With ``track_running_stats`` the running
    statistics are the batch averages of the instance statistics (unbiased variance), used in eval
    mode. Defaults follow ``torch.nn.InstanceNorm2d`` (no affine, no running statistics).

    Unlike ``torch.nn.InstanceNorm2d`` in torch 2.14.1, a channels_last input gives a channels_last
    output, and the input gradient on CPU is right for channels_last inputs of batch 1.

    Args:
        num_features: channels ``C``.
        eps: added to the variance.
        momentum: weight of the new batch in the running statistics; ``None`` for a cumulative average.
        affine: learn per-channel ``gamma`` and ``beta``.
        track_running_stats: keep running statistics and use them in eval mode.

    Shape:
        ``(N, C, *)`` with at least one spatial axis in, the same shape and memory format out.
    """

    min_dim = 3

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        if not self._use_batch_stats():
            return Fn.instance_norm(x, self.weight, self.bias, self.running_mean, self.running_var, False, eps=self.eps)
        updating = self.training and self.track_running_stats
        return Fn.instance_norm(
            x,
            self.weight,
            self.bias,
            self.running_mean if updating else None,
            self.running_var if updating else None,
            use_input_stats=True,
            momentum=self._momentum_for_this_step(),
            eps=self.eps,
        )
