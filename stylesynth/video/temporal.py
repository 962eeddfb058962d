r"""Temporally stable AdaIN: the content statistics smoothed over frames, reset at scene cuts.

Per-frame AdaIN flickers because each frame is normalized by its own relu4_1 channel statistics
:math:`(\mu_t, \sigma_t)`, which jump from frame to frame even when the picture barely moves. The
stable mode normalizes frame :math:`t` by an exponential moving average of them instead:

.. math::
    \bar\mu_t = m\,\bar\mu_{t-1} + (1 - m)\,\mu_t, \qquad
    \bar\sigma_t = m\,\bar\sigma_{t-1} + (1 - m)\,\sigma_t, \qquad
    \mathrm{AdaIN}_{\mathrm{stable}}(f_t, s) = \sigma_s\,\frac{f_t - \bar\mu_t}{\bar\sigma_t} + \mu_s

(momentum :math:`m`, per channel; the first frame starts the average). A scene cut restarts it at the
new frame's statistics: a cut is a frame whose means move, relative to the running spread, by more
than a threshold,

.. math:: d_t = \frac{\sum_c |\mu_{t,c} - \bar\mu_{t-1,c}|}{\sum_c \bar\sigma_{t-1,c}} > \tau .

The stylizer's AdaIN takes its content statistics from the features themselves, so the smoothing
is handed to it as per-frame style statistics that give exactly the formula above:
:math:`\sigma'_s = \sigma_s\,\sigma_t / \bar\sigma_t`, :math:`\mu'_s = \mu_s + \sigma_s(\mu_t - \bar\mu_t)/\bar\sigma_t`
(:func:`smoothed_style_statistics`). With a mask, each region keeps its own AdaIN and the whole
frame's correction is applied to it.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["TemporalStatistics", "smoothed_style_statistics"]

Stats = tuple[Tensor, Tensor]


class TemporalStatistics:
    """The running average of content statistics over a stream of frames, reset at scene cuts.

    Args:
        momentum: weight :math:`m` of the past in the moving average, in [0, 1); 0 turns smoothing off.
        cut_threshold: :math:`\\tau`, the relative jump of the channel means that marks a scene cut.

    Feed batches of consecutive frames in order; one instance per clip or per webcam session.
    """

    def __init__(self, momentum: float = 0.8, cut_threshold: float = 0.5) -> None:
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be a number in [0, 1), got {momentum!r}")
        if isinstance(cut_threshold, bool) or not isinstance(cut_threshold, (int, float)) or not cut_threshold > 0:
            raise ValueError(f"cut_threshold must be a positive number, got {cut_threshold!r}")
        self.momentum = float(momentum)
        self.cut_threshold = float(cut_threshold)
        self.cuts: list[int] = []  # frame indices where the average restarted (0 = the first frame)
        self._frames = 0
        self._mean: Tensor | None = None
        self._std: Tensor | None = None

    def reset(self) -> None:
        """Forgets the past: the next frame starts a new average (as at a scene cut)."""
        self._mean = self._std = None

    def update(self, mean: Tensor, std: Tensor) -> Stats:
        """Takes the ``(N, C, 1, 1)`` statistics of ``N`` consecutive frames; returns their smoothed ones."""
        smoothed_mean, smoothed_std = torch.empty_like(mean), torch.empty_like(std)
        for index in range(mean.shape[0]):
            frame_mean, frame_std = mean[index], std[index]
            if self._mean is None or self._is_cut(frame_mean):
                self.cuts.append(self._frames)
                self._mean, self._std = frame_mean, frame_std
            else:
                self._mean = self.momentum * self._mean + (1.0 - self.momentum) * frame_mean
                self._std = self.momentum * self._std + (1.0 - self.momentum) * frame_std
            smoothed_mean[index], smoothed_std[index] = self._mean, self._std
            self._frames += 1
        return smoothed_mean, smoothed_std

    def _is_cut(self, frame_mean: Tensor) -> bool:
        jump = (frame_mean - self._mean).abs().sum() / self._std.sum()
        return bool(jump > self.cut_threshold)


def smoothed_style_statistics(frame: Stats, smoothed: Stats, style: Stats) -> Stats:
    r"""Style statistics that make plain AdaIN of a frame normalize it by ``smoothed`` instead of its own ``frame`` statistics.

    .. math:: \sigma'_s = \sigma_s\,\frac{\sigma_t}{\bar\sigma_t}, \qquad \mu'_s = \mu_s + \sigma_s\,\frac{\mu_t - \bar\mu_t}{\bar\sigma_t}

    so that :math:`\sigma'_s (f - \mu_t)/\sigma_t + \mu'_s = \sigma_s (f - \bar\mu_t)/\bar\sigma_t + \mu_s`.
    All pairs are ``(mean, std)`` of shape ``(N or 1, C, 1, 1)``; the result has the frames' batch size.
    """
    frame_mean, frame_std = frame
    smooth_mean, smooth_std = smoothed
    style_mean, style_std = style
    return style_mean + style_std * (frame_mean - smooth_mean) / smooth_std, style_std * frame_std / smooth_std
