"""SPADE's VAE style encoder: an image -> (mu, logvar) of a Gaussian over the style vector z."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..norm import build
from .spade_blocks import LEAKY_SLOPE, init_weight, make_conv


class StyleEncoder(nn.Module):
    r"""VAE encoder of SPADE's multimodal synthesis (Park et al., 2019, Sec. 3.3; official ``ConvEncoder``).

    The image is resized (bilinear) to ``image_size`` × ``image_size``, then stride-2 3×3 convs
    (spectral norm + instance norm, LeakyReLU(0.2) between) halve it down to 4×4 with widths
    ``ndf, 2ndf, 4ndf, 8ndf, 8ndf, …``; two linear heads give ``mu`` and ``logvar`` (log σ²).
    With the default ``image_size=256`` there are six layers, named ``layer1`` … ``layer6`` with
    ``fc_mu``/``fc_var`` as in the official release. :meth:`sample` draws
    :math:`z = \mu + \epsilon \cdot e^{\frac{1}{2}\log\sigma^2}`.

    Args:
        ndf: width of the first conv (the official code uses ``ngf`` = 64).
        z_dim: size of z (256 in the paper).
        image_size: square size the input is resized to; a power of two, at least 8.
        norm: norm after each conv (``instance`` in the paper).
        spectral: spectral norm on the convs.

    Shape:
        ``(N, 3, H, W)`` in [-1, 1] -> ``mu``, ``logvar`` ``(N, z_dim)``.
    """

    def __init__(
        self, ndf: int = 64, z_dim: int = 256, image_size: int = 256, norm: str = "instance", spectral: bool = True
    ) -> None:
        super().__init__()
        if image_size < 8 or image_size & (image_size - 1):
            raise ValueError(f"StyleEncoder: image_size must be a power of two >= 8, got {image_size}")
        self.image_size = image_size
        self.z_dim = z_dim
        num_layers = int(math.log2(image_size // 4))
        widths = [ndf * min(2**index, 8) for index in range(num_layers)]
        previous = 3
        for index, width in enumerate(widths, start=1):
            # the official norm layer drops the conv's bias: the norm that follows would cancel it
            conv = make_conv(previous, width, 3, stride=2, padding=1, bias=False, spectral=spectral)
            self.add_module(f"layer{index}", nn.Sequential(conv, build(norm, width, affine=False)))
            previous = width
        self.num_layers = num_layers
        self.fc_mu = init_weight(nn.Linear(previous * 16, z_dim))
        self.fc_var = init_weight(nn.Linear(previous * 16, z_dim))

    def forward(self, image: Tensor) -> tuple[Tensor, Tensor]:
        if image.dim() != 4 or image.shape[1] != 3:
            raise ValueError(f"StyleEncoder: expected an image batch of shape (N, 3, H, W), got {tuple(image.shape)}")
        if image.shape[2:] != (self.image_size, self.image_size):
            image = F.interpolate(image, size=(self.image_size, self.image_size), mode="bilinear", align_corners=False)
        x = image
        for index in range(1, self.num_layers + 1):
            if index > 1:
                x = F.leaky_relu(x, LEAKY_SLOPE)
            x = getattr(self, f"layer{index}")(x)
        x = F.leaky_relu(x, LEAKY_SLOPE).flatten(1)
        return self.fc_mu(x), self.fc_var(x)

    @staticmethod
    def sample(mu: Tensor, logvar: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """The reparametrization trick: ``mu + eps * exp(logvar / 2)``, ``eps ~ N(0, I)``."""
        noise = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
        return mu + noise * torch.exp(0.5 * logvar)

    def encode(self, image: Tensor, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """``(z, mu, logvar)`` for ``image``."""
        mu, logvar = self(image)
        return self.sample(mu, logvar, generator), mu, logvar
