"""AdaINDecoder: the public decoder.pth layout (legacy and zip files) and its errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from stylesynth.io import CheckpointError
from stylesynth.nets import AdaINDecoder

from .public_formats import DECODER_SHAPES, random_state_dict, save_legacy_and_zip


def port_decoder() -> nn.Sequential:
    """The AdaIN port's decoder as that port builds it (29 modules)."""
    def block(cin: int, cout: int) -> list[nn.Module]:
        return [nn.ReflectionPad2d(1), nn.Conv2d(cin, cout, 3), nn.ReLU()]

    up = nn.Upsample(scale_factor=2, mode="nearest")
    return nn.Sequential(
        *block(512, 256), up, *block(256, 256), *block(256, 256), *block(256, 256), *block(256, 128), up,
        *block(128, 128), *block(128, 64), up, *block(64, 64), nn.ReflectionPad2d(1), nn.Conv2d(64, 3, 3),
    )  # fmt: skip


def test_port_layout_matches_checkpoints_md():
    port = port_decoder()
    assert len(port) == 29
    shapes = {int(k.split(".")[0]): tuple(v.shape) for k, v in port.state_dict().items() if k.endswith("weight")}
    assert shapes == DECODER_SHAPES
    assert sum(p.numel() for p in AdaINDecoder().parameters()) == 3_505_219


def test_public_decoder_matches_port_legacy_and_zip(tmp_path):
    state = random_state_dict(DECODER_SHAPES)
    port = port_decoder()
    port.load_state_dict(state)
    features = torch.rand(2, 512, 5, 7)
    for path in save_legacy_and_zip(state, tmp_path, "decoder"):
        decoder = AdaINDecoder.from_public(path)
        with torch.no_grad():
            torch.testing.assert_close(decoder(features), port(features))


def test_output_is_eight_times_the_feature_size():
    assert AdaINDecoder()(torch.rand(1, 512, 3, 4)).shape == (1, 3, 24, 32)


def test_wrong_shape_names_key_and_format(tmp_path):
    state = random_state_dict(DECODER_SHAPES)
    state["14.weight"] = torch.zeros(128, 256, 1, 1)
    torch.save(state, tmp_path / "decoder.pth")
    with pytest.raises(CheckpointError, match=r"'14.weight' has shape \[128, 256, 1, 1\], expected \[128, 256, 3, 3\].*decoder.pth"):
        AdaINDecoder.from_public(tmp_path / "decoder.pth")


def test_encoder_file_given_as_decoder_names_first_missing_key(tmp_path):
    torch.save({"0.weight": torch.zeros(3, 3, 1, 1), "0.bias": torch.zeros(3)}, tmp_path / "vgg.pth")
    with pytest.raises(CheckpointError, match="missing key '1.weight'.*decoder.pth"):
        AdaINDecoder.from_public(tmp_path / "vgg.pth")


def test_wrong_features_are_a_clear_error():
    with pytest.raises(ValueError, match=r"\(N, 512, h, w\)"):
        AdaINDecoder()(torch.rand(1, 256, 4, 4))


def test_fresh_decoder_starts_mid_grey_and_its_hidden_units_alive():
    """Training init: the last conv is zero with bias 0.5, every other conv He-normal with zero bias."""
    torch.manual_seed(0)
    decoder = AdaINDecoder()
    features = torch.rand(2, 512, 4, 4) * 2
    output = decoder(features)
    torch.testing.assert_close(output, torch.full_like(output, 0.5))
    for name, conv in list(decoder.convs.items())[:-1]:
        fan_in = conv.weight[0].numel()
        assert abs(conv.weight.std().item() / (2 / fan_in) ** 0.5 - 1) < 0.05, name
        assert not conv.bias.any(), name
    # the zero last conv still gets a gradient, so training moves it off grey at the first step
    output.sub(torch.rand_like(output)).pow(2).mean().backward()
    assert decoder.convs["conv1_1"].weight.grad.abs().sum() > 0
