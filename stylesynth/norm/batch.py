"""Batch normalization."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from ._base import RunningStatsNorm
from .registry import register


@register("batch")
class BatchNorm(RunningStatsNorm):
    r"""Batch normalization (Ioffe & Szegedy, 2015).

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma_c + \beta_c

    Statistics run over (N, \*) for each channel. The normalization uses the biased variance, with
    ``eps`` added inside the square root; the running variance is updated with the unbiased one,
    ``running = (1 - momentum) * running + momentum * batch``. In eval mode (with
    ``track_running_stats``) the running statistics are used instead.

    Args:
        num_features: channels ``C``.
        eps: added to the variance.
        momentum: weight of the new batch in the running statistics; ``None`` for a cumulative average.
        affine: learn per-channel ``gamma`` (init 1) and ``beta`` (init 0).
        track_running_stats: keep running statistics for eval mode; without them eval uses batch statistics.

    Shape:
        ``(N, C)`` or ``(N, C, *)`` in, the same shape and memory format out.

    Examples:
        >>> norm = BatchNorm(64)
        >>> y = norm(torch.randn(8, 64, 32, 32))
    """

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        momentum = self._momentum_for_this_step()
        return F.batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self._use_batch_stats(),
            momentum,
            self.eps,
        )
