"""Stylizer: the paper's formulas (alpha, interpolation, masks), sizes, input types, caching, threads."""

from __future__ import annotations

import threading

import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from stylesynth.inference import Stylizer
from stylesynth.io import ImageError
from stylesynth.norm.functional import adain, channel_stats

from .conftest import make_network, random_image


class RecordingDecoder(nn.Module):
    """Stands in for the decoder: records the AdaIN target t and returns an 8x-sized image."""

    levels = ("relu4_1",)  # the paper's decoder reads relu4_1 only

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[torch.Tensor] = []

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        self.targets.append(features.clone())
        return F.interpolate(features[:, :3], scale_factor=8.0, mode="nearest")


@pytest.fixture()
def recording() -> tuple[Stylizer, RecordingDecoder]:
    network = make_network()
    network.decoder = RecordingDecoder()
    return Stylizer(network, device="cpu", precision="fp32", cache_size=0), network.decoder


def test_alpha_zero_decodes_the_content_features(stylizer):
    content = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        expected = stylizer.network.decoder(stylizer.network.encoder.encode(content)).clamp(0, 1)
    torch.testing.assert_close(stylizer.stylize(content, torch.rand(3, 64, 64), alpha=0.0), expected)


def test_alpha_mixes_target_and_content_features(recording):
    stylizer, decoder = recording
    content, style = torch.rand(1, 3, 64, 64), torch.rand(1, 3, 48, 40)
    stylizer.stylize(content, style, alpha=0.3)
    features = stylizer.network.encoder.encode(content)
    full = adain(features, stylizer.network.encoder.encode(style))
    torch.testing.assert_close(decoder.targets[-1], 0.3 * full + 0.7 * features)


def test_weights_are_normalized_to_sum_one(recording):
    stylizer, decoder = recording
    content, style_a, style_b = torch.rand(1, 3, 64, 64), torch.rand(1, 3, 40, 40), torch.rand(1, 3, 56, 48)
    stylizer.stylize(content, [style_a, style_b], weights=[3.0, 1.0])
    encode = stylizer.network.encoder.encode
    expected = 0.75 * adain(encode(content), encode(style_a)) + 0.25 * adain(encode(content), encode(style_b))
    torch.testing.assert_close(decoder.targets[-1], expected)
    stylizer.stylize(content, [style_a, style_b], weights=[0.75, 0.25])
    torch.testing.assert_close(decoder.targets[-1], decoder.targets[-2])


def test_mask_routes_each_region_to_its_style(recording):
    stylizer, decoder = recording
    content, style_a, style_b = torch.rand(1, 3, 64, 64), torch.rand(1, 3, 40, 40), torch.rand(1, 3, 48, 48)
    mask = torch.zeros(64, 64)
    mask[:, :24] = 1.0  # feature columns 0-2 (of 8) take style a
    stylizer.stylize(content, [style_a, style_b], mask=mask)
    target = decoder.targets[-1]
    encode = stylizer.network.encoder.encode
    features = encode(content)
    left, right = features[..., :3], features[..., 3:]
    torch.testing.assert_close(target[..., :3], adain(left.flatten(2), style_stats=channel_stats(encode(style_a))).view_as(left))
    torch.testing.assert_close(target[..., 3:], adain(right.flatten(2), style_stats=channel_stats(encode(style_b))).view_as(right))


def test_single_mask_single_style_keeps_content_outside(recording):
    stylizer, decoder = recording
    content, style = torch.rand(1, 3, 64, 64), torch.rand(1, 3, 40, 40)
    mask = torch.zeros(64, 64, dtype=torch.bool)
    mask[:32] = True
    stylizer.stylize(content, style, mask=mask)
    features = stylizer.network.encoder.encode(content)
    torch.testing.assert_close(decoder.targets[-1][..., 4:, :], features[..., 4:, :])
    assert not torch.allclose(decoder.targets[-1][..., :4, :], features[..., :4, :])


@pytest.mark.parametrize(("height", "width"), [(97, 131), (64, 64), (17, 200)])
def test_output_has_the_input_size(stylizer, height, width):
    out = stylizer.stylize(torch.rand(3, height, width), torch.rand(3, 32, 32))
    assert out.shape == (3, height, width)


def test_size_resizes_the_shorter_side(stylizer):
    out = stylizer.stylize(random_image(131, 97), random_image(40, 40), size=48)
    assert isinstance(out, Image.Image) and out.size == (64, 48)


def test_types_round_trip(stylizer):
    uint8 = stylizer.stylize(torch.randint(0, 256, (2, 3, 40, 48), dtype=torch.uint8), torch.rand(3, 32, 32))
    assert uint8.dtype == torch.uint8 and uint8.shape == (2, 3, 40, 48)
    double = stylizer.stylize(torch.rand(3, 40, 48, dtype=torch.float64), torch.rand(3, 32, 32))
    assert double.dtype == torch.float64 and 0 <= double.min() and double.max() <= 1


