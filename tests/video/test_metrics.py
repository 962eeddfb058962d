"""Flicker: its definition on inputs whose answer is known."""

from __future__ import annotations

import pytest
import torch

from stylesynth.video.metrics import FlickerMeter, flicker


def test_flicker_is_zero_when_the_output_changes_as_the_content_does() -> None:
    content = torch.rand(5, 3, 8, 8)
    assert flicker(content, content + 0.1) == pytest.approx(0.0, abs=1e-7)
    half_the_motion = 0.5 * (content[1:] - content[:-1]).abs().mean().item()
    assert flicker(content, content * 0.5 + 0.2) == pytest.approx(half_the_motion)


def test_flicker_of_a_static_content_is_the_mean_frame_change() -> None:
    content = torch.zeros(3, 3, 4, 4)
    stylized = torch.stack([torch.zeros(3, 4, 4), torch.full((3, 4, 4), 0.2), torch.zeros(3, 4, 4)])
    assert flicker(content, stylized) == pytest.approx(0.2)


def test_flicker_meter_over_batches_equals_the_whole_clip() -> None:
    content, stylized = torch.rand(7, 3, 6, 6), torch.rand(7, 3, 6, 6)
    meter = FlickerMeter()
    for start in range(0, 7, 3):
        meter.update(content[start : start + 3], stylized[start : start + 3])
    assert meter.value == pytest.approx(flicker(content, stylized))


def test_flicker_rejects_mismatched_clips() -> None:
    with pytest.raises(ValueError, match="same shape with T >= 2"):
        flicker(torch.rand(3, 3, 4, 4), torch.rand(3, 3, 4, 5))
    with pytest.raises(ValueError, match="at least two frames"):
        _ = FlickerMeter().value
