"""SPADE's training losses: hinge GAN, discriminator feature matching, VGG perceptual, KL divergence.

Plain functions of tensors (and a :class:`VGGEncoder`), with the official code's weighting, so the
Lightning module only adds them up.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .vgg import VGGEncoder

#: weights of the VGG-19 layers relu1_1 … relu5_1 in SPADE's (pix2pixHD's) perceptual loss
VGG_LAYER_WEIGHTS = (1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0)


def hinge_discriminator_loss(logits: list[list[Tensor]], real: bool) -> Tensor:
    """Hinge loss of the discriminator: mean ``relu(1 - D(real))`` or ``relu(1 + D(fake))``, averaged over scales.

    ``logits`` is a :class:`MultiscaleDiscriminator` output; the last feature of each scale is used.
    """
    sign = -1.0 if real else 1.0
    return torch.stack([F.relu(1 + sign * scale[-1]).mean() for scale in logits]).mean()


def hinge_generator_loss(logits: list[list[Tensor]]) -> Tensor:
    """Hinge loss of the generator: ``-mean D(fake)``, averaged over scales."""
    return torch.stack([-scale[-1].mean() for scale in logits]).mean()


def feature_matching_loss(fake: list[list[Tensor]], real: list[list[Tensor]]) -> Tensor:
    """L1 between the discriminator's intermediate features for fake and (detached) real images.

    Summed over the intermediate layers of each scale (not the logits) and averaged over scales,
    as the official code (which then multiplies by ``lambda_feat`` = 10).
    """
    total = fake[0][0].new_zeros(())
    for fake_scale, real_scale in zip(fake, real):
        for fake_feature, real_feature in zip(fake_scale[:-1], real_scale[:-1]):
            total = total + F.l1_loss(fake_feature, real_feature.detach())
    return total / len(fake)


def vgg_loss(encoder: VGGEncoder, fake: Tensor, real: Tensor) -> Tensor:
    """Perceptual loss: ``Σ w_l · L1(VGG_l(fake), VGG_l(real))`` over relu1_1 … relu5_1, weights :data:`VGG_LAYER_WEIGHTS`.

    Images are in [-1, 1] and are mapped to the RGB [0, 1] input that :class:`VGGEncoder`
    normalizes itself (the official code feeds [-1, 1] to VGG unnormalized; this uses the
    encoder's own input convention instead). The encoder must end at ``relu5_1``.
    """
    if encoder.last_layer != "relu5_1":
        raise ValueError(f"vgg_loss: the VGG encoder must end at relu5_1, got last_layer={encoder.last_layer!r}")
    fake_features = encoder((fake + 1) / 2)
    with torch.no_grad():
        real_features = encoder((real + 1) / 2)
    return sum(weight * F.l1_loss(f, r) for weight, f, r in zip(VGG_LAYER_WEIGHTS, fake_features, real_features))


def kl_divergence(mu: Tensor, logvar: Tensor) -> Tensor:
    """``KL(N(mu, exp(logvar)) || N(0, I))`` summed over the batch and z, as the official ``KLDLoss``."""
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
