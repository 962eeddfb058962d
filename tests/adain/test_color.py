"""match_color (CORAL colour preservation) and bfloat16 autocast."""

from __future__ import annotations

import torch

from stylesynth.inference import Stylizer
from stylesynth.inference.color import match_color

from .conftest import make_network


def _mean_cov(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    pixels = images.double().flatten(2)[0]
    centered = pixels - pixels.mean(1, keepdim=True)
    return pixels.mean(1), centered @ centered.T / pixels.shape[1]


def test_match_color_gives_the_target_mean_and_covariance():
    generator = torch.Generator().manual_seed(0)
    source = 0.3 + 0.2 * torch.rand(1, 3, 40, 50, generator=generator) * torch.tensor([1.0, 0.5, 0.2]).view(1, 3, 1, 1)
    target = 0.4 + 0.1 * torch.randn(1, 3, 30, 20, generator=generator).clamp(-2, 2)
    recoloured = match_color(source, target, eps=0.0)
    mean, cov = _mean_cov(recoloured)
    target_mean, target_cov = _mean_cov(target)
    torch.testing.assert_close(mean, target_mean, atol=1e-5, rtol=0)
    torch.testing.assert_close(cov, target_cov, atol=1e-5, rtol=1e-4)
    assert recoloured.shape == source.shape


def test_match_color_of_a_flat_source_stays_finite():
    recoloured = match_color(torch.full((1, 3, 16, 16), 0.5), torch.rand(1, 3, 16, 16))
    assert torch.isfinite(recoloured).all()


def test_bfloat16_autocast_stays_close_to_float32():
    network = make_network()
    content, style = torch.rand(3, 32, 40), torch.rand(3, 32, 32)
    full = Stylizer(network, device="cpu", precision="fp32").stylize(content, style)
    half = Stylizer(network, device="cpu", precision="bf16").stylize(content, style)
    assert half.dtype == torch.float32 and half.shape == full.shape
    assert (half - full).abs().mean() < 0.05 * full.abs().mean() + 1e-3
