"""SPADE's losses against their formulas."""

from __future__ import annotations

import torch

from stylesynth.nets.spade_losses import (
    feature_matching_loss,
    hinge_discriminator_loss,
    hinge_generator_loss,
    kl_divergence,
    vgg_loss,
)
from stylesynth.nets.vgg import VGGEncoder


def test_hinge_losses_follow_their_formulas_averaged_over_scales() -> None:
    scales = [[torch.zeros(1), torch.tensor([[0.5, -2.0]])], [torch.zeros(1), torch.tensor([[3.0, 0.0]])]]
    real = ((1 - 0.5) + (1 + 2.0)) / 2, ((1 - 3.0 if 3.0 < 1 else 0) + 1) / 2
    fake = ((1 + 0.5) + 0) / 2, ((1 + 3.0) + 1) / 2
    assert torch.isclose(hinge_discriminator_loss(scales, real=True), torch.tensor(sum(real) / 2))
    assert torch.isclose(hinge_discriminator_loss(scales, real=False), torch.tensor(sum(fake) / 2))
    assert torch.isclose(hinge_generator_loss(scales), torch.tensor(-((0.5 - 2.0) / 2 + 3.0 / 2) / 2))


def test_feature_matching_skips_logits_sums_layers_and_averages_scales() -> None:
    fake = [[torch.ones(2, 2), torch.ones(2, 2), torch.full((1,), 50.0)], [torch.zeros(3), torch.full((1,), 9.0)]]
    real = [[torch.zeros(2, 2), torch.full((2, 2), 3.0), torch.zeros(1)], [torch.ones(3), torch.zeros(1)]]
    assert torch.isclose(feature_matching_loss(fake, real), torch.tensor((1.0 + 2.0 + 1.0) / 2))


def test_kl_divergence_is_the_summed_gaussian_kl() -> None:
    mu, logvar = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, torch.log(torch.tensor(4.0))]])
    expected = 0.5 * ((1 + 1 - 1 - 0) + (4 + 0 - 1 - torch.log(torch.tensor(4.0))))  # 0.5 Σ (σ² + μ² - 1 - log σ²)
    assert torch.isclose(kl_divergence(mu, logvar), expected)
    assert kl_divergence(torch.zeros(3, 4), torch.zeros(3, 4)) == 0


def test_vgg_loss_weights_layers_and_is_zero_for_identical_images() -> None:
    encoder = VGGEncoder.random(seed=0, last_layer="relu5_1")
    image = torch.rand(1, 3, 32, 32) * 2 - 1
    assert vgg_loss(encoder, image, image) == 0
    other = torch.rand(1, 3, 32, 32) * 2 - 1
    features = encoder((image + 1) / 2), encoder((other + 1) / 2)
    weights = (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1)
    expected = sum(w * (a - b).abs().mean() for w, a, b in zip(weights, *features))
    torch.testing.assert_close(vgg_loss(encoder, image, other), expected)
