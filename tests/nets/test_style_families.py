"""Magenta's networks behind the one Stylizer: codes, strength, mixing, masks, presets, colour, video, errors.

Every expectation is computed from the network itself (the port is checked against onnxruntime in
``test_magenta.py``): the Stylizer must add the family's formulas and nothing else.
"""

from __future__ import annotations

import pytest
import torch

from stylesynth.inference import Stylizer
from stylesynth.inference.color import keep_luminance
from stylesynth.video.stylize import VideoStylizer


@pytest.fixture(scope="module")
def arbitrary() -> Stylizer:
    return Stylizer.from_pretrained("magenta-arbitrary", device="cpu", precision="fp32")


@pytest.fixture(scope="module")
def presets() -> Stylizer:
    return Stylizer.from_pretrained("magenta-26", device="cpu", precision="fp32")


def images(seed: int, *shape: int) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


CONTENT = images(0, 1, 3, 36, 52)
STYLE_A, STYLE_B = images(1, 1, 3, 40, 40) * torch.tensor([1.0, 0.3, 0.2]).view(1, 3, 1, 1), images(2, 1, 3, 48, 32)


def test_bundled_names_load_their_family(arbitrary: Stylizer, presets: Stylizer) -> None:
    assert (arbitrary.kind, arbitrary.num_presets) == ("magenta-arbitrary", 0)
    assert (presets.kind, presets.num_presets) == ("magenta-26", 26)
    assert Stylizer.from_pretrained("adain-default", device="cpu").kind == "adain"


def test_arbitrary_style_is_the_network_with_the_predicted_code(arbitrary: Stylizer) -> None:
    network = arbitrary.network
    with torch.no_grad():
        expected = network(CONTENT, network.style_code(STYLE_A)).clamp(0, 1)
    torch.testing.assert_close(arbitrary.stylize(CONTENT, STYLE_A), expected)


