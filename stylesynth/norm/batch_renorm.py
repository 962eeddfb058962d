"""Batch renormalization."""

from __future__ import annotations

from torch import Tensor

from . import functional as Fn
from ._base import RunningStatsNorm
from .registry import register


@register("batch_renorm")
class BatchRenorm(RunningStatsNorm):
    r"""Batch renormalization (Ioffe, 2017).

    .. math::
        \hat x = \frac{x - \mu_B}{\sigma_B} r + d, \qquad
        r = \mathrm{sg}\Big(\mathrm{clip}_{[1/r_{max},\, r_{max}]} \frac{\sigma_B}{\sigma}\Big), \qquad
        d = \mathrm{sg}\Big(\mathrm{clip}_{[-d_{max},\, d_{max}]} \frac{\mu_B - \mu}{\sigma}\Big), \qquad
        y = \gamma_c \hat x + \beta_c

    Batch statistics run over (N, \*) per channel with the biased variance,
    ``sigma_B = sqrt(var_B + eps)``; ``mu`` and ``sigma = sqrt(running_var + eps)`` are the running
    statistics, updated afterwards like batch norm's (unbiased variance). ``sg`` stops the
    gradient. With ``r_max = 1, d_max = 0`` this is batch norm. Eval mode is batch norm with the
    running statistics. The paper raises ``r_max`` from 1 to 3 and ``d_max`` from 0 to 5 early in
    training; set the attributes from a callback to follow such a schedule.

    Shape:
        ``(N, C)`` or ``(N, C, *)`` in, the same shape and memory format out.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.01,
        affine: bool = True,
        r_max: float = 3.0,
        d_max: float = 5.0,
        device=None,
        dtype=None,
    ) -> None:
        if momentum is None:
            raise ValueError("BatchRenorm: momentum must be a number in [0, 1]")
        if r_max < 1 or d_max < 0:
            raise ValueError(f"BatchRenorm: need r_max >= 1 and d_max >= 0, got r_max={r_max}, d_max={d_max}")
        super().__init__(num_features, eps, momentum, affine, True, device, dtype)
        self.r_max = r_max
        self.d_max = d_max

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return Fn.batch_renorm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training,
            self._momentum_for_this_step(),
            self.eps,
            self.r_max,
            self.d_max,
        )

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, r_max={self.r_max}, d_max={self.d_max}"
