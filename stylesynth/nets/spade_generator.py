"""The SPADE generator (Park et al., 2019): residual SPADE blocks upsampling a latent to an image."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..norm.functional import class_positional_map
from .spade_blocks import LEAKY_SLOPE, SPADEResBlock, init_weight, make_conv

#: ``num_upsampling_layers`` -> number of ×2 upsamplings between the latent and the image
UPSAMPLINGS = {"normal": 5, "more": 6, "most": 7}


def latent_size(crop_size: int, aspect_ratio: float = 1.0, num_upsampling_layers: str = "normal") -> tuple[int, int]:
    """``(height, width)`` of the generator's latent, as the official ``compute_latent_vector_size``.

    ``width = crop_size // 2**n`` and ``height = round(width / aspect_ratio)``, ``n`` from
    :data:`UPSAMPLINGS`. The image is ``2**n`` times larger on each side.
    """
    if num_upsampling_layers not in UPSAMPLINGS:
        raise ValueError(
            f"num_upsampling_layers must be one of {', '.join(UPSAMPLINGS)}, got {num_upsampling_layers!r}"
        )
    if aspect_ratio <= 0:
        raise ValueError(f"aspect_ratio must be positive (width / height), got {aspect_ratio}")
    factor = 2 ** UPSAMPLINGS[num_upsampling_layers]
    width = crop_size // factor
    height = round(width / aspect_ratio)
    if width < 1 or height < 1:
        raise ValueError(
            f"crop_size {crop_size} with aspect_ratio {aspect_ratio} and num_upsampling_layers="
            f"{num_upsampling_layers!r} gives an empty latent ({height}x{width}); crop_size must be at least "
            f"{factor * max(1, round(aspect_ratio))}"
        )
    return height, width


class SPADEGenerator(nn.Module):
    r"""SPADE generator (Park, Liu, Wang & Zhu, 2019, "Semantic Image Synthesis with Spatially-Adaptive Normalization").

    The segmentation map, downsampled to the latent size, goes through a 3×3 conv ``fc`` (or, with
    ``use_vae``, a style vector ``z`` goes through a linear ``fc``) to ``16·ngf`` channels; then
    ``head_0``, ``G_middle_0``, ``G_middle_1`` (``16·ngf``) and ``up_0`` … ``up_3`` (``8, 4, 2, 1 ×
    ngf``; ``up_4`` to ``ngf/2`` for ``most``) :class:`SPADEResBlock`\ s, each modulated by the full
    map, with nearest ×2 upsampling between them; finally LeakyReLU(0.2), a 3×3 ``conv_img`` and tanh.
    Module names and parameter shapes are those of the official ``latest_net_G.pth``.

    ``modulation="clade"`` makes every block's norm :class:`~stylesynth.norm.CLADE` (Tan et al.,
    TPAMI 2021): γ, β looked up per class instead of predicted by SPADE's convs, far fewer
    parameters and operations; the class ids (argmax of the map's channels: instance edges, the
    last channel, never win) and, with ``positional=True`` (CLADE-ICPE), the intra-class positional
    map are computed once per forward at the map's resolution and shared by all blocks.

    Args:
        semantic_nc: channels of the input map: classes + 1 with a don't-care label + 1 with
            instance edges (COCO-Stuff 184, ADE20K 151, Cityscapes 36).
        ngf: base width (64 in the paper).
        num_upsampling_layers: ``normal`` (5 upsamplings), ``more`` (6) or ``most`` (7).
        crop_size: output width in pixels.
        aspect_ratio: width / height of the output.
        use_vae: take a style vector ``z`` (from :class:`StyleEncoder` or random) instead of the map.
        z_dim: size of ``z``.
        norm: SPADE's parameter-free inner norm; the paper trains with ``sync_batch``.
        spectral: spectral norm on the residual blocks' convs (the paper's ``spectral`` prefix).
        kernel_size: kernel of SPADE's convs (unused with CLADE).
        hidden_channels: width of SPADE's shared conv (128 in the paper; unused with CLADE).
        modulation: the blocks' modulated norm, ``"spade"`` or ``"clade"``.
        positional: CLADE's intra-class positional encoding (CLADE-ICPE); with ``"clade"`` only.

    Shape:
        ``segmap`` ``(N, semantic_nc, H, W)`` (any size; it is resized with nearest interpolation),
        ``z`` ``(N, z_dim)`` -> image ``(N, 3, latent_h·2^n, latent_w·2^n)`` in [-1, 1].
    """

    def __init__(
        self,
        semantic_nc: int,
        ngf: int = 64,
        num_upsampling_layers: str = "normal",
        crop_size: int = 256,
        aspect_ratio: float = 1.0,
        use_vae: bool = False,
        z_dim: int = 256,
        norm: str = "sync_batch",
        spectral: bool = True,
        kernel_size: int = 3,
        hidden_channels: int = 128,
        modulation: str = "spade",
        positional: bool = False,
    ) -> None:
        super().__init__()
        if semantic_nc < 1 or ngf < 2:
            raise ValueError(f"SPADEGenerator: semantic_nc must be >= 1 and ngf >= 2, got {semantic_nc} and {ngf}")
        self.semantic_nc = semantic_nc
        self.ngf = ngf
        self.num_upsampling_layers = num_upsampling_layers
        self.use_vae = use_vae
        self.z_dim = z_dim
        self.modulation = modulation
        self.positional = positional
        self.latent_height, self.latent_width = latent_size(crop_size, aspect_ratio, num_upsampling_layers)
        top = 16 * ngf
        if use_vae:
            self.fc = init_weight(nn.Linear(z_dim, top * self.latent_height * self.latent_width))
        else:
            self.fc = make_conv(semantic_nc, top, 3, padding=1)
        block = dict(
            semantic_nc=semantic_nc, norm=norm, spectral=spectral, kernel_size=kernel_size, hidden_channels=hidden_channels,
            modulation=modulation, positional=positional,
        )
        self.head_0 = SPADEResBlock(top, top, **block)
        self.G_middle_0 = SPADEResBlock(top, top, **block)
        self.G_middle_1 = SPADEResBlock(top, top, **block)
        self.up_0 = SPADEResBlock(16 * ngf, 8 * ngf, **block)
        self.up_1 = SPADEResBlock(8 * ngf, 4 * ngf, **block)
        self.up_2 = SPADEResBlock(4 * ngf, 2 * ngf, **block)
        self.up_3 = SPADEResBlock(2 * ngf, ngf, **block)
        final = ngf
        if num_upsampling_layers == "most":
            self.up_4 = SPADEResBlock(ngf, ngf // 2, **block)
            final = ngf // 2
        self.conv_img = make_conv(final, 3, 3, padding=1)

    @property
    def output_size(self) -> tuple[int, int]:
        """``(height, width)`` of the generated images."""
        factor = 2 ** UPSAMPLINGS[self.num_upsampling_layers]
        return self.latent_height * factor, self.latent_width * factor

    def upsample_blocks(self) -> list[SPADEResBlock]:
        blocks = [self.up_0, self.up_1, self.up_2, self.up_3]
        return blocks + [self.up_4] if self.num_upsampling_layers == "most" else blocks

    def _check(self, segmap: Tensor, z: Tensor | None) -> None:
        if not isinstance(segmap, Tensor) or segmap.dim() != 4 or segmap.shape[1] != self.semantic_nc:
            shape = tuple(segmap.shape) if isinstance(segmap, Tensor) else type(segmap).__name__
            raise ValueError(
                f"SPADEGenerator: expected a one-hot segmentation map of shape (N, {self.semantic_nc}, H, W), got {shape}"
            )
        if z is not None and (z.dim() != 2 or z.shape != (segmap.shape[0], self.z_dim)):
            raise ValueError(f"SPADEGenerator: expected z of shape ({segmap.shape[0]}, {self.z_dim}), got {tuple(z.shape)}")
        if z is not None and not self.use_vae:
            raise ValueError("SPADEGenerator: z was given, but this generator was built with use_vae=False")

    def forward(self, segmap: Tensor, z: Tensor | None = None, generator: torch.Generator | None = None) -> Tensor:
        """Synthesizes images from ``segmap``; with ``use_vae`` and no ``z``, ``z`` is drawn from N(0, I) (``generator`` seeds it)."""
        self._check(segmap, z)
        segmap = segmap.to(self.conv_img.weight.dtype)
        if self.use_vae:
            if z is None:
                z = torch.randn(segmap.shape[0], self.z_dim, generator=generator, device=segmap.device)
            x = self.fc(z.to(segmap.dtype)).view(-1, 16 * self.ngf, self.latent_height, self.latent_width)
        else:
            x = self.fc(F.interpolate(segmap, size=(self.latent_height, self.latent_width), mode="nearest"))
        condition: tuple[Tensor, ...] = (segmap,)
        if self.modulation == "clade":  # class ids (and positional map) once, for every block
            labels = segmap.argmax(1)
            condition = (labels, class_positional_map(labels)) if self.positional else (labels,)
        x = self.head_0(x, *condition)
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = self.G_middle_0(x, *condition)
        if self.num_upsampling_layers in ("more", "most"):
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = self.G_middle_1(x, *condition)
        for block in self.upsample_blocks():
            x = block(F.interpolate(x, scale_factor=2, mode="nearest"), *condition)
        return torch.tanh(self.conv_img(F.leaky_relu(x, LEAKY_SLOPE)))

    def extra_repr(self) -> str:
        return (
            f"semantic_nc={self.semantic_nc}, ngf={self.ngf}, num_upsampling_layers={self.num_upsampling_layers!r}, "
            f"output_size={self.output_size}, use_vae={self.use_vae}, modulation={self.modulation!r}, positional={self.positional}"
        )