def test_arbitrary_alpha_is_identity_interpolation_of_codes(arbitrary: Stylizer) -> None:
    network = arbitrary.network
    with torch.no_grad():
        style, own = network.style_code(STYLE_A), network.style_code(CONTENT)
        expected = network(CONTENT, 0.3 * style + 0.7 * own).clamp(0, 1)
        identity = network(CONTENT, own).clamp(0, 1)
    torch.testing.assert_close(arbitrary.stylize(CONTENT, STYLE_A, alpha=0.3), expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(arbitrary.stylize(CONTENT, STYLE_A, alpha=0.0), identity, atol=1e-5, rtol=1e-5)


def test_arbitrary_weights_mix_the_codes(arbitrary: Stylizer) -> None:
    network = arbitrary.network
    with torch.no_grad():
        code = 0.75 * network.style_code(STYLE_A) + 0.25 * network.style_code(STYLE_B)
        expected = network(CONTENT, code).clamp(0, 1)
    torch.testing.assert_close(arbitrary.stylize(CONTENT, [STYLE_A, STYLE_B], weights=[3, 1]), expected, atol=1e-5, rtol=1e-5)


def test_arbitrary_masks_blend_codes_per_pixel(arbitrary: Stylizer) -> None:
    full, empty = torch.ones(36, 52), torch.zeros(36, 52)
    plain = arbitrary.stylize(CONTENT, STYLE_A)
    torch.testing.assert_close(arbitrary.stylize(CONTENT, STYLE_A, mask=full), plain, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(arbitrary.stylize(CONTENT, STYLE_A, mask=empty), CONTENT, atol=1e-6, rtol=1e-6)  # the content's own pixels


def routed_regions_follow_their_styles(stylizer: Stylizer, first: object, second: object) -> None:
    """One mask, two styles: the top half (mask set) looks like the first style, the bottom like the second.

    Instance statistics are global, so a region is not identical to the whole image in its style;
    each must be at least 1.5 times closer to its own style than to the other.
    """
    content = images(5, 1, 3, 128, 160)
    top = torch.zeros(128, 160)
    top[:64] = 1.0
    routed = stylizer.stylize(content, [first, second], mask=top)
    only_first, only_second = stylizer.stylize(content, first), stylizer.stylize(content, second)
    for rows, own, other in ((slice(0, 40), only_first, only_second), (slice(88, 128), only_second, only_first)):
        near, far = (routed - own)[..., rows, :].abs().mean(), (routed - other)[..., rows, :].abs().mean()
        assert 1.5 * near < far, (stylizer.kind, rows, near, far)


def test_arbitrary_masks_route_styles(arbitrary: Stylizer) -> None:
    routed_regions_follow_their_styles(arbitrary, STYLE_A, STYLE_B)


def test_presets_by_index_and_by_weights(presets: Stylizer) -> None:
    network = presets.network
    with torch.no_grad():
        seven = network(CONTENT, 7).clamp(0, 1)
        weights = torch.zeros(1, 26)
        weights[0, 3], weights[0, 7] = 0.25, 0.75
        mixed = network(CONTENT, weights).clamp(0, 1)
    torch.testing.assert_close(presets.stylize(CONTENT, 7), seven)
    torch.testing.assert_close(presets.stylize(CONTENT, [3, 7], weights=[1, 3]), mixed, atol=1e-5, rtol=1e-5)


def test_presets_alpha_and_masks_blend_with_the_content(presets: Stylizer) -> None:
    seven = presets.stylize(CONTENT, 7)
    torch.testing.assert_close(presets.stylize(CONTENT, 7, alpha=0.4), (CONTENT + 0.4 * (seven - CONTENT)).clamp(0, 1), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(presets.stylize(CONTENT, 7, mask=torch.ones(36, 52)), seven, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(presets.stylize(CONTENT, 7, mask=torch.zeros(36, 52)), CONTENT, atol=1e-6, rtol=1e-6)
    routed_regions_follow_their_styles(presets, 2, 7)


def test_preserve_color_keeps_the_contents_colours(arbitrary: Stylizer, presets: Stylizer) -> None:
    photo = images(3, 1, 3, 48, 48) * torch.tensor([0.2, 0.9, 0.3]).view(1, 3, 1, 1)  # greenish
    for stylizer, style in ((arbitrary, STYLE_A), (presets, 7)):
        plain, kept = stylizer.stylize(photo, style), stylizer.stylize(photo, style, preserve_color=True)
        distance = lambda image: (image.mean((2, 3)) - photo.mean((2, 3))).norm()  # noqa: E731
        assert distance(kept) < 0.5 * distance(plain), (stylizer.kind, distance(kept), distance(plain))
    torch.testing.assert_close(presets.stylize(photo, 7, preserve_color=True), keep_luminance(presets.stylize(photo, 7), photo))


def test_style_kinds_are_checked_before_work(arbitrary: Stylizer, presets: Stylizer) -> None:
    with pytest.raises(ValueError, match="preset index 0-25"):
        presets.stylize(CONTENT, STYLE_A)
    with pytest.raises(ValueError, match="preset 26 does not exist; this model's presets are 0-25"):
        presets.stylize(CONTENT, 26)
    with pytest.raises(ValueError, match="takes style images, not preset indices"):
        arbitrary.stylize(CONTENT, 3)
    with pytest.raises(ValueError, match="stats applies to AdaIN checkpoints only"):
        Stylizer.from_pretrained("magenta-26", stats="unbiased")
    with pytest.raises(ValueError, match="style_size resizes style images, and these styles are presets"):
        presets.stylize(CONTENT, 3, style_size=64)
    with pytest.raises(ValueError, match="at least 8 pixels"):
        arbitrary.stylize(torch.rand(1, 3, 7, 30), STYLE_A)


@pytest.mark.parametrize(("height", "width"), [(8, 8), (37, 61), (100, 9)])
def test_any_content_size_comes_back_at_that_size(arbitrary: Stylizer, presets: Stylizer, height: int, width: int) -> None:
    content = torch.rand(3, height, width)
    assert arbitrary.stylize(content, STYLE_A[0]).shape == (3, height, width)
    assert presets.stylize(content, 5).shape == (3, height, width)


def test_video_frames_use_the_same_rendering(presets: Stylizer, arbitrary: Stylizer) -> None:
    frames = images(4, 3, 3, 32, 40)
    torch.testing.assert_close(VideoStylizer(presets, [1, 9], weights=[1, 1], stable=False)(frames), presets.stylize(frames, [1, 9]), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(VideoStylizer(arbitrary, STYLE_A, alpha=0.5, stable=False)(frames), arbitrary.stylize(frames, STYLE_A, alpha=0.5), atol=1e-5, rtol=1e-5)


def test_bf16_is_close_to_fp32(arbitrary: Stylizer) -> None:
    low = Stylizer.from_pretrained("magenta-arbitrary", device="cpu", precision="bf16")
    difference = (low.stylize(CONTENT, STYLE_A) - arbitrary.stylize(CONTENT, STYLE_A)).abs()
    assert difference.mean() < 0.02, difference.mean()


@pytest.mark.parametrize("model", ["magenta-arbitrary", "adain-default", "magenta-26"])
def test_one_mask_one_style_keeps_the_contents_own_pixels_outside(model: str) -> None:
    """Outside the mask (beyond the soft edge) the output is the content itself, for every family."""
    stylizer = Stylizer.from_pretrained(model, device="cpu", precision="fp32")
    content = images(6, 1, 3, 64, 96)
    mask = torch.zeros(64, 96)
    mask[:, :40] = 1.0
    style = 4 if stylizer.num_presets else STYLE_A
    out = stylizer.stylize(content, style, mask=mask)
    torch.testing.assert_close(out[..., 50:], content[..., 50:], atol=1e-6, rtol=1e-6)
    inside = stylizer.stylize(content, style)
    assert (out[..., :30] - inside[..., :30]).abs().mean() < (content[..., :30] - inside[..., :30]).abs().mean() / 2
