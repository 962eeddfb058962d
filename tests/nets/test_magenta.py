"""The Magenta arbitrary-style port against onnxruntime's outputs of the same graphs (activation quantization bypassed).

The reference file is written by ``scripts/convert_magenta.py --fixtures tests/nets/data``: two
inputs (a photo and noise, stored at 96x96 and 64x64 as uint8 and enlarged x4 by nearest
neighbour to the graphs' 384x384 and 256x256), the float graphs' codes and every second pixel of
their output images.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from stylesynth.io import CheckpointError
from stylesynth.nets import DumoulinNetwork, GhiasiTransformer, MagentaArbitraryNetwork

REFERENCE = Path(__file__).parent / "data" / "magenta_arbitrary_reference.safetensors"


@pytest.fixture(scope="module")
def network() -> MagentaArbitraryNetwork:
    return MagentaArbitraryNetwork.from_pretrained("magenta-arbitrary")


def enlarged(image: torch.Tensor) -> torch.Tensor:
    return image.float().div(255).repeat_interleave(4, 2).repeat_interleave(4, 3)


@pytest.mark.parametrize("index", [0, 1])
def test_port_matches_the_float_graphs(network: MagentaArbitraryNetwork, index: int) -> None:
    reference = load_file(str(REFERENCE))
    content, style = enlarged(reference[f"content{index}"]), enlarged(reference[f"style{index}"])
    with torch.no_grad():
        code = network.predictor(style)
        image = network(content, code)
    torch.testing.assert_close(code, reference[f"code{index}"], atol=1e-4, rtol=1e-4)
    levels = (image[:, :, ::2, ::2] - reference[f"image{index}"]).abs() * 255
    assert levels.mean() < 0.05 and levels.max() < 1.0, (levels.mean(), levels.max())


def test_any_content_size_gives_that_size(network: MagentaArbitraryNetwork) -> None:
    code = network.style_code(torch.rand(1, 3, 180, 300))
    for height, width in [(8, 8), (9, 13), (101, 77), (64, 250)]:
        with torch.no_grad():
            out = network(torch.rand(1, 3, height, width), code)
        assert out.shape == (1, 3, height, width)
        assert 0 <= out.min() and out.max() <= 1


def test_padding_does_not_change_the_inside_much(network: MagentaArbitraryNetwork) -> None:
    """A 98x98 content is padded to 100x100 by reflection: away from the padded edge it matches the unpadded network."""
    content = torch.rand(1, 3, 100, 100)
    code = network.style_code(torch.rand(1, 3, 64, 64))
    with torch.no_grad():
        full = network(content, code)
        cropped = network(content[..., :98, :98], code)
    assert (full[..., :80, :80] - cropped[..., :80, :80]).abs().mean() < 0.02


def test_too_small_content_is_a_value_error(network: MagentaArbitraryNetwork) -> None:
    code = torch.zeros(1, 100)
    with pytest.raises(ValueError, match="at least 8x8"):
        network(torch.rand(1, 3, 7, 40), code)


def test_a_code_map_with_one_code_everywhere_equals_that_code(network: MagentaArbitraryNetwork) -> None:
    content = torch.rand(1, 3, 37, 50)
    code = network.style_code(torch.rand(1, 3, 64, 64))
    with torch.no_grad():
        plain = network(content, code)
        mapped = network(content, code[:, :, None, None].expand(1, 100, 37, 50))
    torch.testing.assert_close(plain, mapped, atol=1e-5, rtol=1e-5)


def test_a_half_and_half_code_map_takes_each_style_on_its_side(network: MagentaArbitraryNetwork) -> None:
    content = torch.rand(1, 3, 64, 128)
    codes = network.style_code(torch.rand(2, 3, 64, 64))
    mask = torch.zeros(1, 1, 64, 128)
    mask[..., 64:] = 1
    code_map = codes[0, :, None, None] * (1 - mask) + codes[1, :, None, None] * mask
    with torch.no_grad():
        left, right, mixed = network(content, codes[:1]), network(content, codes[1:]), network(content, code_map)
    inner_left, inner_right = (slice(16, 48), slice(8, 40)), (slice(16, 48), slice(88, 120))
    assert (mixed[0][:, inner_left[0], inner_left[1]] - left[0][:, inner_left[0], inner_left[1]]).abs().mean() < (
        mixed[0][:, inner_left[0], inner_left[1]] - right[0][:, inner_left[0], inner_left[1]]
    ).abs().mean()
    assert (mixed[0][:, inner_right[0], inner_right[1]] - right[0][:, inner_right[0], inner_right[1]]).abs().mean() < (
        mixed[0][:, inner_right[0], inner_right[1]] - left[0][:, inner_right[0], inner_right[1]]
    ).abs().mean()


def test_strength_zero_is_the_content_code_and_one_the_style_code() -> None:
    style, content = torch.randn(2, 100), torch.randn(2, 100)
    torch.testing.assert_close(MagentaArbitraryNetwork.blend(style, content, 0.0), content)
    torch.testing.assert_close(MagentaArbitraryNetwork.blend(style, content, 1.0), style)
    torch.testing.assert_close(MagentaArbitraryNetwork.blend(style, content, 0.25), 0.25 * style + 0.75 * content)


def test_checkpoint_of_another_kind_is_refused() -> None:
    with pytest.raises(CheckpointError, match="expected a 'magenta-arbitrary' one"):
        MagentaArbitraryNetwork.from_pretrained("adain-default")
    with pytest.raises(CheckpointError, match="expected a 'magenta-arbitrary' one"):
        MagentaArbitraryNetwork.from_config({"kind": "adain"})


def test_transformer_width_sets_the_channels() -> None:
    transformer = GhiasiTransformer(width=0.5, code_dim=10)
    out = transformer(torch.rand(2, 3, 16, 20), torch.randn(2, 10))
    assert out.shape == (2, 3, 16, 20)
    assert transformer.contract[0][1].out_channels == 16


REFERENCE_26 = Path(__file__).parent / "data" / "magenta_26_reference.safetensors"


@pytest.fixture(scope="module")
def network26() -> DumoulinNetwork:
    return DumoulinNetwork.from_pretrained("magenta-26")


def test_26_style_port_matches_the_graph_for_a_preset_and_a_mixture(network26: DumoulinNetwork) -> None:
    reference = load_file(str(REFERENCE_26))
    content = reference["content"].float() / 255
    with torch.no_grad():
        preset = network26(content, 5)
        mixed = network26(content, reference["mix"][None])
    assert ((preset - reference["preset5"]).abs() * 255).max() < 0.1
    assert ((mixed - reference["mixed"]).abs() * 255).max() < 0.1


def test_26_style_one_hot_weights_equal_the_preset_id(network26: DumoulinNetwork) -> None:
    content = torch.rand(2, 3, 33, 47)
    with torch.no_grad():
        by_id = network26(content, torch.tensor([4, 20]))
        by_weights = network26(content, torch.eye(26)[[4, 20]])
    torch.testing.assert_close(by_id, by_weights, atol=1e-5, rtol=1e-5)
    assert by_id.shape == content.shape


def test_26_style_unknown_preset_is_a_value_error(network26: DumoulinNetwork) -> None:
    with pytest.raises(ValueError, match=r"style ids must lie in \[0, 25\]"):
        network26(torch.rand(1, 3, 16, 16), 26)


def test_26_style_config_without_its_settings_is_a_checkpoint_error() -> None:
    with pytest.raises(CheckpointError, match="invalid magenta-26 config"):
        DumoulinNetwork.from_config({"kind": "magenta-26"})
