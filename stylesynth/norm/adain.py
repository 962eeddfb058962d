"""Adaptive instance normalization."""

from __future__ import annotations

from torch import Tensor, nn

from . import functional as Fn
from .functional import check_eps
from .registry import register


@register("adain")
class AdaIN(nn.Module):
    r"""Adaptive instance normalization (Huang & Belongie, 2017).

    .. math:: \mathrm{AdaIN}(x, y) = \sigma(y) \frac{x - \mu(x)}{\sigma(x)} + \mu(y)

    ``mu`` and ``sigma`` are the mean and standard deviation over the spatial axes (\*) of each
    sample and channel, ``sigma = sqrt(var + eps)``. The variance is biased by default, as in the
    paper's Torch release; ``unbiased=True`` uses the ``n - 1`` estimate of the widely used PyTorch
    port, so that its weights reproduce its outputs exactly. No parameters.

    ``forward(content, style)`` or ``forward(content, style_stats=(mean, std))`` with statistics
    from :func:`stylesynth.norm.functional.channel_stats` (cache them to restyle many contents).

    Args:
        num_features: channels ``C``, or ``None`` to accept any count.
        eps: added to the variance.
        unbiased: use the unbiased (``n - 1``) variance.

    Shape:
        content ``(N, C, *)``, style ``(N or 1, C, *)`` (any spatial size) -> ``(N, C, *)``, in the
        content's memory format.
    """

    def __init__(self, num_features: int | None = None, eps: float = 1e-5, unbiased: bool = False) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = check_eps(eps, type(self).__name__)
        self.unbiased = unbiased

    def forward(self, content: Tensor, style: Tensor | None = None, style_stats: tuple[Tensor, Tensor] | None = None) -> Tensor:
        Fn.check_input(content, self.num_features, "AdaIN", min_dim=3)
        return Fn.adain(content, style, style_stats=style_stats, eps=self.eps, unbiased=self.unbiased)

    def style_stats(self, style: Tensor) -> tuple[Tensor, Tensor]:
        """The ``(mean, std)`` of ``style`` as this layer computes them, for ``forward(..., style_stats=...)``."""
        Fn.check_input(style, self.num_features, "AdaIN", min_dim=3)
        return Fn.channel_stats(style, self.eps, self.unbiased)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, unbiased={self.unbiased}"
