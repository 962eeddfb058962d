"""The stable mode's statistics: the EMA formula, resets at scene cuts, and the style-statistics identity."""

from __future__ import annotations

import pytest
import torch

from stylesynth.norm.functional import adain, channel_stats
from stylesynth.video.temporal import TemporalStatistics, smoothed_style_statistics


def test_moving_average_follows_the_formula_across_batches() -> None:
    means = torch.rand(6, 4, 1, 1) + 1.0
    stds = torch.rand(6, 4, 1, 1) + 1.0
    temporal = TemporalStatistics(momentum=0.7, cut_threshold=10.0)
    first = temporal.update(means[:4], stds[:4])
    second = temporal.update(means[4:], stds[4:])
    got_mean, got_std = torch.cat([first[0], second[0]]), torch.cat([first[1], second[1]])
    expected_mean, expected_std = means[0].clone(), stds[0].clone()
    for index in range(6):
        if index:
            expected_mean = 0.7 * expected_mean + 0.3 * means[index]
            expected_std = 0.7 * expected_std + 0.3 * stds[index]
        torch.testing.assert_close(got_mean[index], expected_mean)
        torch.testing.assert_close(got_std[index], expected_std)
    assert temporal.cuts == [0]


def test_a_jump_in_the_means_restarts_the_average() -> None:
    means = torch.ones(5, 8, 1, 1)
    means[3:] += 5.0  # a new scene from frame 3
    stds = torch.ones(5, 8, 1, 1)
    temporal = TemporalStatistics(momentum=0.9, cut_threshold=0.5)
    smoothed_mean, _ = temporal.update(means, stds)
    assert temporal.cuts == [0, 3]
    torch.testing.assert_close(smoothed_mean[3], means[3])


def test_zero_momentum_is_plain_adain_statistics() -> None:
    means, stds = torch.rand(3, 4, 1, 1), torch.rand(3, 4, 1, 1) + 0.5
    smoothed = TemporalStatistics(momentum=0.0).update(means, stds)
    torch.testing.assert_close(smoothed[0], means)
    torch.testing.assert_close(smoothed[1], stds)


def test_smoothed_style_statistics_make_adain_normalize_by_the_smoothed_statistics() -> None:
    features = torch.randn(3, 5, 6, 7, dtype=torch.float64) * 2 + 1
    frame = channel_stats(features)
    smoothed = (frame[0] + 0.3, frame[1] * 1.4)
    style = (torch.randn(1, 5, 1, 1, dtype=torch.float64), torch.rand(1, 5, 1, 1, dtype=torch.float64) + 0.5)
    got = adain(features, style_stats=smoothed_style_statistics(frame, smoothed, style))
    expected = style[1] * (features - smoothed[0]) / smoothed[1] + style[0]
    torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("momentum", [-0.1, 1.0, True, "0.5"])
def test_bad_momentum_is_refused(momentum: object) -> None:
    with pytest.raises(ValueError, match=r"momentum must be a number in \[0, 1\)"):
        TemporalStatistics(momentum=momentum)  # type: ignore[arg-type]


def test_bad_cut_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match="cut_threshold must be a positive number"):
        TemporalStatistics(cut_threshold=0)
