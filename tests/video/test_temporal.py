"""The stable mode's blend: its formula, where it holds still and where it follows, and restarts at scene cuts."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from stylesynth.video.temporal import TemporalBlend


def test_static_content_converges_to_the_average_of_the_outputs() -> None:
    content = torch.full((6, 3, 16, 16), 0.5)
    stylized = torch.rand(6, 3, 16, 16)
    blend = TemporalBlend(keep=0.8)
    out = blend(content[:3], stylized[:3])
    out = torch.cat([out, blend(content[3:], stylized[3:])])
    expected = stylized[0]
    for index in range(1, 6):
        expected = 0.8 * expected + 0.2 * stylized[index]  # unchanged content: the full weight k
        torch.testing.assert_close(out[index], expected)
    assert blend.cuts == [0]


def test_weight_follows_the_formula_for_a_small_change() -> None:
    content = torch.full((2, 3, 12, 12), 0.5)
    content[1] += 0.02  # a uniform change below the cut threshold
    stylized = torch.stack([torch.zeros(3, 12, 12), torch.ones(3, 12, 12)])
    out = TemporalBlend(keep=0.8, tolerance=0.05)(content, stylized)
    weight = 0.8 * torch.exp(torch.tensor(-((0.02 / 0.05) ** 2)))
    torch.testing.assert_close(out[1], torch.full((3, 12, 12), 1 - weight.item()))


def test_moving_regions_follow_the_new_output() -> None:
    content = torch.zeros(2, 3, 32, 32)
    content[1, :, 10:20, 10:20] = 0.9  # a square appears
    stylized = torch.stack([torch.zeros(3, 32, 32), torch.ones(3, 32, 32)])
    out = TemporalBlend(keep=0.8)(content, stylized)
    assert out[1, :, 15, 15].min() > 0.99  # where it changed: the new frame
    assert out[1, :, 0, 0].max() < 0.21  # far from it: mostly the past (weight 0.8)
    near_edge = F.max_pool2d(F.pad(content[1:, :1], [1] * 4), 3, 1).squeeze()  # the square and its rim
    assert out[1, 0][near_edge > 0].min() > 0.99


def test_a_scene_cut_restarts_from_the_new_frame() -> None:
    content = torch.zeros(4, 3, 16, 16)
    content[2:] = 0.8
    stylized = torch.rand(4, 3, 16, 16)
    blend = TemporalBlend()
    out = blend(content, stylized)
    assert blend.cuts == [0, 2]
    torch.testing.assert_close(out[2], stylized[2])


def test_zero_keep_is_plain_per_frame_output() -> None:
    content, stylized = torch.rand(3, 3, 8, 8), torch.rand(3, 3, 8, 8)
    torch.testing.assert_close(TemporalBlend(keep=0.0)(content, stylized), stylized)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"keep": 1.0}, r"keep must be a number in \[0, 1\)"),
        ({"keep": True}, r"keep must be a number in \[0, 1\)"),
        ({"tolerance": 0}, "tolerance must be a positive number"),
        ({"cut_threshold": "0.1"}, "cut_threshold must be a positive number"),
    ],
)
def test_bad_settings_are_refused(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TemporalBlend(**options)


def test_mismatched_frames_are_refused() -> None:
    with pytest.raises(ValueError, match="do not match"):
        TemporalBlend()(torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 9))