def test_batch_equals_one_by_one(stylizer):
    contents, style = torch.rand(2, 3, 48, 40), torch.rand(3, 32, 32)
    batched = stylizer.stylize(contents, style)
    for index in range(2):
        torch.testing.assert_close(batched[index], stylizer.stylize(contents[index], style), rtol=1e-4, atol=1e-4)  # outputs have a std of about 6


def test_preserve_color_output_differs_and_keeps_size(stylizer):
    content = torch.rand(3, 40, 56) * torch.tensor([1.0, 0.2, 0.2]).view(3, 1, 1)  # reddish
    style = torch.rand(3, 32, 32) * torch.tensor([0.1, 0.2, 1.0]).view(3, 1, 1)  # bluish
    plain = stylizer.stylize(content, style)
    kept = stylizer.stylize(content, style, preserve_color=True)
    assert kept.shape == plain.shape and not torch.allclose(kept, plain)


def test_style_codes_are_cached_by_pixels():
    stylizer = Stylizer(make_network(), device="cpu", precision="fp32", cache_size=2)
    style = torch.rand(3, 32, 32)
    for _ in range(3):
        stylizer.stylize(torch.rand(3, 32, 32), style)
    assert (stylizer.cache.misses, stylizer.cache.hits) == (1, 2)
    style[0, 0, 0] = 1.0 - style[0, 0, 0]  # edited in place: a new image, a new entry
    stylizer.stylize(torch.rand(3, 32, 32), style)
    assert stylizer.cache.misses == 2
    for _ in range(3):
        stylizer.style_code(torch.rand(3, 32, 32))
    assert len(stylizer.cache) == 2  # bounded


def test_concurrent_calls_match_serial_calls(stylizer):
    generator = torch.Generator().manual_seed(0)
    jobs = [(torch.rand(3, 24 + 4 * i, 32, generator=generator), torch.rand(3, 24, 24 + i, generator=generator), i / 8) for i in range(8)]
    serial = [stylizer.stylize(content, style, alpha=alpha) for content, style, alpha in jobs]
    results: list[torch.Tensor | None] = [None] * 8
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(index: int) -> None:
        try:
            barrier.wait()
            content, style, alpha = jobs[index]
            results[index] = stylizer.stylize(content, style, alpha=alpha)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for expected, got in zip(serial, results, strict=True):
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("alpha", [-0.1, 1.5, float("nan")])
def test_alpha_outside_unit_interval_is_rejected(stylizer, alpha):
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        stylizer.stylize(torch.rand(3, 32, 32), torch.rand(3, 32, 32), alpha=alpha)


def test_weights_count_mismatch_is_rejected(stylizer):
    with pytest.raises(ValueError, match="2 weight.*3 style"):
        stylizer.stylize(torch.rand(3, 32, 32), [torch.rand(3, 32, 32)] * 3, weights=[0.5, 0.5])
    with pytest.raises(ValueError, match="non-negative"):
        stylizer.stylize(torch.rand(3, 32, 32), [torch.rand(3, 32, 32)] * 2, weights=[1.5, -0.5])


def test_mask_size_mismatch_is_rejected(stylizer):
    with pytest.raises(ImageError, match="32x24 does not match the content's size 40x32"):
        stylizer.stylize(torch.rand(3, 32, 40), torch.rand(3, 32, 32), mask=torch.ones(24, 32))


def test_mask_count_mismatch_is_rejected(stylizer):
    with pytest.raises(ValueError, match="2 mask.*3 style"):
        stylizer.stylize(torch.rand(3, 32, 32), [torch.rand(3, 32, 32)] * 3, mask=[torch.ones(32, 32)] * 2)


def test_bad_images_are_rejected(stylizer, images):
    with pytest.raises(ImageError, match="content: .*not a readable image"):
        stylizer.stylize(images["broken"], images["style_a"])
    with pytest.raises(ImageError, match="style: .*missing.png: file not found"):
        stylizer.stylize(images["content"], images["content"].with_name("missing.png"))
    with pytest.raises(ImageError, match="at least 16 pixels"):
        stylizer.stylize(torch.rand(3, 8, 64), torch.rand(3, 32, 32))
    with pytest.raises(ImageError, match=r"shape \(3, H, W\)"):
        stylizer.stylize(torch.rand(4, 32, 32), torch.rand(3, 32, 32))
    with pytest.raises(TypeError, match="PIL image"):
        stylizer.stylize([[0.5]], torch.rand(3, 32, 32))
