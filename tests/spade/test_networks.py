"""Shapes, gradients and layouts of the SPADE networks at tiny widths."""

from __future__ import annotations

import pytest
import torch

from stylesynth.nets import MultiscaleDiscriminator, SPADEGenerator, SPADEResBlock, StyleEncoder
from stylesynth.nets.spade_blocks import parse_official_norm
from stylesynth.nets.spade_generator import latent_size


def segmap(batch: int, channels: int, height: int, width: int) -> torch.Tensor:
    labels = torch.randint(channels, (batch, height, width))
    return torch.nn.functional.one_hot(labels, channels).permute(0, 3, 1, 2).float()


@pytest.mark.parametrize(
    ("mode", "crop", "aspect", "expected"),
    [("normal", 64, 1.0, (64, 64)), ("more", 128, 1.0, (128, 128)), ("most", 128, 1.0, (128, 128)), ("normal", 128, 2.0, (64, 128)), ("more", 256, 4.0, (64, 256))],
)
def test_generator_output_size_follows_mode_and_aspect_ratio(mode, crop, aspect, expected) -> None:
    model = SPADEGenerator(3, ngf=2, num_upsampling_layers=mode, crop_size=crop, aspect_ratio=aspect, hidden_channels=4).eval()
    assert model.output_size == expected
    with torch.no_grad():
        out = model(segmap(1, 3, 20, 30))  # any input size: the map is resized
    assert out.shape == (1, 3, *expected)
    assert out.abs().max() <= 1


def test_latent_size_errors_name_the_problem() -> None:
    assert latent_size(256, 1.0, "normal") == (8, 8)
    assert latent_size(512, 2.0, "normal") == (8, 16)
    with pytest.raises(ValueError, match="num_upsampling_layers must be one of normal, more, most"):
        latent_size(256, 1.0, "many")
    with pytest.raises(ValueError, match="empty latent"):
        latent_size(16, 1.0, "normal")


def test_generator_rejects_a_map_with_the_wrong_channel_count() -> None:
    model = SPADEGenerator(4, ngf=2, crop_size=32, hidden_channels=4)
    with pytest.raises(ValueError, match=r"expected a one-hot segmentation map of shape \(N, 4, H, W\)"):
        model(segmap(1, 5, 32, 32))


def test_gradient_reaches_every_parameter_of_generator_encoder_and_discriminator() -> None:
    generator = SPADEGenerator(3, ngf=4, crop_size=32, use_vae=True, z_dim=8, hidden_channels=4)
    encoder = StyleEncoder(ndf=4, z_dim=8, image_size=16)
    discriminator = MultiscaleDiscriminator(3 + 3, num_scales=2, ndf=4)
    image = torch.rand(2, 3, 32, 32) * 2 - 1
    semantics = segmap(2, 3, 32, 32)
    z, mu, logvar = encoder.encode(image)
    fake = generator(semantics, z)
    features = discriminator(torch.cat([semantics, fake], 1))
    loss = sum(feature.mean() for scale in features for feature in scale) + mu.mean() + logvar.mean()
    loss.backward()
    for module in (generator, encoder, discriminator):
        for name, parameter in module.named_parameters():
            assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_res_block_learns_a_shortcut_only_when_channels_change() -> None:
    same = SPADEResBlock(8, 8, 3, hidden_channels=4)
    change = SPADEResBlock(8, 4, 3, hidden_channels=4)
    assert not hasattr(same, "conv_s") and not hasattr(same, "norm_s")
    assert change.conv_s.weight_orig.shape == (4, 8, 1, 1) and change.conv_s.bias is None
    assert change.conv_0.weight_orig.shape == (4, 8, 3, 3)  # middle width min(in, out)
    assert change.norm_1.num_features == 4
    assert change(torch.randn(2, 8, 8, 8), segmap(2, 3, 16, 16)).shape == (2, 4, 8, 8)


def test_discriminator_returns_intermediate_features_per_scale_in_the_official_layout() -> None:
    discriminator = MultiscaleDiscriminator(5, num_scales=3, ndf=4, n_layers=4)
    outputs = discriminator(torch.randn(2, 5, 64, 64))
    assert len(outputs) == 3
    assert [len(scale) for scale in outputs] == [5, 5, 5]
    assert [feature.shape[1] for feature in outputs[0]] == [4, 8, 16, 32, 1]
    assert outputs[1][0].shape[-1] == 17  # second scale sees the input average-pooled to 32x32
    keys = set(discriminator.state_dict())
    assert "discriminator_0.model0.0.weight" in keys and "discriminator_0.model0.0.bias" in keys
    assert {"discriminator_2.model1.0.weight_orig", "discriminator_2.model1.0.weight_u", "discriminator_2.model4.0.bias"} <= keys
    assert "discriminator_0.model1.0.bias" not in keys  # the norm after it makes a bias useless, as official


def test_discriminate_splits_fake_and_real_of_one_batch() -> None:
    discriminator = MultiscaleDiscriminator(6, ndf=4).eval()
    semantics, fake, real = segmap(2, 3, 32, 32), torch.randn(2, 3, 32, 32), torch.randn(2, 3, 32, 32)
    fake_features, real_features = discriminator.discriminate(semantics, fake, real)
    alone = discriminator(torch.cat([semantics, real], 1))
    torch.testing.assert_close(real_features[1][-1], alone[1][-1])
    assert fake_features[0][0].shape[0] == 2


def test_style_encoder_has_the_official_layout_at_256() -> None:
    with torch.device("meta"):
        encoder = StyleEncoder()
    keys = set(encoder.state_dict())
    assert {f"layer{i}.0.weight_orig" for i in range(1, 7)} <= keys
    assert "layer7.0.weight_orig" not in keys and "layer1.0.bias" not in keys
    assert encoder.fc_mu.weight.shape == (256, 512 * 16) and encoder.fc_var.weight.shape == (256, 512 * 16)


def test_style_encoder_resizes_any_image_and_samples_with_the_reparametrization() -> None:
    encoder = StyleEncoder(ndf=4, z_dim=6, image_size=16)
    mu, logvar = encoder(torch.rand(3, 3, 40, 24))
    assert mu.shape == logvar.shape == (3, 6)
    generator = torch.Generator().manual_seed(0)
    z = StyleEncoder.sample(torch.zeros(2, 6), torch.full((2, 6), 2 * torch.log(torch.tensor(3.0))), generator)
    expected = torch.randn(2, 6, generator=torch.Generator().manual_seed(0)) * 3
    torch.testing.assert_close(z, expected)


def test_official_norm_strings_are_understood() -> None:
    assert parse_official_norm("spectralspadesyncbatch3x3") == {"spectral": True, "norm": "sync_batch", "kernel_size": 3}
    assert parse_official_norm("spadeinstance5x5") == {"spectral": False, "norm": "instance", "kernel_size": 5}
    with pytest.raises(ValueError, match="unknown SPADE norm spec 'spectralbatch'"):
        parse_official_norm("spectralbatch")
